import { lazyModule } from '../../core/base/lazy';
import { runInspectJob, runNodeDetailsJob, runViewJob } from '../../core/jobs/inspect';
import {
  ForgetModelNotification, ModelSummaryRequest, ModelTextRequest, NodeDetailsRequest, ViewGraphRequest,
} from '../protocol';
import type { WorkerServices } from '../services';

/** ONNX's reader and its text printer, loaded on the first text view. */
const modelText = lazyModule(() => (require('../model-text') as typeof import('../model-text')).modelText);

/**
 * Model summary, view graph and node details (src/core/jobs/inspect.ts), all from one cached reader
 * per file; and the model's text view, which VS Code restores at start beside a graph (as a job
 * handler, its request loaded every job module alongside that graph's open).
 */
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

  server.on(ModelTextRequest.type, async ({ file }, ctx) => {
    ctx.progress('Reading model');
    await ctx.checkpoint();
    return modelText()(file);
  });

  server.onNotification(ForgetModelNotification.type, ({ file }) => models.forget(file));
}
