import { packLayoutResultText } from '../../core/graph/layout/packed-result';
import { BUILT_IN_METRICS, checkTextMetrics } from '../../core/graph/text-metrics';
import { layOutAhead, mayLayOutAhead } from '../layout/ahead';
import { openedView } from '../opened-views';
import { DropLayoutAheadNotification, LayoutRequest, OpenViewRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { trace } from '../../core/base/trace';

const now = (): number => performance.timeOrigin + performance.now();

/** What the graph view asks for: the model's view graph and summary at once, and its layouts. */
export function registerViewHandlers(services: WorkerServices): void {
  const { server, models, layout } = services;
  /** The first screens being laid out ahead, by the id their open answered with (with the pid: a new worker's ids are others). */
  const aheads = new Map<string, AbortController>();
  let lastAhead = 0;
  server.on(OpenViewRequest.type, async ({ file, textMetrics }, ctx) => {
    const receivedAt = now();
    ctx.progress('Reading model', 0);
    const reader = models.get(file);
    const decodedAt = now();
    await ctx.checkpoint();
    ctx.progress('Building the graph', 0.5);
    const { packed, summary } = openedView(reader);
    const timing = { processStartAt: performance.timeOrigin, readyAt: services.readyAt, receivedAt, decodedAt, builtAt: now() };
    // Once this answer is on its way: the first screen's request is made and, if the page's own
    // layout does not settle it, elkjs's server starts and lays it out ahead of the page.
    const ahead = mayLayOutAhead(packed.nodes, summary.inputs.length + summary.outputs.length) ? `${process.pid}.${++lastAhead}` : undefined;
    const stop = new AbortController();
    if (ahead) aheads.set(ahead, stop);
    setImmediate(() => {
      if (!ahead) return;
      void layOutAhead(packed.text, checkTextMetrics(textMetrics) ?? BUILT_IN_METRICS, layout, stop.signal).finally(() => aheads.delete(ahead));
    });
    return { graph: packed.text, nodes: packed.nodes, summary, timing, ahead };
  });

  server.onNotification(DropLayoutAheadNotification.type, ({ ahead }) => aheads.get(ahead)?.abort());

  server.on(LayoutRequest.type, async ({ root, direction }, ctx) => {
    trace('layout request from the page');
    const controller = new AbortController();
    const cancel = ctx.token.onCancellationRequested(() => controller.abort());
    try {
      return packLayoutResultText(await layout.layout(root, direction, controller.signal));
    } finally {
      cancel.dispose();
    }
  });
}
