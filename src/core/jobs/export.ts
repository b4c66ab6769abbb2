import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareOnnxWithTflite, type TfliteAgreement } from '../analysis/tflite-agreement';
import { encodeTflite, estimateTfliteBytes, FLATBUFFER_LIMIT, FlatBufferTooLarge, TensorType } from '../formats/tflite/writer';
import { loadModelWeightsOnDisk } from '../formats/onnx/weights-on-disk';
import type { Model } from '../formats/onnx/model';
import { tensorByteLength } from '../formats/onnx/tensor';
import { DataType } from '../tensor/dtypes';
import { ConvertError, type NodeMapping } from '../passes/export-tflite/context';
import { ExportInputError, onnxToTflite, pinnedModel, type ConvertResult } from '../passes/export-tflite/convert';
import { applyInt8, type Int8Result } from '../passes/export-tflite/int8';
import { applyFloat16, applyInt8Weights, EXPORT_MODES, type ExportMode, type StoredWeight } from '../passes/export-tflite/weights';
import { describeTfliteGraph, type TensorTypeSummary } from '../passes/export-tflite/describe';
import { ioMaps } from './export-io';
import { makeCalibrator, type CalibrationMethod } from './quantize';
import { atomicWrite, removeOnFailure, resolveOutput, throwIfCancelled, type JobHooks, type OutputOptions } from './job';
import { recordedJob } from './runs/record';
import { loadDataset, type Dataset } from '../runtime/data';
import type { DataOptions } from '../runtime/data-array';
import { loadLabels } from '../runtime/data-labels';
import { calibrateTflite } from '../runtime/tflite-calibration';
import { throttled } from '../runtime/throttle';
import { verifyExport, type ExportCheck } from './export-checks';
import { formatBytes, formatInteger } from '../base/units';
import { counter } from '../base/progress';

export interface ExportJobOptions extends JobHooks, OutputOptions {
  to?: 'tflite';
  quantize?: ExportMode;
  /** Calibration data (int8); also what the export is verified on when no `evalData` is given. */
  calib?: string;
  calibration?: CalibrationMethod;
  percentile?: number;
  /** Data the export is verified on, and its labels (accuracy checks of int8/dynamic/int8-weights). */
  evalData?: string;
  labels?: string;
  /** How `calib` is read (and `evalData`, unless `evalPreprocess` is given): the data options, `count` included. */
  preprocess?: DataOptions;
  /** How `evalData` is read when it differs from the calibration data (a recipe's `eval` section). */
  evalPreprocess?: DataOptions;
  randomCount?: number;
  /** Values of symbolic dimensions. */
  dims?: Record<string, number>;
  int8Io?: boolean;
  nhwcIo?: boolean;
  /** Skip running the export in TFLite's interpreter. */
  verify?: boolean;
  /**
   * Another ONNX model with the same inputs and outputs (a recipe's model before its earlier
   * passes): the written file is also compared with it, on the same data (`reference` in the result).
   */
  reference?: string;
}

export interface ExportJobResult {
  input: string;
  output: string;
  mode: ExportMode;
  fileBytesBefore: number;
  fileBytesAfter: number;
  fileRatio: number;
  /** Every ONNX node and what it became. */
  nodes: NodeMapping[];
  /** TFLite operators by name. */
  ops: Record<string, number>;
  tensors: TensorTypeSummary;
  inputs: ConvertResult['inputs'];
  outputs: ConvertResult['outputs'];
  transposes: ConvertResult['transposes'];
  weights: StoredWeight[];
  /** int8: ops left in float, and the inputs'/outputs' types and quantization. */
  int8?: Omit<Int8Result, 'weights'>;
  /** Constraints delegates and TFLite Micro care about. */
  delegate: { builtinOnly: true; allOpsInt8?: boolean; notes: string[] };
  calibration?: { method: CalibrationMethod; data: string; synthetic: boolean; samples: number; tensors: number; ms: number };
  verification?: TfliteAgreement & { checks: ExportCheck[]; passed: boolean };
  /** The written file against `reference` (the same as `verification` when that is the input). */
  reference?: TfliteAgreement;
  warnings: string[];
  ms: number;
}

/** Bad options or input: one line, nothing written. */
export class ExportError extends Error {}

export function exportOutputPath(input: string, mode: ExportMode): string {
  const base = path.basename(input, path.extname(input));
  return path.join(path.dirname(input), `${base}${mode === 'none' ? '' : `.${mode}`}.tflite`);
}

