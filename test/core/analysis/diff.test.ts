import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { permutationBetween } from '../../../src/core/analysis/diff/weights';
import { loadModel, saveModel } from '../../../src/core/formats/onnx/io';
import { openModel } from '../../../src/core/formats/open';
import { runDiffJob, type ModelDiff, type NodeDiff } from '../../../src/core/jobs/diff';
import { runExportJob } from '../../../src/core/jobs/export';
import { runPruneJob } from '../../../src/core/jobs/prune';
import { runQuantizeJob } from '../../../src/core/jobs/quantize';
import { FIXTURES } from '../../helpers/onnx-models';

const CALIB = path.join(FIXTURES, 'fmnist_train1k_u8.npy');
const byA = (d: ModelDiff, id: string): NodeDiff => d.entries.find((e) => e.a === id) ?? assert.fail(`no entry for ${id}`);

/** The float CNN's weights as float32 (to check the diff's figures against our own reading). */
function floatWeight(file: string, name: string): Float32Array {
  const t = loadModel(file).graph.initializer(name)!;
  return new Float32Array(new Uint8Array(t.rawData).buffer);
}

describe('model diff', function () {
  this.timeout(120_000);
  let dir: string;
  let cnn: string;
  let quantized: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-diff-'));
    cnn = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), cnn);
    quantized = (await runQuantizeJob(cnn, { mode: 'static', calib: CALIB, skipLatency: true, skipFused: true })).output;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a model against itself: every node unchanged, weights identical', async () => {
    const d = await runDiffJob(cnn, cnn);
    assert.equal(d.counts.unchanged, d.entries.length);
    assert.equal(d.matched.share, 1);
    assert.ok(d.weights.compared >= 8);
    assert.ok(d.entries.every((e) => (e.weights ?? []).every((w) => w.maxAbs === 0 && w.relL2 === 0)));
  });

  it('float vs its static INT8 (QDQ): Conv/Gemm rewritten as quantized with their weight error, Relus fused, by names or by structure alone', async () => {
    for (const names of [true, false]) {
      const d = await runDiffJob(cnn, quantized, { names });
      assert.equal(d.matched.share, 1, `names ${names}`);
      assert.equal(d.counts.added + d.counts.removed, 0);
      for (const id of ['/0/Conv', '/3/Conv', '/7/Gemm', '/9/Gemm']) {
        const e = byA(d, id);
        assert.equal(e.b, id);
        assert.equal(e.status, 'rewritten');
        assert.ok(e.rewrites?.includes('quantized'), JSON.stringify(e));
        assert.match(e.detail!, /DequantizeLinear -> (Conv|Gemm)/);
        assert.ok(e.helpersB!.some((h) => h.endsWith('_DequantizeLinear')));
      }
      for (const [relu, into] of [['/1/Relu', '/0/Conv'], ['/4/Relu', '/3/Conv'], ['/8/Relu', '/7/Gemm']]) {
        const e = byA(d, relu);
        assert.deepEqual([e.status, e.rewrites, e.fusedInto], ['rewritten', ['fused-into'], into]);
      }
      // Symmetric int8 per tensor: every weight lands within half a step (max|w| / 127 / 2) of its float value.
      const w = byA(d, '/3/Conv').weights!.find((x) => x.a === '3.weight')!;
      const f = floatWeight(cnn, '3.weight');
      const step = f.reduce((m, x) => Math.max(m, Math.abs(x)), 0) / 127;
      assert.equal(w.dtypeB, 'int8');
      assert.ok(w.maxAbs! > 0 && w.maxAbs! <= step / 2 + 1e-7, `max |a-b| ${w.maxAbs} vs half step ${step / 2}`);
      assert.ok(w.relL2! > 0 && w.relL2! < 0.05);
    }
  });

  it('the MobileNet fixture vs its QDQ INT8 (Relu6 as Clip with Constant bounds): every node matched by structure alone, each Clip fused into its Conv', async () => {
    const d = await runDiffJob(path.join(FIXTURES, 'fmnist_mobilenet.onnx'), path.join(FIXTURES, 'fmnist_mobilenet.int8.onnx'), { names: false });
    assert.equal(d.matched.share, 1);
    assert.equal(d.a.coreNodes, d.a.nodes - 30, 'the Clips\' 30 Constant bounds are weights, not nodes');
    const clips = d.entries.filter((e) => e.opA === 'Clip');
    assert.equal(clips.length, 15);
    // The Conv each Clip was fused into is the one that feeds it in A.
    const view = openModel(path.join(FIXTURES, 'fmnist_mobilenet.onnx')).viewGraph();
    const producer = new Map(view.nodes.flatMap((n) => n.outputs.map((o) => [o, n.id] as const)));
    for (const c of clips) {
      assert.deepEqual(c.rewrites, ['fused-into']);
      assert.equal(c.fusedInto, producer.get(view.nodes.find((n) => n.id === c.a)!.inputs[0]));
      assert.equal(byA(d, c.fusedInto!).opB, 'Conv');
    }
  });

  it('ONNX vs its TFLite export: Conv -> CONV_2D with OIHW read as OHWI, Relu fused into it, the input transpose added', async () => {
    const tflite = (await runExportJob(cnn, { to: 'tflite', dims: { N: 1 }, verify: false })).output;
    const d = await runDiffJob(cnn, tflite);
    assert.equal(d.b.format, 'tflite');
    assert.equal(d.matched.share, 1);
    const conv = byA(d, '/3/Conv');
    assert.equal(conv.opB, 'CONV_2D');
    const filter = conv.weights!.find((w) => w.a === '3.weight')!;
    assert.deepEqual(filter.permutation, [0, 2, 3, 1]);
    assert.equal(filter.maxAbs, 0);
    assert.deepEqual(byA(d, '/4/Relu').rewrites, ['fused-into']);
    assert.equal(byA(d, '/2/MaxPool').opB, 'MAX_POOL_2D');
    assert.deepEqual(d.entries.filter((e) => e.status === 'added').map((e) => e.opB), ['RESHAPE']);
  });

  it('a channel-pruned model: its Convs rewritten as pruned, with the channel counts', async () => {
    const pruned = (await runPruneJob(cnn, { method: 'channel', sparsity: 0.5, perGroup: false })).output;
    const d = await runDiffJob(cnn, pruned);
    const conv = byA(d, '/0/Conv');
    assert.equal(conv.status, 'rewritten');
    assert.ok(conv.rewrites!.includes('pruned'));
    assert.match(conv.detail!, /32 -> 16 along axis 0 of '0\.weight'/);
  });

  it('an edited model: the changed weight with its figures and the changed attribute; nothing else', async () => {
    const m = loadModel(cnn);
    const t = m.graph.initializer('9.weight')!;
    const values = new Float32Array(new Uint8Array(t.rawData).buffer);
    values[5] += 0.25;
    t.rawData = new Uint8Array(values.buffer);
    const gemm = m.graph.nodes.find((n) => n.name === '/7/Gemm')!;
    gemm.attribute.find((a) => a.name === 'alpha')!.f = 0.5;
    const edited = path.join(dir, 'edited.onnx');
    saveModel(m, edited);
    const d = await runDiffJob(cnn, edited);
    assert.deepEqual(d.entries.filter((e) => e.status !== 'unchanged').map((e) => e.a).sort(), ['/7/Gemm', '/9/Gemm']);
    assert.deepEqual(byA(d, '/7/Gemm').attributes, [{ name: 'alpha', a: '1', b: '0.5' }]);
    const w = byA(d, '/9/Gemm').weights!.find((x) => x.a === '9.weight')!;
    const f = floatWeight(cnn, '9.weight');
    const norm = Math.sqrt(f.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(w.maxAbs! - 0.25) < 1e-6);
    assert.ok(Math.abs(w.relL2! - 0.25 / norm) < 1e-6);
  });

  it('finds layout permutations only where the shapes correspond', () => {
    assert.deepEqual(permutationBetween([64, 32, 3, 3], [64, 3, 3, 32]), [0, 2, 3, 1]);
    assert.deepEqual(permutationBetween([128, 10], [10, 128]), [1, 0]);
    assert.deepEqual(permutationBetween([1, 64], [64]), [0]);
    assert.equal(permutationBetween([64, 32], [16, 128]), undefined);
  });

  it('names both files in errors', async () => {
    await assert.rejects(runDiffJob(cnn, path.join(dir, 'missing.onnx')), /missing\.onnx/);
  });
});
