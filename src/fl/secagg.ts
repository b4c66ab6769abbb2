/**
 * The building blocks of secure aggregation (the protocol is double-mask.ts): pairwise seeds
 * agreed by X25519 and HKDF-SHA256, AES-256-CTR mask streams, and fixed-point values modulo 2^64.
 * For a pair, the lower id adds the seed's stream and the higher subtracts it, so pairwise masks
 * cancel in a sum; `removePairMask` takes out those of a dropped client once its key is recovered.
 *
 * Values are fixed point: round(x * scale) as a two's-complement 64-bit integer stored as
 * [lo, hi] u32 pairs; with scale 2^32, |x| up to 2^20 is exact in float64 on both ends.
 */
import { createCipheriv, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { FederationError } from './weights';

export const RING_SCALE = 2 ** 32;
const TWO32 = 2 ** 32;

/** Checks a peer's key is an X25519 public key (the server checks joins with it). */
export function parsePublicKey(b64: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(b64, 'base64'), type: 'spki', format: 'der' });
  } catch {
    throw new FederationError('the public key is not a DER SPKI key');
  }
  if (key.asymmetricKeyType !== 'x25519') throw new FederationError(`the public key is ${key.asymmetricKeyType}, not x25519`);
  return key;
}

/** The 32-byte seed two clients share for a round (the same on both sides). */
export function pairSeed(mine: KeyObject, peerPublicKey: string, round: number, ids: [string, string]): Buffer {
  const shared = diffieHellman({ privateKey: mine, publicKey: parsePublicKey(peerPublicKey) });
  const [a, b] = [...ids].sort();
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(`edgewise-fl round ${round}`), Buffer.from(`${a}\u0000${b}`), 32));
}

/** Per tensor, the seed's mask stream: `sizes[k]` ring elements each (one AES-CTR stream over all). */
export function maskStream(seed: Buffer, sizes: readonly number[]): Uint32Array[] {
  const cipher = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  return sizes.map((n) => {
    const bytes = cipher.update(Buffer.alloc(8 * n));
    return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  });
}

/** x * weight in fixed point, as ring elements. */
export function toRing(x: ArrayLike<number>, weight: number, scale = RING_SCALE): Uint32Array {
  const out = new Uint32Array(2 * x.length);
  for (let i = 0; i < x.length; i++) {
    const q = Math.round(x[i] * weight * scale);
    if (!Number.isFinite(q) || Math.abs(q) >= 2 ** 53) throw new FederationError(`value ${x[i]} (x ${weight}) is outside the fixed-point range`);
    const hi = Math.floor(q / TWO32);
    out[2 * i] = q - hi * TWO32;
    out[2 * i + 1] = hi >>> 0;
  }
  return out;
}

/** Signed ring elements back to numbers (exact below 2^53), divided by the scale. */
export function fromRing(r: Uint32Array, scale = RING_SCALE): Float64Array {
  const out = new Float64Array(r.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = ((r[2 * i + 1] | 0) * TWO32 + r[2 * i]) / scale;
  return out;
}

/** acc += x (sign 1) or acc -= x (sign -1), modulo 2^64, in place. */
export function ringAdd(acc: Uint32Array, x: Uint32Array, sign: 1 | -1): void {
  if (acc.length !== x.length) throw new FederationError(`ring sizes differ: ${acc.length} and ${x.length}`);
  for (let i = 0; i < acc.length; i += 2) {
    if (sign > 0) {
      const lo = acc[i] + x[i];
      acc[i] = lo;
      acc[i + 1] = acc[i + 1] + x[i + 1] + (lo >= TWO32 ? 1 : 0);
    } else {
      const lo = acc[i] - x[i];
      acc[i] = lo;
      acc[i + 1] = acc[i + 1] - x[i + 1] - (lo < 0 ? 1 : 0);
    }
  }
}

/** Whether the client with id `me` adds (+1) or subtracts (-1) the mask it shares with `peer`. */
export function maskSign(me: string, peer: string): 1 | -1 {
  return me < peer ? 1 : -1;
}

/** The server's recovery: removes from the sum the masks survivor `survivor` shared with `dropped`. */
export function removePairMask(sum: Uint32Array[], seed: Buffer, survivor: string, dropped: string): void {
  const masks = maskStream(seed, sum.map((s) => s.length / 2));
  sum.forEach((s, k) => ringAdd(s, masks[k], maskSign(survivor, dropped) > 0 ? -1 : 1));
}