/** Size and modification time: weights are read from the input until the output is built. */
function fileStamp(file: string): string {
  const st = fs.statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

/** Bytes per float32 weight byte each mode stores. */
const SIZE_RATIO: Record<ExportMode, number> = { none: 1, float16: 0.5, dynamic: 0.25, int8: 0.25, 'int8-weights': 0.25 };

/** A model whose weights alone would pass the FlatBuffer's 2 GiB is refused before any weight is read. */
function checkSize(model: Model, mode: ExportMode, input: string): void {
  let bytes = 0;
  for (const t of model.graph.proto.initializer) bytes += tensorByteLength(t) * (t.dataType === DataType.float32 ? SIZE_RATIO[mode] : 1);
  if (bytes > FLATBUFFER_LIMIT) {
    throw new ExportError(`${input}: its weights need ${formatBytes(bytes)} as ${mode === 'none' ? 'float32' : mode}, over the 2 GiB (${formatInteger(FLATBUFFER_LIMIT)} bytes) a TFLite FlatBuffer can hold; split the model or quantize it further`);
  }
}

/**
 * ONNX -> TFLite: convert (builtin ops only, NHWC), apply the mode (calibrating int8 in TFLite's
 * own interpreter), write atomically, then run the written file in TFLite's interpreter beside
 * ONNX Runtime on the ONNX model and check agreement. Every bad input fails before anything is
 * written; a cancelled job leaves no file.
 */
async function exportJob(inputFile: string, o: ExportJobOptions): Promise<ExportJobResult> {
  const t0 = performance.now();
  const progress = o.progress ?? (() => {});
  const warnings: string[] = [];
  const warn = (m: string) => { warnings.push(m); o.warn?.(m); };
  const mode = o.quantize ?? 'none';
  const input = path.resolve(inputFile);
  if ((o.to ?? 'tflite') !== 'tflite') throw new ExportError(`${input}: --to ${o.to}: only tflite is supported`);
  if (!EXPORT_MODES.includes(mode)) throw new ExportError(`${input}: --quantize ${mode}: expected one of ${EXPORT_MODES.join(', ')}`);
  if (o.int8Io && mode !== 'int8') throw new ExportError(`${input}: --int8-io needs --quantize int8 (int8 inputs and outputs exist only in a full-integer model)`);
  // Large weights stay on disk and are read once, as the file is written (memory: the output plus one weight).
  const model = loadModelWeightsOnDisk(input);
  let output: string;
  try {
    output = resolveOutput(input, { out: o.out ?? exportOutputPath(input, mode), force: o.force, tag: mode, ext: '.tflite', reads: [...model.externalFiles(), o.calib] });
  } catch (e) {
    throw new ExportError((e as Error).message);
  }
  const stamp = fileStamp(input);
  checkSize(model, mode, input);

  progress('converting');
  let conv: ConvertResult;
  try {
    conv = onnxToTflite(model, { dims: o.dims, nhwcIo: o.nhwcIo });
  } catch (e) {
    if (e instanceof ConvertError || e instanceof ExportInputError) throw new ExportError(`${input}: ${e.message}`);
    throw e;
  }
  const dataOpts = { ...o.preprocess, randomCount: o.randomCount, warn };
  const pinned = pinnedModel(model, o.dims ?? {});
  const needsData = mode === 'int8' || o.verify !== false;
  const calibData = mode === 'int8' ? await loadDataset(pinned, o.calib, dataOpts) : undefined;
  const evalData: Dataset | undefined = !needsData ? undefined
    : o.evalData ? await loadDataset(pinned, o.evalData, o.evalPreprocess ? { ...o.evalPreprocess, randomCount: o.randomCount, warn } : dataOpts) : calibData ?? await loadDataset(pinned, o.calib, dataOpts);
  const labels = o.labels && evalData ? loadLabels(o.labels, evalData.count) : undefined;
  const estimate = estimateTfliteBytes(conv.graph.toSpec(''));
  if (estimate > FLATBUFFER_LIMIT) throw new ExportError(`${input}: ${new FlatBufferTooLarge(estimate).message}`);

  const g = conv.graph;
  let weights: StoredWeight[] = [];
  let int8: Int8Result | undefined;
  let calibration: ExportJobResult['calibration'];
  if (mode === 'float16') weights = applyFloat16(g);
  else if (mode === 'dynamic' || mode === 'int8-weights') weights = applyInt8Weights(g, mode === 'dynamic');
  else if (mode === 'int8') {
    const method = o.calibration ?? 'minmax';
    progress(`calibrating on ${calibData!.description} in TFLite's interpreter (${method})`);
    const acts = g.tensors.map((t, i) => i).filter((i) => g.tensors[i].data === undefined && g.tensors[i].type === TensorType.FLOAT32 && !g.inputs.includes(i));
    const saved = g.outputs;
    g.outputs = acts;
    const floatBytes = encodeTflite(g.toSpec('calibration'));
    g.outputs = saved;
    const cal = await calibrateTflite(floatBytes, ioMaps(conv, g).inputs, acts.map((i) => g.tensors[i].name), calibData!,
      makeCalibrator({ calibration: method, percentile: o.percentile, activationType: 'uint8' }),
      { signal: o.signal, progress: throttled(counter(progress, 'calibration', 'samples')) });
    calibration = { method, data: calibData!.description, synthetic: calibData!.synthetic, samples: cal.samples, tensors: cal.tensors, ms: cal.ms };
    const byIndex = new Map(g.tensors.flatMap((t, i) => (cal.ranges[t.name] ? [[i, cal.ranges[t.name]] as const] : [])));
    int8 = applyInt8(g, byIndex, o.int8Io ?? false);
    weights = int8.weights;
  }
  throwIfCancelled(o.signal);

  progress(`writing ${output}`);
  const bytes = encodeTflite(g.toSpec(`Edgewise export of ${path.basename(input)} (${mode})`));
  if (fileStamp(input) !== stamp) throw new ExportError(`${input}: the file changed while it was being exported; nothing was written`);
  atomicWrite(output, [bytes]);
  const described = describeTfliteGraph(g);
  const result: ExportJobResult = {
    input, output, mode, fileBytesBefore: model.storedBytes(), fileBytesAfter: bytes.byteLength,
    fileRatio: bytes.byteLength / (model.source.fileBytes ?? fs.statSync(input).size),
    nodes: conv.mappings, ops: described.ops, tensors: described.tensors, inputs: conv.inputs, outputs: conv.outputs,
    transposes: conv.transposes, weights,
    ...(int8 ? { int8: { floatOps: int8.floatOps, io: int8.io } } : {}),
    delegate: described.delegate(mode, int8),
    calibration, warnings, ms: 0,
  };
  await removeOnFailure([output], async () => {
    if (o.verify !== false && evalData) {
      progress(`checking ${path.basename(output)} in TFLite's interpreter beside ONNX Runtime on ${evalData.description}`);
      const io = ioMaps(conv, g);
      const compare = (onnx: string) => compareOnnxWithTflite(onnx, output, io.inputs, io.outputs, evalData, labels, {
        signal: o.signal, progress: throttled(counter(progress, 'checking', 'samples')),
      });
      const agreement = await compare(input);
      const checks = verifyExport(mode, agreement);
      result.verification = { ...agreement, checks, passed: checks.every((c) => c.passed !== false) };
      const reference = o.reference && path.resolve(o.reference);
      if (reference && reference !== input) progress(`comparing ${path.basename(output)} with ${path.basename(reference)}`);
      if (reference) result.reference = reference === input ? agreement : await compare(reference);
      if (evalData.synthetic) warn('verified on RANDOM inputs: agreement on real data is unknown; pass --calib or --eval data');
      if (!labels && mode !== 'none' && mode !== 'float16') warn('no --labels: the accuracy check of quantized exports (top-1 within 0.5 point of ONNX) was not run');
    }
  });
  result.ms = performance.now() - t0;
  return result;
}

const recordedExport = recordedJob('export', exportJob, {
  inputs: (input, o) => ({ input, calib: o.calib, evalData: o.evalData, labels: o.labels, reference: o.reference }),
  outputs: (r) => ({ out: r.output }),
  metrics: (r) => {
    const v = r.verification;
    return {
      sizeBytes: r.fileBytesAfter, p50Ms: v?.p50Ms.tflite,
      accuracy: v?.accuracyTflite && 100 * v.accuracyTflite.top1, accuracyBefore: v?.accuracyOnnx && 100 * v.accuracyOnnx.top1,
      agreement: v?.outputs[0] && 100 * v.outputs[0].top1Agreement, cosine: v?.outputs[0]?.cosine,
    };
  },
  summary: (r) => `TFLite ${r.mode}${r.verification ? (r.verification.passed ? ', checks passed' : ', a check FAILED') : ''}`,
});

export const runExportJob = (inputFile: string, o: ExportJobOptions = {}): Promise<ExportJobResult> => recordedExport(inputFile, o);
