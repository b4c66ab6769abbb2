/**
 * One round on the server: the cohort (first come, up to K seats), the deltas folded into the sum
 * as they arrive, and, with secure aggregation, the double-masked protocol (double-mask.ts): share
 * bundles relayed, masked inputs summed, then the survivors' shares open the sum. A round either
 * completes (every seat uploaded, or the deadline passed with at least M uploads) or is
 * abandoned; nothing is written from a round that did not complete.
 */
import { DeltaAggregator, type AggregateResult, type AggregationOptions } from '../aggregate';
import { decodeDelta, decodeDeltaHeader, deltaByteLength, type DeltaEncoding } from '../delta';
import { defaultThreshold } from '../double-mask';
import { DoubleMaskServer } from '../double-mask-server';
import type { JoinReply, JoinRequest, Phase, RoundInfo, SharesRequest, UnmaskRequest } from '../protocol';
import { PROTOCOL } from '../protocol';
import { fromRing, parsePublicKey, RING_SCALE } from '../secagg';
import { FederationError, weightShapes, type Weights } from '../weights';

export interface RoundConfig {
  round: number;
  rounds: number;
  /** Id of the round's global model. */
  model: string;
  weights: Weights;
  clientsPerRound: number;
  minClients: number;
  mu: number;
  secure: boolean;
  aggregation: AggregationOptions;
}

/** A request the round refuses: the HTTP status and why. */
export class RoundRejection extends FederationError {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface Seat { seat: number; uploaded: boolean; samples: number }

export class Round {
  phase: Phase = 'joining';
  private readonly seats = new Map<string, Seat>();
  private readonly aggregator: DeltaAggregator;
  private readonly shapes: { name: string; dims: number[] }[];
  /** Secure aggregation: the double-masking server of this round. */
  private readonly secure?: DoubleMaskServer;
  private ringWeight = 0;
  private ringSamples = 0;
  readonly opened = Date.now();

  constructor(readonly config: RoundConfig) {
    this.aggregator = new DeltaAggregator(config.weights, config.aggregation);
    this.shapes = weightShapes(config.weights);
    if (config.secure) this.secure = new DoubleMaskServer(config.round, defaultThreshold(config.clientsPerRound), this.shapes.map((s) => s.dims.reduce((a, b) => a * b, 1)));
  }

  /** Shares needed to open the sum (secure aggregation). */
  get threshold(): number {
    return this.secure?.threshold ?? 0;
  }

  get encodings(): DeltaEncoding[] {
    return this.config.secure ? ['ring64'] : ['float32', 'int8'];
  }

  /** Largest upload accepted: the exact size of the widest encoding. */
  get maxUpload(): number {
    return Math.max(...this.encodings.map((e) => deltaByteLength(this.shapes, e)));
  }

  get joinedCount(): number {
    return this.seats.size;
  }

  get uploads(): number {
    return [...this.seats.values()].filter((s) => s.uploaded).length;
  }

  info(): RoundInfo {
    const c = this.config;
    const info: RoundInfo = {
      protocol: PROTOCOL, round: c.round, rounds: c.rounds, phase: this.phase, model: c.model, tensors: this.shapes,
      encodings: this.encodings, clientsPerRound: c.clientsPerRound, joined: this.seats.size, mu: c.mu,
    };
    if (this.secure) {
      info.clientClip = c.aggregation.privacy?.clip;
      info.secureAggregation = { scale: RING_SCALE, threshold: this.secure.threshold };
      if (this.phase !== 'joining') info.secureAggregation.cohort = this.secure.advertised;
      if (this.phase === 'training' || this.phase === 'unmasking') info.secureAggregation.sharedKeys = this.secure.sharedKeys;
      if (this.phase === 'unmasking') info.secureAggregation.unmask = this.secure.unmaskAsk();
    }
    return info;
  }

  join(id: string, req: JoinRequest): JoinReply {
    if (req.round !== this.config.round) throw new RoundRejection(409, `asked to join round ${req.round}; the current round is ${this.config.round}`);
    const mine = this.seats.get(id);
    if (mine) return { round: this.config.round, seat: mine.seat };
    if (this.phase !== 'joining') throw new RoundRejection(409, `round ${this.config.round} is full (${this.config.clientsPerRound} clients)`);
    if (this.secure) {
      if (typeof req.keys?.cPublicKey !== 'string' || typeof req.keys.sPublicKey !== 'string') throw new RoundRejection(400, 'secure aggregation: the join must carry two X25519 public keys (keys.cPublicKey, keys.sPublicKey)');
      parsePublicKey(req.keys.cPublicKey);
      parsePublicKey(req.keys.sPublicKey);
      this.secure.advertise({ id, ...req.keys });
    }
    const seat = { seat: this.seats.size, uploaded: false, samples: 0 };
    this.seats.set(id, seat);
    if (this.seats.size === this.config.clientsPerRound) this.phase = this.secure ? 'sharing' : 'training';
    return { round: this.config.round, seat: seat.seat };
  }

