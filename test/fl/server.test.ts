import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../src/core/formats/onnx/io';
import { runFlServeJob, type FlServeJobOptions, type FlServeJobResult } from '../../src/core/jobs/fl-serve';
import { ServerConnection, ServerRefusal } from '../../src/fl/client/connection';
import { DeltaAggregator } from '../../src/fl/aggregate';
import { encodeDelta, type DeltaTensor } from '../../src/fl/delta';
import { CLIENT_HEADER, type RoundInfo } from '../../src/fl/protocol';
import { DoubleMaskClient } from '../../src/fl/double-mask';
import { joinKeys, maskedDelta, sendShares } from '../../src/fl/client/secure-round';
import { modelWeights } from '../../src/fl/weights';
import { FIXTURES, randomFloats, tempDir } from '../helpers/onnx-models';

const CNN = path.join(FIXTURES, 'fmnist_cnn.onnx');
const TOKEN = 'test-token';
const BASE = modelWeights(loadModel(CNN));

/** A client that speaks the protocol by hand (no training): it sends the deltas a test chooses. */
class RawClient {
  readonly conn: ServerConnection;
  dm?: DoubleMaskClient;
  constructor(url: string, readonly id: string) {
    this.conn = new ServerConnection(url, TOKEN, id);
  }
  async join(info: RoundInfo): Promise<void> {
    if (info.secureAggregation) this.dm = new DoubleMaskClient(this.id, info.round);
    await this.conn.join({ round: info.round, keys: this.dm ? joinKeys(this.dm) : undefined });
  }
  async send(info: RoundInfo, d: DeltaTensor[], samples: number, o: { round?: number; encoding?: 'float32' | 'int8' } = {}): Promise<void> {
    await this.conn.upload(encodeDelta({ encoding: o.encoding ?? 'float32', round: o.round ?? info.round, samples, model: info.model }, d));
  }
  /** Secure aggregation: share bundles once the cohort is complete. */
  share(info: RoundInfo): Promise<void> {
    return sendShares(this.conn, info, this.dm!);
  }
  async sendMasked(info: RoundInfo, d: DeltaTensor[], samples: number): Promise<void> {
    await this.conn.upload(await maskedDelta(this.conn, info, this.dm!, d, samples));
  }
}

async function waitFor(conn: ServerConnection, ok: (i: RoundInfo) => boolean): Promise<RoundInfo> {
  let i = await conn.round();
  while (!ok(i)) i = await conn.round(`${i.round}.${i.phase}`);
  return i;
}

const randomDelta = (seed: number, scale = 0.01): DeltaTensor[] => BASE.map((t, k) => ({ name: t.name, dims: t.dims, values: randomFloats(t.values.length, seed * 31 + k).map((x) => scale * (x - 0.5)) }));

interface Running { url: string; dir: string; log: string[]; done: Promise<FlServeJobResult>; abort: AbortController }

async function serve(dir: string, o: Partial<FlServeJobOptions>): Promise<Running> {
  const log: string[] = [];
  const abort = new AbortController();
  let url = '';
  let done!: Promise<FlServeJobResult>;
  await new Promise<void>((resolve) => {
    done = runFlServeJob(CNN, { rounds: 1, clientsPerRound: 2, outDir: dir, token: TOKEN, log: (l) => log.push(l), signal: abort.signal, onReady: (s) => { url = s.url; resolve(); }, ...o });
    done.catch(() => resolve());
  });
  return { url, dir, log, done, abort };
}

/** The plain FedAvg of these deltas over the base, for comparison. */
function fedavg(deltas: [DeltaTensor[], number][]): Float32Array[] {
  const agg = new DeltaAggregator(BASE);
  for (const [d, n] of deltas) agg.add(d, n);
  return agg.finish().weights.map((t) => t.values);
}

function maxDiff(file: string, want: Float32Array[]): number {
  const got = modelWeights(loadModel(file));
  let m = 0;
  got.forEach((t, k) => t.values.forEach((v, i) => { m = Math.max(m, Math.abs(v - want[k][i])); }));
  return m;
}

