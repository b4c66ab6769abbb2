// The workbench as a user drives it: Explorer rows and menus, the command palette, notifications.

export const STEP_TIMEOUT_MS = 60_000;

export function explorerRow(page, name) {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).first();
}

/**
 * The Explorer row of `name`, scrolled into view: the list only renders the rows on screen, and
 * the workspace holds more files than fit (an expanded folder pushes the rest down).
 */
export async function shownExplorerRow(page, name) {
  const row = explorerRow(page, name);
  if (await row.isVisible()) return row;
  await page.locator('.explorer-folders-view .monaco-list').first().hover();
  await page.mouse.wheel(0, -10_000);
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(100);
    if (await row.isVisible()) return row;
    await page.mouse.wheel(0, 120);
  }
  throw new Error(`${name} is not in the Explorer`);
}

/** Right-clicks a file in the Explorer and picks an item of its context menu. */
export async function contextMenu(page, file, item) {
  await (await shownExplorerRow(page, file)).click({ button: 'right' });
  const action = page.locator('.monaco-menu .action-item', { hasText: item }).first();
  await action.waitFor();
  await page.waitForTimeout(300); // the menu must settle before a click lands on it
  await action.click();
}

export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await input.press('Enter');
}

/** Waits until the workbench knows the extension's commands (its host may still be starting). */
export async function waitForExtension(page) {
  const end = Date.now() + STEP_TIMEOUT_MS;
  const input = page.locator('.quick-input-widget input');
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Edgewise: Open Model Graph');
    const found = await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Edgewise: Open Model Graph' }).first()
      .waitFor({ timeout: 2000 }).then(() => true, () => false);
    await input.press('Escape');
    if (found) return;
    if (Date.now() > end) throw new Error('the Edgewise commands never appeared in the command palette');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until `locator`'s element has stopped moving and fading in (menus and pickers animate open). */
export async function settled(locator) {
  let last = '';
  for (let i = 0; i < 50; i++) {
    const now = await locator.evaluate((el) => {
      const b = el.getBoundingClientRect();
      const running = el.getAnimations({ subtree: true }).some((a) => a.playState === 'running');
      return running ? 'running' : `${b.x},${b.y},${b.width},${b.height},${getComputedStyle(el).opacity}`;
    }).catch(() => 'gone');
    if (now === last && now !== 'running' && now !== 'gone') return;
    last = now;
    await new Promise((r) => setTimeout(r, 60));
  }
}

/**
 * Clears the notifications earlier steps left (a training result, a saved file...): a step's
 * screenshot shows what the step is about, not toasts from before it.
 */
export async function clearNotifications(page) {
  if ((await page.locator('.notification-toast, .notifications-center.visible .notification-list-item').count()) === 0) return;
  await runCommand(page, 'Notifications: Clear All Notifications');
  if (await page.locator('.notifications-center.visible').count()) await runCommand(page, 'Notifications: Hide Notifications');
  await page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
}

export async function closeAllEditors(page) {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('iframe.webview:visible').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}
