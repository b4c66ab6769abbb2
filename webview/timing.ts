/**
 * The view's side of the open timing: when the page loaded, the model arrived, the first layout
 * was asked for and answered, and the graph reached the screen, then settled. Posted to the host
 * ('drawn'), which adds its own and the worker's times: the end-to-end figure of an open
 * (src/extension/open-timing.ts), the same in VS Code, the E2E suite and bench/open.ts.
 */
import type { LayoutResult } from '../src/core/graph/layout/types';
import type { Host } from './host';
import type { ViewTiming } from './messages';

/** The view's figures for the benchmark and tests (`globalThis.edgewise.metrics`; performance.now() times). */
export interface Metrics {
  nodes: number;
  edges: number;
  groups: number;
  visibleNodes: number;
  layoutMs: number;
  elkMs: number;
  renderedAt: number;
  /** When elkjs's layout, which follows the quick first one, was drawn. */
  settledAt: number;
  /** The model message reached the app, before its graph was unpacked (as ViewTiming.receivedAt). */
  receivedAt: number;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Set when the bundle starts running (main.ts imports this module first). */
const scriptAt = epochNow();

export class ViewClock {
  private timing: ViewTiming | null = null;
  private readyAt = 0;
  private drawing = false;
  private settling = false;

  constructor(private readonly host: Host) {}

  /** The page posted 'ready' at `at` (webview/early.ts: before the app was built). */
  ready(at = epochNow()): void {
    this.readyAt = at;
  }

  /** A model arrived: timing starts over (a reload times the reload). */
  received(): void {
    this.drawing = this.settling = false;
    this.timing = {
      pageStartAt: performance.timeOrigin, scriptAt, readyAt: this.readyAt, receivedAt: epochNow(),
      layoutRequestedAt: 0, layoutAnsweredAt: 0, paintedAt: 0, settledAt: 0, firstItems: 0, settledItems: 0, elkMs: 0, laidOut: 0, cached: 0, elkAskedAt: 0, elkAnsweredAt: 0,
    };
  }

  layoutRequested(): void {
    if (this.timing && !this.timing.layoutRequestedAt) this.timing.layoutRequestedAt = epochNow();
  }

  /** Asks for elkjs's layout of the first screen (the one that settles the view), noting when. */
  elkAsked<T>(ask: () => T): T {
    if (this.timing && !this.timing.elkAskedAt) this.timing.elkAskedAt = epochNow();
    return ask();
  }

  /** A layout's answer is here (`quick`: the page's own, else elkjs's from the worker). */
  layoutAnswered(r: LayoutResult, quick: boolean): void {
    const t = this.timing;
    if (!t || this.settling) return;
    if (!t.layoutAnsweredAt) t.layoutAnsweredAt = epochNow();
    // elkjs's figures; a view its own layout settles has none.
    if (!quick) Object.assign(t, { elkMs: r.elkMs, laidOut: r.laidOut, cached: r.cached, elkAnsweredAt: epochNow(), thread: r.thread });
  }

  /** The first layout was drawn to the canvas: the next frame shows it. */
  drawn(items: number): void {
    const t = this.timing;
    if (!t || this.drawing) return;
    this.drawing = true;
    requestAnimationFrame(() => {
      t.paintedAt = epochNow();
      t.firstItems = items;
      this.host.post({ type: 'drawn', timing: { ...t } });
    });
  }

  /** elkjs's layout, which follows the page's own first one, was drawn (or was not needed: the own one is settled). */
  settled(items: number): void {
    const t = this.timing;
    if (!t || this.settling) return;
    this.settling = true;
    requestAnimationFrame(() => {
      t.settledAt = epochNow();
      t.settledItems = items;
      // After the first frame's message, if that one is still waiting for its frame.
      requestAnimationFrame(() => this.host.post({ type: 'drawn', timing: { ...t } }));
    });
  }

  get current(): ViewTiming | null {
    return this.timing;
  }
}
