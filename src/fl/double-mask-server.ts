/**
 * The server's side of double-masked secure aggregation (double-mask.ts has the protocol): it
 * relays the advertised keys and the encrypted share bundles, sums the masked inputs of U2's
 * clients, then asks the survivors for shares and removes the masks. It never holds a client's
 * b and its mask key together unless t holders gave out both, which honest ones refuse.
 */
import { recoverMaskKey, recoverSelfSeed, type Advertisement, type ShareBundles, type UnmaskAsk, type UnmaskShares } from './double-mask';
import { maskStream, pairSeed, removePairMask, ringAdd } from './secagg';
import type { Share } from './shamir';
import { FederationError } from './weights';
import { valueRecord } from '../core/graph/types';

export class DoubleMaskServer {
  private readonly u1 = new Map<string, Advertisement>();
  private readonly bundles = new Map<string, Record<string, string>>();
  private readonly inputs = new Set<string>();
  private sum?: Uint32Array[];
  private readonly answers = new Map<string, UnmaskShares>();

  constructor(readonly round: number, readonly threshold: number, private readonly sizes: readonly number[]) {}

  /** Round 0: a client's public keys. */
  advertise(a: Advertisement): void {
    if (this.bundles.size) throw new FederationError('keys advertised after sharing began');
    this.u1.set(a.id, a);
  }

  get advertised(): Advertisement[] {
    return [...this.u1.values()];
  }

  /** Round 1: a client's bundles, to be relayed to their holders. */
  shares(b: ShareBundles): void {
    if (!this.u1.has(b.from)) throw new FederationError(`'${b.from}' advertised no keys`);
    this.bundles.set(b.from, b.to);
  }

  /** The clients whose shares went out (U2). */
  get sharedKeys(): string[] {
    return [...this.bundles.keys()].sort();
  }

  /** What client `id` receives: the bundles addressed to it from the clients of U2. */
  inbox(id: string): Record<string, string> {
    if (this.bundles.size < this.threshold) throw new FederationError(`${this.bundles.size} client(s) shared keys; at least ${this.threshold} are needed`);
    const out = valueRecord<string>();
    for (const [from, to] of this.bundles) if (from !== id && to[id]) out[from] = to[id];
    return out;
  }

  /** Round 2: a masked input y_u, folded into the sum at once. */
  masked(id: string, y: readonly Uint32Array[]): void {
    if (!this.bundles.has(id)) throw new FederationError(`'${id}' did not share keys`);
    if (this.inputs.has(id)) throw new FederationError(`'${id}' already sent its input`);
    if (y.length !== this.sizes.length || y.some((t, k) => t.length !== 2 * this.sizes[k])) throw new FederationError(`'${id}': masked input of the wrong shape`);
    this.sum ??= this.sizes.map((n) => new Uint32Array(2 * n));
    this.sum.forEach((s, k) => ringAdd(s, y[k], 1));
    this.inputs.add(id);
  }

  /** Round 4's request: the survivors (inputs received) and the clients of U2 that sent none. */
  unmaskAsk(): UnmaskAsk {
    return { survivors: [...this.inputs].sort(), dropped: this.sharedKeys.filter((u) => !this.inputs.has(u)) };
  }

  /** Whether survivor `id` has sent its shares. */
  answered(id: string): boolean {
    return this.answers.has(id);
  }

  /** Round 4: a survivor's shares. */
  unmasked(a: UnmaskShares): void {
    if (!this.inputs.has(a.from)) throw new FederationError(`'${a.from}' is no survivor`);
    this.answers.set(a.from, a);
  }

  /**
   * The sum of the survivors' inputs: minus each survivor's PRG(b_u), minus the masks each
   * survivor shared with each dropped client (recovered from that client's key). `ask` is what
   * the server asked for (default: the truth, `unmaskAsk()`); the shares must reach t for each.
   */
  finish(ask: UnmaskAsk = this.unmaskAsk()): Uint32Array[] {
    if (!this.sum) throw new FederationError('no masked input arrived');
    const sum = this.sum.map((s) => Uint32Array.from(s));
    const collect = (kind: 'selfMask' | 'maskKey', u: string): Share[] => [...this.answers.values()].map((a) => a[kind][u]).filter((s): s is Share => !!s);
    for (const u of ask.survivors) maskStream(recoverSelfSeed(collect('selfMask', u), this.threshold), this.sizes).forEach((m, k) => ringAdd(sum[k], m, -1));
    for (const d of ask.dropped) {
      const key = recoverMaskKey(collect('maskKey', d), this.threshold);
      for (const v of ask.survivors) removePairMask(sum, pairSeed(key, this.u1.get(v)!.sPublicKey, this.round, [d, v]), v, d);
    }
    return sum;
  }
}
