import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { fromRing, pairSeed, toRing } from '../../src/fl/secagg';

describe('secure aggregation masks', () => {
  // (Masked sums and their unmasking: double-mask.test.ts.)
  const keys = [0, 1, 2].map(() => {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    return { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKey };
  });

  it('agree on one seed per pair from X25519 + HKDF (both sides, per round)', () => {
    const ab = pairSeed(keys[0].privateKey, keys[1].publicKey, 3, ['alice', 'bob']);
    assert.ok(ab.equals(pairSeed(keys[1].privateKey, keys[0].publicKey, 3, ['bob', 'alice'])));
    assert.ok(!ab.equals(pairSeed(keys[0].privateKey, keys[1].publicKey, 4, ['alice', 'bob'])), 'a new round, a new seed');
    assert.ok(!ab.equals(pairSeed(keys[0].privateKey, keys[2].publicKey, 3, ['alice', 'carol'])));
  });

  it('encodes negative and positive fixed-point values exactly', () => {
    const v = [-1, 1, -0.5, 12345.678, -(2 ** 19), 2 ** -30, 0];
    const back = fromRing(toRing(v, 1));
    back.forEach((b, i) => assert.equal(b, Math.round(v[i] * 2 ** 32) / 2 ** 32));
    assert.throws(() => toRing([NaN], 1), /outside the fixed-point range/);
  });
});