  /** Secure aggregation: a client's share bundles; true once every seat has sent them (uploads open). */
  shares(id: string, req: SharesRequest): boolean {
    if (!this.secure) throw new RoundRejection(409, 'this federation runs without secure aggregation');
    if (!this.seats.has(id)) throw new RoundRejection(409, `has no seat in round ${this.config.round}`);
    if (this.phase !== 'sharing') throw new RoundRejection(409, `round ${this.config.round} is not taking share bundles (${this.phase})`);
    const to = req.to ?? {};
    const peers = [...this.seats.keys()].filter((p) => p !== id);
    if (Object.keys(to).length !== peers.length || peers.some((p) => typeof to[p] !== 'string' || to[p].length > 4096)) throw new RoundRejection(400, 'a share bundle (at most 4 KiB of base64) for every other cohort member is needed');
    this.secure.shares({ from: id, to });
    if (this.secure.sharedKeys.length < this.seats.size) return false;
    this.phase = 'training';
    return true;
  }

  /** Secure aggregation: the bundles addressed to `id`, once uploads are open. */
  inbox(id: string): Record<string, string> {
    if (!this.secure) throw new RoundRejection(409, 'this federation runs without secure aggregation');
    if (this.phase !== 'training' && this.phase !== 'unmasking') throw new RoundRejection(409, `round ${this.config.round} has not relayed its share bundles yet (${this.phase})`);
    if (!this.secure.sharedKeys.includes(id)) throw new RoundRejection(409, 'sent no share bundles in this round');
    return this.secure.inbox(id);
  }

  /** Checks and folds in an upload; throws RoundRejection saying why it was refused. */
  accept(id: string, body: Uint8Array): { samples: number; norm?: number; clipped?: boolean } {
    const seat = this.seats.get(id);
    if (!seat) throw new RoundRejection(409, `has no seat in round ${this.config.round}`);
    if (seat.uploaded) throw new RoundRejection(409, `already uploaded its delta for round ${this.config.round}`);
    if (this.phase === 'unmasking') throw new RoundRejection(409, `round ${this.config.round} stopped taking deltas (the deadline passed)`);
    let h;
    try {
      h = decodeDeltaHeader(body);
    } catch (e) {
      throw new RoundRejection(400, `malformed delta: ${(e as Error).message}`);
    }
    if (h.round !== this.config.round) throw new RoundRejection(409, `delta for round ${h.round}; the current round is ${this.config.round}`);
    if (h.model !== this.config.model) throw new RoundRejection(409, `delta against model ${h.model}, not this round's ${this.config.model}`);
    if (!this.encodings.includes(h.encoding)) throw new RoundRejection(422, `${h.encoding} deltas are not accepted here (${this.encodings.join(', ')})`);
    let delta;
    try {
      delta = decodeDelta(body, this.shapes);
    } catch (e) {
      throw new RoundRejection(h.encoding === 'ring64' || /tensor|tensors/.test((e as Error).message) ? 422 : 400, (e as Error).message);
    }
    if (!(delta.samples > 0)) throw new RoundRejection(422, 'the delta reports 0 samples');
    if (delta.encoding === 'ring64') {
      if (this.phase !== 'training') throw new RoundRejection(409, `round ${this.config.round} is not taking masked deltas yet (${this.phase})`);
      try {
        this.secure!.masked(id, delta.tensors.map((t) => t.ring!));
      } catch (e) {
        throw new RoundRejection(409, (e as Error).message);
      }
      this.ringWeight += this.config.aggregation.privacy ? 1 : delta.samples;
      this.ringSamples += delta.samples;
      this.mark(seat, delta.samples);
      return { samples: delta.samples };
    }
    let receipt;
    try {
      receipt = this.aggregator.add(delta.tensors, delta.samples);
    } catch (e) {
      throw new RoundRejection(422, (e as Error).message);
    }
    this.mark(seat, delta.samples);
    return receipt;
  }

