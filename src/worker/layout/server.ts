/**
 * What answers layout requests, in the layout thread (thread.ts) or the layout process started
 * from a snapshot (snapshot-main.ts): runs them one at a time in the order sent, warms elkjs up
 * when told (at start or by a message: main.ts says when), and keeps the layout cache file.
 * elkjs stays compiled here from one model to the next, unlike in a webview, which starts from
 * nothing each time. Layouts are cached by shape (elk-layout.ts) and, given a cache file, across
 * restarts (cache-file.ts).
 */
import { CancelledError } from '../../core/base/cancel';
import { Layouter, type ElkLike } from '../../core/graph/layout/elk-layout';
import type { LayoutGroup } from '../../core/graph/layout/types';
import { readLayoutCache, writeLayoutCache } from './cache-file';
import type { FromLayoutThread, LayoutThreadData, ToLayoutThread } from './messages';

const SAVE_DELAY_MS = 1000;
const WARM_UP_ROUNDS = 6;

/** Where the server's messages come from and go to. */
export interface LayoutPort {
  post(m: FromLayoutThread): void;
  onMessage(receive: (m: ToLayoutThread) => void): void;
}

/** Epoch ms: each answer carries its times (LayoutThreadTiming), for the open's settle breakdown. */
const epoch = (): number => performance.timeOrigin + performance.now();

/**
 * Serves `port` with `elk`; `early`: what arrived while elkjs loaded, handled first. `prime`: set
 * elkjs up with a small layout while none waits (`setUp` below); a process from the snapshot was
 * set up when the snapshot was built, and a layout of its own there only held up the view's
 * (by 84-96 ms in a cold open's traces, where it ran as the first screen's request came).
 */
