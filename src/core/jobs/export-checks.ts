import type { TfliteAgreement } from '../analysis/tflite-agreement';
import type { ExportMode } from '../passes/export-tflite/weights';
import { formatCloseness, formatPercent, formatPoints } from '../base/units';

/** One pass/fail check of an export against ONNX Runtime; passed is null when it could not run. */
export interface ExportCheck {
  check: string;
  passed: boolean | null;
  measured?: number;
  limit: number;
  detail: string;
}

export const MIN_COSINE = 0.9999;
export const MIN_TOP1_AGREEMENT = 0.999;
/** Largest top-1 drop (points) of a quantized export against the ONNX float model. */
export const MAX_TOP1_DROP_POINTS = 0.5;

/**
 * float and float16 exports must reproduce the ONNX model (cosine >= 0.9999 and top-1 agreement
 * >= 99.9% on every output); quantized exports must keep top-1 accuracy within 0.5 point of the
 * ONNX float model on labelled data.
 */
export function verifyExport(mode: ExportMode, a: TfliteAgreement): ExportCheck[] {
  if (mode === 'none' || mode === 'float16') {
    return a.outputs.flatMap((o) => [
      { check: `cosine of '${o.output}'`, passed: o.cosine >= MIN_COSINE, measured: o.cosine, limit: MIN_COSINE, detail: `cosine ${formatCloseness(o.cosine)} (>= ${MIN_COSINE})` },
      { check: `top-1 agreement of '${o.output}'`, passed: o.top1Agreement >= MIN_TOP1_AGREEMENT, measured: o.top1Agreement, limit: MIN_TOP1_AGREEMENT, detail: `top-1 agreement ${formatPercent(o.top1Agreement, 2)} (>= ${formatPercent(MIN_TOP1_AGREEMENT)})` },
    ]);
  }
  if (!a.accuracyOnnx || !a.accuracyTflite) {
    return [{ check: 'top-1 accuracy drop', passed: null, limit: MAX_TOP1_DROP_POINTS, detail: 'not run: no labels (pass --labels with the data)' }];
  }
  const drop = 100 * (a.accuracyOnnx.top1 - a.accuracyTflite.top1);
  return [{
    check: 'top-1 accuracy drop', passed: drop <= MAX_TOP1_DROP_POINTS + 1e-9, measured: drop, limit: MAX_TOP1_DROP_POINTS,
    detail: `top-1 ${formatPercent(a.accuracyOnnx.top1, 2)} (ONNX) -> ${formatPercent(a.accuracyTflite.top1, 2)} (TFLite): ${formatPoints(drop / 100, 2)} (<= ${MAX_TOP1_DROP_POINTS})`,
  }];
}