  /** Every seat is taken and has uploaded (with secure aggregation, the sum is opened too). */
  get complete(): boolean {
    if (this.secure) return this.phase === 'unmasking' && this.missingShares.length === 0;
    return this.seats.size === this.config.clientsPerRound && this.uploads === this.seats.size;
  }

  /** Secure aggregation: every client that shared keys uploaded; the survivors are asked for shares. */
  get allMasked(): boolean {
    return !!this.secure && this.phase === 'training' && this.uploads === this.secure.sharedKeys.length;
  }

  /** Secure aggregation: ask the survivors for their shares (every input in, or the deadline passed with enough). */
  startUnmasking(): void {
    this.phase = 'unmasking';
  }

  /**
   * The deadline passed: 'complete' with the uploads there are (at least M), 'unmask' (secure
   * aggregation: survivors must send shares), 'shared' (uploads open without the clients that sent
   * no share bundles), or the reason the round is abandoned.
   */
  deadline(): { outcome: 'complete' | 'unmask' | 'shared' } | { outcome: 'abandon'; reason: string } {
    if (this.secure && this.phase === 'sharing') {
      const shared = this.secure.sharedKeys.length;
      const need = Math.max(this.threshold, this.config.minClients);
      if (shared < need) return { outcome: 'abandon', reason: `${shared} of ${this.seats.size} client(s) sent share bundles, fewer than the ${need} needed` };
      this.phase = 'training';
      return { outcome: 'shared' };
    }
    const n = this.uploads;
    if (n < this.config.minClients) return { outcome: 'abandon', reason: `${n} of ${this.seats.size} joined client(s) uploaded, fewer than --min-clients ${this.config.minClients}` };
    if (this.secure && this.phase === 'training') {
      if (n < this.threshold) return { outcome: 'abandon', reason: `${n} masked delta(s), fewer than the ${this.threshold} whose shares open the sum` };
      this.phase = 'unmasking';
      return { outcome: 'unmask' };
    }
    if (this.secure && this.phase === 'unmasking') {
      const answered = this.survivors.length - this.missingShares.length;
      if (answered < this.threshold) return { outcome: 'abandon', reason: `survivor(s) ${this.missingShares.join(', ')} sent no shares in time; ${answered} of the ${this.threshold} needed did` };
      return { outcome: 'complete' };
    }
    // Secure aggregation before the cohort was complete: nobody has masked yet.
    return { outcome: 'complete' };
  }

  /** A survivor's shares; true once every survivor has sent them. */
  unmask(id: string, req: UnmaskRequest): boolean {
    if (this.phase !== 'unmasking' || !this.secure) throw new RoundRejection(409, `round ${this.config.round} is not opening a masked sum`);
    if (!this.seats.get(id)?.uploaded) throw new RoundRejection(409, 'only clients whose delta is in the sum send shares');
    const ask = this.secure.unmaskAsk();
    const ok = (m: unknown, ids: string[]) => !!m && typeof m === 'object' && ids.every((u) => {
      const sh = (m as Record<string, { x?: unknown; y?: unknown }>)[u];
      return sh && Number.isInteger(sh.x) && typeof sh.y === 'string' && sh.y.length <= 140;
    });
    if (!ok(req.selfMask, ask.survivors) || !ok(req.maskKey, ask.dropped)) throw new RoundRejection(400, 'shares are needed for every survivor\'s self mask and every dropped client\'s mask key');
    this.secure.unmasked({ from: id, selfMask: req.selfMask, maskKey: req.maskKey });
    return this.missingShares.length === 0;
  }

  /** Survivors that have not sent their shares yet. */
  get missingShares(): string[] {
    return this.secure ? this.survivors.filter((u) => !this.secure!.answered(u)) : [];
  }

  private get survivors(): string[] {
    return [...this.seats].filter(([, s]) => s.uploaded).map(([id]) => id);
  }

  finish(): AggregateResult {
    if (this.secure && this.uploads) {
      let sum: Uint32Array[];
      try {
        sum = this.secure.finish();
      } catch (e) {
        throw new FederationError(`the masked sum cannot be opened: ${(e as Error).message}`);
      }
      this.aggregator.addSum(sum.map((r) => fromRing(r)), this.ringWeight, this.ringSamples, this.uploads);
    }
    return this.aggregator.finish();
  }

  private mark(seat: Seat, samples: number): void {
    seat.uploaded = true;
    seat.samples = samples;
  }
}
