/**
 * A recipe's last pass, `export`: the model its earlier passes made becomes a .tflite (the export
 * job: TFLite's own interpreter checks it), compared on the held-out data with the recipe's float
 * model, and measured for a microcontroller (flash, the TFLite Micro arena).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { saveModel } from '../formats/onnx/io';
import { planArena } from '../formats/tflite/arena';
import { loadTflite } from '../formats/tflite/model';
import { runExportJob, type ExportJobResult } from '../jobs/export';
import type { CalibrationMethod } from '../jobs/quantize';
import type { ExportMode } from '../passes/export-tflite/weights';
import { tflmTarget, type Target } from '../runtime/targets';
import type { Recipe } from './schema';
import type { NearChance } from '../analysis/chance';
import { recipeDataOptions } from './data-options';

export interface ExportPassInput {
  recipe: Recipe;
  /** The recipe's folder (its paths are relative to it). */
  dir: string;
  floatModel: Model;
  /** The model after the earlier passes (the float model itself when there are none). */
  model: Model;
  /** The .tflite to write (checked by the recipe before any pass ran). */
  out: string;
  /** The recipe's target, when it is a built-in one: its kernels' scratch buffers count in the arena. */
  target?: Target;
  options: Record<string, unknown>;
  write: boolean;
  force?: boolean;
  progress: (message: string) => void;
}

export interface ExportPassResult {
  /** The written .tflite, or null for a dry run. */
  output: string | null;
  report: ExportJobResult;
  /** What the recipe's budgets are checked on (run.ts's Measured). */
  measured: { sizeBytes: number; flashBytes: number; arenaBytes: number; latencyMs?: number; cosine?: number; floatTop1?: number; top1?: number; nearChance?: NearChance };
}

export class ExportPassFailed extends Error {}

export async function runExportPass(p: ExportPassInput): Promise<ExportPassResult> {
  const { recipe, dir, floatModel, options: o } = p;
  const floatFile = floatModel.source.file!;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-recipe-export-'));
  try {
    // The export reads an ONNX file: the recipe's model, or what the earlier passes made, saved aside.
    const source = p.model === floatModel ? floatFile : saveModel(p.model, path.join(scratch, path.basename(floatFile))).file;
    const out = p.write ? p.out : path.join(scratch, 'dry-run.tflite');
    const held = recipe.eval ?? recipe.data;
    const report = await runExportJob(source, {
      quantize: (o.quantize as ExportMode | undefined) ?? 'none',
      calibration: o.calibration as CalibrationMethod | undefined,
      int8Io: o.int8Io as boolean | undefined,
      nhwcIo: o.nhwcIo as boolean | undefined,
      dims: o.dims as Record<string, number> | undefined,
      verify: o.verify as boolean | undefined,
      calib: recipe.data && path.resolve(dir, recipe.data.inputs),
      evalData: held && path.resolve(dir, held.inputs),
      labels: held?.labels && path.resolve(dir, held.labels),
      // Each data section read as every pass reads it (scale, mean/std, layout, resize, count).
      preprocess: recipe.data ? recipeDataOptions(recipe.data) : recipe.eval && recipeDataOptions(recipe.eval),
      evalPreprocess: recipe.eval && recipeDataOptions(recipe.eval),
      reference: floatFile,
      out, force: p.force,
      progress: p.progress,
      warn: (m) => p.progress(`warning: ${m}`),
    });
    const v = report.verification;
    if (v && !v.passed) {
      throw new ExportPassFailed(`${report.output}: the export failed its check in TFLite's interpreter: ${v.checks.filter((c) => c.passed === false).map((c) => c.detail).join('; ')} (the file is kept for inspection; "verify": false skips the check)`);
    }
    const plan = planArena(loadTflite(report.output), tflmTarget(p.target));
    const ref = report.reference;
    const measured: ExportPassResult['measured'] = {
      sizeBytes: report.fileBytesAfter, flashBytes: report.fileBytesAfter, arenaBytes: plan.arenaBytes,
      latencyMs: v?.p50Ms.tflite,
      // Against the recipe's float model in ONNX Runtime, on the held-out data.
      cosine: ref?.outputs[0]?.cosine,
      floatTop1: ref?.accuracyOnnx && 100 * ref.accuracyOnnx.top1,
      top1: ref?.accuracyTflite && 100 * ref.accuracyTflite.top1,
      nearChance: ref?.accuracyOnnx?.nearChance,
    };
    return { output: p.write ? report.output : null, report, measured };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
