import { create } from '@bufbuild/protobuf';
import type * as ort from 'onnxruntime-node';
import { ValueInfoProtoSchema } from '../onnx/proto/onnx_pb';
import { forkModel } from '../passes/common';
import type { Calibrator } from '../passes/calibrate/calibrator';
import type { Model } from '../onnx/model';
import type { RangeTable } from '../passes/quantize/static';
import type { Dataset } from './data';
import { runDataset, type RunOptions } from './infer';
import { openSession } from './ort-session';

export interface CalibrationResult {
  ranges: RangeTable;
  method: Calibrator['method'];
  samples: number;
  tensors: number;
  /** Wall time of the calibration runs including statistics, ms. */
  ms: number;
}

/**
 * Runs the float model over the data with the wanted intermediate tensors added as graph outputs,
 * and streams each batch's float32 values into the calibrator (non-float tensors are skipped).
 */
export async function calibrate(
  model: Model, tensors: string[], data: Dataset, calibrator: Calibrator,
  options: RunOptions & { threads?: number } = {},
): Promise<CalibrationResult> {
  const t0 = performance.now();
  const probe = forkModel(model);
  const g = probe.proto.graph!;
  const inputs = new Set(probe.graph.realInputs().map((i) => i.name));
  const existing = new Set(g.output.map((o) => o.name));
  const fetch: string[] = [];
  const fromInputs: string[] = [];
  for (const t of tensors) {
    if (inputs.has(t)) { fromInputs.push(t); continue; }
    if (!existing.has(t)) g.output.push(create(ValueInfoProtoSchema, { name: t }));
    fetch.push(t);
  }
  const session = await openSession(probe, { threads: options.threads });
  try {
    await runDataset(session, data, (outputs, start, n) => {
      for (const name of fetch) {
        const v = outputs[name] as ort.Tensor | undefined;
        if (v?.type === 'float32') calibrator.update(name, v.data as Float32Array);
      }
      if (fromInputs.length) {
        const feeds = data.batch(start, n);
        for (const name of fromInputs) if (feeds[name].type === 'float32') calibrator.update(name, feeds[name].data as Float32Array);
      }
    }, { ...options, outputs: fetch.length ? fetch : [g.output[0].name], reuseOutputs: true });
  } finally {
    await session.release();
  }
  const ranges = calibrator.ranges();
  return { ranges, method: calibrator.method, samples: data.count, tensors: Object.keys(ranges).length, ms: performance.now() - t0 };
}
