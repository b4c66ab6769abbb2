import * as assert from 'node:assert/strict';
import { layerProfile, mapOptimizedNodes, type NodeIO, type TraceEvent } from '../../../src/core/runtime/profile';

const run = (ts: number, dur: number): TraceEvent => ({ cat: 'Session', name: 'model_run', ts, dur });
const kernel = (name: string, op: string, ts: number, dur: number): TraceEvent => ({ cat: 'Node', name: `${name}_kernel_time`, ts, dur, args: { op_name: op } });

describe('runtime/profile', () => {
  it('averages kernel time per node over the last runs, leaving out warm-up and preempted runs', () => {
    const events: TraceEvent[] = [
      run(0, 500), kernel('a', 'Conv', 10, 400), // warm-up: ignored
      run(1000, 100), kernel('a', 'Conv', 1010, 60), kernel('b', 'Relu', 1070, 20), { cat: 'Node', name: 'a_fence_before', ts: 1005, dur: 0 },
      run(2000, 100), kernel('a', 'Conv', 2010, 70), kernel('b', 'Relu', 2080, 10),
      run(3000, 900), kernel('a', 'Conv', 3010, 880), kernel('b', 'Relu', 3890, 10), // preempted
    ];
    const p = layerProfile(events, [0.1, 0.1, 1.0], 'disabled');
    assert.equal(p.runs, 2);
    assert.equal(p.droppedRuns, 1);
    assert.deepEqual(p.nodes.map((n) => [n.name, n.opType, n.meanUs]), [['a', 'Conv', 65], ['b', 'Relu', 15]]);
    assert.ok(Math.abs(p.runMeanMs - 0.1) < 1e-12 && Math.abs(p.ortRunMeanMs - 0.1) < 1e-12);
    assert.equal(p.runMedianMs, 0.1);
    assert.ok(Math.abs(p.coverage - 0.8) < 1e-12);
    assert.ok(Math.abs(p.nodes[0].share - 0.65) < 1e-12);
    assert.ok(Math.abs(p.unattributedShare - 0.2) < 1e-12);
    assert.throws(() => layerProfile(events, [1, 1, 1, 1, 1], 'all'), /holds 4 runs, expected at least 5/);
  });

  it('takes each node\'s median over the runs too, which a preemption inside one kernel does not move', () => {
    const events: TraceEvent[] = [
      run(0, 100), kernel('a', 'Conv', 10, 50), kernel('b', 'Relu', 70, 10),
      run(1000, 100), kernel('a', 'Conv', 1010, 60), kernel('b', 'Relu', 1070, 10), kernel('b', 'Relu', 1085, 5),
      run(2000, 150), kernel('a', 'Conv', 2010, 130), kernel('b', 'Relu', 2140, 10), // 'a' preempted, the run not past 2x
    ];
    const p = layerProfile(events, [0.1, 0.1, 0.15], 'all');
    assert.equal(p.runs, 3);
    const a = p.nodes.find((n) => n.name === 'a')!, b = p.nodes.find((n) => n.name === 'b')!;
    assert.equal(a.meanUs, 80);
    assert.equal(a.medianUs, 60);
    // A node that runs twice in one run counts its sum for that run.
    assert.deepEqual([b.meanUs, b.medianUs], [35 / 3, 10]);
    assert.equal(p.runMedianMs, 0.1);
  });

  it('maps fused, NCHWc and kept nodes back to the model\'s own nodes; added nodes map to nothing', () => {
    const n = (name: string, opType: string, inputs: string[], outputs: string[]): NodeIO => ({ name, opType, inputs, outputs });
    const original = [
      n('conv', 'Conv', ['x', 'w'], ['c']), n('relu', 'Relu', ['c'], ['r']), n('pool', 'MaxPool', ['r'], ['p']),
      n('gemm', 'Gemm', ['p', 'w2'], ['g']), n('relu2', 'Relu', ['g'], ['y']),
    ];
    const optimized = [
      n('r_nchwc', 'Conv', ['x', 'reorder'], ['t0']), n('p_nchwc', 'MaxPool', ['t0'], ['t1']),
      n('ReorderOutput', 'ReorderOutput', ['t1'], ['p']), n('gemm/MatMulAddFusion', 'Gemm', ['p', 'w2'], ['t2']),
      n('relu2', 'Relu', ['t2'], ['y']),
    ];
    const m = mapOptimizedNodes(original, optimized, ['x', 'w', 'w2']);
    assert.deepEqual(Object.fromEntries(m), { r_nchwc: ['relu', 'conv'], p_nchwc: ['pool'], ReorderOutput: [], 'gemm/MatMulAddFusion': ['gemm'], relu2: ['relu2'] });
    const fused = mapOptimizedNodes(original, [...optimized.slice(0, 3), n('fused gemm', 'FusedGemm', ['p', 'w2'], ['y'])], ['x', 'w', 'w2']);
    assert.deepEqual(fused.get('fused gemm'), ['gemm', 'relu2']);
  });
});
