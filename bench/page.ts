/**
 * The graph webview as a benchmark sees it: the real bundle (dist/) and the page the extension
 * renders (webview/html.ts), served under a local origin to a headless Chromium page, with the
 * page's messages to the host delivered to `onMessage` and `post` delivering the host's to it,
 * as VS Code's webview does. bench/open.ts and bench/view.ts use it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { attr, EARLY_SCRIPT, renderWebviewHtml } from '../webview/html';
import type { HostToWebview, WebviewToHost } from '../webview/messages';

export const ORIGIN = 'http://edgewise.test';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const DIST = path.resolve(__dirname, '..', 'dist');

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(path.join(DIST, 'webview.js'))) throw new Error(`${DIST}/webview.js is missing: run npm run build`);
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface GraphPage {
  page: Page;
  /** Delivers a host message to the page (window.postMessage, as a webview receives it). */
  post(m: HostToWebview): void;
}

export interface BlankGraphPage {
  /** Starts loading the graph page (what VS Code does when it creates the editor's webview). */
  navigate(): GraphPage;
}

/**
 * A blank page in `context` (a fresh context is a fresh webview profile), ready to load the graph
 * page: the browser's own set-up is not part of opening a model. The page's messages, 'ready'
 * first, reach `onMessage`.
 */
export async function prepareGraphPage(context: BrowserContext, onMessage: (m: WebviewToHost) => void, light = false, dist = DIST): Promise<BlankGraphPage> {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`[page ${m.type()}] ${m.text()}\n`); });
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  await servePage(page, light, dist);
  // As VS Code does, the message crosses as JSON text: Playwright's own serializer, given the object,
  // took tens of ms of the page's and the host's time for a large model's layout request.
  await page.exposeBinding('edgewiseHost', (_source, text: string) => onMessage(JSON.parse(text) as WebviewToHost));
  // Before the page's own script: its 'ready' must not be missed.
  await page.addInitScript("window.addEventListener('edgewise-host', (e) => globalThis.edgewiseHost(JSON.stringify(e.detail)))");
  // As VS Code does: the message crosses as JSON text and arrives as a structured clone.
  const post = (m: HostToWebview): void => {
    page.evaluate((text) => window.postMessage(JSON.parse(text), '*'), JSON.stringify(m)).catch(() => undefined);
  };
  return {
    navigate: () => {
      void page.goto(`${ORIGIN}/index.html`).catch(() => undefined);
      return { page, post };
    },
  };
}

const IDLE_SAMPLE_MS = 100;
const IDLE_CPU_MS = 10;
const IDLE_WAIT_MAX_MS = 5000;

/**
 * Waits until the browser's processes have used under IDLE_CPU_MS of CPU in the last
 * IDLE_SAMPLE_MS (Linux; elsewhere a fixed second). A new context is a new browser window, and
 * this Chromium preloads its toolbar's omnibox popup (a WebUI renderer) in each: about 600 ms of
 * CPU, through the first second. VS Code's window has no such thing, and on 2 cores it took that
 * CPU from the open measured next (the CNN's first frame 340-600 ms instead of 225-260).
 */
export async function waitForBrowserIdle(): Promise<void> {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  if (process.platform !== 'linux') return sleep(1000);
  const end = Date.now() + IDLE_WAIT_MAX_MS;
  let before = browserCpuMs();
  while (Date.now() < end) {
    await sleep(IDLE_SAMPLE_MS);
    const now = browserCpuMs();
    if (now - before < IDLE_CPU_MS) return;
    before = now;
  }
}

/** CPU time (user + system, ms) of the Chromium processes running now. */
function browserCpuMs(): number {
  let ms = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const exe = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      if (!/chrom(e|ium)[^/]*$/.test(exe)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks of 10 ms.
      ms += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // It ended meanwhile.
    }
  }
  return ms;
}

/** Serves `dist` (this build's dist/, or another build's) and the page itself (the same HTML the extension renders) under a local origin. */
async function servePage(page: Page, light: boolean, dist: string): Promise<void> {
  const nonce = randomBytes(16).toString('base64');
  // A bundle from before the page's head script said 'ready' (an older --reference build) says it itself:
  // its page is served without the head script, as that build rendered it (else 'ready' comes twice).
  const headReady = fs.readFileSync(path.join(dist, 'webview.js'), 'utf8').includes('edgewiseEarly');
  const html = renderWebviewHtml({
    scriptUri: `${ORIGIN}/webview.js`, styleUri: `${ORIGIN}/webview.css`, chromeUri: `${ORIGIN}/webview-chrome.js`,
    codiconsUri: `${ORIGIN}/codicons/codicon.css`, cspSource: ORIGIN, nonce, title: 'Edgewise bench',
  }).replace(headReady ? '' : `<script nonce="${attr(nonce)}">${EARLY_SCRIPT}</script>`, '')
    .replace('<body>', `<body class="${light ? 'vscode-light' : 'vscode-dark'}">`)
    .replace('</head>', `<style nonce="${nonce}">${themeVariables(light)}</style></head>`);
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };
  await page.route(`${ORIGIN}/**`, async (route) => {
    const rel = new URL(route.request().url()).pathname;
    if (rel === '/index.html') return route.fulfill({ body: html, contentType: 'text/html' });
    const f = path.join(dist, path.normalize(rel));
    if (!f.startsWith(dist) || !fs.existsSync(f)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ body: fs.readFileSync(f), contentType: types[path.extname(f)] ?? 'application/octet-stream' });
  });
}

/** A few of the colour variables VS Code sets on a webview, from its Light+/Dark+ themes. */
function themeVariables(light: boolean): string {
  const vars: Record<string, [string, string]> = {
    'editor-background': ['#ffffff', '#1e1e1e'], 'editor-foreground': ['#3b3b3b', '#cccccc'], foreground: ['#3b3b3b', '#cccccc'],
    descriptionForeground: ['#717171', '#9d9d9d'], 'sideBar-background': ['#f8f8f8', '#181818'], 'panel-border': ['#e5e5e5', '#2b2b2b'],
    'editorWidget-background': ['#f8f8f8', '#202020'], 'editorWidget-border': ['#c8c8c8', '#454545'], 'textLink-foreground': ['#005fb8', '#4daafc'],
    'dropdown-background': ['#ffffff', '#313131'], 'dropdown-foreground': ['#3b3b3b', '#cccccc'], 'dropdown-border': ['#cecece', '#3c3c3c'],
    'badge-background': ['#cccccc', '#616161'], 'badge-foreground': ['#3b3b3b', '#f8f8f8'],
    'input-background': ['#ffffff', '#313131'], 'input-foreground': ['#3b3b3b', '#cccccc'], 'input-border': ['#cecece', '#3c3c3c'],
    'icon-foreground': ['#3b3b3b', '#cccccc'], 'panelTitle-activeForeground': ['#3b3b3b', '#e7e7e7'],
    'panelTitle-inactiveForeground': ['#3b3b3b99', '#9d9d9d'], 'panelTitle-activeBorder': ['#005fb8', '#0078d4'],
  };
  return `body{${Object.entries(vars).map(([k, [l, d]]) => `--vscode-${k}:${light ? l : d}`).join(';')}}`;
}
