import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Calibrator } from '../passes/calibrate/calibrator';
import type { RangeTable } from '../passes/quantize/static';
import { batchRanges, type Dataset } from './data';
import { throwIfCancelled } from '../base/cancel';
import { TfliteSession } from './tflite';
import { toTfliteInput, type TfliteIoMap } from './tflite-feeds';

export interface TfliteCalibration {
  ranges: RangeTable;
  samples: number;
  tensors: number;
  ms: number;
}

/**
 * Calibrates a float TFLite model in TFLite's own interpreter: `bytes` is the model with every
 * tensor to calibrate among its outputs (in `outputNames` order). Each run's values stream into
 * the calibrator (min/max, percentile or entropy); inputs are fed from `data` through `inputs`
 * (ONNX-ordered samples to the model's layout), one fixed-size batch per run.
 */
export async function calibrateTflite(
  bytes: Uint8Array, inputs: (TfliteIoMap & { name: string })[], outputNames: string[], data: Dataset, calibrator: Calibrator,
  options: { signal?: AbortSignal; progress?: (done: number, total: number) => void } = {},
): Promise<TfliteCalibration> {
  const t0 = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-calibrate-'));
  const file = path.join(dir, 'float.tflite');
  try {
    fs.writeFileSync(file, bytes);
    const session = await TfliteSession.create(file);
    try {
      for (const [start, n] of batchRanges(data)) {
        throwIfCancelled(options.signal);
        const batch = data.batch(start, n);
        const feeds = inputs.map((io) => {
          const values = batch[io.name].data as Float32Array;
          if (io.dtype === 'float32') calibrator.update(io.name, values);
          return toTfliteInput(values, io);
        });
        const outs = await session.run(feeds);
        outs.forEach((o, k) => { if (o instanceof Float32Array) calibrator.update(outputNames[k], o); });
        options.progress?.(start + n, data.count);
      }
    } finally {
      session.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ranges = calibrator.ranges();
  return { ranges, samples: data.count, tensors: Object.keys(ranges).length, ms: performance.now() - t0 };
}
