import { runInspectJob, runNodeDetailsJob, runViewJob } from '../../core/jobs/inspect';
import {
  ForgetModelNotification, ModelSummaryRequest, NodeDetailsRequest, ViewGraphRequest,
} from '../protocol';
import type { WorkerServices } from '../services';

/** Model summary, view graph and node details (src/core/jobs/inspect.ts), all from one cached reader per file. */
export function registerModelHandlers({ server, models, edits }: WorkerServices): void {
  const open = (file: string) => models.get(file);

  server.on(ModelSummaryRequest.type, async ({ file }, ctx) => {
    // The graph view reads no weights: a missing weights file shows when a node's weights are asked for.
    const summary = await runInspectJob(file, { checkWeights: false, progress: (m, f) => ctx.progress(m, f) }, open);
    await ctx.checkpoint();
    return summary;
  });

  server.on(ViewGraphRequest.type, async ({ file }, ctx) => {
    const graph = await runViewJob(file, { progress: (m, f) => ctx.progress(m, f) }, open);
    await ctx.checkpoint();
    return graph;
  });

  server.on(NodeDetailsRequest.type, async ({ file, nodeId, graphPath, session }, ctx) => {
    await ctx.checkpoint();
    // An edited model's nodes are those of its current version, not the file's.
    return runNodeDetailsJob(file, nodeId, graphPath, edits.has(session) ? () => edits.reader(edits.get(session)) : open);
  });

  server.onNotification(ForgetModelNotification.type, ({ file }) => models.forget(file));
}
