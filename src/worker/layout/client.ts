/**
 * The worker's side of its layout server (server.ts): starts it (at once, on `prepare()` or with
 * the first layout) and sends it layouts, which it runs one at a time in order. Cancelling a queued
 * layout drops it; the running one stops before its next group, and elkjs stays warm. elkjs cannot
 * be interrupted within a group: one still running STOP_GRACE_MS later ends the server, and a
 * fresh one gets the queued layouts of other graphs again.
 *
 * The server is a process started from the layout snapshot when this Node has one (elkjs loaded
 * and warm in it: snapshot-blob.ts), else a thread that loads elkjs; a worker that started a
 * thread builds the snapshot a few seconds later, for the next workers. A process that stops
 * before it is ready marks the snapshot failed, and a thread takes its layouts.
 */
import * as path from 'node:path';
import { CancelledError } from '../../core/base/cancel';
import { trace } from '../../core/base/trace';
import type { Direction, LayoutGroup, LayoutResult } from '../../core/graph/layout/types';
import { forkLayoutProcess, processChannel, startThread, type ChannelEvents, type LayoutChannel, type LayoutServerKind } from './channel';
import type { LayoutThreadData, ToLayoutThread } from './messages';
import { buildLayoutSnapshot, layoutSnapshot, markSnapshotFailed } from './snapshot-blob';

/** After the code cache of the thread (thread-boot.ts, 4 s): a second or so of one core, at low priority. */
const BUILD_SNAPSHOT_AFTER_MS = 6000;
/** How long a cancelled layout may run on in one elkjs group before the server is ended. */
const STOP_GRACE_MS = 300;

export interface LayoutServerOptions {
  /** Start a layout process from the snapshot when there is one, and build it when not (default: unless EDGEWISE_LAYOUT_SNAPSHOT=0). */
  snapshot?: boolean;
  /** How long after a thread started to build the missing snapshot (default BUILD_SNAPSHOT_AFTER_MS). */
  buildSnapshotAfterMs?: number;
}

type LayoutMessage = Extract<ToLayoutThread, { id: number }>;

interface Waiting {
  message: LayoutMessage;
  resolve: (r: LayoutResult) => void;
  reject: (e: Error) => void;
}

export class LayoutThread {
  private channel?: LayoutChannel;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** When the worker started the current thread, and how long its warm-up layout took (ms). */
  startedAt = 0;
  warmMs: number | null = null;
  /** How long elkjs's set-up layout took in the current thread (ms; thread.ts `prime`), null until it ran. */
  primedMs: number | null = null;
  /** What serves the layouts now: a thread, or a process started from the snapshot (undefined until started). */
  get kind(): LayoutServerKind | undefined { return this.channel?.kind; }
  /** The layout process's id, when a process serves. */
  get pid(): number | undefined { return this.channel?.pid; }
  private useSnapshot: boolean;
  private readonly snapshotBundle: string;
  private buildTimer?: NodeJS.Timeout;
  private readonly buildAfterMs: number;
  /** Layouts sent to the current server and not answered yet, in the order it runs them. */
  private readonly unanswered = new Set<number>();
  /** Cancelled layouts the server may still be running, until it answers them. */
  private readonly stopping = new Map<number, NodeJS.Timeout>();
  /** Servers ended because a cancelled layout ran on (for tests and traces). */
  restarts = 0;

  /**
   * `script`: dist/layout-thread.js (next to dist/worker.js and dist/layout-snapshot.js).
   * `startNow`: start the server and its warm-up at once; else on `prepare()` or the first layout, without a warm-up.
   */
  constructor(private readonly data: LayoutThreadData, private readonly script = path.join(__dirname, 'layout-thread.js'), startNow = true, options: LayoutServerOptions = {}) {
    this.useSnapshot = options.snapshot ?? process.env.EDGEWISE_LAYOUT_SNAPSHOT !== '0';
    this.buildAfterMs = options.buildSnapshotAfterMs ?? BUILD_SNAPSHOT_AFTER_MS;
    this.snapshotBundle = path.join(path.dirname(script), 'layout-snapshot.js');
    if (startNow) this.start(true);
  }

  /** Starts the server (elkjs loads, and sets itself up with one small layout: server.ts) without a warm-up, unless it runs already. */
  prepare(): void {
    if (!this.channel) this.start(false);
  }

