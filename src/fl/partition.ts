/**
 * Splits a labelled data set among simulated clients, as federated-learning papers do:
 *   iid           shuffled, equal parts;
 *   dirichlet:A   per class, shares drawn from Dirichlet(A) over the clients (Hsu et al. 2019;
 *                 small A: each client sees few classes), redrawn until every client has `minSize`;
 *   shards:S      sorted by label, cut into clients*S shards, S random shards each (McMahan et al. 2017).
 * Seeded: the same seed gives the same split.
 */
import { FederationError } from './weights';
import { pushAll } from '../core/base/arrays';

export type PartitionSpec = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number } | { kind: 'shards'; perClient: number };

export function parsePartition(text: string): PartitionSpec {
  if (text === 'iid') return { kind: 'iid' };
  const m = /^(dirichlet|shards):([\d.eE+-]+)$/.exec(text);
  const v = m ? Number(m[2]) : NaN;
  if (m?.[1] === 'dirichlet' && v > 0) return { kind: 'dirichlet', alpha: v };
  if (m?.[1] === 'shards' && Number.isInteger(v) && v >= 1) return { kind: 'shards', perClient: v };
  throw new FederationError(`partition must be iid, dirichlet:ALPHA (ALPHA > 0) or shards:S (S >= 1), got '${text}'`);
}

/** Sample indices of each client (each in shuffled order). */
export function partition(labels: Int32Array, clients: number, spec: PartitionSpec, seed = 1, minSize = 2): Int32Array[] {
  const n = labels.length;
  if (!(Number.isInteger(clients) && clients >= 1)) throw new FederationError(`clients must be an integer >= 1, got ${clients}`);
  if (n < clients * minSize) throw new FederationError(`${n} samples cannot give ${clients} clients ${minSize} each`);
  const rng = new Rng(seed);
  let parts: number[][];
  if (spec.kind === 'iid') {
    const order = rng.permutation(n);
    parts = Array.from({ length: clients }, (_, k) => Array.from(order.subarray(Math.floor((k * n) / clients), Math.floor(((k + 1) * n) / clients))));
  } else if (spec.kind === 'shards') {
    const shards = clients * spec.perClient;
    if (shards > n) throw new FederationError(`${n} samples cannot make ${shards} shards`);
    const sorted = Array.from(rng.permutation(n)).sort((a, b) => labels[a] - labels[b]);
    const pick = rng.permutation(shards);
    parts = Array.from({ length: clients }, (_, k) => Array.from(pick.subarray(k * spec.perClient, (k + 1) * spec.perClient))
      .flatMap((s) => sorted.slice(Math.floor((s * n) / shards), Math.floor(((s + 1) * n) / shards))));
  } else {
    parts = dirichletSplit(labels, clients, spec.alpha, rng, minSize);
  }
  return parts.map((p) => { const o = rng.permutation(p.length); return Int32Array.from(o, (i) => p[i]); });
}

function dirichletSplit(labels: Int32Array, clients: number, alpha: number, rng: Rng, minSize: number): number[][] {
  const byClass = new Map<number, number[]>();
  for (const i of rng.permutation(labels.length)) {
    const c = labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  for (let attempt = 0; attempt < 1000; attempt++) {
    const parts: number[][] = Array.from({ length: clients }, () => []);
    for (const idx of byClass.values()) {
      const g = Array.from({ length: clients }, () => rng.gamma(alpha));
      const total = g.reduce((a, b) => a + b, 0);
      let start = 0;
      let acc = 0;
      g.forEach((x, k) => {
        acc += x / total;
        const end = k === clients - 1 ? idx.length : Math.round(acc * idx.length);
        pushAll(parts[k], idx.slice(start, end));
        start = end;
      });
    }
    if (parts.every((p) => p.length >= minSize)) return parts;
  }
  throw new FederationError(`Dirichlet(${alpha}) left a client with fewer than ${minSize} samples in 1000 draws; use a larger alpha or fewer clients`);
}

/** A seeded generator (mulberry32): enough for data splits, not for privacy noise (dp.ts uses the OS CSPRNG). */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 1;
  }

  uniform(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Gamma(shape, 1): Marsaglia and Tsang (2000); shape < 1 through Gamma(shape + 1) * U^(1/shape). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}

/** K of N client indices for a round (sorted), seeded. */
export function sampleClients(n: number, k: number, seed: number): number[] {
  return Array.from(new Rng(seed).permutation(n).subarray(0, k)).sort((a, b) => a - b);
}
