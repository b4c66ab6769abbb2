/**
 * Secure aggregation that survives a server lying about dropouts: the double masking of Bonawitz
 * et al. 2017 ("Practical Secure Aggregation for Privacy-Preserving Machine Learning", rounds 0-2
 * and 4), the client's side. Each client u
 *   0. advertises two X25519 public keys: c_u (to encrypt shares to peers) and s_u (to mask);
 *   1. draws a self-mask seed b_u, splits b_u and s_u's private key t-of-n (Shamir, shamir.ts)
 *      among the advertised clients U1, and sends each share AES-GCM-encrypted to its holder
 *      under HKDF(X25519(c_u, c_v));
 *   2. uploads y_u = x_u + PRG(b_u) + sum over v in U2 of +-PRG(s_uv) (mod 2^64), U2 the clients
 *      whose shares went out, s_uv agreed from s_u and s_v (secagg.ts pairSeed);
 *   4. when the server names the survivors U3 (whose y it has) and the dropped U2 \ U3, reveals
 *      its b shares of survivors and its key shares of the dropped, never both kinds for one
 *      client (over all requests of the round), and only for at least t survivors.
 * The server (double-mask-server.ts) removes PRG(b_u) of each survivor and the pairwise masks of
 * each dropped client; a survivor's x_u stays hidden by PRG(b_u) even when the server lies that it
 * dropped, since honest clients then give out its key shares only, not its b shares.
 * Not here: the paper's round 3 (signed consistency check, for servers that also send different
 * clients different survivor lists); choosing t > n/2 keeps such a split from gathering t shares
 * of both kinds for one client from honest holders.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { maskStream, maskSign, pairSeed, parsePublicKey, ringAdd } from './secagg';
import { combineSecret, splitSecret, type Share } from './shamir';
import { FederationError } from './weights';
import { valueRecord } from '../core/graph/types';

/** An honest client's refusal to answer what the server asked (it would reveal an input). */
export class SecAggRefusal extends FederationError {}

export interface Advertisement {
  id: string;
  /** X25519 public keys, base64 DER SPKI: c for encrypting shares, s for the pairwise masks. */
  cPublicKey: string;
  sPublicKey: string;
}

/** Round 1's output of one client: an encrypted share bundle per peer, by the peer's id. */
export interface ShareBundles {
  from: string;
  to: Record<string, string>;
}

/** Round 4's request: who survived (their y is in the sum) and who dropped after sharing. */
export interface UnmaskAsk {
  survivors: string[];
  dropped: string[];
}

/** Round 4's answer: this client's shares of the survivors' b and of the dropped clients' s keys. */
export interface UnmaskShares {
  from: string;
  selfMask: Record<string, Share>;
  maskKey: Record<string, Share>;
}

/** The fewest shares that recover a secret among n clients: more than half, and at least 2. */
export function defaultThreshold(n: number): number {
  return Math.max(2, Math.floor(n / 2) + 1);
}

/** Shamir points: a client's 1-based rank among the sorted ids of U1 (the same on every side). */
export function sharePoints(ids: readonly string[]): Map<string, number> {
  return new Map([...ids].sort().map((id, k) => [id, k + 1]));
}

// PKCS#8 DER of an X25519 private key: this fixed prefix, then the 32-byte scalar (RFC 8410).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function rawPrivateKey(key: KeyObject): Buffer {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  if (der.length !== 48 || !der.subarray(0, 16).equals(X25519_PKCS8_PREFIX)) throw new FederationError('not an X25519 private key');
  return Buffer.from(der.subarray(16));
}

export function privateKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

const keyPair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKey };
};

/** The AES-256-GCM key of the share channel from `from` to `to` in `round` (the same on both ends). */
function channelKey(mine: KeyObject, peerPublic: string, round: number, from: string, to: string): Buffer {
  const shared = diffieHellman({ privateKey: mine, publicKey: parsePublicKey(peerPublic) });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(`edgewise-fl secagg shares round ${round}`), Buffer.from(`${from}\u0000${to}`), 32));
}

export function sealShares(key: Buffer, aad: string, plain: object): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(JSON.stringify(plain)), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

