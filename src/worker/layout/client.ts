/**
 * The worker's side of its layout thread (thread.ts): starts it (at once, on `warm()` or with the
 * first layout) and sends it layouts, which it runs one at a time in order. Cancelling a queued layout drops it; cancelling
 * the running one ends the thread (elkjs cannot be interrupted) and starts a fresh one, to which
 * the queued layouts of other graphs are sent again.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../../core/base/cancel';
import type { Direction, LayoutGroup, LayoutResult } from '../../core/graph/layout/types';
import type { FromLayoutThread, LayoutThreadData, ToLayoutThread } from './messages';

interface Waiting {
  message: ToLayoutThread;
  resolve: (r: LayoutResult) => void;
  reject: (e: Error) => void;
}

export class LayoutThread {
  private thread?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** When the worker started the current thread, and how long its warm-up layout took (ms). */
  startedAt = 0;
  warmMs: number | null = null;
  /** How long elkjs's set-up layout took in the current thread (ms; thread.ts `prime`), null until it ran. */
  primedMs: number | null = null;

  /**
   * `script`: dist/layout-thread.js (next to dist/worker.js). `startNow`: start the thread and its
   * warm-up at once; else on `warm()`, `prepare()` or the first layout.
   */
  constructor(private readonly data: LayoutThreadData, private readonly script = path.join(__dirname, 'layout-thread.js'), startNow = true) {
    if (startNow) this.start(true);
  }

  /** Has elkjs warmed up (on small graphs, stopping when a layout arrives), unless it ran a layout already. */
  warm(): void {
    if (!this.thread) this.start(true);
    else this.thread.postMessage({ warmUp: true } satisfies ToLayoutThread);
  }

  /** Starts the thread (elkjs loads, and sets itself up with one small layout: thread.ts) without a warm-up, unless it runs already. */
  prepare(): void {
    if (!this.thread) this.start(false);
  }

  private start(warmUp: boolean): void {
    this.warmMs = this.primedMs = null;
    this.startedAt = performance.timeOrigin + performance.now();
    const thread = new Worker(this.script, { workerData: { ...this.data, warmUp } satisfies LayoutThreadData });
    const receive = (m: FromLayoutThread): void => {
      if ('warm' in m) { this.warmMs = m.warm; return; }
      if ('primed' in m) { this.primedMs = m.primed; return; }
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if ('result' in m) w.resolve(m.result); else w.reject(new Error(m.error));
    };
    thread.on('message', receive);
    thread.on('error', (e) => this.failAll(new Error(`the layout thread failed: ${e.message}`)));
    thread.on('exit', (code) => {
      if (thread !== this.thread) return;
      this.failAll(new Error(`the layout thread stopped (exit code ${code})`));
      this.start(true);
    });
    this.thread = thread;
  }

  /** Lays out `root`; an aborted `signal` fails it with CancelledError. */
  layout(root: LayoutGroup, direction: Direction, signal?: AbortSignal): Promise<LayoutResult> {
    const id = this.nextId++;
    const message: ToLayoutThread = { id, root, direction };
    return new Promise<LayoutResult>((resolve, reject) => {
      if (signal?.aborted) return reject(new CancelledError());
      // A thread started for this layout has no warm-up: the layout compiles elkjs as well, and is wanted.
      if (!this.thread) this.start(false);
      this.waiting.set(id, { message, resolve, reject });
      this.thread!.postMessage(message);
      signal?.addEventListener('abort', () => this.cancel(id), { once: true });
    });
  }

  private cancel(id: number): void {
    const w = this.waiting.get(id);
    if (!w) return;
    const running = this.waiting.keys().next().value === id;
    this.waiting.delete(id);
    w.reject(new CancelledError());
    if (!running) {
      this.thread!.postMessage({ skip: id } satisfies ToLayoutThread);
      return;
    }
    const old = this.thread;
    this.start(true);
    void old?.terminate();
    for (const other of this.waiting.values()) this.thread!.postMessage(other.message);
  }

  dispose(): Promise<number> {
    const old = this.thread;
    this.thread = undefined;
    this.failAll(new Error('the worker is stopping'));
    return old ? old.terminate() : Promise.resolve(0);
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
