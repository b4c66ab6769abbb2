/**
 * What one open graph view needs from the worker, relayed without VS Code: the model's view graph
 * and summary when the page is ready, its layouts, node details; and the open's timing. The
 * custom editor (graph-panel.ts) wraps it with VS Code's webview, bench/open.ts with a browser
 * page: one path, measured the same. No 'vscode' import.
 */
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type { HostToWebview, MeasuredPeakRss, WebviewToHost } from '../../webview/messages';
import { DropLayoutAheadNotification, LayoutRequest, NodeDetailsRequest, OpenViewRequest, type OpenedView } from '../worker/protocol';
import { viewGraphOf, type PackedViewGraphText } from '../core/graph/packed';
import { applyViewGraphDelta, type ViewGraphDelta } from '../core/graph/view-delta';
import type { ModelSummary, ViewGraph } from '../core/graph/types';
import { BUILT_IN_METRICS, checkTextMetrics, type TextMetrics } from '../core/graph/text-metrics';
import type { OpenTiming } from './open-timing';
import { RequestCancelledError, type WorkerClient } from './worker-client';

export type LoadOutcome =
  | { kind: 'model'; nodes: number }
  | { kind: 'error'; message: string }
  /** A newer load (the file changed again) or the view's disposal superseded it. */
  | { kind: 'superseded' };

export interface GraphSessionOptions {
  /** When the open was asked for (epoch ms); default: now. */
  openAt?: number;
  /** Toolbar commands the model's format cannot run, with the reason (model-commands.ts). */
  unavailable?: Record<string, string>;
  /** The open's timing once the graph is on screen, then once more when settled. */
  onDrawn?: (timing: OpenTiming) => void;
  /** The model can be edited (the view offers its edits). */
  editable?: boolean;
  /** The worker's edit session once the model was edited: node details come from its current version. */
  editSession?: () => string | undefined;
  /** The model's peak RSS as last measured, sent with each node's details. */
  peakRss?: () => Promise<MeasuredPeakRss | undefined> | MeasuredPeakRss | undefined;
  /** Where the label widths the page measured in its font are kept for the next opens (none: the built-in table each time). */
  textMetrics?: TextMetricsStore;
}

export interface TextMetricsStore {
  get(): unknown;
  set(metrics: TextMetrics): void;
}

const now = (): number => performance.timeOrigin + performance.now();

export class GraphSession {
  readonly timing: OpenTiming;
  private readonly cancel = new CancellationTokenSource();
  private readonly layouts = new Map<number, CancellationTokenSource>();
  private loads = 0;
  /** The graph on screen (the file's, packed as the worker sent it, or the edited version's), before `deltas`. */
  private shown?: ViewGraph | PackedViewGraphText;
  /** Deltas the page applied to `shown` since (edits, undo, redo): applied here only when the graph is asked for. */
  private deltas: ViewGraphDelta[] = [];
  /** The first screen's layout the worker started with its last answer (dropped if this view closes first). */
  private ahead?: string;
  /** The open's first request, sent at once: the worker decodes while the page loads. */
  private prefetch?: Promise<OpenedView>;
  /** The label widths the worker and the page both lay out with. */
  private readonly metrics: TextMetrics;

  constructor(
    readonly file: string,
    private readonly worker: Pick<WorkerClient, 'request' | 'notify' | 'start' | 'startedAt'>,
    private readonly post: (m: HostToWebview) => void,
    private readonly options: GraphSessionOptions = {},
  ) {
    const openAt = options.openAt ?? now();
    worker.start();
    const coldWorker = (worker.startedAt ?? 0) >= openAt;
    this.timing = { file, openAt, coldWorker, answeredAt: 0, postedAt: 0, hostMs: 0, hostMakeMs: 0 };
    this.metrics = checkTextMetrics(options.textMetrics?.get()) ?? BUILT_IN_METRICS;
    this.prefetch = this.request();
    this.prefetch.catch(() => undefined); // load() reports it
  }

  private request(): Promise<OpenedView> {
    const answer = this.worker.request(OpenViewRequest.type, { file: this.file, textMetrics: this.metrics }, { token: this.cancel.token });
    return answer.then((v) => { this.timing.answeredAt = now(); this.ahead = v.ahead; return v; });
  }

  /**
   * Handles the messages about the model itself ('ready' loads it: see `load`); returns false for
   * the others (export, commands, selection, log), which the caller handles.
   */
  handle(m: WebviewToHost, load: () => void = () => void this.load()): boolean {
    switch (m.type) {
      case 'ready': load(); return true;
      case 'layout': void this.layout(m.requestId, m); return true;
      case 'cancelLayout': this.layouts.get(m.requestId)?.cancel(); return true;
      case 'nodeDetails': void this.nodeDetails(m.requestId, m.nodeId, m.graphPath); return true;
      case 'drawn':
        this.timing.view = m.timing;
        this.options.onDrawn?.(this.timing);
        return true;
      case 'textMetrics': {
        const metrics = checkTextMetrics(m.metrics);
        if (metrics) this.options.textMetrics?.set(metrics);
        return true;
      }
      default: return false;
    }
  }