function openShares(key: Buffer, aad: string, sealed: string): unknown {
  const b = Buffer.from(sealed, 'base64');
  if (b.length < 28) throw new FederationError('a share bundle is too short');
  const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(b.subarray(12, 28));
  try {
    return JSON.parse(Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8'));
  } catch {
    throw new FederationError('a share bundle does not decrypt: it was altered or is not addressed to this client');
  }
}

/** One client's side of one round of double-masked secure aggregation. */
export class DoubleMaskClient {
  private readonly c = keyPair();
  private readonly s = keyPair();
  private readonly selfSeed = randomBytes(32);
  private advertised = new Map<string, Advertisement>();
  private threshold = 0;
  /** Shares others gave this client: their b and their s key, by the owner's id. */
  private readonly held = new Map<string, { selfMask: Share; maskKey: Share }>();
  private u2?: Set<string>;
  /** What was revealed about each client this round: its b share or its key share, never both. */
  private readonly revealed = new Map<string, 'selfMask' | 'maskKey'>();

  constructor(readonly id: string, readonly round: number) {}

  advertise(): Advertisement {
    return { id: this.id, cPublicKey: this.c.publicKey, sPublicKey: this.s.publicKey };
  }

  /** Round 1: shares of b_u and of s_u's private key for every client of U1 (this one's own kept). */
  shareKeys(u1: readonly Advertisement[], t: number): ShareBundles {
    if (!u1.some((a) => a.id === this.id)) throw new SecAggRefusal(`${this.id} is not among the advertised clients`);
    if (t < defaultThreshold(u1.length) || t > u1.length) throw new SecAggRefusal(`threshold ${t} of ${u1.length}: below more-than-half a lying server could gather both kinds of shares`);
    this.advertised = new Map(u1.map((a) => [a.id, a]));
    this.threshold = t;
    const points = sharePoints(u1.map((a) => a.id));
    const xs = [...points.values()];
    const b = splitSecret(this.selfSeed, xs, t);
    const k = splitSecret(rawPrivateKey(this.s.privateKey), xs, t);
    const to = valueRecord<string>();
    for (const a of u1) {
      const i = points.get(a.id)! - 1;
      const share = { from: this.id, to: a.id, selfMask: b[i], maskKey: k[i] };
      if (a.id === this.id) this.held.set(this.id, share);
      else to[a.id] = sealShares(channelKey(this.c.privateKey, a.cPublicKey, this.round, this.id, a.id), `${this.id}\u0000${a.id}\u0000${this.round}`, share);
    }
    return { from: this.id, to };
  }

  /** Round 2's input: the bundles addressed to this client, by sender. Returns U2 as this client sees it. */
  receiveShares(inbox: Record<string, string>): string[] {
    const points = sharePoints([...this.advertised.keys()]);
    for (const [from, sealed] of Object.entries(inbox)) {
      const peer = this.advertised.get(from);
      if (!peer || from === this.id) throw new SecAggRefusal(`a share bundle from '${from}', who did not advertise keys`);
      const s = openShares(channelKey(this.c.privateKey, peer.cPublicKey, this.round, from, this.id), `${from}\u0000${this.id}\u0000${this.round}`, sealed) as { from: string; to: string; selfMask: Share; maskKey: Share };
      if (s.from !== from || s.to !== this.id || s.selfMask?.x !== points.get(this.id) || s.maskKey?.x !== points.get(this.id)) throw new SecAggRefusal(`the bundle from '${from}' is not this client's`);
      this.held.set(from, { selfMask: s.selfMask, maskKey: s.maskKey });
    }
    const u2 = [...this.held.keys()].sort();
    if (u2.length < this.threshold) throw new SecAggRefusal(`only ${u2.length} clients shared keys; at least ${this.threshold} are needed`);
    this.u2 = new Set(u2);
    return u2;
  }

  /** Round 2: y_u = x + PRG(b_u) + the pairwise masks with every other client of U2 (x in ring form, secagg.ts toRing). */
  maskInput(ring: readonly Uint32Array[]): Uint32Array[] {
    if (!this.u2) throw new FederationError('masking before the shares were received');
    const y = ring.map((r) => Uint32Array.from(r));
    const sizes = y.map((r) => r.length / 2);
    maskStream(this.selfSeed, sizes).forEach((m, k) => ringAdd(y[k], m, 1));
    for (const v of this.u2) {
      if (v === this.id) continue;
      const masks = maskStream(pairSeed(this.s.privateKey, this.advertised.get(v)!.sPublicKey, this.round, [this.id, v]), sizes);
      masks.forEach((m, k) => ringAdd(y[k], m, maskSign(this.id, v)));
    }
    return y;
  }

  /**
   * Round 4: b shares of the survivors, key shares of the dropped. Refuses a request that names a
   * client in both lists, asks for the other kind of a client already answered for, names
   * clients outside U2, or has fewer than t survivors.
   */
  unmask(ask: UnmaskAsk): UnmaskShares {
    if (!this.u2) throw new SecAggRefusal('nothing was masked in this round');
    const survivors = new Set(ask.survivors);
    const dropped = new Set(ask.dropped);
    for (const u of [...survivors, ...dropped]) if (!this.u2.has(u)) throw new SecAggRefusal(`'${u}' did not share keys in round ${this.round}`);
    const both = [...survivors].filter((u) => dropped.has(u));
    if (both.length) throw new SecAggRefusal(`asked for both the self-mask and the mask-key shares of ${both.join(', ')}: that would reveal their input`);
    if (!survivors.has(this.id)) throw new SecAggRefusal(`${this.id} is not among the survivors it is asked to unmask`);
    if (survivors.size < this.threshold) throw new SecAggRefusal(`${survivors.size} survivor(s): a sum of fewer than ${this.threshold} inputs is not released`);
    const want = new Map<string, 'selfMask' | 'maskKey'>([...[...survivors].map((u) => [u, 'selfMask'] as const), ...[...dropped].map((u) => [u, 'maskKey'] as const)]);
    for (const [u, kind] of want) {
      const before = this.revealed.get(u);
      if (before && before !== kind) throw new SecAggRefusal(`'${u}': its ${before === 'selfMask' ? 'self-mask' : 'mask-key'} share was already revealed; the other kind would reveal its input`);
    }
    const out: UnmaskShares = { from: this.id, selfMask: {}, maskKey: {} };
    for (const [u, kind] of want) {
      this.revealed.set(u, kind);
      out[kind][u] = this.held.get(u)![kind];
    }
    return out;
  }
}

/** Server side: a secret from the shares revealed for one client (t-of-n), as a seed or an X25519 key. */
export function recoverSelfSeed(shares: readonly Share[], t: number): Buffer {
  return combineSecret(shares, t);
}

export function recoverMaskKey(shares: readonly Share[], t: number): KeyObject {
  return privateKeyFromRaw(combineSecret(shares, t));
}
