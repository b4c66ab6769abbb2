import { analysisOverlays } from '../../core/analysis/annotations';
import { runAnalyzeJob } from '../../core/jobs/analyze';
import { jsonDb } from '../../core/analysis/metrics';
import { AnalyzeRequest } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** Per-layer analysis (the text view and a recipe's check are start handlers: model.ts, recipe.ts). */
export function registerAnalysisHandlers({ server }: WorkerServices): void {
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
