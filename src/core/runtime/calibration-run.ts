import { create } from '@bufbuild/protobuf';
import type * as ort from 'onnxruntime-node';
import { ValueInfoProtoSchema } from '../formats/onnx/proto/onnx_pb';
import { makeNode, NameAllocator } from '../formats/onnx/build';
import { forkModel } from '../passes/common';
import type { Calibrator } from '../passes/calibrate/calibrator';
import type { Model } from '../formats/onnx/model';
import type { RangeTable } from '../passes/quantize/static';
import type { Dataset } from './data';
import { CancelledError } from '../base/cancel';
import { runDataset, type DatasetRunOptions } from './infer';
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
  options: DatasetRunOptions & { threads?: number } = {},
): Promise<CalibrationResult> {
  const t0 = performance.now();
  const inputs = new Set(model.graph.realInputs().map((i) => i.name));
  const fromInputs = tensors.filter((t) => inputs.has(t));
  const inner = tensors.filter((t) => !inputs.has(t));
  const feedStats = (start: number, n: number) => {
    if (!fromInputs.length) return;
    const feeds = data.batch(start, n);
    for (const name of fromInputs) if (feeds[name].type === 'float32') calibrator.update(name, feeds[name].data as Float32Array);
  };
  let reduced = false;
  if (calibrator.updateRange && inner.length) {
    try {
      await runReduced(model, inner, data, calibrator, feedStats, options);
      reduced = true;
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      // Some tensor type has no ReduceMin kernel: fall back to copying the tensors out.
    }
  }
  if (!reduced) await runCopying(model, inner, data, calibrator, feedStats, options);
  const ranges = calibrator.ranges();
  return { ranges, method: calibrator.method, samples: data.count, tensors: Object.keys(ranges).length, ms: performance.now() - t0 };
}

type Options = DatasetRunOptions & { threads?: number };
type FeedStats = (start: number, n: number) => void;

/** Every wanted tensor becomes a graph output; each batch's values stream into the calibrator. */
async function runCopying(model: Model, tensors: string[], data: Dataset, calibrator: Calibrator, feedStats: FeedStats, options: Options): Promise<void> {
  const probe = forkModel(model);
  const g = probe.proto.graph!;
  const existing = new Set(g.output.map((o) => o.name));
  for (const t of tensors) if (!existing.has(t)) g.output.push(create(ValueInfoProtoSchema, { name: t }));
  const session = await openSession(probe, { threads: options.threads });
  try {
    await runDataset(session, data, (outputs, start, n) => {
      for (const name of tensors) {
        const v = outputs[name] as ort.Tensor | undefined;
        if (v?.type === 'float32') calibrator.update(name, v.data as Float32Array);
      }
      feedStats(start, n);
    }, { ...options, outputs: tensors.length ? tensors : [g.output[0].name], reuseOutputs: true });
  } finally {
    await session.release();
  }
}

/** Min and max computed in the model (ReduceMin/ReduceMax to scalars): only two numbers per tensor leave ORT. */
async function runReduced(model: Model, tensors: string[], data: Dataset, calibrator: Calibrator, feedStats: FeedStats, options: Options): Promise<void> {
  const probe = forkModel(model);
  const g = probe.proto.graph!;
  const names = new NameAllocator(g);
  const pairs = tensors.map((t) => ({ t, min: names.take(`${t}_calibration_min`), max: names.take(`${t}_calibration_max`) }));
  for (const p of pairs) {
    g.node.push(makeNode('ReduceMin', [p.t], [p.min], { keepdims: 0 }, names.take(`${p.t}_ReduceMin`)));
    g.node.push(makeNode('ReduceMax', [p.t], [p.max], { keepdims: 0 }, names.take(`${p.t}_ReduceMax`)));
    g.output.push(create(ValueInfoProtoSchema, { name: p.min }), create(ValueInfoProtoSchema, { name: p.max }));
  }
  probe.graph.invalidate();
  const session = await openSession(probe, { threads: options.threads });
  try {
    await runDataset(session, data, (outputs, start, n) => {
      for (const p of pairs) {
        const lo = outputs[p.min] as ort.Tensor;
        const hi = outputs[p.max] as ort.Tensor;
        if (lo.type === 'float32') calibrator.updateRange!(p.t, (lo.data as Float32Array)[0], (hi.data as Float32Array)[0]);
      }
      feedStats(start, n);
    }, { ...options, outputs: pairs.flatMap((p) => [p.min, p.max]) });
  } finally {
    await session.release();
  }
}
