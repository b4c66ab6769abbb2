// After `buf generate`: the codecs decode some packed float fields into typed arrays (views of the
// file where aligned; src/core/formats/onnx/packed.ts, src/core/base/packed-fields.ts), so the
// generated types say so.
import { readFileSync, writeFileSync } from 'node:fs';

const PATCHES = [
  { file: 'src/core/formats/onnx/proto/onnx_pb.ts', message: 'TensorProto', field: 'floatData', type: 'Float32Array' },
  { file: 'src/core/formats/onnx/proto/onnx_pb.ts', message: 'TensorProto', field: 'doubleData', type: 'Float64Array' },
  { file: 'src/core/formats/coreml/proto/neural_network_pb.ts', message: 'WeightParams', field: 'floatValue', type: 'Float32Array' },
  { file: 'src/core/formats/coreml/proto/neural_network_pb.ts', message: 'NeuralNetworkMeanImage', field: 'meanImage', type: 'Float32Array' },
  { file: 'src/core/formats/coreml/proto/mil_pb.ts', message: 'TensorValue_RepeatedFloats', field: 'values', type: 'Float32Array' },
];

const texts = new Map();
for (const { file, message, field, type } of PATCHES) {
  let text = texts.get(file) ?? readFileSync(file, 'utf8');
  const start = text.indexOf(`export type ${message} = Message<`);
  if (start < 0) throw new Error(`${file}: no message type ${message}`);
  const end = text.indexOf('\n};\n', start) + 1;
  const block = text.slice(start, end);
  const plain = `  ${field}: number[];\n`;
  const patched = `  ${field}: number[] | ${type};\n`;
  if (!block.includes(patched)) {
    if (!block.includes(plain)) throw new Error(`${file}: no '${field}: number[]' in ${message} to patch`);
    text = text.slice(0, start) + block.replace(plain, patched) + text.slice(end);
  }
  texts.set(file, text);
}
for (const [file, text] of texts) writeFileSync(file, text);
