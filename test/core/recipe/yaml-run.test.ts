import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { FIXTURES } from '../../helpers/fmnist';

const CLI = [require.resolve('tsx/cli'), path.join(__dirname, '../../../src/cli/main.ts'), 'run'];
const fx = (f: string) => path.join(FIXTURES, f);

function workspace(yaml: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-yaml-'));
  fs.copyFileSync(fx('fmnist_mobilenet.onnx'), path.join(dir, 'm.onnx'));
  const file = path.join(dir, 'edgewise.yaml');
  fs.writeFileSync(file, yaml);
  return { dir, file };
}

function run(file: string, ...extra: string[]) {
  // The data comes from the fixtures folder, outside the recipe's: that takes --allow-outside.
  return spawnSync(process.execPath, [...CLI, file, '--allow-outside', ...extra], { encoding: 'utf8', timeout: 90000 });
}

/** Whether a Conv reads its weight through DequantizeLinear (INT8) or directly (float). */
function weightViaDq(file: string, node: string): boolean {
  const g = loadModel(file).graph.proto;
  const n = g.node.find((x) => x.name === node)!;
  return g.node.some((p) => p.opType === 'DequantizeLinear' && p.output.includes(n.input[1]));
}

describe('edgewise run on YAML recipes', function () {
  this.timeout(120000);

  it('exits 0 when every budget holds, 3 when one breaks, 1 with file:line:column on a YAML error', () => {
    const { dir, file } = workspace('# size gate\nmodel: m.onnx   # float model\npasses: []\nbudgets:\n  maxSizeBytes: 270000  # too tight\n');
    try {
      const broken = run(file, '--dry-run');
      assert.equal(broken.status, 3, broken.stderr);
      assert.match(broken.stdout, /BROKEN model size 271 KiB breaks the budget of 264 KiB/);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('270000  # too tight', '300000'));
      const ok = run(file, '--dry-run', '--json');
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).ok, true);
      fs.writeFileSync(file, 'model: m.onnx\npasses:\n  - pass: quantize\n overrides: {}\n');
      const bad = run(file, '--dry-run');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /edgewise\.yaml:4:\d+: .*syntax error: /);
      fs.writeFileSync(file, 'model: m.onnx\npasses: []\noverrides:\n  /features/features.0/Cnv: {precision: float}\n');
      const unknown = run(file, '--dry-run');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /edgewise\.yaml:4:3: .*no node '\/features\/features\.0\/Cnv'; did you mean '\/features\/features\.0\/Conv'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mixed-precision: tunes on data, keeps overridden layers in float, reports each layer, and checks the budget on held-out eval', () => {
    const { dir, file } = workspace(`# mixed precision, tuned on 500 samples, checked on 1000 others
model: m.onnx
data:
  inputs: ${fx('fmnist_tune500_u8.npy')}
  labels: ${fx('fmnist_tune500_labels.npy')}
eval:
  inputs: ${fx('fmnist_test1k_u8.npy')}
  labels: ${fx('fmnist_test1k_labels.npy')}
passes:
  - pass: mixed-precision
    options: { maxAccuracyDrop: 0.3 }
overrides:
  /features/features.0/Conv: { precision: float }
budgets:
  maxAccuracyDrop: 0.3
`);
    try {
      const r = run(file, '--json');
      assert.ok(r.status === 0 || r.status === 3, r.stderr);
      const rep = JSON.parse(r.stdout);
      const mp = rep.passes[0].report;
      assert.equal(mp.pass, 'mixed-precision');
      assert.equal(mp.metric, 'top1');
      assert.equal(mp.tuning.withinBudget, mp.tuning.float - mp.tuning.result <= 0.3 + 1e-9);
      const forced = mp.decisions.find((d: { layer: string }) => d.layer === '/features/features.0/Conv');
      assert.deepEqual([forced.precision, forced.reason], ['float', 'forced-float']);
      assert.ok(mp.decisions.every((d: { precision: string; detail: string }) => ['int8', 'float'].includes(d.precision) && d.detail.length > 0));
      assert.equal(mp.int8Layers + mp.floatLayers, mp.decisions.length);
      assert.ok(mp.int8Layers > 0, 'some layers stay INT8');
      // The held-out check: the exit code and the report agree with the measured drop.
      const drop = rep.measured.floatTop1 - rep.measured.top1;
      assert.equal(rep.budgets[0].ok, drop <= 0.3 + 1e-9);
      assert.equal(r.status, drop <= 0.3 + 1e-9 ? 0 : 3);
      assert.ok(rep.measured.floatTop1 > 85);
      // The written model holds exactly the precisions the report names.
      assert.equal(weightViaDq(rep.output, '/features/features.0/Conv'), false);
      for (const d of mp.decisions as { layer: string; precision: string }[]) {
        if (/Conv$/.test(d.layer)) assert.equal(weightViaDq(rep.output, d.layer), d.precision === 'int8', d.layer);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mixed-precision, latency-aware on an output-cosine budget: profiles both models and keeps the fastest candidate within budget', () => {
    const { dir, file } = workspace(`model: m.onnx
data: { inputs: ${fx('fmnist_tune500_u8.npy')}, count: 200 }
eval: { inputs: ${fx('fmnist_test1k_u8.npy')}, count: 300 }
passes:
  - pass: mixed-precision
    options: { minCosine: 0.999, latencyAware: true }
budgets: { minCosine: 0.999 }
`);
    try {
      const r = run(file, '--json');
      assert.ok(r.status === 0 || r.status === 3, r.stderr);
      const rep = JSON.parse(r.stdout);
      const mp = rep.passes[0].report;
      assert.equal(mp.metric, 'cosine');
      assert.match(mp.calibration, /\(first 200\)/);
      const names = mp.candidates.map((c: { name: string }) => c.name);
      assert.deepEqual(names, ['latency-aware', 'accuracy-only', 'float']);
      assert.ok(mp.candidates.every((c: { latencyMs: number }) => c.latencyMs > 0));
      const within = mp.candidates.filter((c: { withinBudget: boolean }) => c.withinBudget);
      // In order, a later candidate wins only when faster beyond the run-to-run noise (analysis/noise.ts).
      type Candidate = { name: string; latencyMs: number; spreadMs: number };
      const fastest = within.reduce((a: Candidate, b: Candidate) => (a.latencyMs - b.latencyMs > Math.hypot(a.spreadMs, b.spreadMs) ? b : a));
      assert.equal(mp.chosen, fastest.name);
      const layers = mp.decisions as { layer: string; precision: string; reason: string; detail: string; gainUs?: number }[];
      if (mp.chosen === 'float') assert.ok(layers.every((d) => d.precision === 'float'));
      // A layer kept in float for speed was measured slower in INT8, or the whole float model measured fastest.
      for (const d of layers.filter((l) => l.reason === 'int8-slower')) {
        if (mp.chosen === 'float') assert.match(d.detail, /float model measured faster beyond the run-to-run noise/, d.layer);
        else assert.ok(d.gainUs !== undefined && d.gainUs < 0, d.layer);
      }
      for (const d of layers) if (/Conv$/.test(d.layer)) assert.equal(weightViaDq(rep.output, d.layer), d.precision === 'int8', d.layer);
      assert.equal(rep.budgets[0].ok, rep.measured.cosine >= 0.999);
      assert.equal(r.status, rep.budgets[0].ok ? 0 : 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mixed-precision needs data, and a budget in its options or the recipe', () => {
    const { dir, file } = workspace(`model: m.onnx\ndata:\n  inputs: ${fx('fmnist_tune500_u8.npy')}\npasses:\n  - pass: mixed-precision\n`);
    try {
      const r = run(file, '--dry-run');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /edgewise\.yaml:5:11: .*mixed-precision needs an accuracy budget/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
