/**
 * The end-to-end timing of opening a model's graph, from the open command to the graph on screen,
 * put together from the host's, the worker's and the webview's clocks (all epoch ms). VS Code's
 * log, the E2E suite and bench/open.ts report it the same way. No 'vscode' import.
 */
import type { ViewTiming } from '../../webview/messages';
import type { WorkerOpenTiming } from '../worker/protocol';

export interface OpenTiming {
  file: string;
  /** The open command (or the moment the editor was asked for). */
  openAt: number;
  /** True when the worker process was started by (or after) this open: a cold open. */
  coldWorker: boolean;
  worker?: WorkerOpenTiming;
  /** The host had the worker's answer, and had posted the model to the webview. */
  answeredAt: number;
  postedAt: number;
  /** The host's own synchronous work for this open (making the editor: its document, panel and page HTML; then relaying messages), ms. */
  hostMs: number;
  /** Of `hostMs`: making the editor (its document, panel, session and page HTML), as its maker timed it. */
  hostMakeMs: number;
  view?: ViewTiming;
  /** The page's first layout request (elkjs's, for the settled view) reached the host, and the worker's answer came back to it. */
  layoutRelay?: { heardAt: number; answeredAt: number };
}

/** The phases of an open, in ms; `null` where a clock has not reported (yet). */
export interface OpenBreakdown {
  /** Open command -> first frame with the graph drawn. */
  firstFrameMs: number | null;
  /** Open command -> elkjs's layout of the first screen drawn (it replaces the quick first frame's). */
  settledMs: number | null;
  /** Open command -> the worker ready to answer, when this open started it; 0 when it was running. */
  workerStartMs: number;
  decodeMs: number | null;
  viewGraphMs: number | null;
  /** Worker answered -> webview received the model (host relay + message passing; the page busy loading delays it too). */
  messageMs: number | null;
  /** Model received -> first layout asked: the page unpacks the view graph and makes its first screen. */
  modelMs: number | null;
  /** Open command -> the page posted 'ready' (webview creation, page load, script). */
  pageLoadMs: number | null;
  /** Open command -> the page's document began loading: the editor and VS Code's webview frame before it (in `pageLoadMs`). */
  pageStartMs: number | null;
  /** First layout asked -> answered (the round trip to the worker's layout thread). */
  layoutMs: number | null;
  /** Layout answered -> the frame that shows it. */
  paintMs: number | null;
  hostMs: number;
  hostMakeMs: number;
}

const span = (a: number | undefined, b: number | undefined): number | null =>
  a && b && a > 0 && b > 0 ? Math.max(0, b - a) : null;

export function openBreakdown(t: OpenTiming): OpenBreakdown {
  const w = t.worker;
  const v = t.view;
  return {
    firstFrameMs: span(t.openAt, v?.paintedAt),
    settledMs: span(t.openAt, v?.settledAt),
    workerStartMs: t.coldWorker && w ? Math.max(0, w.readyAt - t.openAt) : 0,
    decodeMs: span(w?.receivedAt, w?.decodedAt),
    viewGraphMs: span(w?.decodedAt, w?.builtAt),
    messageMs: span(t.answeredAt, v?.receivedAt),
    modelMs: span(v?.receivedAt, v?.layoutRequestedAt),
    pageLoadMs: span(t.openAt, v?.readyAt),
    pageStartMs: span(t.openAt, v?.pageStartAt),
    layoutMs: span(v?.layoutRequestedAt, v?.layoutAnsweredAt),
    paintMs: span(v?.layoutAnsweredAt, v?.paintedAt),
    hostMs: t.hostMs,
    hostMakeMs: t.hostMakeMs,
  };
}

