import * as path from 'node:path';
import { loadModel } from '../../core/formats/onnx/io';
import { modelToText } from '../../core/formats/onnx/text';
import { analysisOverlays } from '../../core/analysis/annotations';
import { runAnalyzeJob } from '../../core/jobs/analyze';
import { jsonDb } from '../../core/analysis/metrics';
import { modelFacts, validateRecipe, type RecipeProblem } from '../../core/recipe/validate';
import { child, lineColumn, parseRecipeText, recipeFormat } from '../../core/recipe/tree';
import { recipePathProblems } from '../../core/recipe/paths';
import { AnalyzeRequest, ModelTextRequest, ValidateRecipeRequest, type RecipeCheck } from '../protocol';
import type { WorkerServices } from '../services';
import { jobHooks } from './job-hooks';

/** The text view, per-layer analysis and recipe validation. */
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

  server.on(ValidateRecipeRequest.type, async ({ file, text }) => {
    const out: RecipeCheck = { problems: [], nodeNames: [] };
    const format = recipeFormat(file);
    // The bounded parse (recipe/tree.ts): an editor sends any text, an alias bomb included.
    const ref = child(parseRecipeText(text, format).root, 'model')?.value;
    const outside = recipePathProblems(text, format, file, 'warning');
    let facts;
    let modelProblem: RecipeProblem | undefined;
    if (ref?.type === 'string' && !outside.some((p) => p.path[0] === 'model')) {
      const modelFile = path.resolve(path.dirname(file), ref.value);
      try {
        const model = loadModel(modelFile);
        out.model = modelFile;
        facts = modelFacts(model);
        out.nodeNames = [...facts.nodeNames];
      } catch (e) {
        modelProblem = {
          severity: 'error', code: 'value', path: ['model'], message: `$.model: ${(e as Error).message}`,
          offset: ref.offset, length: ref.length, ...lineColumn(text, ref.offset),
        };
      }
    }
    out.problems = [...(modelProblem ? [modelProblem] : []), ...outside, ...validateRecipe(text, facts, format).problems];
    return out;
  });
}