export function serveLayouts(port: LayoutPort, data: LayoutThreadData, elk: ElkLike, early: ToLayoutThread[] = [], prime = true): void {
  const { cacheFile, warmUp: warmAtStart } = data;
  const layouter = new Layouter(elk);
  let saveTimer: NodeJS.Timeout | undefined;
  if (cacheFile) layouter.restore(readLayoutCache(cacheFile));
  const readyAt = epoch();

  const skipped = new Set<number>();
  /** One layout at a time, in the order sent (client.ts relies on it to know which one runs). */
  let queue: Promise<void> = Promise.resolve();
  let layouts = 0;
  let warmed = false;
  const receive = (m: ToLayoutThread): void => {
    // A layout cancelled while queued is answered `cancelled` at its turn; while running, before its next group.
    if ('skip' in m) { skipped.add(m.skip); return; }
    if (!warmed) {
      // This layout compiles elkjs as well, and is wanted: a warm-up first would only delay it.
      warmed = true;
      port.post({ warm: 0 });
    }
    layouts++;
    const receivedAt = epoch();
    queue = queue.then(() => run(m, receivedAt));
  };

  port.post({ ready: readyAt });
  for (const m of early) receive(m);
  if (warmAtStart) startWarmUp();
  else if (!warmed && prime) setUp();
  port.onMessage(receive);

  function startWarmUp(): void {
    if (warmed) return;
    warmed = true;
    const t0 = performance.now();
    queue = queue.then(() => warmUp(elk, () => layouts > 0)).then(
      () => port.post({ warm: performance.now() - t0 }),
      (e: unknown) => port.post({ warm: -1, error: String(e) }),
    );
  }

  /**
   * One small layout, unless a layout is waiting: elkjs's first layout sets elkjs up (its static
   * state, its code paths run once), tens of ms the view's layout would spend otherwise. Started
   * during an open (client.ts `prepare`, once the view is answered), the server does it while the
   * page draws its first frame, if it has loaded before the view's layout arrives. Not a warm-up
   * (a server started with `warmUp` runs one); reported as `primed`.
   */
  function setUp(): void {
    queue = queue.then(async () => {
      // Messages sent meanwhile arrive after this is queued: one turn lets them in.
      await new Promise((r) => setImmediate(r));
      if (layouts > 0) return;
      const t0 = performance.now();
      await new Layouter(elk).layout(warmUpGraph(0, 6, 4), 'DOWN');
      port.post({ primed: performance.now() - t0 });
    }).catch(() => undefined);
  }

  async function run(m: Extract<ToLayoutThread, { id: number }>, receivedAt: number): Promise<void> {
    let reply: FromLayoutThread;
    try {
      if (skipped.has(m.id)) throw new CancelledError();
      const startAt = epoch();
      const result = await layouter.layout(m.root, m.direction, () => stopBefore(m.id));
      result.thread = { readyAt, receivedAt, startAt, endAt: epoch() };
      reply = { id: m.id, result };
      if (result.laidOut > 0) scheduleSave();
    } catch (e) {
      reply = e instanceof CancelledError ? { id: m.id, cancelled: true } : { id: m.id, error: e instanceof Error ? e.message : String(e) };
      if (e instanceof CancelledError && layouter.laidOutSoFar > 0) scheduleSave();
    }
    skipped.delete(m.id);
    port.post(reply);
  }

  /** Between two groups: one turn of the event loop lets a `skip` of this layout in (client.ts). */
  async function stopBefore(id: number): Promise<boolean> {
    await new Promise((r) => setImmediate(r));
    return skipped.has(id);
  }

  function scheduleSave(): void {
    if (!cacheFile) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      try {
        writeLayoutCache(cacheFile, layouter.cachedLayouts());
      } catch (e) {
        process.stderr.write(`could not write the layout cache ${cacheFile}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }, SAVE_DELAY_MS);
  }
}

/**
 * Runs elkjs on small graphs a few times: a first layout costs several times the next one, and
 * elkjs keeps getting faster over the first few (V8 optimizes it). Stops as soon as `stop` says
 * a real layout arrived (it warms elkjs as well, and is wanted): one round is tens of ms. Their
 * own Layouter keeps the warm-up graphs out of the cache.
 */
export async function warmUp(elk: ElkLike, stop: () => boolean = () => false): Promise<void> {
  for (let round = 0; round < WARM_UP_ROUNDS && !stop(); round++) {
    await new Layouter(elk).layout(warmUpGraph(round), round % 2 ? 'RIGHT' : 'DOWN');
    // Lets a waiting layout request in.
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A small model-like graph: a branching chain and an expanded group with in- and out-ports and a
 * title, so the warm-up compiles the code paths real layouts take (ports, layer constraints).
 */
function warmUpGraph(round: number, outer = 30, blockSize = 12): LayoutGroup {
  const chain = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, w: 80 + ((i + round) % 3) * 30, h: 40 }));
  const inner = chain('g', blockSize);
  const sub: LayoutGroup = {
    id: 'block', items: inner, inPorts: ['x'], outPorts: ['y'], title: { w: 160, h: 20 },
    edges: [
      { from: '^in:x', to: 'g0', value: 'x' },
      ...inner.slice(1).map((it, i) => ({ from: `g${i % 4 === 3 ? i - 2 : i}`, to: it.id, value: `g${i}` })),
      { from: `g${blockSize - 1}`, to: '^out:y', value: 'y' },
    ],
  };
  const items = [...chain('w', outer), { id: 'G:block', w: 0, h: 0, sub }, ...chain('v', Math.ceil(outer / 3))];
  const edges = [
    ...items.slice(1, outer).map((it, i) => ({ from: `w${i % 7 === 6 ? i - 3 : i}`, to: it.id, value: `w${i}` })),
    { from: `w${outer - 1}`, to: 'G:block', toPort: 'x', value: 'x' },
    { from: 'G:block', fromPort: 'y', to: 'v0', value: 'y' },
    ...items.slice(outer + 2).map((it, i) => ({ from: `v${i}`, to: it.id, value: `v${i}` })),
  ];
  return { id: '', items, edges, inPorts: [], outPorts: [] };
}
