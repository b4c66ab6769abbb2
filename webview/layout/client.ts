/** Runs layouts in the worker; a layout can be cancelled (the worker is replaced). */
import type { Direction, FromLayoutWorker, LayoutGroup, LayoutResult } from './protocol';

export class LayoutCancelled extends Error {
  constructor() { super('layout cancelled'); }
}

export class LayoutClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private waiting = new Map<number, { resolve: (r: LayoutResult) => void; reject: (e: Error) => void }>();
  private source: Promise<string>;

  /** `url`: the layout worker script (a webview resource URI); it is fetched once and started from a blob URL. */
  constructor(readonly url: string) {
    this.source = fetch(url)
      .then((r) => { if (!r.ok) throw new Error(`${r.status}`); return r.blob(); })
      .then((b) => URL.createObjectURL(new Blob([b], { type: 'text/javascript' })))
      .catch(() => url);
    // Start the worker now: elkjs takes a moment to initialise, the model is still on its way.
    const t0 = performance.now();
    this.warm = this.layout(warmUpGraph(), 'DOWN')
      .then(() => performance.now() - t0, () => -1);
  }

  /** Resolves with the worker's start-up time (ms) once it has laid out a first tiny graph. */
  readonly warm: Promise<number>;

  private async ensure(): Promise<Worker> {
    if (this.worker) return this.worker;
    const w = new Worker(await this.source);
    w.onmessage = (e: MessageEvent<FromLayoutWorker>) => {
      const m = e.data;
      const p = this.waiting.get(m.requestId);
      if (!p) return;
      this.waiting.delete(m.requestId);
      if (m.type === 'layoutResult') p.resolve(m); else p.reject(new Error(m.message));
    };
    w.onerror = (e) => {
      for (const p of this.waiting.values()) p.reject(new Error(`layout worker failed: ${e.message}`));
      this.waiting.clear();
    };
    this.worker = w;
    return w;
  }

  async layout(root: LayoutGroup, direction: Direction): Promise<LayoutResult> {
    const w = await this.ensure();
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(requestId, { resolve, reject });
      w.postMessage({ type: 'layout', requestId, direction, root });
    });
  }

  /** Stops every running layout; the next one starts a fresh worker (its cache is lost). */
  cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.waiting.values()) p.reject(new LayoutCancelled());
    this.waiting.clear();
  }

  get busy(): boolean {
    return this.waiting.size > 0;
  }
}

/** A small branching graph: laying it out once gets elkjs's code compiled before the model arrives. */
function warmUpGraph(): LayoutGroup {
  const items = Array.from({ length: 80 }, (_, i) => ({ id: `w${i}`, w: 80 + (i % 3) * 20, h: 40 }));
  const edges = items.slice(1).map((it, i) => ({ from: `w${i % 7 === 0 ? Math.max(0, i - 5) : i}`, to: it.id, value: `v${i}` }));
  return { id: '', items, edges, inPorts: [], outPorts: [] };
}
