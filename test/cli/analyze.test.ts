import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, ensureCliBuilt, runCli } from './run';

const FIX = path.resolve('test/fixtures');
const PAIR = [path.join(FIX, 'fmnist_mobilenet.onnx'), path.join(FIX, 'fmnist_mobilenet.int8.onnx'),
  '--data', path.join(FIX, 'fmnist_test1k_u8.npy'), '--labels', path.join(FIX, 'fmnist_test1k_labels.npy'), '--count', '50'];

/** Descendants of a process (Linux /proc), to check that nothing outlives the CLI. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

describe('CLI analyze --latency', function () {
  this.timeout(60000);
  before(ensureCliBuilt);

  it('adds float/INT8/gain/share columns and the latency findings; --json carries the same figures', () => {
    const text = runCli(['analyze', ...PAIR, '--latency', '--runs', '3', '--slower-by=-1000000']);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.match(lines[1], /^latency \(3 profiled runs each, 1 thread\(s\), [\d.]+ s\): float [\d.]+ ms, INT8 [\d.]+ ms per profiled run/);
    const head = lines[2];
    for (const col of ['SQNR dB', 'float µs', 'INT8 µs', 'gain µs', 'share']) assert.ok(head.includes(col), col);
    const conv0 = lines.find((l) => l.startsWith('/features/features.0/Conv '))!;
    // The last four columns are the latency ones (a Conv whose output is compared after its Clip has no error columns).
    const [floatUs, int8Us, gainUs] = conv0.trim().split(/\s+/).slice(-4, -1).map(Number);
    assert.ok(floatUs > 0 && int8Us > 0 && Math.abs(gainUs - (floatUs - int8Us)) <= 1, conv0);
    // A threshold every timed layer crosses: advice only where INT8 is slower beyond the run-to-run
    // noise, and 'within noise' where the gap is inside it; a layer where INT8 is faster gets neither.
    const [, timed, slower, faster, noise] = /of (\d+) timed layers, INT8 is slower on (\d+) .*, faster on (\d+) .*, within the run-to-run noise on (\d+)$/.exec(lines[1])!.map(Number);
    assert.equal(slower + faster + noise, timed);
    assert.equal(lines.filter((l) => /^warning: .*: INT8 is slower than float here \(.*, beyond the .* run-to-run noise\): keep this layer in float$/.test(l)).length, slower);
    assert.equal(lines.filter((l) => /^info: .*: INT8 and float are within noise here/.test(l)).length, noise);
    assert.match(text.stderr, /profiling the float model: profiling layers: \d+ runs\n[^]*profiling the quantized model: profiling layers: \d+ runs/);

    const json = runCli(['analyze', ...PAIR, '--latency', '--runs', '3', '--hot-share', '0', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout);
    assert.equal(r.latency.runs, 3);
    assert.ok(r.latency.gains.length >= 23);
    for (const g of r.latency.gains) assert.equal(g.gainUs, g.floatUs - g.int8Us);
    // The one noise rule (analysis/noise.ts) on the measured spreads, and advice only where it says 'slower'.
    type Gain = { layer: string; gainUs: number; floatSpreadUs: number; int8SpreadUs: number; noiseUs: number; verdict: string };
    for (const g of r.latency.gains as Gain[]) {
      assert.ok(g.noiseUs >= Math.max(1, Math.hypot(g.floatSpreadUs, g.int8SpreadUs)) - 1e-9, JSON.stringify(g));
      assert.equal(g.verdict, Math.abs(g.gainUs) <= g.noiseUs ? 'within-noise' : g.gainUs < 0 ? 'slower' : 'faster', JSON.stringify(g));
    }
    const ids = (xs: { layer?: string; nodeId?: string }[]) => xs.map((x) => x.layer ?? x.nodeId).sort();
    assert.deepEqual(ids(r.findings.filter((f: { code: string }) => f.code === 'int8-slower')), ids((r.latency.gains as Gain[]).filter((g) => g.verdict === 'slower')));
    assert.deepEqual(ids(r.findings.filter((f: { code: string }) => f.code === 'int8-within-noise')), ids((r.latency.gains as Gain[]).filter((g) => g.verdict === 'within-noise' && g.gainUs < 0)));
    assert.equal(r.findings.filter((f: { code: string }) => f.code === 'hot-layer').length, r.latency.shares.length);
    const plain = JSON.parse(runCli(['analyze', ...PAIR, '--json']).stdout);
    assert.equal(plain.latency, undefined);
  });

  it('reads its data like every command: --mean/--std normalize it (the float score equals eval\'s on the same data); one without the other is a usage error', function () {
    this.timeout(180000);
    const norm = ['--mean', '0.2860', '--std', '0.3530'];
    const top1 = (args: string[]) => {
      const r = runCli(['analyze', ...PAIR, ...args, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).float.score.value as number;
    };
    const evalTop1 = (args: string[]) => {
      const r = runCli(['eval', PAIR[0], '--data', PAIR[3], '--labels', PAIR[5], '--count', '50', ...args, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return 100 * JSON.parse(r.stdout).accuracy.top1;
    };
    const normalized = top1(norm), evaluated = evalTop1(norm);
    assert.ok(Math.abs(normalized - evaluated) < 1e-9, `analyze ${normalized}, eval ${evaluated}`);
    assert.notEqual(normalized, top1([]), 'the normalization reached the model');
    for (const [args, re] of [[['--mean', '0.5'], /--mean needs --std/], [['--std', '0.5'], /--std needs --mean/]] as const) {
      const r = runCli(['analyze', ...PAIR, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('rejects latency options without --latency, and a bad run count, in one line', () => {
    for (const [args, re] of [[['--runs', '5'], /--runs needs --latency/], [['--latency', '--runs', '0'], /--runs must be a whole number from 1 to 100000, got '0'/]] as const) {
      const r = runCli(['analyze', ...PAIR, ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('Ctrl-C while profiling ends with 130 and leaves no benchmark process behind', async () => {
    const child = spawn(process.execPath, [CLI, 'analyze', ...PAIR, '--latency', '--runs', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let seen: number[] = [];
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (!seen.length && stderr.includes('profiling the float model: profiling layers')) {
          seen = descendants(child.pid!);
          child.kill('SIGINT');
        }
      });
      child.on('close', resolve);
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /cancelling/);
    assert.ok(seen.length >= 1, 'a benchmark child was running');
    for (const pid of seen) assert.throws(() => process.kill(pid, 0), `process ${pid} is gone`);
  });
});
