import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatOf, modelStamp, openModel } from '../../../src/core/formats/open';
import { FALLBACK_FORMAT, FORMATS, formatById, modelExtensions } from '../../../src/core/formats/registry';

const HELLO = path.resolve(__dirname, '../../fixtures/hello_world_float.tflite');
const CNN = path.resolve(__dirname, '../../fixtures/fmnist_cnn.onnx');

describe('formats/open: which format reads a model', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-open-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const copy = (from: string, name: string) => {
    const f = path.join(dir, name);
    fs.copyFileSync(from, f);
    return f;
  };

  it('registers each format once, with lower-case dotted extensions', () => {
    const ids = FORMATS.map((f) => f.id);
    assert.deepEqual([...new Set(ids)], ids);
    for (const f of FORMATS) for (const e of [...f.fileExtensions, ...(f.folderExtensions ?? [])]) assert.match(e, /^\.[a-z0-9]+$/);
    assert.equal(formatById('tflite')?.label, 'TensorFlow Lite');
    assert.deepEqual(modelExtensions('prune'), ['.onnx']);
  });

  it('the signature beats the name: TFLite content named .onnx opens as TFLite', () => {
    const f = copy(HELLO, 'renamed.onnx');
    assert.equal(formatOf(f).id, 'tflite');
    assert.equal(openModel(f).summary().format, 'tflite');
  });

  it('without a signature the extension decides, and unknown files fall back to ONNX', () => {
    assert.equal(formatOf(CNN).id, 'onnx');
    const junk = path.join(dir, 'junk.tflite');
    fs.writeFileSync(junk, 'not a flatbuffer at all');
    assert.equal(formatOf(junk).id, 'tflite');
    assert.throws(() => openModel(junk), (e: Error) => e.message.startsWith(`${junk}: not a TFLite model`));
    assert.equal(formatOf(copy(CNN, 'model.pb')), FALLBACK_FORMAT);
    assert.equal(formatOf(path.join(dir, 'missing.tflite')).id, 'tflite');
  });

  it('a folder no format claims goes to the fallback reader, which names the problem', () => {
    const folder = path.join(dir, 'plain.folder');
    fs.mkdirSync(folder);
    assert.equal(formatOf(folder), FALLBACK_FORMAT);
    assert.throws(() => openModel(folder), /is a folder, not a model file/);
  });

  it('a folder model is stamped by the files inside it', () => {
    const folder = path.join(dir, 'model.mlpackage');
    fs.mkdirSync(path.join(folder, 'Data'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'Data', 'weights.bin'), 'abc');
    const before = modelStamp(folder);
    assert.equal(modelStamp(folder), before);
    fs.writeFileSync(path.join(folder, 'Data', 'weights.bin'), 'abcd');
    assert.notEqual(modelStamp(folder), before);
    assert.equal(modelStamp(path.join(dir, 'missing.onnx')), 'missing');
  });
});
