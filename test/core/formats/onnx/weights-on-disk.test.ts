import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import type { Model } from '../../../../src/core/formats/onnx/model';
import { isExternal } from '../../../../src/core/formats/onnx/tensor';
import { OnnxFormatError } from '../../../../src/core/formats/onnx/errors';
import { loadModelWeightsOnDisk } from '../../../../src/core/formats/onnx/weights-on-disk';
import { FIXTURES, tempDir } from '../../../helpers/onnx-models';

/** The model with every external tensor made inline again, encoded. */
function inlined(m: Model): Uint8Array {
  for (const t of m.graph.proto.initializer) {
    if (!isExternal(t)) continue;
    t.rawData = new Uint8Array(m.rawBytes(t));
    t.externalData = [];
    // TensorProto is proto2: a field set even to its default is written; unset it.
    delete (t as { dataLocation?: number }).dataLocation;
  }
  return encodeModelProto(m.proto);
}

describe('formats/onnx: loading a model with its large weights left on disk', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('every fixture decodes to the same model as loadModel, weights read back from the file itself', () => {
    for (const f of ['fmnist_cnn.onnx', 'fmnist_mobilenet.onnx', 'fmnist_vit.onnx', 'fmnist_mobilenet.int8.onnx']) {
      const file = path.join(FIXTURES, f);
      const ref = loadModel(file);
      const m = loadModelWeightsOnDisk(file, 256);
      const big = ref.graph.proto.initializer.filter((t) => t.rawData.byteLength >= 256);
      const onDisk = m.graph.proto.initializer.filter(isExternal);
      assert.deepEqual(onDisk.map((t) => t.name), big.map((t) => t.name), f);
      assert.ok(onDisk.length > 0, f);
      assert.ok(onDisk.every((t) => t.externalData.find((e) => e.key === 'location')?.value === f), f);
      assert.deepEqual(inlined(m), encodeModelProto(ref.proto), f);
    }
  });

  it('reads any byte range of a weight on disk, and refuses one past its end', () => {
    const file = path.join(FIXTURES, 'fmnist_cnn.onnx');
    const ref = loadModel(file);
    const m = loadModelWeightsOnDisk(file);
    const t = m.graph.proto.initializer.find(isExternal)!;
    const whole = ref.rawBytes(ref.graph.proto.initializer.find((x) => x.name === t.name)!);
    const part = new Uint8Array(1000);
    m.readRawRange(t, 4321, part);
    assert.deepEqual(part, new Uint8Array(whole.subarray(4321, 5321)));
    assert.throws(() => m.readRawRange(t, whole.byteLength - 10, new Uint8Array(11)), OnnxFormatError);
  });

  it('bad files get the errors loadModel gives', () => {
    const cut = path.join(dir, 'cut.onnx');
    fs.writeFileSync(cut, fs.readFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx')).subarray(0, 500_000));
    const expected = (() => { try { loadModel(cut); } catch (e) { return (e as Error).message; } return 'loaded'; })();
    assert.match(expected, /truncated|past the end/);
    assert.throws(() => loadModelWeightsOnDisk(cut), (e: Error) => e instanceof OnnxFormatError && e.message === expected);
    assert.throws(() => loadModelWeightsOnDisk(path.join(dir, 'missing.onnx')), /no such file/);
  });
});
