import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../../src/core/formats/onnx/proto/onnx_pb';
import { encodeModelProto } from '../../../src/core/formats/onnx/codec';
import { makeNode, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { canPin, DEFAULT_JOB, runBenchmark, runSweep } from '../../../src/core/runtime/benchmark';
import { encodeNpy } from '../../../src/core/runtime/npy';
import { BenchmarkError, type BenchmarkJob } from '../../../src/core/runtime/types';
import { isAlive } from '../../helpers/processes';

const MODEL = path.resolve(__dirname, '../../fixtures/fmnist_cnn.onnx');
const OWN_NODES = ['/0/Conv', '/1/Relu', '/2/MaxPool', '/3/Conv', '/4/Relu', '/5/MaxPool', '/6/Flatten', '/7/Gemm', '/8/Relu', '/9/Gemm'];
const ABORT_CHILD = path.resolve(__dirname, '../../fixtures/runtime/abort-child.js');

const job = (over: Partial<BenchmarkJob> = {}): BenchmarkJob => ({ ...DEFAULT_JOB, model: MODEL, warmup: 2, runs: 15, ...over });

async function rejectsWith(p: Promise<unknown>, kind: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BenchmarkError, `expected a BenchmarkError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, re);
    return true;
  });
}

describe('runtime/benchmark (real onnxruntime in a child process)', function () {
  this.timeout(60000);
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('measures latency, memory and the machine, and attributes layers to the model\'s own nodes', async () => {
    const phases = new Set<string>();
    const r = await runBenchmark(job({ profile: true, profileRuns: 5 }), { onProgress: (p) => phases.add(p.phase) });
    const l = r.latency;
    assert.equal(l.samplesMs.length, 15);
    assert.ok(l.minMs > 0 && l.minMs <= l.p50Ms && l.p50Ms <= l.p90Ms && l.p90Ms <= l.p95Ms && l.p95Ms <= l.p99Ms && l.p99Ms <= l.maxMs);
    assert.ok(r.initMs > 0 && r.firstRunMs > 0);
    assert.equal(r.modelBytes, fs.statSync(MODEL).size);
    assert.ok(r.rssBaselineBytes > 0 && r.rssAfterLoadBytes > r.rssBaselineBytes && r.peakRssBytes >= r.rssAfterLoadBytes);
    assert.equal(r.ortVersion, require('onnxruntime-node/package.json').version);
    assert.deepEqual(r.executionProviders, ['cpu']);
    assert.equal(r.machine.cores, os.cpus().length);
    assert.deepEqual(r.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 1, 28, 28], source: 'generated' }]);
    assert.equal(r.warnings.length, 1);
    for (const p of ['load', 'first-run', 'runs', 'profile', 'profile-optimized']) assert.ok(phases.has(p), `progress phase ${p}`);

    const own = r.profile!;
    assert.equal(own.optLevel, 'disabled');
    assert.deepEqual(own.nodes.map((n) => n.name).sort(), [...OWN_NODES].sort(), 'every node of the model, by its own name');
    assert.ok(own.nodes.every((n) => n.meanUs > 0 && n.share > 0));
    // Kernels explain part of ORT's own run time and never more than all of it; how much depends on the
    // machine's load (bench:harness prints the figure), so the bound here is structural only.
    assert.ok(own.coverageOfOrtRun > 0 && own.coverageOfOrtRun <= 1.0001, `coverage of ORT run ${own.coverageOfOrtRun}`);
    assert.ok(own.coverage > 0.2 && own.coverage <= own.coverageOfOrtRun + 1e-9, `coverage ${own.coverage}`);
    assert.ok(Math.abs(own.unattributedShare - (1 - own.coverage)) < 1e-12);

    const opt = r.profileOptimized!;
    const mapped = new Map(opt.nodes.map((n) => [n.name, n.originalNodes]));
    assert.deepEqual(mapped.get('fused /7/Gemm')?.sort(), ['/7/Gemm', '/8/Relu']);
    assert.deepEqual(mapped.get('ReorderOutput'), [], 'a layout node ORT added stands for no node of the model');
    const covered = opt.nodes.flatMap((n) => n.originalNodes ?? []).sort();
    assert.deepEqual(covered, [...OWN_NODES].sort(), 'every original node is claimed by exactly one optimized node');
    assert.ok(typeof r.profilerOverhead === 'number' && Number.isFinite(r.profilerOverhead));
  });

  it('sweeps thread counts, each in its own child process, one after another', async () => {
    const pids: number[] = [];
    const rs = await runSweep(job({ runs: 5 }), [1, 2], { onProgress: (p) => { if (!pids.includes(p.pid)) pids.push(p.pid); } });
    assert.deepEqual(rs.map((r) => r.threads), [1, 2]);
    assert.equal(pids.length, 2, 'two fresh processes');
    assert.notEqual(pids[0], pids[1]);
  });

  it('profiles only the layers of the optimized graph when asked (no own-names profile, no overhead figure)', async () => {
    const r = await runBenchmark(job({ runs: 3, profile: true, profileRuns: 3, layersOnly: true }));
    assert.equal(r.profile, undefined);
    assert.equal(r.profilerOverhead, undefined);
    const opt = r.profileOptimized!;
    assert.equal(opt.runs + opt.droppedRuns, 3);
    assert.deepEqual(opt.nodes.flatMap((n) => n.originalNodes ?? []).sort(), [...OWN_NODES].sort());
  });

  it('pins the child to a target\'s CPUs where the OS allows it', async function () {
    if (!canPin() || os.cpus().length < 2) this.skip();
    const r = await runBenchmark(job({ runs: 3 }), { affinity: [1] });
    assert.deepEqual(r.affinity, [1], 'as /proc reports it from inside the child');
    assert.equal((await runBenchmark(job({ runs: 3 }))).affinity, undefined);
  });

  it('feeds a .npy input and rejects one of the wrong shape or dtype with a clear message', async () => {
    const good = path.join(dir, 'batch2.npy');
    fs.writeFileSync(good, encodeNpy({ dtype: 'float32', shape: [2, 1, 28, 28], data: new Float32Array(2 * 784).fill(0.25) }));
    const r = await runBenchmark(job({ runs: 3, inputFiles: { input: good } }));
    assert.deepEqual(r.inputs[0], { name: 'input', dtype: 'float32', shape: [2, 1, 28, 28], source: good });
    assert.deepEqual(r.warnings, []);

    const wrongDtype = path.join(dir, 'u8.npy');
    fs.writeFileSync(wrongDtype, encodeNpy({ dtype: 'uint8', shape: [1, 28, 28], data: new Uint8Array(784) }));
    await rejectsWith(runBenchmark(job({ inputFiles: { input: wrongDtype } })), 'input', /u8\.npy: input 'input' expects float32 \[N, 1, 28, 28\], the file holds uint8 \[1, 28, 28\]/);
    await rejectsWith(runBenchmark(job({ inputFiles: { input: path.join(dir, 'nope.npy') } })), 'input', /nope\.npy: no such file/);
  });

  it('reports a model onnxruntime rejects, naming the file', async () => {
    const garbage = path.join(dir, 'garbage.onnx');
    fs.writeFileSync(garbage, 'this is not an ONNX model');
    await rejectsWith(runBenchmark(job({ model: garbage })), 'model', /garbage\.onnx: onnxruntime cannot load it: /);

    const unknownOp = path.join(dir, 'unknown-op.onnx');
    const graph = create(GraphProtoSchema, {
      name: 'g', node: [makeNode('NoSuchOp', ['x'], ['y'], {}, 'mystery')],
      input: [makeValueInfo('x', 'float32', [1])], output: [makeValueInfo('y', 'float32', [1])],
    });
    const proto = create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })] });
    fs.writeFileSync(unknownOp, encodeModelProto(proto));
    await rejectsWith(runBenchmark(job({ model: unknownOp })), 'model', /unknown-op\.onnx: onnxruntime cannot load it: .*NoSuchOp/);
  });

  it('ends with a clear message when the child crashes, and keeps serving', async () => {
    await rejectsWith(runBenchmark(job(), { childScript: ABORT_CHILD }), 'crash', /fmnist_cnn\.onnx: the benchmark process was killed by SIGABRT during load/);
    // A native crash mid-run: the real child killed with SIGSEGV while timing.
    let killed = 0;
    await rejectsWith(
      runBenchmark(job({ runs: 1000000 }), { onProgress: (p) => { if (p.phase === 'runs' && !killed) { killed = p.pid; process.kill(p.pid, 'SIGSEGV'); } } }),
      'crash', /killed by SIGSEGV during runs/,
    );
    assert.ok(killed > 0 && !isAlive(killed));
    const r = await runBenchmark(job({ runs: 3 }));
    assert.equal(r.latency.samplesMs.length, 3, 'the next benchmark runs normally');
  });

  it('cancels midway: the child is gone and queued benchmarks do not start', async () => {
    const controller = new AbortController();
    let pid = 0;
    const started: number[] = [];
    const running = runBenchmark(job({ runs: 1000000 }), {
      signal: controller.signal,
      onProgress: (p) => { pid = p.pid; if (p.phase === 'runs') controller.abort(); },
    });
    const queued = runBenchmark(job(), { signal: controller.signal, onProgress: (p) => started.push(p.pid) });
    const t0 = Date.now();
    await rejectsWith(running, 'cancelled', /benchmark cancelled/);
    await rejectsWith(queued, 'cancelled', /benchmark cancelled/);
    assert.ok(Date.now() - t0 < 5000);
    assert.ok(pid > 0 && !isAlive(pid), 'no orphan child');
    assert.deepEqual(started, []);
  });
});
