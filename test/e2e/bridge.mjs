// The runner's side of the UI bridge (suite/helpers.ts): while the extension-host suite runs,
// answers its requests to look at the page (poll a function in the graph webview, screenshot,
// press a notification's button, read the text of a part of the workbench).
import * as fs from 'node:fs';
import * as path from 'node:path';

function graphRoot(page) {
  return page.frameLocator('iframe.webview:visible').frameLocator('#active-frame').locator('#edgewise-root');
}

async function untilInGraph(page, { fn, timeoutMs }) {
  // Playwright sends a function's source to the page and calls it there.
  const pageFunction = (0, eval)(`(${fn})`);
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    // A function source evaluated through the debugger protocol: the page's CSP does not apply.
    last = await graphRoot(page).evaluate(pageFunction, undefined, { timeout: 2000 }).catch((e) => `(${e.message.split('\n')[0]})`);
    if (last && !(typeof last === 'string' && last.startsWith('('))) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${fn} stayed falsy for ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Waits for a notification containing `contains`, returns its text and clicks its button labelled `button`. */
async function clickNotification(page, { contains, button, timeoutMs }) {
  // A toast, or an entry of the notification center (test runs may not show toasts).
  const toast = page.locator('.notification-list-item', { hasText: contains }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = await toast.innerText();
  await toast.locator('.monaco-button', { hasText: button }).first().click();
  return text;
}

/** The text of the first element matching `selector` once it contains `contains`. */
async function textOf(page, { selector, contains, timeoutMs }) {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    last = await page.locator(selector).first().innerText({ timeout: 1000 }).catch(() => '');
    if (last.includes(contains)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${selector} did not show '${contains}' within ${timeoutMs} ms (last: ${JSON.stringify(last.slice(0, 300))})`);
}

/** Polls `fn` on the element `root` (a selector) in whichever webview frame has it (the training chart...). */
async function untilInWebview(page, { root, fn, timeoutMs }) {
  const pageFunction = (0, eval)(`(${fn})`);
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    for (const frame of page.frames()) {
      const el = await frame.$(root).catch(() => null);
      if (!el) continue;
      last = await el.evaluate(pageFunction).catch((e) => `(${e.message.split('\n')[0]})`);
      if (last && !(typeof last === 'string' && last.startsWith('('))) return last;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${fn} on ${root} stayed falsy for ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/**
 * Answers the quick input on screen (VS Code's own save dialog in the browser) with `value` and
 * Enter, until it closes: under load the dialog may still be listing a folder and ignore a key.
 */
async function fillQuickInput(page, { value, timeoutMs }) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input').first();
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  const end = Date.now() + timeoutMs;
  while (await widget.isVisible()) {
    if (Date.now() > end) throw new Error(`the quick input did not take ${value} (it shows ${await input.inputValue().catch(() => '?')})`);
    if ((await input.inputValue().catch(() => value)) !== value) await input.fill(value).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500)); // the dialog validates the path as it is typed
    await input.press('Enter').catch(() => undefined);
    await widget.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }
  return value;
}

/** Starts answering; returns a function that stops. */
export function serveBridge(dir, page, shots, log) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ready'), '');
  const busy = new Set();
  const timer = setInterval(() => {
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.request.json') && !busy.has(f))) {
      busy.add(f);
      const id = f.slice(0, -'.request.json'.length);
      const request = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      const work = request.kind === 'untilInGraph' ? untilInGraph(page, request)
        : request.kind === 'untilInWebview' ? untilInWebview(page, request)
        : request.kind === 'screenshot' ? page.screenshot({ path: path.join(shots, `suite-${request.name}.png`) }).then(() => null)
          : request.kind === 'clickNotification' ? clickNotification(page, request)
            : request.kind === 'textOf' ? textOf(page, request)
              : request.kind === 'fillQuickInput' ? fillQuickInput(page, request)
              : Promise.reject(new Error(`unknown bridge request ${request.kind}`));
      work.then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: e.message }))
        .then((answer) => {
          if (!answer.ok) log(`bridge: ${request.kind} failed: ${answer.error}`);
          fs.writeFileSync(path.join(dir, `${id}.answer.json`), JSON.stringify(answer));
        });
    }
  }, 100);
  return () => clearInterval(timer);
}
