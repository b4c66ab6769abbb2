// After `buf generate`: the codec decodes TensorProto's packed float_data/double_data into typed
// arrays (src/core/formats/onnx/packed.ts), so the generated types say so.
import { readFileSync, writeFileSync } from 'node:fs';

const file = 'src/core/formats/onnx/proto/onnx_pb.ts';
let text = readFileSync(file, 'utf8');
for (const [field, type] of [['floatData', 'Float32Array'], ['doubleData', 'Float64Array']]) {
  const plain = `  ${field}: number[];\n`;
  const patched = `  ${field}: number[] | ${type};\n`;
  if (text.includes(patched)) continue;
  if (!text.includes(plain)) throw new Error(`${file}: no '${field}: number[]' to patch`);
  text = text.replace(plain, patched);
}
writeFileSync(file, text);