describe('fl serve: rounds over HTTP', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a wrong token, wrong shapes, an old round, an oversized or malformed body and NaN, each with a log line saying why', async () => {
    const s = await serve(dir, { rounds: 2, clientsPerRound: 1 });
    try {
      const info = await new ServerConnection(s.url, TOKEN, 'probe').round();
      const bad = new ServerConnection(s.url, 'wrong', 'mallory');
      await assert.rejects(bad.round(), (e: ServerRefusal) => e.status === 401);
      const a = new RawClient(s.url, 'a');
      await a.join(info);
      const shapes = randomDelta(1);
      shapes[2] = { ...shapes[2], dims: [32, 64, 3, 3] };
      await assert.rejects(a.send(info, shapes, 10), (e: ServerRefusal) => e.status === 422 && /tensor 2 of the delta is '3.weight' \[32, 64, 3, 3\]/.test(e.message));
      await assert.rejects(a.send(info, randomDelta(1), 10, { round: 0 }), (e: ServerRefusal) => e.status === 409 && /delta for round 0; the current round is 1/.test(e.message));
      const huge = await fetch(`${s.url}/v1/delta`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, [CLIENT_HEADER]: 'a' }, body: new Uint8Array(4 * 1024 * 1024) });
      assert.equal(huge.status, 413);
      await assert.rejects(a.conn.upload(Buffer.from('{"weights": [1, 2, 3]}')), (e: ServerRefusal) => e.status === 400 && /malformed delta/.test(e.message));
      const nan = randomDelta(2);
      nan[5].values![17] = NaN;
      await assert.rejects(a.send(info, nan, 10), (e: ServerRefusal) => e.status === 422 && /'7.bias' holds NaN at element 17/.test(e.message));
      await assert.rejects(a.send(info, randomDelta(1), 0), (e: ServerRefusal) => e.status === 422);
      assert.ok(!fs.existsSync(path.join(dir, 'round-1.onnx')), 'nothing was written from refused deltas');
      // Then a good delta completes the round; the same client cannot send twice.
      await a.send(info, randomDelta(3), 10, { encoding: 'int8' });
      const next = await waitFor(a.conn, (i) => i.round === 2);
      await assert.rejects(a.send(info, randomDelta(3), 10), (e: ServerRefusal) => e.status === 409);
      assert.equal(next.phase, 'joining');
      const log = s.log.join('\n');
      for (const why of [/refused GET \/v1\/round from mallory: missing or wrong token/, /refused POST \/v1\/delta from a: tensor 2 of the delta/, /from a: delta for round 0/, /from a: upload of 4194304 bytes is over the \d+-byte limit/, /from a: malformed delta/, /from a: '7.bias' holds NaN/, /round 1: accepted \d+-byte delta from a/]) {
        assert.match(log, why);
      }
    } finally {
      s.abort.abort();
      await s.done.catch(() => {});
    }
  });

  it('completes a round without a client that dropped (>= --min-clients), abandons one with fewer, never writing a partial round', async () => {
    const s = await serve(dir, { rounds: 1, clientsPerRound: 3, minClients: 2, roundTimeout: 1.5, maxAttempts: 2 });
    try {
      const info = await new ServerConnection(s.url, TOKEN, 'probe').round();
      // Attempt 1: three join, only one uploads: abandoned, nothing written.
      const [a, b, c] = ['a', 'b', 'c'].map((id) => new RawClient(s.url, id));
      for (const x of [a, b, c]) await x.join(info);
      await a.send(info, randomDelta(1), 5);
      const retry = await waitFor(a.conn, (i) => i.joined === 0 && i.phase === 'joining' && s.log.some((l) => /abandoned/.test(l)));
      assert.equal(retry.round, 1);
      assert.ok(!fs.existsSync(path.join(dir, 'round-1.onnx')));
      assert.match(s.log.join('\n'), /round 1: abandoned \(1 of 3 joined client\(s\) uploaded, fewer than --min-clients 2\); no model written/);
      // Attempt 2: c drops after joining; a and b upload: the round completes with them.
      for (const x of [a, b, c]) await x.join(retry);
      const da = randomDelta(4);
      const db = randomDelta(5);
      await a.send(retry, da, 30);
      await b.send(retry, db, 10);
      const r = await s.done;
      assert.equal(r.rounds[0].clients, 2);
      assert.equal(r.rounds[0].abandoned, 1);
      assert.match(s.log.join('\n'), /round 1: deadline passed; completing with the 2 delta\(s\) received/);
      assert.ok(maxDiff(r.finalModel, fedavg([[da, 30], [db, 10]])) <= 1e-6);
    } finally {
      s.abort.abort();
      await s.done.catch(() => {});
    }
  });

  it('resumes after a restart between rounds from the last completed round', async () => {
    const first = await serve(dir, { rounds: 2, clientsPerRound: 1 });
    const d1 = randomDelta(6);
    const c = new RawClient(first.url, 'a');
    const i1 = await c.conn.round();
    await c.join(i1);
    await c.send(i1, d1, 8);
    await waitFor(c.conn, (i) => i.round === 2);
    first.abort.abort();
    await assert.rejects(first.done, /cancelled|Cancel/i);
    const round1 = fs.readFileSync(path.join(dir, 'round-1.onnx'));
    const second = await serve(dir, { rounds: 2, clientsPerRound: 1 });
    try {
      assert.match(second.log.join('\n'), /resuming after round 1 of 2/);
      const c2 = new RawClient(second.url, 'a');
      const i2 = await c2.conn.round();
      assert.equal(i2.round, 2);
      const d2 = randomDelta(7);
      await c2.join(i2);
      await c2.send(i2, d2, 8);
      const r = await second.done;
      assert.equal(r.resumedFrom, 1);
      assert.deepEqual(r.rounds.map((m) => m.round), [1, 2]);
      assert.ok(fs.readFileSync(path.join(dir, 'round-1.onnx')).equals(round1), 'round 1 is not redone');
      const want = fedavg([[d1, 8]]);
      const after2 = want.map((w, k) => Float32Array.from(w, (v, i) => v + d2[k].values![i]));
      assert.ok(maxDiff(r.finalModel, after2) <= 1e-6);
    } finally {
      second.abort.abort();
      await second.done.catch(() => {});
    }
  });
});

