import type { ConvertResult } from '../passes/export-tflite/convert';
import { typeName } from '../passes/export-tflite/describe';
import type { TfliteGraph } from '../passes/export-tflite/graph';
import { channelsLast } from '../passes/export-tflite/layout';
import type { TfliteIoMap } from '../runtime/tflite-feeds';

/** How the data set's ONNX-ordered samples meet the TFLite model's inputs and outputs (by name). */
export function ioMaps(conv: ConvertResult, g: TfliteGraph): { inputs: (TfliteIoMap & { name: string })[]; outputs: (TfliteIoMap & { name: string })[] } {
  const map = (list: ConvertResult['inputs'], tensors: number[]) => list.map((io) => {
    const t = tensors.map((i) => g.tensors[i]).find((x) => x.name === io.name);
    if (!t) throw new Error(`the TFLite graph has no tensor named '${io.name}'`);
    const q = t.quant;
    return {
      name: io.name, shape: io.shape, dtype: typeName(t.type),
      perm: io.layout === 'nhwc' ? channelsLast(io.shape.length) : undefined,
      quant: q ? { scale: Array.from(q.scale), zeroPoint: Array.from(q.zeroPoint) } : null,
    };
  });
  return { inputs: map(conv.inputs, g.inputs), outputs: map(conv.outputs, g.outputs) };
}
