import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { loadModel, saveModel } from '../../../../src/core/formats/onnx/io';
import { Model } from '../../../../src/core/formats/onnx/model';
import { makeTensor } from '../../../../src/core/formats/onnx/build';
import { externalTensor, writeModelWith } from './models';
import type { TensorProto } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { isExternal } from '../../../../src/core/formats/onnx/tensor';
import { pythonOnnxMissing, PYTHON } from '../../../python/onnx_python';
import { spawnSync } from 'node:child_process';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');

function floats(model: Model, t: TensorProto): number[] {
  return Array.from(model.tensorData(t) as Float32Array);
}

describe('loading and saving', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-io-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const leftovers = () => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  describe('external data', () => {
    it('saves weights external, loads them back equal, and inlines them again to the original bytes', () => {
      const original = loadModel(FIXTURE);
      const ext = path.join(dir, 'cnn.onnx');
      const r = saveModel(original, ext, { weights: 'external' });
      assert.equal(r.externalFile, `${ext}.data`);
      assert.ok(r.bytes < 20_000, `the .onnx holds only the graph (${r.bytes} bytes)`);
      assert.ok(fs.statSync(`${ext}.data`).size > 800_000);
      assert.ok(!original.hasExternalData(), 'saving leaves the model passed in unchanged');
      assert.deepEqual(Buffer.from(encodeModelProto(original.proto)), fs.readFileSync(FIXTURE));

      const loaded = loadModel(ext);
      assert.ok(loaded.hasExternalData());
      loaded.checkExternalData();
      const byName = new Map(original.graph.proto.initializer.map((t) => [t.name, t]));
      for (const t of loaded.graph.proto.initializer) {
        assert.deepEqual(floats(loaded, t), floats(original, byName.get(t.name)!), t.name);
      }
      // Large tensors start page-aligned in the data file.
      const offsets = loaded.graph.proto.initializer.filter(isExternal).map((t) => Number(t.externalData.find((e) => e.key === 'offset')!.value));
      for (const [i, t] of loaded.graph.proto.initializer.filter(isExternal).entries()) {
        if (Number(t.externalData.find((e) => e.key === 'length')!.value) >= 4096) assert.equal(offsets[i] % 4096, 0);
      }

      const back = path.join(dir, 'back.onnx');
      saveModel(loaded, back, { weights: 'inline' });
      assert.deepEqual(fs.readFileSync(back), fs.readFileSync(FIXTURE), 'external -> inline gives back the original bytes');
      assert.deepEqual(leftovers(), []);
    });

    it('moves external weights to a new data file when saved in another folder', () => {
      fs.mkdirSync(path.join(dir, 'a'));
      fs.mkdirSync(path.join(dir, 'b'));
      const first = path.join(dir, 'a', 'cnn.onnx');
      saveModel(loadModel(FIXTURE), first, { weights: 'external', externalLocation: 'weights/cnn.bin' });
      assert.ok(fs.existsSync(path.join(dir, 'a', 'weights', 'cnn.bin')));
      const second = path.join(dir, 'b', 'copy.onnx');
      const r = saveModel(loadModel(first), second);
      assert.equal(r.externalFile, `${second}.data`);
      assert.equal(r.externalReason, 'the input model kept its weights external');
      fs.rmSync(path.join(dir, 'a'), { recursive: true });
      const original = loadModel(FIXTURE);
      const copy = loadModel(second);
      copy.graph.proto.initializer.forEach((t, i) => assert.deepEqual(floats(copy, t), floats(original, original.graph.proto.initializer[i]), t.name));
    });

    it('writes models that python3-onnx loads and checks', function () {
      const missing = pythonOnnxMissing();
      if (missing) { console.log(`      skipped: ${missing}`); this.skip(); }
      const ext = path.join(dir, 'cnn.onnx');
      saveModel(loadModel(FIXTURE), ext, { weights: 'external' });
      const script = 'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(sys.argv[1]); ' +
        'print(sum(len(t.raw_data) for t in m.graph.initializer))';
      const r = spawnSync(PYTHON, ['-c', script, ext], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const inlineBytes = loadModel(FIXTURE).graph.proto.initializer.reduce((s, t) => s + t.rawData.length, 0);
      assert.equal(Number(r.stdout.trim()), inlineBytes);
    });

    it('refuses locations that are absolute, climb out with .., or are links leading outside', () => {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-outside-'));
      try {
        fs.writeFileSync(path.join(outside, 'secret.bin'), Buffer.alloc(16, 7));
        fs.mkdirSync(path.join(dir, 'm'));
        fs.symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'm', 'link.bin'));
        const cases: [string, RegExp][] = [
          [path.join(outside, 'secret.bin'), /is an absolute path/],
          ['../' + path.relative(dir, path.join(outside, 'secret.bin')), /escapes the model's folder/],
          ['sub/../../x.bin', /escapes the model's folder/],
          ['link.bin', /is a link that leads outside the model's folder/],
        ];
        for (const [location, why] of cases) {
          const file = path.join(dir, 'm', 'evil.onnx');
          writeModelWith(file, [externalTensor('w', [4], location, 0, 16)]);
          // Refused when the model is opened, before anything reads a byte of it.
          assert.throws(() => loadModel(file), (e: Error) => why.test(e.message) && e.message.startsWith(file), location);
        }
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });

    it('names a missing data file and a data file that is too short', () => {
      const file = path.join(dir, 'm.onnx');
      writeModelWith(file, [externalTensor('w', [4], 'weights.bin', 0, 16)]);
      assert.throws(() => loadModel(file), /external data file 'weights.bin' for tensor 'w' is missing/);
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(8));
      assert.throws(() => loadModel(file), /reads bytes 0..16 of 'weights.bin', which has only 8/);
      writeModelWith(file, [externalTensor('w', [4], 'weights.bin', 0, 8)]);
      assert.throws(() => loadModel(file), /tensor 'w' has 8 bytes of external data, its shape needs 16/);
    });

    it('reads tensors past 2 GiB of a sparse data file without reading the whole file', function () {
      const data = path.join(dir, 'big.onnx.data');
      const bigBytes = 2_400_000_000; // 600M float32, a hole in the sparse file
      const tailOffset = bigBytes;
      const fd = fs.openSync(data, 'w');
      try {
        fs.ftruncateSync(fd, tailOffset + 16);
        fs.writeSync(fd, Buffer.from(new Float32Array([1, 2, 3, 4.5]).buffer), 0, 16, tailOffset);
      } finally {
        fs.closeSync(fd);
      }
      const file = path.join(dir, 'big.onnx');
      writeModelWith(file, [
        externalTensor('big', [600_000_000], 'big.onnx.data', 0, bigBytes),
        externalTensor('tail', [4], 'big.onnx.data', tailOffset, 16),
      ]);
      const m = loadModel(file);
      m.checkExternalData();
      const before = process.memoryUsage().rss;
      assert.deepEqual(floats(m, m.graph.proto.initializer[1]), [1, 2, 3, 4.5]);
      assert.ok(process.memoryUsage().rss - before < 100e6, 'reading one small tensor does not load the data file');
      assert.throws(() => saveModel(m, path.join(dir, 'inline.onnx'), { weights: 'inline' }), /exceed protobuf's 2 GiB limit/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['big.onnx', 'big.onnx.data']);
    });
  });

  describe('atomic saving', () => {
    it('never overwrites without overwrite, and replaces atomically with it', () => {
      const m = loadModel(FIXTURE);
      const out = path.join(dir, 'out.onnx');
      fs.writeFileSync(out, 'precious');
      assert.throws(() => saveModel(m, out), /already exists/);
      assert.equal(fs.readFileSync(out, 'utf8'), 'precious');
      saveModel(m, out, { overwrite: true });
      assert.deepEqual(fs.readFileSync(out), fs.readFileSync(FIXTURE));
      assert.deepEqual(leftovers(), []);
    });

    it('protects the input model and its data file', () => {
      const input = path.join(dir, 'in.onnx');
      fs.copyFileSync(FIXTURE, input);
      const m = loadModel(input);
      assert.throws(() => saveModel(m, input), /already exists/);
      const ext = path.join(dir, 'ext.onnx');
      saveModel(m, ext, { weights: 'external' });
      const dataBefore = fs.readFileSync(`${ext}.data`);
      assert.throws(() => saveModel(loadModel(ext), path.join(dir, 'other.onnx'), { weights: 'external', externalLocation: 'ext.onnx.data' }), /already exists/);
      assert.deepEqual(fs.readFileSync(`${ext}.data`), dataBefore);
    });

    it('leaves nothing behind when writing fails part way', () => {
      const file = path.join(dir, 'm.onnx');
      writeModelWith(file, [makeTensor('a', 'float32', [2048], new Float32Array(2048)), externalTensor('w', [4], 'gone.bin', 0, 16)]);
      fs.writeFileSync(path.join(dir, 'gone.bin'), Buffer.alloc(16));
      const m = loadModel(file);
      fs.rmSync(path.join(dir, 'gone.bin'));
      assert.throws(() => saveModel(m, path.join(dir, 'out.onnx'), { weights: 'external' }), /'gone.bin' for tensor 'w' is missing/);
      assert.deepEqual(fs.readdirSync(dir), ['m.onnx']);
    });

    it('goes external on its own when the weights pass the inline limit', () => {
      const m = loadModel(FIXTURE);
      const r = saveModel(m, path.join(dir, 'auto.onnx'), { maxInlineBytes: 100_000 });
      assert.match(r.externalReason ?? '', /exceed protobuf's 2 GiB limit/);
      assert.ok(fs.existsSync(path.join(dir, 'auto.onnx.data')));
      const r2 = saveModel(loadModel(path.join(dir, 'auto.onnx')), path.join(dir, 'again.onnx'));
      assert.equal(r2.externalReason, 'the input model kept its weights external');
    });

    it('refuses an external location outside the output folder', () => {
      assert.throws(() => saveModel(loadModel(FIXTURE), path.join(dir, 'x.onnx'), { weights: 'external', externalLocation: '../x.data' }), /must stay inside/);
    });
  });
});
