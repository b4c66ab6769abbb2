import * as assert from 'node:assert/strict';
import { DoubleMaskClient, SecAggRefusal, defaultThreshold, privateKeyFromRaw, rawPrivateKey, recoverMaskKey, type UnmaskShares } from '../../src/fl/double-mask';
import { DoubleMaskServer } from '../../src/fl/double-mask-server';
import { fromRing, pairSeed, removePairMask, ringAdd, toRing } from '../../src/fl/secagg';
import { combineSecret, interpolate, splitSecret } from '../../src/fl/shamir';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { randomFloats } from '../helpers/onnx-models';

describe('Shamir t-of-n sharing of 32-byte secrets', () => {
  const secret = randomBytes(32);
  const xs = [1, 2, 3, 4, 5, 6, 7];

  it('any t shares recover the secret', () => {
    const shares = splitSecret(secret, xs, 4);
    for (const pick of [[0, 1, 2, 3], [6, 5, 4, 3], [0, 2, 4, 6], [1, 3, 5, 6, 0]]) assert.ok(combineSecret(pick.map((i) => shares[i]), 4).equals(secret), String(pick));
  });

  it('fewer than t shares reconstruct nothing: refused, and they fit every secret equally', () => {
    const shares = splitSecret(secret, xs, 4);
    const three = shares.slice(0, 3);
    assert.throws(() => combineSecret(three, 4), /3 share\(s\) of a 4-of-n secret/);
    assert.throws(() => combineSecret([...three, shares[0]], 4), /at least 4/, 'a repeated share does not count twice');
    // Interpolating them as if they were enough gives something else than the secret...
    assert.notEqual(interpolate(three).toString(16).padStart(64, '0'), secret.toString('hex'));
    // ...and for any other secret there is a degree-3 polynomial through it and these three shares:
    // a fourth share made from that polynomial "recovers" the other secret just as well.
    const other = randomBytes(32);
    const fourth = { x: 4, y: interpolate([{ x: 0, y: other.toString('hex') }, ...three], 4).toString(16) };
    assert.ok(combineSecret([...three, fourth], 4).equals(other));
  });

  it('round-trips an X25519 private key through its raw scalar', () => {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const back = privateKeyFromRaw(combineSecret(splitSecret(rawPrivateKey(privateKey), xs, 3).slice(2, 5), 3));
    assert.deepEqual(back.export({ type: 'pkcs8', format: 'der' }), privateKey.export({ type: 'pkcs8', format: 'der' }));
    assert.equal(typeof publicKey, 'object');
  });
});

