import {
  ForgetModelNotification, ModelSummaryRequest, NodeDetailsRequest, ViewGraphRequest,
} from '../protocol';
import type { WorkerServices } from '../services';

/** Model summary, view graph and node details, all from one cached reader per file. */
export function registerModelHandlers({ server, models }: WorkerServices): void {
  server.on(ModelSummaryRequest.type, async ({ file }, ctx) => {
    ctx.progress('Reading model');
    const reader = models.get(file);
    await ctx.checkpoint();
    return reader.summary();
  });

  server.on(ViewGraphRequest.type, async ({ file }, ctx) => {
    ctx.progress('Reading model', 0);
    const reader = models.get(file);
    await ctx.checkpoint();
    ctx.progress('Building the graph', 0.5);
    return reader.viewGraph();
  });

  server.on(NodeDetailsRequest.type, async ({ file, nodeId, graphPath }, ctx) => {
    const reader = models.get(file);
    await ctx.checkpoint();
    return reader.nodeDetails(nodeId, graphPath ?? []);
  });

  server.onNotification(ForgetModelNotification.type, ({ file }) => models.forget(file));
}
