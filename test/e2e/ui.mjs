// UI checks in the real workbench: what a user does, with a screenshot after each step.
import * as path from 'node:path';

const STEP_TIMEOUT_MS = 60_000;

/** The graph webview of the active editor (webviews are two nested iframes). */
function graphFrame(page) {
  return page.frameLocator('iframe.webview:visible').frameLocator('#active-frame');
}

function explorerRow(page, name) {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).first();
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await input.press('Enter');
}

async function closeAllEditors(page) {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('iframe.webview:visible').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

/** The graph page has rendered something: the webview's root holds a drawing or a message. */
async function waitForGraph(frame) {
  const root = frame.locator('#edgewise-root');
  await root.waitFor({ state: 'visible' });
  await frame.locator('#edgewise-root:not(.loading)').waitFor({ timeout: STEP_TIMEOUT_MS });
  return root;
}

export async function runUiChecks(page, url, shots, log) {
  const steps = [
    ['workbench-open', async () => {
      await page.goto(url);
      await explorerRow(page, 'fmnist_cnn.onnx').waitFor({ timeout: STEP_TIMEOUT_MS });
    }],
    ['explorer-context-menu', async () => {
      await explorerRow(page, 'fmnist_cnn.onnx').click({ button: 'right' });
      await page.locator('.monaco-menu .action-item', { hasText: 'Open Model Graph' }).first().waitFor();
    }],
    ['graph-renders', async () => {
      await page.locator('.monaco-menu .action-item', { hasText: 'Open Model Graph' }).first().click();
      const root = await waitForGraph(graphFrame(page));
      const text = await root.innerText();
      if (/not implemented|error/i.test(text)) throw new Error(`the graph shows: ${text.slice(0, 200)}`);
    }],
    ['large-model-opens', async () => {
      await closeAllEditors(page);
      await explorerRow(page, 'deep_1200.onnx').dblclick();
      const root = await waitForGraph(graphFrame(page));
      const text = await root.innerText();
      if (/not implemented|error/i.test(text)) throw new Error(`the graph shows: ${text.slice(0, 200)}`);
    }],
    ['corrupt-model-error', async () => {
      await closeAllEditors(page);
      await explorerRow(page, 'corrupt.onnx').dblclick();
      const root = await waitForGraph(graphFrame(page));
      await root.getByText(/not a valid ONNX/).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    }],
  ];

  let passed = 0;
  let failed = 0;
  for (const [i, [name, run]] of steps.entries()) {
    const shot = path.join(shots, `${String(i + 1).padStart(2, '0')}-${name}.png`);
    try {
      await run();
      passed++;
      log(`ok   ${name}`);
    } catch (e) {
      failed++;
      log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    }
    await page.screenshot({ path: shot }).catch((e) => log(`no screenshot for ${name}: ${e.message}`));
  }
  return { passed, failed };
}
