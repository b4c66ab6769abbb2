import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import type { NodeProto } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import type { Model } from '../../../../src/core/formats/onnx/model';
import { encodeTflite } from '../../../../src/core/formats/tflite/writer';
import { onnxToTflite, type ConvertOptions, type ConvertResult } from '../../../../src/core/passes/export-tflite/convert';
import { TfliteSession } from '../../../../src/core/runtime/tflite';
import { fromTfliteOutput, toTfliteInput } from '../../../../src/core/runtime/tflite-feeds';
import { channelsLast } from '../../../../src/core/passes/export-tflite/layout';
import { buildModel, randomFloats, tempDir } from '../../../helpers/onnx-models';

/** A model with one float input `x` of `shape`, the given nodes, float weights by name, and outputs of known shapes. */
export function model(nodes: NodeProto[], shape: number[], weights: Record<string, [number[], Float32Array?]>, outputs: Record<string, number[]>, opset = 17): Model {
  const inits = Object.entries(weights).map(([name, [dims, values]], i) => {
    const n = dims.reduce((a, b) => a * b, 1);
    return makeTensor(name, 'float32', dims, values ?? randomFloats(n, 11 + i).map((v) => v * 0.5));
  });
  return buildModel(nodes, [makeValueInfo('x', 'float32', shape)], Object.entries(outputs).map(([n, s]) => makeValueInfo(n, 'float32', s)), inits, opset);
}

export function int64Const(name: string, values: number[]): ReturnType<typeof makeTensor> {
  return makeTensor(name, 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
}

/**
 * Converts `m`, runs the .tflite in TFLite's interpreter and the ONNX model in ONNX Runtime on the
 * same random input, and returns the conversion with the largest absolute difference per output.
 */
export async function exportAndRun(m: Model, options: ConvertOptions = {}, seed = 3): Promise<{ conv: ConvertResult; maxDiff: Record<string, number>; ops: string[] }> {
  const dir = tempDir();
  try {
    const onnxFile = path.join(dir, 'm.onnx');
    fs.writeFileSync(onnxFile, encodeModelProto(m.proto));
    const conv = onnxToTflite(m, options);
    const ops = conv.graph.ops.map((o) => o.op).map((o) => String(o));
    const file = path.join(dir, 'm.tflite');
    fs.writeFileSync(file, encodeTflite(conv.graph.toSpec('test')));
    const x = conv.inputs[0];
    const data = randomFloats(x.shape.reduce((a, b) => a * b, 1), seed);
    const s = await TfliteSession.create(file);
    const o = await ort.InferenceSession.create(onnxFile);
    try {
      const got = await s.run([toTfliteInput(data, { shape: x.shape, dtype: 'float32', perm: x.layout === 'nhwc' ? channelsLast(4) : undefined })]);
      const ref = await o.run({ [x.name]: new ort.Tensor('float32', data, x.shape) });
      const maxDiff: Record<string, number> = {};
      s.outputs.forEach((io, k) => {
        const spec = conv.outputs.find((c) => c.name === io.name)!;
        const test = fromTfliteOutput(got[k], { shape: spec.shape, dtype: 'float32', perm: spec.layout === 'nhwc' ? channelsLast(4) : undefined });
        const r = ref[io.name].data as Float32Array;
        if (r.length !== test.length) throw new Error(`${io.name}: ${r.length} values in ORT, ${test.length} in TFLite`);
        let d = 0;
        for (let i = 0; i < r.length; i++) d = Math.max(d, Math.abs(r[i] - test[i]));
        maxDiff[io.name] = d;
      });
      return { conv, maxDiff, ops };
    } finally {
      s.dispose();
      await o.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
