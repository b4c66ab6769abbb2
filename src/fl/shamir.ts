/**
 * Shamir's t-of-n secret sharing of 32-byte secrets over the prime field GF(2^521 - 1): the secret
 * is a random polynomial's value at 0, each share its value at a party's x (1..n). Any t shares
 * give the polynomial back by Lagrange interpolation; fewer say nothing about the secret (every
 * secret is equally consistent with them), and `combineSecret` refuses them.
 */
import { randomBytes } from 'node:crypto';
import { FederationError } from './weights';

/** The Mersenne prime 2^521 - 1: larger than any 256-bit secret. */
const P = (1n << 521n) - 1n;

export interface Share {
  /** The party's point, 1..n (never 0: the secret lives there). */
  x: number;
  /** The polynomial's value at x, as hex. */
  y: string;
}

const mod = (a: bigint) => ((a % P) + P) % P;

/** A uniform field element (66 random bytes reduced: the bias is below 2^-7). */
function randomElement(): bigint {
  return mod(BigInt(`0x${randomBytes(66).toString('hex')}`));
}

/** a^-1 mod P by the extended Euclidean algorithm. */
function inverse(a: bigint): bigint {
  let [r0, r1] = [mod(a), P];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new FederationError('no inverse: a repeated share point');
  return mod(s0);
}

/** Splits `secret` (32 bytes) into one share per point of `xs`, any `t` of which recover it. */
export function splitSecret(secret: Uint8Array, xs: readonly number[], t: number): Share[] {
  if (secret.length !== 32) throw new FederationError(`a shared secret is 32 bytes, not ${secret.length}`);
  if (!(Number.isInteger(t) && t >= 1 && t <= xs.length)) throw new FederationError(`threshold ${t} is not within 1..${xs.length}`);
  if (new Set(xs).size !== xs.length || xs.some((x) => !(Number.isInteger(x) && x >= 1))) throw new FederationError('share points must be distinct integers >= 1');
  const coeffs = [BigInt(`0x${Buffer.from(secret).toString('hex')}`), ...Array.from({ length: t - 1 }, randomElement)];
  return xs.map((x) => {
    // Horner's rule at x.
    let y = 0n;
    for (let k = coeffs.length - 1; k >= 0; k--) y = mod(y * BigInt(x) + coeffs[k]);
    return { x, y: y.toString(16) };
  });
}

/** The polynomial through `shares` evaluated at `at` (Lagrange), without the threshold check. */
export function interpolate(shares: readonly Share[], at = 0): bigint {
  let sum = 0n;
  const X = BigInt(at);
  for (const [i, si] of shares.entries()) {
    let num = 1n;
    let den = 1n;
    for (const [j, sj] of shares.entries()) {
      if (i === j) continue;
      num = mod(num * (X - BigInt(sj.x)));
      den = mod(den * (BigInt(si.x) - BigInt(sj.x)));
    }
    sum = mod(sum + BigInt(`0x${si.y}`) * num * inverse(den));
  }
  return sum;
}

/** The secret from at least `t` shares of distinct points; fewer are refused. */
export function combineSecret(shares: readonly Share[], t: number): Buffer {
  const distinct = [...new Map(shares.map((s) => [s.x, s])).values()];
  if (distinct.length < t) throw new FederationError(`${distinct.length} share(s) of a ${t}-of-n secret: at least ${t} are needed`);
  for (const s of distinct) if (!/^[0-9a-f]{1,131}$/.test(s.y) || BigInt(`0x${s.y}`) >= P) throw new FederationError(`share at ${s.x} is not a field element`);
  const v = interpolate(distinct.slice(0, t));
  if (v >= 1n << 256n) throw new FederationError('the shares do not belong to one 32-byte secret');
  return Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
}
