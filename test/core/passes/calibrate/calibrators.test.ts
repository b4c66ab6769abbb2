import { strict as assert } from 'node:assert';
import { EntropyCalibrator, klThreshold } from '../../../../src/core/passes/calibrate/entropy';
import { StreamingHistogram } from '../../../../src/core/passes/calibrate/histogram';
import { MinMaxCalibrator } from '../../../../src/core/passes/calibrate/minmax';
import { PercentileCalibrator } from '../../../../src/core/passes/calibrate/percentile';

function normal(n: number, seed: number): Float32Array {
  let s = seed;
  const u = () => { s = (s * 1103515245 + 12345) >>> 0; return (s + 0.5) / 2 ** 32; };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

describe('calibrators', () => {
  it('minmax: global extremes, or a moving average of per-batch ranges', () => {
    const c = new MinMaxCalibrator();
    c.update('t', Float32Array.of(-1, 2));
    c.update('t', Float32Array.of(-3, 1));
    assert.deepEqual(c.ranges(), { t: { min: -3, max: 2 } });
    const m = new MinMaxCalibrator({ movingAverage: true, averagingConstant: 0.5 });
    m.update('t', Float32Array.of(-1, 2));
    m.update('t', Float32Array.of(-3, 4));
    assert.deepEqual(m.ranges(), { t: { min: -2, max: 3 } });
  });

  it('streaming histogram: same bins whatever the batching; range grows and re-bins without growing memory', () => {
    const data = normal(40000, 3);
    const whole = new StreamingHistogram(false);
    let lo = Infinity, hi = -Infinity;
    for (const v of data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    whole.add(data);
    const streamed = new StreamingHistogram(false);
    for (let i = 0; i < 40; i++) {
      streamed.add(data.subarray(i * 1000, (i + 1) * 1000));
    }
    assert.equal(streamed.counts.length, 2048);
    assert.equal(streamed.total, 40000);
    assert.equal(streamed.min, lo);
    assert.equal(streamed.max, hi);
    for (const q of [0.01, 0.5, 0.99]) assert.ok(Math.abs(streamed.quantile(q) - whole.quantile(q)) < 0.02, `quantile ${q}`);
  });

  it('percentile: cuts the tails of a uniform distribution where expected', () => {
    const c = new PercentileCalibrator({ percentile: 99 });
    const v = new Float32Array(100001);
    for (let i = 0; i < v.length; i++) v[i] = i / 100000; // uniform 0..1
    c.update('t', v);
    const r = c.ranges().t;
    assert.ok(Math.abs(r.max - 0.995) < 0.002, `max ${r.max}`);
    assert.ok(Math.abs(r.min - 0.005) < 0.002, `min ${r.min}`);
    const sym = new PercentileCalibrator({ percentile: 99.999, symmetric: true });
    sym.update('t', Float32Array.of(-4, ...normal(1000, 1)));
    assert.ok(sym.ranges().t.max <= 4);
  });

  it('entropy: clips rare outliers of a Gaussian, keeps a range close to the bulk', () => {
    const c = new EntropyCalibrator();
    const v = normal(200000, 9);
    v[0] = 60; v[1] = -55; // two far outliers
    c.update('t', v);
    const r = c.ranges().t;
    assert.ok(r.max > 2 && r.max < 20, `max ${r.max}`);
    assert.ok(r.min < -2 && r.min > -20, `min ${r.min}`);
  });

  it('KL search returns the full range for a flat histogram with no tail', () => {
    const flat = new Float64Array(2048).fill(10);
    assert.ok(klThreshold(flat, 128) >= 2000);
  });
});
