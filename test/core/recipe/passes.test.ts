import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { FIXTURES } from '../../helpers/fmnist';

const CLI = [require.resolve('tsx/cli'), path.join(__dirname, '../../../src/cli/main.ts'), 'run'];

/** A recipe on the small Fashion-MNIST CNN with one static quantize pass. */
function workspace(extra: object): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-passes-'));
  // The recipe's files sit in its folder: recipe paths may not leave it (without --allow-outside).
  fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), path.join(dir, 'cnn.onnx'));
  for (const f of ['fmnist_train1k_u8.npy', 'fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy']) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  const recipe = {
    model: 'cnn.onnx',
    data: { inputs: 'fmnist_train1k_u8.npy', scale: 1 / 255 },
    eval: { inputs: 'fmnist_test1k_u8.npy', labels: 'fmnist_test1k_labels.npy', scale: 1 / 255, count: 300 },
    passes: [{ pass: 'quantize', options: { mode: 'static' } }],
    ...extra,
  };
  const file = path.join(dir, 'edgewise.json');
  fs.writeFileSync(file, JSON.stringify(recipe, null, 2));
  return { dir, file };
}

function run(file: string) {
  return spawnSync(process.execPath, [...CLI, file, '--json'], { encoding: 'utf8', timeout: 60000 });
}

/** The float weight initializers still read directly by a node of this name (no DequantizeLinear in between). */
function dequantizedInputs(file: string, node: string): { floatWeight: boolean; viaDq: boolean } {
  const m = loadModel(file);
  const n = m.graph.proto.node.find((x) => x.name === node)!;
  const inits = new Set(m.graph.proto.initializer.map((t) => t.name));
  const producers = new Map(m.graph.proto.node.flatMap((p) => p.output.map((o) => [o, p] as const)));
  return {
    floatWeight: inits.has(n.input[1]) && m.graph.proto.initializer.find((t) => t.name === n.input[1])!.dataType === 1,
    viaDq: producers.get(n.input[1])?.opType === 'DequantizeLinear',
  };
}

describe('recipe passes (edgewise run)', function () {
  this.timeout(90000);

  it('quantizes statically, meets an accuracy budget (exit 0), and breaks a size budget just above the int8 weights alone (exit 3)', () => {
    const { dir, file } = workspace({ budgets: { maxAccuracyDrop: 2 } });
    try {
      const ok = run(file);
      assert.equal(ok.status, 0, ok.stderr);
      const report = JSON.parse(ok.stdout);
      assert.equal(report.passes[0].report.pass, 'static-int8');
      assert.ok(report.passes[0].report.quantized.length >= 4);
      assert.ok(fs.existsSync(path.join(dir, 'cnn.edge.onnx')));
      assert.ok(report.measured.sizeBytes < fs.statSync(path.join(dir, 'cnn.onnx')).size / 2, 'int8 weights shrink the file');
      assert.ok(report.measured.floatTop1 - report.measured.top1 <= 2);
      assert.ok(dequantizedInputs(report.output, '/3/Conv').viaDq, 'quantized Conv reads its weight through DequantizeLinear');

      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), output: 'tiny.onnx', budgets: { maxSizeBytes: 226000 } }));
      const broken = run(file);
      assert.equal(broken.status, 3, broken.stderr);
      const b = JSON.parse(broken.stdout);
      assert.equal(b.budgets[0].budget, 'maxSizeBytes');
      assert.equal(b.budgets[0].ok, false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a node the recipe overrides to float in float, and quantizes the rest', () => {
    const { dir, file } = workspace({ overrides: { '/3/Conv': { precision: 'float' } } });
    try {
      const r = run(file);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout).output;
      const kept = dequantizedInputs(out, '/3/Conv');
      assert.ok(kept.floatWeight && !kept.viaDq, 'the overridden Conv keeps its float32 weight');
      assert.ok(dequantizedInputs(out, '/0/Conv').viaDq, 'the other Conv is quantized');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('chains passes and measures latency and RAM in a benchmark child', () => {
    const { dir, file } = workspace({
      passes: [{ pass: 'prune', options: { sparsity: 0.5 } }, { pass: 'quantize', options: { mode: 'dynamic' } }],
      budgets: { maxLatencyMs: 1000, maxRamBytes: 2e9 },
    });
    try {
      const r = run(file);
      assert.equal(r.status, 0, r.stderr);
      const rep = JSON.parse(r.stdout);
      assert.deepEqual(rep.passes.map((p: { pass: string }) => p.pass), ['prune', 'quantize']);
      assert.equal(rep.passes[1].report.pass, 'dynamic-int8');
      assert.ok(rep.measured.latencyMs > 0 && rep.measured.ramBytes > 10e6, JSON.stringify(rep.measured));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
