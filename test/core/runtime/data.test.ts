import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { makeNode, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { batchRanges, loadDataset, RANDOM_DATA_WARNING, type DataOptions } from '../../../src/core/runtime/data';
import { loadLabels } from '../../../src/core/runtime/data-labels';
import { encodeNpy } from '../../../src/core/runtime/npy';
import { OptionError } from '../../../src/core/base/option-error';
import { buildModel, FIXTURES, tempDir } from '../../helpers/onnx-models';

function imageModel(layout: 'NCHW' | 'NHWC') {
  const shape = layout === 'NCHW' ? ['N', 3, 4, 6] : ['N', 4, 6, 3];
  return buildModel([makeNode('Relu', ['x'], ['y'])], [makeValueInfo('x', 'float32', shape)], [makeValueInfo('y', 'float32', shape)]);
}

describe('data sets', () => {
  it('.npy: reshapes [N,28,28] uint8 to [N,1,28,28] float32, scales, batches by the symbolic batch dim', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const d = await loadDataset(model, `${FIXTURES}/fmnist_train1k_u8.npy`, { scale: 1 / 255, batch: 300 });
    assert.equal(d.count, 1000);
    assert.equal(d.synthetic, false);
    assert.deepEqual([...batchRanges(d)], [[0, 300], [300, 300], [600, 300], [900, 100]]);
    const b = d.batch(0, 2).input;
    assert.deepEqual(b.dims, [2, 1, 28, 28]);
    const x = b.data as Float32Array;
    assert.ok(x.every((v) => v >= 0 && v <= 1));
    assert.ok(x.some((v) => v > 0.5));
  });

  it('uint8 .npy data (a file or a folder of them) is scaled by 1/255 unless a scale is given; float data is not', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const file = `${FIXTURES}/fmnist_train1k_u8.npy`;
    const first = async (source: string, scale?: number) => (await loadDataset(model, source, { scale })).batch(0, 1).input.data as Float32Array;
    const raw = await first(file, 1);
    const byDefault = await first(file);
    assert.ok(Math.max(...raw) > 200, 'scale 1 keeps the uint8 values');
    byDefault.forEach((v, i) => assert.equal(v, Math.fround(raw[i] / 255)));
    assert.deepEqual(await first(file, 1 / 255), byDefault);
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'part1.npy'), encodeNpy({ dtype: 'uint8', shape: [2, 1, 28, 28], data: new Uint8Array(2 * 784).fill(51) }));
    fs.writeFileSync(path.join(dir, 'part2.npy'), encodeNpy({ dtype: 'uint8', shape: [1, 28, 28], data: new Uint8Array(784).fill(255) }));
    const folder = await loadDataset(model, dir);
    assert.deepEqual([(folder.batch(0, 1).input.data as Float32Array)[0], (folder.batch(2, 1).input.data as Float32Array)[0]], [Math.fround(0.2), 1]);
    const floats = path.join(dir, 'floats.npy');
    fs.writeFileSync(floats, encodeNpy({ dtype: 'float32', shape: [1, 28, 28], data: new Float32Array(784).fill(3) }));
    assert.equal((await first(floats))[0], 3);
  });

  it('wrong-shape data and an empty folder fail with the file named', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const dir = tempDir();
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, encodeNpy({ dtype: 'float32', shape: [4, 30, 30], data: new Float32Array(3600) }));
    await assert.rejects(loadDataset(model, bad), (e: Error) => e.message.includes(bad) && /\[30,30\].*expects \[1,28,28\]/.test(e.message));
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await assert.rejects(loadDataset(model, empty), /holds no .npy files and no PNG\/JPEG images/);
    await assert.rejects(loadDataset(model, path.join(dir, 'missing.npy')), /no such file/);
  });

  it('a folder of .npy files is concatenated in name order', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.npy'), encodeNpy({ dtype: 'float32', shape: [2, 1, 28, 28], data: new Float32Array(2 * 784).fill(1) }));
    fs.writeFileSync(path.join(dir, 'b.npy'), encodeNpy({ dtype: 'float32', shape: [1, 28, 28], data: new Float32Array(784).fill(2) }));
    const d = await loadDataset(model, dir);
    assert.equal(d.count, 3);
    assert.equal((d.batch(2, 1).input.data as Float32Array)[0], 2);
  });

  for (const layout of ['NCHW', 'NHWC'] as const) {
    it(`images via sharp: resize, ${layout}, scale, mean/std per channel`, async () => {
      const dir = tempDir();
      // 12x8 solid colour (R=255, G=0, B=51): resized to 6x4 stays solid.
      await sharp({ create: { width: 12, height: 8, channels: 3, background: { r: 255, g: 0, b: 51 } } }).png().toFile(path.join(dir, 'a.png'));
      await sharp({ create: { width: 5, height: 5, channels: 3, background: { r: 0, g: 255, b: 0 } } }).jpeg({ quality: 100 }).toFile(path.join(dir, 'b.jpg'));
      const d = await loadDataset(imageModel(layout), dir, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
      assert.equal(d.count, 2);
      const t = d.batch(0, 1).x;
      assert.deepEqual(t.dims, layout === 'NCHW' ? [1, 3, 4, 6] : [1, 4, 6, 3]);
      const v = t.data as Float32Array;
      const at = (c: number) => (layout === 'NCHW' ? v[c * 24 + 7] : v[7 * 3 + c]);
      assert.ok(Math.abs(at(0) - 1) < 1e-6 && Math.abs(at(1) + 1) < 1e-6 && Math.abs(at(2) - (0.2 - 0.5) / 0.5) < 1e-6, `${at(0)} ${at(1)} ${at(2)}`);
    });
  }

  it('no data: random samples with a loud warning', async () => {
    const warnings: string[] = [];
    const d = await loadDataset(loadModel(`${FIXTURES}/fmnist_cnn.onnx`), undefined, { randomCount: 5, warn: (m) => warnings.push(m) });
    assert.equal(d.synthetic, true);
    assert.equal(d.count, 5);
    assert.deepEqual(warnings, [RANDOM_DATA_WARNING]);
    assert.match(RANDOM_DATA_WARNING, /^WARNING: NO DATA GIVEN.*UNKNOWN/);
  });

  it('labels from .npy and from text; counts must match', () => {
    assert.equal(loadLabels(`${FIXTURES}/fmnist_train1k_labels.npy`, 1000).length, 1000);
    const dir = tempDir();
    const txt = path.join(dir, 'labels.txt');
    fs.writeFileSync(txt, '3\n1\n\nimg_7.png 9\n');
    assert.deepEqual([...loadLabels(txt)], [3, 1, 9]);
    assert.throws(() => loadLabels(txt, 4), /has 3 labels for 4 samples/);
    fs.writeFileSync(txt, 'cat\n');
    assert.throws(() => loadLabels(txt), /does not end with an integer label/);
  });

  it('labels come with their data: one per sample of the file, checked before --count cuts both', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const x = `${FIXTURES}/fmnist_train1k_u8.npy`, y = `${FIXTURES}/fmnist_train1k_labels.npy`;
    const all = loadLabels(y, 1000);
    const d = await loadDataset(model, x, { count: 10, batch: 4 }, y);
    assert.equal(d.count, 10);
    assert.deepEqual([...d.labels!], [...all.subarray(0, 10)]);
    assert.deepEqual([...batchRanges(d)], [[0, 4], [4, 4], [8, 2]]);
    assert.deepEqual(d.batch(8, 2).input.dims, [2, 1, 28, 28]);
    // The tune split's 500 labels do not label the train split's 1000 samples, whatever --count keeps.
    await assert.rejects(loadDataset(model, x, { count: 10 }, `${FIXTURES}/fmnist_tune500_labels.npy`), /has 500 labels for 1000 samples/);
    await assert.rejects(loadDataset(model, undefined, {}, y), /labels need the data they label/);
  });

  it('mean and std go together, and other unusable values fail before reading, as OptionError', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const x = `${FIXTURES}/fmnist_train1k_u8.npy`;
    const cases: [DataOptions, RegExp][] = [
      [{ mean: [0.5] }, /--mean needs --std/], [{ std: [0.5] }, /--std needs --mean/], [{ mean: [0.5], std: [0] }, /--std values must be non-zero/],
      [{ batch: 0 }, /--batch must be a whole number from 1 to 65536, got 0/], [{ count: 2.5 }, /--count must be a whole number/],
    ];
    for (const [o, re] of cases) {
      await assert.rejects(loadDataset(model, x, o), (e: Error) => e instanceof OptionError && re.test(e.message));
    }
    const plain = (await loadDataset(model, x)).batch(0, 1).input.data as Float32Array;
    const norm = (await loadDataset(model, x, { mean: [0.25], std: [0.5] })).batch(0, 1).input.data as Float32Array;
    norm.forEach((v, i) => assert.ok(Math.abs(v - (plain[i] - 0.25) / 0.5) < 1e-6));
  });
});
