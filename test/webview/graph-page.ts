/**
 * The graph webview in headless Chromium for tests: the real bundle (dist/webview.js) and page
 * (bench/page.ts serves them), with the host's side played here: the model message, and layouts
 * made in this process by the same Layouter and elkjs the worker's layout thread runs.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { Browser, Page } from 'playwright-core';
import { openModel } from '../../src/core/formats/open';
import { packViewGraphText } from '../../src/core/graph/packed';
import { packLayoutResultText } from '../../src/core/graph/layout/packed-result';
import { Layouter } from '../../src/core/graph/layout/elk-layout';
import type { ModelSummary, ViewGraph } from '../../src/core/graph/types';
import type { HostToWebview, WebviewToHost } from '../../webview/messages';
import type { TextMetrics } from '../../src/core/graph/text-metrics';
import { launchChromium, prepareGraphPage } from '../../bench/page';

export { launchChromium };

export interface OpenedGraph {
  page: Page;
  /** Every message the page posted to the host. */
  posted: WebviewToHost[];
  post(m: HostToWebview): void;
  close(): Promise<void>;
}

export type GraphSource =
  | { file: string }
  | { file: string; graph: ViewGraph; summary: ModelSummary }
  | { file: string; error: string };

const layouter = new Layouter(new ELK());

/**
 * Opens a graph page `width` x `height` showing `source` (`initScript` runs before the page's; a
 * model message carries `textMetrics` as the host's does); resolves once its first layouts are drawn.
 */
export async function openGraph(browser: Browser, source: GraphSource, width: number, height: number, initScript?: string, textMetrics?: TextMetrics): Promise<OpenedGraph> {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: 'dark' });
  if (initScript) await context.addInitScript(initScript);
  const posted: WebviewToHost[] = [];
  let post: (m: HostToWebview) => void = () => undefined;
  const first: HostToWebview = 'error' in source
    ? { type: 'error', file: source.file, message: source.error }
    : 'graph' in source
      ? { type: 'model', file: source.file, graph: source.graph, summary: source.summary, textMetrics }
      : packedModel(source.file, textMetrics);
  const blank = await prepareGraphPage(context, (m) => {
    posted.push(m);
    if (m.type === 'ready') post(first);
    if (m.type === 'layout') {
      layouter.layout(m.root, m.direction).then(
        // Packed, as the worker answers.
        (result) => post({ type: 'layout', requestId: m.requestId, result: packLayoutResultText(result) }),
        (e: unknown) => post({ type: 'layoutError', requestId: m.requestId, message: String(e) }),
      );
    }
  });
  const view = blank.navigate();
  post = view.post;
  const page = view.page;
  if ('error' in source) await page.waitForSelector('.message.error:not([hidden])');
  else await until(page, () => (globalThis as { edgewise?: { metrics: { settledAt: number } | null } }).edgewise?.metrics?.settledAt ?? 0);
  return { page, posted, post: (m) => view.post(m), close: () => context.close() };
}

/**
 * A graph page `width` x `height` whose model is not sent yet (`initScript` runs before the page's):
 * `send(file)` sends it, packed as the worker sends it, and resolves once its view has settled.
 */
export async function pageAwaitingModel(browser: Browser, width: number, height: number, initScript?: string): Promise<OpenedGraph & { send(file: string): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: 'dark' });
  if (initScript) await context.addInitScript(initScript);
  const posted: WebviewToHost[] = [];
  const view = (await prepareGraphPage(context, (m) => posted.push(m))).navigate();
  const send = async (file: string): Promise<void> => {
    view.post(packedModel(file));
    await until(view.page, () => (globalThis as { edgewise?: { metrics: { settledAt: number } | null } }).edgewise?.metrics?.settledAt ?? 0);
  };
  return { page: view.page, posted, post: (m) => view.post(m), close: () => context.close(), send };
}

/** The model message of `file`, packed as the worker sends a model it opened. */
export function packedModel(file: string, textMetrics?: TextMetrics): HostToWebview {
  const r = openModel(file);
  return { type: 'model', file, graph: packViewGraphText(r.viewGraph()), summary: r.summary(), textMetrics };
}

/** Polls `f` in the page until it returns something truthy (the page's CSP forbids waitForFunction's eval). */
export async function until<T>(page: Page, f: () => T, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    // The page may still be navigating from about:blank.
    const v = await page.evaluate(f).catch((e: Error) => { if (/context was destroyed|navigat/i.test(e.message)) return undefined; throw e; });
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${f.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
