import * as assert from 'node:assert/strict';
import { DeltaAggregator } from '../../src/fl/aggregate';
import { clipFactor, GaussianSource, l2Norm } from '../../src/fl/dp';
import { epsilonFromRdp, logErfc, privacySpent, sampledGaussianRdp, DEFAULT_ORDERS } from '../../src/fl/rdp';

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

describe('RDP accountant for the sampled Gaussian mechanism', () => {
  // Published values: google/differential-privacy dp_accounting rdp_privacy_accountant_test.py
  // (test_compute_rdp_poisson_sampled_gaussian): q = 0.01, Z = 2.5, 50 steps.
  it('gives the RDP the reference accountant publishes, at integer and fractional orders', () => {
    const orders = [2.5, 5, 50, 100];
    const expected = [1.0854871e-3, 2.18075656e-3, 2.38460375e-2, 1.67416308e2];
    sampledGaussianRdp(0.01, 2.5, 50, orders).forEach((r, k) => close(r, expected[k], 1e-3, `order ${orders[k]}`));
    // At order 1.5 that test lists 6.7058e-4; integrating A_alpha numerically (scipy.integrate.quad of
    // N(0, Z^2)(x) ((1-q) + q exp((2x-1)/(2 Z^2)))^alpha over [-60, 60]) gives 6.500708972e-4, which we match.
    close(sampledGaussianRdp(0.01, 2.5, 50, [1.5])[0], 6.500708972e-4, 1e-6, 'order 1.5');
  });

  it('gives the epsilon Opacus publishes for q = 0.01, Z = 1.0, 300 steps, delta = 1e-5 (2.39 at order 5)', () => {
    const orders = [2, 5, 10, 20, 100];
    const e = epsilonFromRdp(orders, sampledGaussianRdp(0.01, 1.0, 300, orders), 1e-5);
    close(e.epsilon, 2.39, 0.01, 'epsilon');
    assert.equal(e.order, 5);
  });

  it('converts RDP to epsilon as the reference does (pure DP and the exact Gaussian case)', () => {
    // test_compute_epsilon_delta_pure_dp: constant RDP 1.1 over orders 2..32, delta 1e-5.
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const pure = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
    close(pure.epsilon, 1.32783806176, 1e-9, 'pure DP epsilon');
    assert.equal(pure.order, 32);
    // test_compute_epsilon_delta_gaussian: q = 1, Z = 4.530877117 is exactly (1, 1e-6)-DP.
    const fine = Array.from({ length: 99000 }, (_, i) => 1 + i * 0.001);
    close(epsilonFromRdp(fine, sampledGaussianRdp(1, 4.530877117, 1, fine), 1e-6).epsilon, 1, 0.01, 'Gaussian epsilon');
  });

  it('spends more privacy with more rounds, a larger sample and less noise', () => {
    const base = privacySpent(0.1, 1.1, 30, 1e-5).epsilon;
    assert.ok(Number.isFinite(base) && base > 0);
    assert.ok(privacySpent(0.1, 1.1, 60, 1e-5).epsilon > base);
    assert.ok(privacySpent(0.2, 1.1, 30, 1e-5).epsilon > base);
    assert.ok(privacySpent(0.1, 2, 30, 1e-5).epsilon < base);
    assert.equal(privacySpent(0.1, 0, 30, 1e-5).epsilon, Infinity);
    assert.equal(DEFAULT_ORDERS.length, 151);
  });

  it('computes log erfc to 1e-6 relative, far into both tails', () => {
    // erfc(0.5), erfc(-1), erfc(3) and erfc(10) from tables.
    close(Math.exp(logErfc(0.5)), 0.4795001221869535, 1e-6, 'erfc(0.5)');
    close(Math.exp(logErfc(-1)), 1.8427007929497148, 1e-6, 'erfc(-1)');
    close(Math.exp(logErfc(3)), 2.209049699858544e-5, 1e-6, 'erfc(3)');
    close(Math.exp(logErfc(10)), 2.088487583762545e-45, 1e-6, 'erfc(10)');
    // Far out, the asymptotic series: erfc(x) = exp(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - ...).
    close(logErfc(30), -900 - Math.log(30 * Math.sqrt(Math.PI)) + Math.log(1 - 1 / 1800 + 3 / (4 * 30 ** 4)), 1e-9, 'log erfc(30)');
  });
});

describe('server-side clipping and noise', () => {
  const base = [{ name: 'w', dims: [3, 4], values: new Float32Array(12) }, { name: 'b', dims: [5], values: new Float32Array(5) }];
  const delta = (scale: number) => base.map((t) => ({ name: t.name, dims: t.dims, values: Float32Array.from(t.values, (_, i) => scale * Math.sin(i + t.name.length)) }));

  it('clips every delta to norm <= C and averages clipped deltas with equal weights', () => {
    const C = 0.5;
    const agg = new DeltaAggregator(base, { privacy: { clip: C, noiseMultiplier: 0 } });
    const deltas = [delta(3), delta(0.01), delta(-40)];
    const receipts = deltas.map((d, k) => agg.add(d, 10 * (k + 1)));
    assert.deepEqual(receipts.map((r) => r.clipped), [true, false, true]);
    const r = agg.finish();
    // The average of clipped deltas, recomputed here from the definition.
    const clipped = deltas.map((d) => { const f = clipFactor(l2Norm(d.map((t) => t.values)), C); return d.map((t) => Array.from(t.values, (x) => x * f)); });
    clipped.forEach((c) => assert.ok(l2Norm(c) <= C + 1e-6, `clipped norm ${l2Norm(c)}`));
    r.weights.forEach((t, k) => t.values.forEach((v, i) => assert.ok(Math.abs(v - (clipped[0][k][i] + clipped[1][k][i] + clipped[2][k][i]) / 3) < 1e-7)));
    assert.equal(r.noiseStd, 0);
  });

  it('adds Gaussian noise whose measured standard deviation is within 5% of Z*C/K', () => {
    const big = [{ name: 'w', dims: [200000], values: new Float32Array(200000) }];
    const Z = 1.3;
    const C = 2;
    const K = 4;
    const agg = new DeltaAggregator(big, { privacy: { clip: C, noiseMultiplier: Z } });
    for (let k = 0; k < K; k++) agg.add([{ name: 'w', dims: [200000], values: new Float32Array(200000) }], 5);
    const r = agg.finish();
    const v = r.weights[0].values;
    let s = 0;
    let s2 = 0;
    for (const x of v) { s += x; s2 += x * x; }
    const mean = s / v.length;
    const std = Math.sqrt(s2 / v.length - mean * mean);
    close(r.noiseStd, (Z * C) / K, 1e-12, 'reported std');
    close(std, (Z * C) / K, 0.05, 'measured std');
    assert.ok(Math.abs(mean) < 0.01, `noise mean ${mean}`);
  });

  it('draws independent standard normals (mean 0, variance 1, no lag-1 correlation)', () => {
    const g = new GaussianSource();
    const n = 100000;
    const x = Float64Array.from({ length: n }, () => g.next());
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const v = x.reduce((a, b) => a + b * b, 0) / n;
    let c = 0;
    for (let i = 1; i < n; i++) c += x[i] * x[i - 1];
    assert.ok(Math.abs(mean) < 0.02 && Math.abs(v - 1) < 0.03 && Math.abs(c / n) < 0.02, `${mean} ${v} ${c / n}`);
  });
});
