import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { companionFiles } from '../../../../src/core/runtime/devices/stage';
import { externalTensor } from '../../formats/onnx/models';
import { buildModel } from '../../../helpers/onnx-models';

describe('what a model needs on the device (stage)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-stage-test-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the external data files beside an ONNX model, not the weights it holds itself', () => {
    const n = 256 * 256;
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(n * 4));
    const inFile = makeTensor('b', 'float32', [256, 256], new Float32Array(n).fill(0.5)); // 256 KiB: above the skim's size
    const model = buildModel(
      [makeNode('MatMul', ['x', 'w'], ['h'], {}, 'mm'), makeNode('MatMul', ['h', 'b'], ['y'], {}, 'mm2')],
      [makeValueInfo('x', 'float32', [1, 256])], [makeValueInfo('y', 'float32', [1, 256])],
      [externalTensor('w', [256, 256], 'w.bin', 0, n * 4), inFile],
    );
    const file = path.join(dir, 'm.onnx');
    fs.writeFileSync(file, encodeModelProto(model.proto));
    assert.deepEqual(companionFiles(file), ['w.bin']);
    assert.deepEqual(companionFiles(path.join(dir, 'other.tflite')), []);
  });
});
