import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const MODEL = path.join(ROOT, 'test/fixtures/fmnist_cnn.onnx');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(ROOT, 'src/cli/main.ts'), 'bench', ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Live child processes of `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[1]) === pid && fields[0] !== 'Z';
    } catch {
      return false;
    }
  }).map(Number);
}

describe('cli: edgewise bench', function () {
  this.timeout(60000);
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-cli-bench-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the documented JSON fields, an array for a sweep, and exits 3 when a budget breaks', () => {
    const targets = path.join(dir, 'targets.json');
    fs.writeFileSync(targets, JSON.stringify([{ name: 'tight', latencyBudgetMs: 0.0001, latencyMetric: 'p50' }]));
    const r = cli(MODEL, '--threads', '1,2', '--runs', '5', '--warmup', '1', '--profile', '--profile-runs', '3', '--target-file', targets, '--target', 'tight', '--json', '-q');
    assert.equal(r.code, 3, r.err);
    const sweep = JSON.parse(r.out);
    assert.ok(Array.isArray(sweep) && sweep.length === 2);
    for (const [i, o] of sweep.entries()) {
      assert.equal(o.threads, i + 1);
      for (const k of ['p50Ms', 'p95Ms', 'p99Ms', 'meanMs', 'stdMs', 'initMs', 'firstRunMs', 'peakRssBytes']) assert.equal(typeof o[k], 'number', k);
      assert.equal(o.perNode.length, 10);
      assert.deepEqual(Object.keys(o.perNode[0]), ['name', 'opType', 'meanUs', 'share']);
      assert.equal(o.budgetBreaks[0].budget, 'latency');
    }
    assert.match(r.err, /warning: input 'input': dimension 'N' is symbolic/);
  });

  it('prints one object for one thread count and exits 0 within budgets', () => {
    const r = cli(MODEL, '--runs', '3', '--warmup', '0', '--dim', 'N=2', '--target', 'local-cpu', '--json', '-q');
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out);
    assert.equal(o.threads, 1);
    assert.deepEqual(o.inputs[0].shape, [2, 1, 28, 28]);
    assert.deepEqual(o.budgetBreaks, []);
    assert.equal(o.perNode, undefined);
  });

  it('prints each budget of the target beside what was measured', () => {
    const r = cli(MODEL, '--runs', '5', '--warmup', '1', '--target', 'edge-small', '-q');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /target edge-small: within every budget\n/);
    assert.match(r.out, /\n {4}peak RAM +[\d.]+ MiB +budget 256 MiB +ok\n/);
    assert.match(r.out, /\n {4}p95 latency +[\d.]+ ms +budget 100 ms +ok\n/);
    assert.match(r.out, /\n {4}model file +[\d.]+ KiB +budget 16 MiB +ok/);
    const targets = path.join(dir, 'tight.json');
    fs.writeFileSync(targets, JSON.stringify([{ name: 'tight', latencyBudgetMs: 0.0001, latencyMetric: 'p50', ramBudgetBytes: 2 ** 40 }]));
    const broken = cli(MODEL, '--runs', '5', '--warmup', '1', '--target-file', targets, '--target', 'tight', '-q');
    assert.equal(broken.code, 3, broken.err);
    assert.match(broken.out, /target tight: 1 of 2 budgets BROKEN\n {4}peak RAM .* ok\n {4}p50 latency +[\d.]+ ms +budget 0\.0001 ms +BROKEN\n/);
  });

  it('stops on Ctrl-C with exit 130 and leaves no benchmark process behind', async () => {
    const cliProc = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(ROOT, 'src/cli/main.ts'), 'bench', MODEL, '--runs', '1000000', '--min-duration', '3600000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    cliProc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const exited = new Promise<number | null>((resolve) => cliProc.on('close', (code) => resolve(code)));
    const end = Date.now() + 30000;
    while (!/: timed runs /.test(err) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const children = childrenOf(cliProc.pid!);
    assert.equal(children.length, 1, `one benchmark child (stderr: ${err})`);
    cliProc.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(err, /edgewise bench: benchmark cancelled/);
    await new Promise((r) => setTimeout(r, 100));
    assert.throws(() => process.kill(children[0], 0), 'the child is gone');
  });

  it('names the file and the problem in one line for bad input', () => {
    const missing = cli(path.join(dir, 'nope.onnx'));
    assert.equal(missing.code, 1);
    assert.equal(missing.err.trim(), `edgewise bench: ${path.join(dir, 'nope.onnx')}: no such file`);
    const badInput = cli(MODEL, '--input', `input=${path.join(dir, 'x.npy')}`);
    assert.equal(badInput.code, 1);
    assert.match(badInput.err.trim(), /^edgewise bench: .*x\.npy: no such file \(--input input\)$/);
    const badEp = cli(MODEL, '--ep', 'cuda');
    assert.equal(badEp.code, 2);
    assert.match(badEp.err, /execution provider 'cuda' is not installed/);
    assert.equal(cli(MODEL, '--threads', '0').code, 2);
  });
});
