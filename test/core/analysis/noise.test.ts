import * as assert from 'node:assert/strict';
import { compareTimes, PROFILER_RESOLUTION_US, spreadOf, timed } from '../../../src/core/analysis/noise';
import { latencyGains } from '../../../src/core/analysis/latency-gain';
import { diagnose } from '../../../src/core/analysis/diagnostics';
import { nodeFacts, hoverMarkdown } from '../../../src/core/analysis/annotations';
import { slowerAdvice } from '../../../src/core/jobs/quantize';
import { formatResult } from '../../../src/cli/commands/quantize';
import type { QuantizeJobResult } from '../../../src/core/jobs/quantize';

/** Per-run kernel times (µs) of one layer on a busy machine: medians 3 and 4, runs spread over 2-6. */
const FLOAT_RUNS = [3, 2, 3, 5, 3, 2, 4, 3, 6, 3];
const INT8_RUNS = [4, 3, 5, 4, 6, 3, 4, 4, 2, 5];

describe('analysis/noise: a latency verdict only above the measured run-to-run spread', () => {
  it('measures the spread as the interquartile range of the runs', () => {
    assert.equal(spreadOf([1, 2, 3, 4, 5]), 2);
    assert.equal(spreadOf([7]), 0);
    assert.deepEqual(timed(FLOAT_RUNS), { median: 3, spread: 0.75 });
    assert.deepEqual(timed(INT8_RUNS), { median: 4, spread: 1.5 });
  });

  it('a gap inside the combined spread is within noise; one outside it is slower or faster', () => {
    const float = timed(FLOAT_RUNS), int8 = timed(INT8_RUNS);
    const c = compareTimes(int8, float, PROFILER_RESOLUTION_US);
    assert.equal(c.verdict, 'within-noise');
    assert.equal(c.difference, 1);
    assert.equal(c.noise, Math.hypot(0.75, 1.5));
    assert.equal(compareTimes({ median: 140, spread: 3 }, { median: 100, spread: 2 }).verdict, 'slower');
    assert.equal(compareTimes({ median: 40, spread: 3 }, { median: 100, spread: 2 }).verdict, 'faster');
    // Steady runs: the timer's resolution is the floor (ORT's profiler counts whole µs).
    assert.equal(compareTimes({ median: 4, spread: 0 }, { median: 3, spread: 0 }, PROFILER_RESOLUTION_US).verdict, 'within-noise');
    assert.equal(compareTimes({ median: 5, spread: 0 }, { median: 3, spread: 0 }, PROFILER_RESOLUTION_US).verdict, 'slower');
  });

  it('"INT8 is slower (4 µs vs 3 µs): keep this layer in float" is not said for a 1 µs gap on noisy runs: it is said to be noise', () => {
    const noisy = latencyGains({ conv: 3 }, { conv: 4 }, { float: { conv: timed(FLOAT_RUNS).spread }, int8: { conv: timed(INT8_RUNS).spread } });
    assert.equal(noisy[0].verdict, 'within-noise');
    const findings = diagnose({ latencyGains: noisy });
    assert.deepEqual(findings.map((f) => [f.severity, f.code]), [['info', 'int8-within-noise']]);
    assert.equal(findings[0].message, 'INT8 and float are within noise here (4 µs vs 3 µs; the runs vary by 1.68 µs): no reason to keep this layer in float for speed');
    assert.match(hoverMarkdown('conv', nodeFacts({ gains: noisy }).conv), /\| INT8 vs float \| within noise of float \(1 µs apart\) \|/);

    const real = latencyGains({ conv: 100 }, { conv: 140 }, { float: { conv: 2 }, int8: { conv: 3 } });
    const warned = diagnose({ latencyGains: real });
    assert.deepEqual(warned.map((f) => [f.severity, f.code]), [['warning', 'int8-slower']]);
    assert.equal(warned[0].message, 'INT8 is slower than float here (140 µs vs 100 µs, beyond the 3.61 µs run-to-run noise): keep this layer in float');
    // Faster beyond the noise: no finding at all.
    assert.deepEqual(diagnose({ latencyGains: latencyGains({ conv: 100 }, { conv: 40 }) }), []);
  });

  it('when static INT8 is slower, the report says what to try: dynamic INT8, or the quantized op types left unfused kept in float', () => {
    const report = { pass: 'static-int8', quantized: [{ node: 'a', opType: 'MatMul' }, { node: 'b', opType: 'Add' }, { node: 'c', opType: 'Mul' }], skipped: [], foldedRelus: [] };
    const advice = slowerAdvice({ Add: 10, LayerNormalization: 5, Shape: 12, Mul: 2 }, report as never);
    assert.deepEqual(advice, { tryMode: 'dynamic', unfusedAround: ['Add', 'LayerNormalization', 'Mul'], excludeOps: ['Add', 'Mul'] });
    const r = {
      input: 'vit.onnx', output: 'vit.static.onnx', mode: 'static', fileBytesBefore: 2000, fileBytesAfter: 1000, fileRatio: 0.5, passMs: 10, report, warnings: [], findings: [],
      fused: { quantizedOps: { QLinearMatMul: 11 }, quantizedOpCount: 11, weightedNodesQuantized: 11, share: 1, qdqLeft: 114, unfusedOps: { Add: 10, LayerNormalization: 5, Shape: 12, Mul: 2 } },
      latency: { beforeP50Ms: 1, afterP50Ms: 1.6129, speedup: 0.62, threads: 1, runs: 30, note: 'quick', verdict: 'slower', noiseMs: 0.05 },
      slowerAdvice: advice,
    } as unknown as QuantizeJobResult;
    const text = formatResult(r);
    assert.match(text, /\n {2}p50 \(quick, 1 thread\): 1 ms -> 1\.61 ms \(0\.62x, slower beyond the run-to-run noise of 50 µs\)\n/);
    assert.match(text, /\n {2}static INT8 made this model slower, with 114 Q\/DQ left unfused around 10 Add, 5 LayerNormalization, 2 Mul\. Try instead: --mode dynamic \(INT8 weights, activations quantized at run time\), or keep the quantized ops left unfused in float: --exclude-op Add --exclude-op Mul(\n|$)/);
    const within = formatResult({ ...r, latency: { ...r.latency!, speedup: 0.98, afterP50Ms: 1.02, verdict: 'within-noise' }, slowerAdvice: undefined });
    assert.match(within, /\(0\.98x, within the run-to-run noise of 50 µs\)/);
    assert.ok(!within.includes('made this model slower'));
  });
});
