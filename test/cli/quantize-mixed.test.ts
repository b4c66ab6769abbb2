import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, CliError, type CliIo } from '../../src/cli/command';
import { quantize } from '../../src/cli/commands/quantize';
import { loadModel } from '../../src/core/formats/onnx/io';
import { FIXTURES } from '../helpers/fmnist';

async function run(argv: string[]): Promise<{ code: number | Error; out: string[] }> {
  const out: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: () => {}, progress: () => {}, signal: new AbortController().signal };
  try {
    return { code: await quantize.run(parse(quantize, argv), io), out };
  } catch (e) {
    return { code: e as Error, out };
  }
}

const fx = (f: string) => path.join(FIXTURES, f);

describe('cli quantize --max-accuracy-drop (mixed precision)', function () {
  this.timeout(60000);

  it('returns the most harmful layers to float until the tuning drop is within budget, and says why per layer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-mixed-'));
    const out = path.join(dir, 'mixed.onnx');
    try {
      // A zero-point budget: all-INT8 costs some top-1 on the tuning set, so some layers must go back to float.
      const r = await run([fx('fmnist_mobilenet.onnx'), '--max-accuracy-drop', '0', '--eval', fx('fmnist_tune500_u8.npy'), '--labels', fx('fmnist_tune500_labels.npy'),
        '--holdout', fx('fmnist_test1k_u8.npy'), '--holdout-labels', fx('fmnist_test1k_labels.npy'), '--out', out, '--json']);
      assert.equal(r.code, 0, String(r.code));
      const rep = JSON.parse(r.out.join('\n'));
      assert.equal(rep.withinBudget, true);
      assert.ok(rep.floatTop1 - rep.top1 <= 1e-9);
      const floats = rep.decisions.filter((d: { precision: string }) => d.precision === 'float');
      const int8 = rep.decisions.filter((d: { precision: string }) => d.precision === 'int8');
      assert.ok(floats.length >= 1 && int8.length >= 1, `${floats.length} float, ${int8.length} int8`);
      assert.ok(floats.every((d: { reason: string; detail: string }) => d.reason === 'harmful' && d.detail.length > 0));
      assert.ok(Number.isFinite(rep.heldOut.drop));
      // Size, accuracy and latency of the result.
      assert.ok(rep.fileBytesAfter < rep.fileBytesBefore);
      assert.ok(rep.latency.floatP50Ms > 0 && rep.latency.resultP50Ms > 0);
      assert.equal(rep.latency.speedup, rep.latency.floatP50Ms / rep.latency.resultP50Ms);
      // The file holds exactly the INT8 layers the report names: their weights are read through DequantizeLinear.
      // Layers without weights (Add, Concat) take activations that any INT8 neighbour dequantizes: not checked here.
      const g = loadModel(out).graph.proto;
      const inits = new Set(g.initializer.map((t) => t.name));
      const dqOf = new Map(g.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => [n.output[0], n]));
      let weighted = 0;
      for (const d of [...floats, ...int8] as { layer: string; precision: string }[]) {
        const n = g.node.find((x) => x.name === d.layer);
        assert.ok(n, `the written model has the layer ${d.layer}`);
        const dq = dqOf.get(n.input[1]);
        const int8Weight = dq !== undefined && inits.has(dq.input[0]);
        if (!int8Weight && !inits.has(n.input[1])) continue;
        weighted++;
        assert.equal(int8Weight, d.precision === 'int8', d.layer);
      }
      assert.ok(weighted >= 2, `${weighted} layers with weights checked`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints each layer\'s precision in text and needs labelled data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-mixed-'));
    try {
      const r = await run([fx('fmnist_mobilenet.onnx'), '--max-accuracy-drop', '1', '--eval', fx('fmnist_tune500_u8.npy'), '--labels', fx('fmnist_tune500_labels.npy'), '--out', path.join(dir, 'm.onnx')]);
      assert.equal(r.code, 0, String(r.code));
      assert.match(r.out[0], /tuning top-1 [\d.]+% -> [\d.]+% \(drop [\d.-]+ points: within budget\)/);
      assert.match(r.out[0], /\n {4}(int8|float) +\/classifier\/Gemm: /);
      assert.match(r.out[0], /\n {2}p50 \(1 thread, fresh process each\): float [\d.]+ ms -> [\d.]+ ms \([\d.]+x, (within|slower beyond|faster beyond) the run-to-run noise of [\d.]+ [mµ]s\)\n/);
      const bad = await run([fx('fmnist_mobilenet.onnx'), '--max-accuracy-drop', '1', '--eval', fx('fmnist_tune500_u8.npy')]);
      assert.ok(bad.code instanceof CliError && /needs --eval and --labels/.test(bad.code.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--latency-aware times the candidates and keeps the fastest within budget (faster beyond the run-to-run noise)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-mixed-'));
    try {
      const out = path.join(dir, 'fast.onnx');
      const probes = () => new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('edgewise-mixed-')));
      const before = probes();
      const r = await run([fx('fmnist_mobilenet.onnx'), '--max-accuracy-drop', '1', '--eval', fx('fmnist_tune500_u8.npy'), '--labels', fx('fmnist_tune500_labels.npy'),
        '--latency-aware', '--out', out, '--json']);
      assert.equal(r.code, 0, String(r.code));
      const rep = JSON.parse(r.out.join('\n'));
      const names = rep.candidates.map((c: { name: string }) => c.name);
      assert.deepEqual(names, ['latency-aware', 'accuracy-only', 'float']);
      for (const c of rep.candidates) assert.ok(c.latencyMs > 0, `${c.name}: ${c.latencyMs} ms`);
      const within = rep.candidates.filter((c: { withinBudget: boolean }) => c.withinBudget);
      // In order, a later candidate wins only when faster beyond the run-to-run noise (analysis/noise.ts).
      type Candidate = { name: string; latencyMs: number; spreadMs: number };
      const fastest = within.reduce((a: Candidate, b: Candidate) => (a.latencyMs - b.latencyMs > Math.hypot(a.spreadMs, b.spreadMs) ? b : a));
      assert.equal(rep.chosen, fastest.name);
      assert.equal(rep.withinBudget, true);
      assert.ok(fs.existsSync(out));
      assert.deepEqual([...probes()].filter((f) => !before.has(f)), [], 'no candidate files left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