describe('fl serve --secure-aggregation', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the masked sum equals plain FedAvg to 1e-6', async () => {
    const s = await serve(dir, { rounds: 1, clientsPerRound: 3, secureAggregation: true });
    try {
      const probe = new ServerConnection(s.url, TOKEN, 'probe');
      const info = await probe.round();
      const clients = ['a', 'b', 'c'].map((id) => new RawClient(s.url, id));
      for (const x of clients) await x.join(info);
      await Promise.all(clients.map((x) => x.share(info)));
      const deltas = [randomDelta(11), randomDelta(12), randomDelta(13)];
      const samples = [50, 20, 7];
      await Promise.all(clients.map((x, k) => x.sendMasked(info, deltas[k], samples[k])));
      // No dropout: the survivors still send their self-mask shares, without which the sum stays masked.
      const asked = await waitFor(probe, (i) => i.phase === 'unmasking');
      assert.deepEqual(asked.secureAggregation!.unmask, { survivors: ['a', 'b', 'c'], dropped: [] });
      await Promise.all(clients.map((x) => reveal(x, asked)));
      const r = await s.done;
      assert.ok(maxDiff(r.finalModel, fedavg(deltas.map((d, k) => [d, samples[k]]))) <= 1e-6);
    } finally {
      s.abort.abort();
      await s.done.catch(() => {});
    }
  });

  it('recovers from a masked client that drops after sharing (survivors send its mask-key shares), or abandons the round and says so', async () => {
    const s = await serve(dir, { rounds: 1, clientsPerRound: 3, minClients: 2, secureAggregation: true, roundTimeout: 1.5, unmaskTimeout: 1.5, maxAttempts: 2 });
    try {
      const probe = new ServerConnection(s.url, TOKEN, 'probe');
      // Attempt 1: c drops; only a reveals: abandoned.
      let info = await probe.round();
      let [a, b, c] = ['a', 'b', 'c'].map((id) => new RawClient(s.url, id));
      for (const x of [a, b, c]) await x.join(info);
      await Promise.all([a, b, c].map((x) => x.share(info)));
      await a.sendMasked(info, randomDelta(21), 5);
      await b.sendMasked(info, randomDelta(22), 5);
      let asked = await waitFor(probe, (i) => i.phase === 'unmasking');
      assert.deepEqual(asked.secureAggregation!.unmask, { survivors: ['a', 'b'], dropped: ['c'] });
      await reveal(a, asked);
      info = await waitFor(probe, (i) => i.phase === 'joining' && i.joined === 0);
      assert.match(s.log.join('\n'), /round 1: abandoned \(survivor\(s\) b sent no shares in time; 1 of the 2 needed did\)/);
      assert.ok(!fs.existsSync(path.join(dir, 'round-1.onnx')));
      // Attempt 2: c drops again; both survivors reveal: the sum of a and b, exactly.
      [a, b, c] = ['a', 'b', 'c'].map((id) => new RawClient(s.url, id));
      for (const x of [a, b, c]) await x.join(info);
      await Promise.all([a, b, c].map((x) => x.share(info)));
      const da = randomDelta(23);
      const db = randomDelta(24);
      await a.sendMasked(info, da, 12);
      await b.sendMasked(info, db, 4);
      asked = await waitFor(probe, (i) => i.phase === 'unmasking');
      await Promise.all([reveal(a, asked), reveal(b, asked)]);
      const r = await s.done;
      assert.equal(r.rounds[0].clients, 2);
      assert.ok(maxDiff(r.finalModel, fedavg([[da, 12], [db, 4]])) <= 1e-6);
    } finally {
      s.abort.abort();
      await s.done.catch(() => {});
    }
  });
});

async function reveal(x: RawClient, info: RoundInfo): Promise<void> {
  const shares = x.dm!.unmask(info.secureAggregation!.unmask!);
  await x.conn.unmask({ round: info.round, selfMask: shares.selfMask, maskKey: shares.maskKey });
}