  /**
   * Posts the model (or its error) to the page: the answer asked for at the open the first time,
   * a fresh one after that (the file changed).
   */
  async load(): Promise<LoadOutcome> {
    const seq = ++this.loads;
    const first = this.prefetch;
    this.prefetch = undefined;
    if (!first) Object.assign(this.timing, { openAt: now(), coldWorker: false, answeredAt: 0, postedAt: 0, hostMs: 0, hostMakeMs: 0, view: undefined, layoutRelay: undefined });
    try {
      const opened = await (first ?? this.request());
      if (seq !== this.loads) return { kind: 'superseded' };
      this.timing.worker = opened.timing;
      this.setShown(opened.graph);
      this.send({ type: 'model', file: this.file, graph: opened.graph, summary: opened.summary, unavailable: this.options.unavailable, editable: this.options.editable, textMetrics: this.metrics });
      this.timing.postedAt = now();
      return { kind: 'model', nodes: opened.nodes };
    } catch (e) {
      if (e instanceof RequestCancelledError || seq !== this.loads) return { kind: 'superseded' };
      // The webview prefixes the file itself; core errors already start with it.
      const text = message(e).startsWith(`${this.file}: `) ? message(e).slice(this.file.length + 2) : message(e);
      this.send({ type: 'error', file: this.file, message: text });
      return { kind: 'error', message: text };
    }
  }

  /** Shows another version of the model (an edit, undo, redo): the view keeps what it had open and selected. */
  showVersion(graph: ViewGraph | PackedViewGraphText, summary: ModelSummary): void {
    this.loads++; // a load still under way would show the file instead
    this.setShown(graph);
    this.send({ type: 'model', file: this.file, graph, summary, unavailable: this.options.unavailable, editable: this.options.editable, edited: true });
  }

  /**
   * Shows another version as its delta from the graph on screen (the caller knows the page shows
   * `delta.from`): the page applies it, so an edit of a big model sends a few kB, not the graph.
   */
  showDelta(delta: ViewGraphDelta, summary: ModelSummary): void {
    if (!this.shown) throw new Error(`${this.file}: no graph on screen to apply an edit's delta to`);
    this.loads++;
    this.deltas.push(delta);
    this.send({ type: 'modelDelta', file: this.file, delta, summary, unavailable: this.options.unavailable, editable: this.options.editable });
  }

  /** The graph on screen (unpacked, deltas applied; kept once asked for). */
  get graph(): ViewGraph | undefined {
    if (!this.shown) return undefined;
    if (typeof this.shown === 'string' || this.deltas.length) {
      this.shown = this.deltas.splice(0).reduce(applyViewGraphDelta, viewGraphOf(this.shown));
    }
    return this.shown;
  }

  private setShown(graph: ViewGraph | PackedViewGraphText): void {
    this.shown = graph;
    this.deltas = [];
  }

  private async layout(requestId: number, { type: _, requestId: __, ...params }: Extract<WebviewToHost, { type: 'layout' }>): Promise<void> {
    const heardAt = now();
    const source = new CancellationTokenSource();
    this.layouts.set(requestId, source);
    const stop = this.cancel.token.onCancellationRequested(() => source.cancel());
    try {
      // Relayed as the page asked (bench:open's --reference runs an older page and worker through it).
      const result = await this.worker.request(LayoutRequest.type, params, { token: source.token });
      this.timing.layoutRelay ??= { heardAt, answeredAt: now() };
      this.send({ type: 'layout', requestId, result });
    } catch (e) {
      this.send({ type: 'layoutError', requestId, message: message(e), cancelled: e instanceof RequestCancelledError });
    } finally {
      stop.dispose();
      source.dispose();
      this.layouts.delete(requestId);
    }
  }

  private async nodeDetails(requestId: number, nodeId: string, graphPath: string[]): Promise<void> {
    try {
      const details = await this.worker.request(NodeDetailsRequest.type, { file: this.file, nodeId, graphPath, session: this.options.editSession?.() }, { token: this.cancel.token });
      const peakRss = await this.options.peakRss?.();
      this.send({ type: 'nodeDetails', requestId, details, peakRss });
    } catch (e) {
      if (!(e instanceof RequestCancelledError)) this.send({ type: 'nodeDetailsError', requestId, message: message(e) });
    }
  }

  /** Adds the host's own work of making this view (its editor, document and page; this session), as its maker timed it. */
  countHostWork(ms: number): void {
    this.timing.hostMs += ms;
    this.timing.hostMakeMs += ms;
  }

  /** Posts to the page, counting the time as the host's own work. */
  send(m: HostToWebview): void {
    const t0 = performance.now();
    this.post(m);
    this.timing.hostMs += performance.now() - t0;
  }

  /** Stops what is running for this view (the view was closed). */
  dispose(): void {
    this.loads++;
    this.cancel.cancel();
    this.cancel.dispose();
    // Laid out after this, it would only delay the next view's layouts.
    if (this.ahead !== undefined) this.worker.notify(DropLayoutAheadNotification.type, { ahead: this.ahead });
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
