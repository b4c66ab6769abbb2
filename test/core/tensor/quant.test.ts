import { strict as assert } from 'node:assert';
import {
  computeQParams, dequantizeTensor, packInt4, qRange, quantizeTensor, quantizeValue, unpackInt4,
} from '../../../src/core/tensor/quant';

describe('scale and zero point', () => {
  it('widens the range to include 0 (asymmetric uint8)', () => {
    const p = computeQParams(1, 2.55, 'uint8', false);
    assert.equal(p.scale, Math.fround(2.55 / 255));
    assert.equal(p.zeroPoint, 0);
    const n = computeQParams(-2.55, -1, 'uint8', false);
    assert.equal(n.scale, Math.fround(2.55 / 255));
    assert.equal(n.zeroPoint, 255);
  });
  it('asymmetric zero point = round(qmin - rmin / scale)', () => {
    const p = computeQParams(-1, 3, 'uint8', false);
    assert.equal(p.scale, Math.fround(4 / 255));
    assert.equal(p.zeroPoint, 64); // 0 - (-1)/(4/255) = 63.75 -> 64
    const q = computeQParams(-1, 3, 'int8', false);
    assert.equal(q.zeroPoint, -64); // -128 + 63.75 = -64.25 -> -64
  });
  it('symmetric: ±max|x|, int8 uses -127..127 with zp 0, uint8 zp 128', () => {
    const s = computeQParams(-0.5, 2.54, 'int8', true);
    assert.equal(s.scale, Math.fround(5.08 / 254));
    assert.equal(s.zeroPoint, 0);
    assert.deepEqual(qRange('int8', true), { qmin: -127, qmax: 127 });
    assert.equal(computeQParams(-1, 1, 'uint8', true).zeroPoint, 128);
  });
  it('a zero range gives scale 1 and zero point 0', () => {
    assert.deepEqual(computeQParams(0, 0, 'uint8', false), { scale: 1, zeroPoint: 0 });
    assert.deepEqual(computeQParams(0, 0, 'uint8', true), { scale: 1, zeroPoint: 0 });
    assert.deepEqual(computeQParams(0, 1e-45, 'int8', true), { scale: 1, zeroPoint: 0 });
  });
  it('quantizes with round half to even and saturates', () => {
    const p = { scale: 0.5, zeroPoint: 0 };
    const r = qRange('int8', true);
    assert.deepEqual([0.25, 0.75, -0.25, -0.75, 1000, -1000].map((x) => quantizeValue(x, p, r)), [0, 2, 0, -2, 127, -127]);
  });
});

describe('quantizeTensor', () => {
  it('per-tensor symmetric int8, hand-computed', () => {
    const q = quantizeTensor(Float32Array.of(-1.27, 0.635, 0.005, 0.015), [4], 'int8', true);
    assert.equal(q.scales[0], Math.fround(2.54 / 254));
    // 0.005/0.01 = 0.5 -> 0 (even); 0.015/0.01 = 1.5 -> 2 (even); values computed in float32.
    assert.deepEqual([...q.values], [-127, 64, 0, 2].map((v, i) => i === 1 ? Math.round(Math.fround(0.635 / q.scales[0])) : v));
  });
  it('per-channel along axis 0 and axis 1', () => {
    const w = Float32Array.of(1, -2, 0.5, 4, 8, -1); // shape [2, 3]
    const a0 = quantizeTensor(w, [2, 3], 'int8', true, 0);
    assert.deepEqual([...a0.scales], [Math.fround(4 / 254), Math.fround(16 / 254)]);
    assert.deepEqual([...a0.values], [64, -127, 32, 64, 127, -16]);
    const a1 = quantizeTensor(w, [2, 3], 'int8', true, 1);
    assert.deepEqual([...a1.scales], [Math.fround(8 / 254), Math.fround(16 / 254), Math.fround(2 / 254)]);
    assert.deepEqual([...a1.values], [32, -32, 64, 127, 127, -127]); // -2 / (16/254) = -31.75
    const back = dequantizeTensor(a1, [2, 3]);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(back[i] - w[i]) <= a1.scales[i % 3] / 2 + 1e-7);
  });
  it('asymmetric uint8 per-tensor', () => {
    const q = quantizeTensor(Float32Array.of(0, 1, 2, 3), [4], 'uint8', false);
    assert.equal(q.zeroPoints[0], 0);
    assert.deepEqual([...q.values], [0, 85, 170, 255]);
  });
});

describe('int4 packing', () => {
  it('puts the first element in the low nibble', () => {
    assert.deepEqual([...packInt4([1, 2, 3])], [0x21, 0x03]);
    assert.deepEqual([...packInt4([-1, 7, -8, 0])], [0x7f, 0x08]);
    assert.deepEqual([...unpackInt4(Uint8Array.of(0x7f, 0x08), 4, true)], [-1, 7, -8, 0]);
    assert.deepEqual([...unpackInt4(Uint8Array.of(0x21, 0x03), 3, false)], [1, 2, 3]);
  });
});
