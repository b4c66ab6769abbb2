import { loadModel } from '../../core/formats/onnx/io';
import { modelToText } from '../../core/formats/onnx/text';
import { analysisOverlays } from '../../core/analysis/annotations';
import { runAnalyzeJob } from '../../core/jobs/analyze';
import { jsonDb } from '../../core/analysis/metrics';
import { AnalyzeRequest, ModelTextRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** The text view and per-layer analysis (a recipe's check is a start handler: recipe.ts). */
export function registerAnalysisHandlers({ server }: WorkerServices): void {
  server.on(ModelTextRequest.type, async ({ file }, ctx) => {
    ctx.progress('Reading model');
    const model = loadModel(file);
    await ctx.checkpoint();
    return modelToText(model);
  });

  server.on(AnalyzeRequest.type, async (params, ctx) => {
    const { file, progressToken: _token, ...options } = params;
    const r = await jobHooks(ctx, (hooks) => runAnalyzeJob(file, { ...options, ...hooks }));
    const facts = JSON.parse(JSON.stringify(r.facts, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
    const l = r.latency;
    return {
      file: r.floatFile, quantized: r.quantizedFile, samples: r.samples, metric: r.float.metric, floatScore: r.float.value,
      quantizedScore: r.quantized.value, outputSqnrDb: jsonDb(r.quantized.outputSqnrDb), findings: r.findings, facts,
      overlays: analysisOverlays(r.facts), seconds: r.seconds,
      latency: l && {
        floatMs: l.float.runMs, quantizedMs: l.quantized.runMs, floatP50Ms: l.float.p50Ms, quantizedP50Ms: l.quantized.p50Ms,
        timedLayers: l.gains.length, slowerLayers: l.gains.filter((g) => g.verdict === 'slower').length, noiseLayers: l.gains.filter((g) => g.verdict === 'within-noise').length, runs: l.runs, seconds: l.seconds,
      },
    };
  });
}
