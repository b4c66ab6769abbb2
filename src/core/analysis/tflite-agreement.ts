import type * as ort from 'onnxruntime-node';
import { batchRanges, type Dataset } from '../runtime/data';
import { throwIfCancelled } from '../base/cancel';
import { openSession } from '../runtime/ort-session';
import { median } from '../runtime/stats';
import { TfliteSession } from '../runtime/tflite';
import { fromTfliteOutput, toTfliteInput, type TfliteIoMap } from '../runtime/tflite-feeds';
import { OutputAgreement, TopKAccuracy, type Accuracy, type OutputComparison } from './accuracy';

export interface TfliteAgreement {
  data: string;
  samples: number;
  synthetic: boolean;
  /** Each output of the TFLite model against the same output of the ONNX model in ONNX Runtime. */
  outputs: OutputComparison[];
  accuracyOnnx?: Accuracy;
  accuracyTflite?: Accuracy;
  /** Median time of one run, ms, in each runtime (same inputs, one thread each). */
  p50Ms: { onnxRuntime: number; tflite: number };
}

type Io = TfliteIoMap & { name: string };

/**
 * Runs the ONNX model in ONNX Runtime and the exported .tflite in TFLite's interpreter on the same
 * samples (inputs and outputs matched by name, layouts and quantization converted), and compares
 * every output: cosine, top-1 agreement, SQNR; with labels, both models' accuracy.
 */
export async function compareOnnxWithTflite(
  onnxFile: string, tfliteFile: string, inputs: Io[], outputs: Io[], data: Dataset, labels: Int32Array | undefined,
  options: { signal?: AbortSignal; progress?: (done: number, total: number) => void } = {},
): Promise<TfliteAgreement> {
  const ortSession = await openSession(onnxFile, { threads: 1 });
  let tfl: TfliteSession | undefined;
  try {
    tfl = await TfliteSession.create(tfliteFile);
    const inOrder = tfl.inputs.map((io) => byName(inputs, io.name, tfliteFile));
    const outOrder = tfl.outputs.map((io) => byName(outputs, io.name, tfliteFile));
    const agreements = outOrder.map((o) => new OutputAgreement(o.name));
    const first = outOrder.findIndex((o) => o.name === outputs[0].name);
    const accO = labels ? new TopKAccuracy(labels, 'the ONNX model') : undefined;
    const accT = labels ? new TopKAccuracy(labels) : undefined;
    const timesO: number[] = [];
    const timesT: number[] = [];
    let samples = 0;
    for (const [start, n] of batchRanges(data)) {
      throwIfCancelled(options.signal);
      const feeds = data.batch(start, n);
      let t = performance.now();
      const ref = await ortSession.run(feeds, outOrder.map((o) => o.name));
      timesO.push(performance.now() - t);
      const tfeeds = inOrder.map((io) => toTfliteInput(feeds[io.name].data as ArrayLike<number>, io));
      t = performance.now();
      const got = await tfl.run(tfeeds);
      timesT.push(performance.now() - t);
      outOrder.forEach((io, k) => {
        const r = (ref[io.name] as ort.Tensor).data as Float32Array;
        const test = fromTfliteOutput(got[k], io);
        agreements[k].update(r, test, io.shape[io.shape.length - 1] ?? 1);
        if (k === first) { accO?.update(r, start, n); accT?.update(test, start, n); }
      });
      samples += n;
      options.progress?.(start + n, data.count);
    }
    return {
      data: data.description, samples, synthetic: data.synthetic, outputs: agreements.map((a) => a.result()),
      accuracyOnnx: accO?.result(), accuracyTflite: accT?.result(), p50Ms: { onnxRuntime: median(timesO), tflite: median(timesT) },
    };
  } finally {
    tfl?.dispose();
    await ortSession.release();
  }
}

function byName(list: Io[], name: string, file: string): Io {
  const io = list.find((x) => x.name === name);
  if (!io) throw new Error(`${file}: the TFLite model has a tensor '${name}' the ONNX model does not`);
  return io;
}
