import { strict as assert } from 'node:assert';
import { float16BitsToFloat32, float32ToFloat16Bits, toFloat16 } from '../../../src/core/tensor/fp16';

describe('float16 conversion', () => {
  it('encodes exact values', () => {
    assert.equal(float32ToFloat16Bits(1), 0x3c00);
    assert.equal(float32ToFloat16Bits(-2), 0xc000);
    assert.equal(float32ToFloat16Bits(65504), 0x7bff);
    assert.equal(float32ToFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
    assert.equal(float32ToFloat16Bits(2 ** -14), 0x0400); // smallest normal
    assert.equal(float32ToFloat16Bits(0), 0);
    assert.equal(float32ToFloat16Bits(-0), 0x8000);
    assert.equal(float32ToFloat16Bits(Infinity), 0x7c00);
    assert.equal(float32ToFloat16Bits(NaN) & 0x7c00, 0x7c00);
    assert.notEqual(float32ToFloat16Bits(NaN) & 0x3ff, 0);
  });
  it('rounds to nearest even at ties', () => {
    // Between 1 and 1+2^-10 the tie 1+2^-11 goes to 1 (even); 1+3*2^-11 goes to 1+2^-9 (even).
    assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00);
    assert.equal(float32ToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20), 0x3c01);
    // Subnormal tie: 1.5 * 2^-24 -> 2 * 2^-24; 2.5 * 2^-24 -> 2 * 2^-24.
    assert.equal(float32ToFloat16Bits(1.5 * 2 ** -24), 0x0002);
    assert.equal(float32ToFloat16Bits(2.5 * 2 ** -24), 0x0002);
    assert.equal(float32ToFloat16Bits(2 ** -26), 0); // below half the smallest subnormal
    assert.equal(float32ToFloat16Bits(65520), 0x7c00); // the tie above 65504 overflows to infinity
  });
  it('round-trips every finite float16', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const f = float16BitsToFloat32(Uint16Array.of(h))[0];
      assert.equal(float32ToFloat16Bits(f), h);
    }
  });
  it('clamps overflow and counts it', () => {
    const r = toFloat16(Float32Array.of(1e6, -70000, 3, Infinity, 1e-9));
    assert.deepEqual([...float16BitsToFloat32(r.bits)], [65504, -65504, 3, Infinity, 0]);
    assert.equal(r.clamped, 2);
    assert.equal(r.flushedToZero, 1);
  });
});
