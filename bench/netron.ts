/**
 * The reference for bench/open.ts: Netron's browser build (e.g. 9.2.1) in the same headless
 * Chromium, served with the model from a loopback static server, opened through its `?url=`
 * parameter in a fresh browser context; timed from the navigation to the first frame in which
 * its graph (SVG `.node` elements) is drawn. Netron is never part of this repository: give the
 * folder of its browser build (index.html at its top) with `--netron DIR`.
 * Not verified here: Netron's browser build could not be installed on this machine (no `netron`
 * package in the npm registry, and no other registry reachable).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

export async function netronOpenMs(browser: Browser, netronDir: string, model: string): Promise<number> {
  const root = path.resolve(netronDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`${root}: not Netron's browser build (no index.html)`);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = url.pathname === `/model/${path.basename(model)}` ? model : path.join(root, path.normalize(url.pathname));
    if (file !== model && !file.startsWith(root)) { res.writeHead(403).end(); return; }
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  try {
    const page = await context.newPage();
    const t0 = performance.timeOrigin + performance.now();
    await page.goto(`${base}/index.html?url=${encodeURIComponent(`${base}/model/${path.basename(model)}`)}`);
    const drawnAt = await page.waitForFunction(() => document.querySelectorAll('svg .node').length > 0 && performance.timeOrigin + performance.now(),
      undefined, { polling: 'raf', timeout: 180_000 });
    return (await drawnAt.jsonValue() as number) - t0;
  } finally {
    await context.close();
    server.close();
  }
}