/** One line for the log: 'opened model.onnx in 412 ms (worker start 120, decode 30, ...)', and once settled where first frame -> settled went. */
export function describeOpen(t: OpenTiming): string {
  const b = openBreakdown(t);
  const ms = (x: number | null): string => (x === null ? '?' : String(Math.round(x)));
  const name = t.file.split(/[\\/]/).pop();
  return `opened ${name} in ${ms(b.firstFrameMs)} ms to the first frame, ${ms(b.settledMs)} ms settled (${t.coldWorker ? 'cold' : 'warm'} worker: ` +
    `start ${ms(b.workerStartMs)}, decode ${ms(b.decodeMs)}, view graph ${ms(b.viewGraphMs)}; message ${ms(b.messageMs)}; page load ${ms(b.pageLoadMs)}, of which before the page began ${ms(b.pageStartMs)}; ` +
    `model ${ms(b.modelMs)}; layout ${ms(b.layoutMs)}; paint ${ms(b.paintMs)}; host ${b.hostMs.toFixed(1)}, of which making the editor ${b.hostMakeMs.toFixed(1)})${settleText(t)}`;
}

function settleText(t: OpenTiming): string {
  const s = settleBreakdown(t);
  const ms = (x: number | null): string => (x === null ? '?' : String(Math.round(x)));
  if (s.gapMs === null || s.requestMs === null) return '';
  return `; settled ${ms(s.gapMs)} ms after the first frame (asked ${ms(s.aheadMs)} ahead: request ${ms(s.requestMs)}, of which page -> host ${ms(s.pageToHostMs)} and the layout thread starting ${ms(s.threadStartMs)}; ` +
    `queue ${ms(s.queueMs)}; layout ${ms(s.layoutMs)}, elkjs ${ms(s.elkMs)}; back ${ms(s.returnMs)}, of which host -> page ${ms(s.hostToPageMs)}; drawn ${ms(s.drawMs)}; elkjs's groups: ${t.view!.laidOut} laid out at the page's request, ${t.view!.cached} laid out ahead or cached)`;
}

/**
 * Where the time from the first frame to the settled view goes, in ms, `null` where a clock has
 * not reported. The page asks for elkjs's layout before it makes and draws its quick first frame,
 * so the parts from `requestMs` to `drawMs` add up to asked -> settled, of which the first frame
 * covers `aheadMs`.
 */
export interface SettleBreakdown {
  /** First frame -> settled. */
  gapMs: number | null;
  /** The page asked for elkjs's layout this long before its first frame was on screen. */
  aheadMs: number | null;
  /**
   * Asked -> the layout thread had the request (page -> host -> worker -> thread, and the thread's
   * start when it was not running). A thread in the middle of a layout (elkjs runs synchronously)
   * takes a message only when it ends, so a layout running then (the layout ahead) counts here, not in `queueMs`.
   */
  requestMs: number | null;
  /** Of `requestMs`: page -> host. */
  pageToHostMs: number | null;
  /** Of `requestMs`: the thread was still starting (loading elkjs) after the page had asked. */
  threadStartMs: number | null;
  /** The thread had it -> began it (behind a set-up layout or another layout). */
  queueMs: number | null;
  /** Laid out in the thread (elkjs and the Layouter's own work), and elkjs's part of it. */
  layoutMs: number | null;
  elkMs: number | null;
  /** Laid out -> back in the page, unpacked (thread -> worker, packing, worker -> host -> page). */
  returnMs: number | null;
  /** Of `returnMs`: host -> page (the page's unpacking too). */
  hostToPageMs: number | null;
  /** Unpacked -> the frame that shows it (Scene, drawing, the animation frame). */
  drawMs: number | null;
}

export function settleBreakdown(t: OpenTiming): SettleBreakdown {
  const v = t.view;
  const th = v?.thread;
  const ahead = span(v?.elkAskedAt, v?.paintedAt);
  return {
    gapMs: span(v?.paintedAt, v?.settledAt),
    aheadMs: ahead,
    requestMs: span(v?.elkAskedAt, th?.receivedAt),
    pageToHostMs: span(v?.elkAskedAt, t.layoutRelay?.heardAt),
    threadStartMs: v?.elkAskedAt && th ? Math.max(0, Math.min(th.readyAt, th.receivedAt) - v.elkAskedAt) : null,
    queueMs: span(th?.receivedAt, th?.startAt),
    layoutMs: span(th?.startAt, th?.endAt),
    elkMs: v?.settledAt ? v.elkMs : null,
    returnMs: span(th?.endAt, v?.elkAnsweredAt),
    hostToPageMs: span(t.layoutRelay?.answeredAt, v?.elkAnsweredAt),
    drawMs: span(v?.elkAnsweredAt, v?.settledAt),
  };
}