  private start(warmUp: boolean): void {
    this.warmMs = this.primedMs = null;
    this.unanswered.clear();
    this.startedAt = performance.timeOrigin + performance.now();
    const data: LayoutThreadData = { ...this.data, warmUp };
    const snapshot = this.useSnapshot ? layoutSnapshot(this.snapshotBundle) : { state: 'unusable' as const };
    let ready = false;
    const events: ChannelEvents = {
      message: (m) => {
        if ('ready' in m) {
          ready = true;
          trace(`layout: the ${channel.kind} was ready ${Math.round(m.ready - performance.timeOrigin)} ms after this worker started`);
          return;
        }
        if ('warm' in m) { this.warmMs = m.warm; return; }
        if ('primed' in m) { this.primedMs = m.primed; return; }
        if (channel !== this.channel) return;
        this.unanswered.delete(m.id);
        clearTimeout(this.stopping.get(m.id));
        this.stopping.delete(m.id);
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if ('result' in m) w.resolve(m.result); else w.reject('cancelled' in m ? new CancelledError() : new Error(m.error));
      },
      error: (e) => {
        if (channel !== this.channel) return;
        if (channel.kind === 'process' && !ready) return this.fallBack(channel, warmUp, `it failed before it was ready: ${e.message}`);
        this.failAll(new Error(`the layout ${channel.kind} failed: ${e.message}`));
      },
      exit: (code) => {
        if (channel !== this.channel) return;
        if (channel.kind === 'process' && !ready) return this.fallBack(channel, warmUp, `it stopped before it was ready (exit code ${code})`);
        this.failAll(new Error(`the layout ${channel.kind} stopped (exit code ${code})`));
        this.start(true);
      },
    };
    const channel = snapshot.state === 'ready' ? processChannel(forkLayoutProcess(snapshot.file, this.snapshotBundle, data), events)
      : startThread(this.script, data, events);
    this.channel = channel;
    trace(`layout: started a ${channel.kind}`);
    if (snapshot.state === 'missing') this.buildSnapshotLater(snapshot.file);
  }

  /** The process from the snapshot did not start: no snapshot for this Node, and a thread takes its layouts. */
  private fallBack(failed: LayoutChannel, warmUp: boolean, why: string): void {
    const file = layoutSnapshot(this.snapshotBundle);
    if (file.state === 'ready') markSnapshotFailed(file.file, `${process.execPath} could not start a layout process from ${file.file}: ${why}`);
    trace(`layout: the process from the snapshot did not start (${why}); a thread serves`);
    this.useSnapshot = false;
    void failed.stop();
    this.start(warmUp);
    for (const w of this.waiting.values()) this.send(w.message);
  }

  private buildSnapshotLater(file: string): void {
    if (this.buildTimer) return;
    this.buildTimer = setTimeout(() => {
      void buildLayoutSnapshot(this.snapshotBundle, file).then((built) => trace(`layout: snapshot ${built ? 'built' : 'not built'}`));
    }, this.buildAfterMs);
    this.buildTimer.unref();
  }

  /** Lays out `root`; an aborted `signal` fails it with CancelledError. */
  layout(root: LayoutGroup, direction: Direction, signal?: AbortSignal): Promise<LayoutResult> {
    const id = this.nextId++;
    const message: LayoutMessage = { id, root, direction };
    return new Promise<LayoutResult>((resolve, reject) => {
      if (signal?.aborted) return reject(new CancelledError());
      // A server started for this layout has no warm-up: the layout compiles elkjs as well, and is wanted.
      if (!this.channel) this.start(false);
      this.waiting.set(id, { message, resolve, reject });
      this.send(message);
      signal?.addEventListener('abort', () => this.cancel(id), { once: true });
    });
  }

  private cancel(id: number): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    w.reject(new CancelledError());
    const channel = this.channel!;
    channel.post({ skip: id } satisfies ToLayoutThread);
    // Queued, it is dropped at its turn; running, it stops before its next group, unless one group runs on.
    this.stopping.set(id, setTimeout(() => {
      this.stopping.delete(id);
      if (this.channel !== channel || this.unanswered.values().next().value !== id) return;
      trace(`layout: a cancelled layout ran on for ${STOP_GRACE_MS} ms; the ${channel.kind} is restarted`);
      this.restart();
    }, STOP_GRACE_MS));
  }

  private send(message: LayoutMessage): void {
    this.unanswered.add(message.id);
    this.channel!.post(message);
  }

  /** Ends the server and starts a fresh one, to which the waiting layouts are sent again. */
  private restart(): void {
    this.restarts++;
    this.clearStopping();
    const old = this.channel;
    this.start(true);
    void old?.stop();
    for (const other of this.waiting.values()) this.send(other.message);
  }

  private clearStopping(): void {
    for (const t of this.stopping.values()) clearTimeout(t);
    this.stopping.clear();
  }

  async dispose(): Promise<void> {
    const old = this.channel;
    this.channel = undefined;
    clearTimeout(this.buildTimer);
    this.clearStopping();
    this.failAll(new Error('the worker is stopping'));
    await old?.stop();
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