describe('double-masked secure aggregation (Bonawitz et al. 2017)', () => {
  const ROUND = 7;
  const sizes = [1000, 7];
  const ids = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
  const inputs = ids.map((_, k) => [randomFloats(sizes[0], k).map((x) => x - 0.5), randomFloats(sizes[1], 50 + k).map((x) => 4 * (x - 0.5))]);
  const weights = [30, 1, 250, 12, 7, 99, 3];
  const ring = (k: number) => inputs[k].map((t) => toRing(t, weights[k]));
  const t = defaultThreshold(ids.length);

  /** Rounds 0-2 with `noShare` dropping before sharing and `noInput` after masking (their y never arrives). */
  function runToMasked(noShare: string[], noInput: string[]) {
    const clients = ids.map((id) => new DoubleMaskClient(id, ROUND));
    const server = new DoubleMaskServer(ROUND, t, sizes);
    for (const c of clients) server.advertise(c.advertise());
    for (const c of clients) if (!noShare.includes(c.id)) server.shares(c.shareKeys(server.advertised, t));
    const live = clients.filter((c) => !noShare.includes(c.id));
    for (const c of live) assert.deepEqual(c.receiveShares(server.inbox(c.id)), server.sharedKeys);
    const ys = new Map(live.map((c) => [c.id, c.maskInput(ring(ids.indexOf(c.id)))]));
    for (const [id, y] of ys) if (!noInput.includes(id)) server.masked(id, y);
    return { clients, server, ys };
  }

  function plainSum(members: string[]): Uint32Array[] {
    const s = sizes.map((n) => new Uint32Array(2 * n));
    for (const id of members) ring(ids.indexOf(id)).forEach((r, k) => ringAdd(s[k], r, 1));
    return s;
  }

  it(`threshold ${t} of ${ids.length}: more than half`, () => assert.equal(t, 4));

  for (const [what, noShare, noInput] of [['no dropout', [], []], ['a dropout before sharing and two after masking', ['c6'], ['c1', 'c4']]] as const) {
    it(`the unmasked sum equals the plain fixed-point sum bit for bit (${what})`, () => {
      const { clients, server } = runToMasked([...noShare], [...noInput]);
      const ask = server.unmaskAsk();
      const survivors = ids.filter((id) => !noShare.includes(id as never) && !noInput.includes(id as never));
      assert.deepEqual(ask, { survivors, dropped: [...noInput] });
      for (const c of clients.filter((c) => survivors.includes(c.id))) server.unmasked(c.unmask(ask));
      const sum = server.finish();
      assert.deepEqual(sum, plainSum(survivors));
      const decoded = fromRing(sum[1]);
      decoded.forEach((v, i) => {
        const exact = survivors.reduce((a, id) => a + weights[ids.indexOf(id)] * inputs[ids.indexOf(id)][1][i], 0);
        assert.ok(Math.abs(v - exact) <= survivors.length * 2 ** -32, `${v} vs ${exact}`);
      });
    });
  }

  it('the masked sum alone, without the unmasking, is nothing like the inputs\' sum', () => {
    const { server } = runToMasked([], ['c2']);
    const masked = (server as unknown as { sum: Uint32Array[] }).sum;
    assert.notDeepEqual(masked, plainSum(ids.filter((id) => id !== 'c2')));
  });

  it('a server asking for both kinds of shares of one client is refused (in one request, or in two)', () => {
    const { clients, server, ys } = runToMasked([], []);
    const truth = server.unmaskAsk();
    const c3 = clients[3];
    // One request naming c0 as a survivor and as dropped.
    assert.throws(() => c3.unmask({ survivors: truth.survivors, dropped: ['c0'] }), (e: Error) => e instanceof SecAggRefusal && /both/.test(e.message));
    // The lie: c0 "dropped" (its y is in hand). The honest clients give c0's key shares...
    const lie = { survivors: truth.survivors.filter((u) => u !== 'c0'), dropped: ['c0'] };
    const answers: UnmaskShares[] = clients.slice(1).map((c) => c.unmask(lie));
    // ...and refuse c0's self-mask shares afterwards.
    for (const c of clients.slice(1)) assert.throws(() => c.unmask(truth), (e: Error) => e instanceof SecAggRefusal && /'c0'.*already revealed/.test(e.message));
    // (Over 1,000 values a random vector's correlation has sd 0.03: 0.15 is 5 sd.)
    // With c0's mask key the server strips c0's pairwise masks off y_c0, which leaves x + PRG(b_c0): no trace of x.
    for (const a of answers) server.unmasked(a);
    assert.throws(() => server.finish({ survivors: ['c0'], dropped: [] }), /0 share\(s\).*at least 4/, 'no b shares of c0 anywhere');
    const key = recoverMaskKey(answers.map((a) => a.maskKey.c0), t);
    const y0 = ys.get('c0')!.map((y) => Uint32Array.from(y));
    const ads = new Map(clients.map((c) => [c.id, c.advertise()]));
    for (const v of ids.slice(1)) removePairMask(y0, pairSeed(key, ads.get(v)!.sPublicKey, ROUND, ['c0', v]), 'c0', v);
    const x0 = fromRing(ring(0)[0]);
    const left = fromRing(y0[0]);
    let dot = 0, ll = 0, xx = 0;
    left.forEach((v, i) => { dot += v * x0[i]; ll += v * v; xx += x0[i] * x0[i]; });
    assert.ok(Math.abs(dot / Math.sqrt(ll * xx)) < 0.15, 'what is left (x + PRG(b_c0)) is uncorrelated with the input');
    assert.ok(Math.sqrt(ll / left.length) > 1e6, 'and spans the ring');
  });

  it('a split view (some told c0 survived, others that it dropped) gathers fewer than t of either kind', () => {
    const { clients, server } = runToMasked([], []);
    const truth = server.unmaskAsk();
    const lie = { survivors: truth.survivors.filter((u) => u !== 'c0'), dropped: ['c0'] };
    // 6 holders besides c0: 3 told the truth, 3 the lie (c0's own holder gives nothing away about itself here).
    clients.slice(1, 4).forEach((c) => server.unmasked(c.unmask(truth)));
    clients.slice(4).forEach((c) => server.unmasked(c.unmask(lie)));
    assert.throws(() => server.finish({ survivors: ['c0'], dropped: [] }), /3 share\(s\) of a 4-of-n/);
    assert.throws(() => server.finish({ survivors: [], dropped: ['c0'] }), /3 share\(s\) of a 4-of-n/);
  });

  it('refuses a threshold of half or less, a sum of fewer than t survivors, and an altered share bundle', () => {
    const clients = ids.slice(0, 4).map((id) => new DoubleMaskClient(id, ROUND));
    const ads = clients.map((c) => c.advertise());
    assert.throws(() => clients[0].shareKeys(ads, 2), SecAggRefusal);
    const bundles = clients.map((c) => c.shareKeys(ads, 3));
    const inbox = Object.fromEntries(bundles.filter((b) => b.from !== 'c1').map((b) => [b.from, b.to.c1]));
    const tampered = Buffer.from(inbox.c0, 'base64');
    tampered[40] ^= 1;
    assert.throws(() => clients[1].receiveShares({ ...inbox, c0: tampered.toString('base64') }), /does not decrypt/);
    assert.throws(() => clients[1].receiveShares({ c0: inbox.c2 }), /does not decrypt/, 'a bundle relayed to the wrong sender');
    clients[1].receiveShares(inbox);
    clients[1].maskInput(ring(1));
    assert.throws(() => clients[1].unmask({ survivors: ['c0', 'c1'], dropped: ['c2', 'c3'] }), /2 survivor\(s\)/);
  });
});
