import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, readNpy } from '../../src/core/runtime/npy';
import { CLI, ensureCliBuilt } from '../cli/run';
import { FIXTURES, tempDir } from '../helpers/onnx-models';

const CNN = path.join(FIXTURES, 'fmnist_cnn.onnx');

interface Proc { p: ChildProcess; out: string; err: string; exit: Promise<number | null> }

function start(args: string[], env: Record<string, string> = {}): Proc {
  const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const r: Proc = { p, out: '', err: '', exit: new Promise((resolve) => p.on('exit', (code) => resolve(code))) };
  p.stdout!.on('data', (d) => { r.out += d; });
  p.stderr!.on('data', (d) => { r.err += d; });
  return r;
}

async function until(proc: Proc, re: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(proc.err);
    if (m) return m;
    if (proc.p.exitCode !== null || Date.now() - t0 > ms) throw new Error(`no ${re} in: ${proc.err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Client k's samples: a slice of the Fashion-MNIST fixture as its own .npy pair. */
function clientData(dir: string, k: number, n: number): string[] {
  const x = readNpy(path.join(FIXTURES, 'fmnist_train1k_u8.npy'));
  const y = readNpy(path.join(FIXTURES, 'fmnist_train1k_labels.npy'));
  const per = 28 * 28;
  const files = [path.join(dir, `x${k}.npy`), path.join(dir, `y${k}.npy`)];
  fs.writeFileSync(files[0], encodeNpy({ dtype: 'uint8', shape: [n, 28, 28], data: (x.data as Uint8Array).slice(k * n * per, (k + 1) * n * per) }));
  fs.writeFileSync(files[1], encodeNpy({ dtype: y.dtype, shape: [n], data: y.data.slice(k * n, (k + 1) * n) as typeof y.data }));
  return files;
}

describe('edgewise fl serve / fl client (real processes on loopback)', function () {
  this.timeout(240_000);
  let dir: string;
  const procs: Proc[] = [];
  before(() => ensureCliBuilt());
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.p.exitCode === null) p.p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs FedProx rounds with float32 and int8 clients: every round model, its metrics and final.onnx', async () => {
    const out = path.join(dir, 'fed');
    const server = start(['fl', 'serve', '--model', CNN, '--rounds', '2', '--clients-per-round', '2', '--strategy', 'fedprox', '--mu', '0.01', '--out-dir', out, '--json'], { EDGEWISE_FL_TOKEN: 'tok' });
    procs.push(server);
    const url = (await until(server, /serving (http:\/\/127\.0\.0\.1:\d+)/))[1];
    const clients = [0, 1].map((k) => {
      const [x, y] = clientData(dir, k, 96);
      const c = start(['fl', 'client', '--server', url, '--data', x, '--labels', y, '--id', `dev${k}`, '--json', ...(k ? ['--encoding', 'int8'] : [])], { EDGEWISE_FL_TOKEN: 'tok' });
      procs.push(c);
      return c;
    });
    const codes = await Promise.all(clients.map((c) => c.exit));
    assert.deepEqual(codes, [0, 0], clients.map((c) => c.err).join('\n'));
    assert.equal(await server.exit, 0, server.err);
    const result = JSON.parse(server.out);
    assert.equal(result.finalModel, path.join(out, 'final.onnx'));
    assert.deepEqual(result.rounds.map((r: { round: number; clients: number; samples: number }) => [r.round, r.clients, r.samples]), [[1, 2, 192], [2, 2, 192]]);
    for (const f of ['round-0.onnx', 'round-1.onnx', 'round-1.json', 'round-2.onnx', 'round-2.json', 'final.onnx', 'state.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.ok(!fs.readFileSync(path.join(out, 'final.onnx')).equals(fs.readFileSync(CNN)));
    const [c0, c1] = clients.map((c) => JSON.parse(c.out));
    assert.deepEqual(c0.rounds.map((r: { round: number }) => r.round), [1, 2]);
    assert.equal(c0.rounds[0].steps, 3);
    assert.ok(c1.rounds[0].uploadBytes < c0.rounds[0].uploadBytes / 3.9, `int8 ${c1.rounds[0].uploadBytes} vs float32 ${c0.rounds[0].uploadBytes} bytes`);
  });

  it('completes a round without a client killed mid-round when --min-clients reported', async () => {
    const out = path.join(dir, 'fed');
    const server = start(['fl', 'serve', '--model', CNN, '--rounds', '1', '--clients-per-round', '3', '--min-clients', '2', '--round-timeout', '20', '--out-dir', out, '--token', 'tok']);
    procs.push(server);
    const url = (await until(server, /serving (http:\/\/127\.0\.0\.1:\d+)/))[1];
    const clients = [0, 1, 2].map((k) => {
      const [x, y] = clientData(dir, k, 64);
      const c = start(['fl', 'client', '--server', url, '--data', x, '--labels', y, '--id', `dev${k}`, '--token', 'tok']);
      procs.push(c);
      return c;
    });
    await until(clients[2], /round 1: joined/);
    clients[2].p.kill('SIGKILL');
    assert.deepEqual(await Promise.all(clients.slice(0, 2).map((c) => c.exit)), [0, 0], clients.map((c) => c.err).join('\n'));
    assert.equal(await server.exit, 0, server.err);
    assert.match(server.err, /round 1: deadline passed; completing with the 2 delta\(s\) received/);
    assert.match(server.out, /round {3}1 {2}2 client\(s\) {2}128 samples/);
  });

  it('refuses bad settings before listening, naming the option', async () => {
    const bad = start(['fl', 'serve', '--model', CNN, '--rounds', '2', '--clients-per-round', '2', '--strategy', 'fedprox', '--out-dir', path.join(dir, 'x')]);
    assert.equal(await bad.exit, 1);
    assert.match(bad.err, /fedprox needs mu > 0/);
    const noToken = start(['fl', 'client', '--server', 'http://127.0.0.1:9', '--data', CNN, '--labels', CNN], { EDGEWISE_FL_TOKEN: '' });
    assert.equal(await noToken.exit, 1);
    assert.match(noToken.err, /no token/);
  });
});
