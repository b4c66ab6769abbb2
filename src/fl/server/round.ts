/**
 * One round on the server: the cohort (first come, up to K seats), the deltas folded into the sum
 * as they arrive, and, with secure aggregation, the masked sum and the dropout recovery. A round
 * either completes (every seat uploaded, or the deadline passed with at least M uploads) or is
 * abandoned; nothing is written from a round that did not complete.
 */
import { DeltaAggregator, type AggregateResult, type AggregationOptions } from '../aggregate';
import { decodeDelta, decodeDeltaHeader, deltaByteLength, type DeltaEncoding } from '../delta';
import type { JoinReply, JoinRequest, Phase, RoundInfo } from '../protocol';
import { PROTOCOL } from '../protocol';
import { fromRing, parsePublicKey, removePairMask, ringAdd, RING_SCALE } from '../secagg';
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

interface Seat { seat: number; publicKey?: string; uploaded: boolean; samples: number; unmasked: boolean }

export class Round {
  phase: Phase = 'joining';
  private readonly seats = new Map<string, Seat>();
  private readonly aggregator: DeltaAggregator;
  private readonly shapes: { name: string; dims: number[] }[];
  private ring?: Uint32Array[];
  private ringWeight = 0;
  private ringSamples = 0;
  private dropped: string[] = [];
  readonly opened = Date.now();

  constructor(readonly config: RoundConfig) {
    this.aggregator = new DeltaAggregator(config.weights, config.aggregation);
    this.shapes = weightShapes(config.weights);
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
    if (c.secure) {
      info.clientClip = c.aggregation.privacy?.clip;
      info.secureAggregation = { scale: RING_SCALE, dropped: this.phase === 'unmasking' ? this.dropped : undefined };
      if (this.phase !== 'joining') info.secureAggregation.cohort = [...this.seats].map(([id, s]) => ({ id, publicKey: s.publicKey! }));
    }
    return info;
  }

  join(id: string, req: JoinRequest): JoinReply {
    if (req.round !== this.config.round) throw new RoundRejection(409, `asked to join round ${req.round}; the current round is ${this.config.round}`);
    const mine = this.seats.get(id);
    if (mine) return { round: this.config.round, seat: mine.seat };
    if (this.phase !== 'joining') throw new RoundRejection(409, `round ${this.config.round} is full (${this.config.clientsPerRound} clients)`);
    if (this.config.secure) {
      if (typeof req.publicKey !== 'string') throw new RoundRejection(400, 'secure aggregation: the join must carry an X25519 public key');
      parsePublicKey(req.publicKey);
    }
    const seat = { seat: this.seats.size, publicKey: req.publicKey, uploaded: false, samples: 0, unmasked: false };
    this.seats.set(id, seat);
    if (this.seats.size === this.config.clientsPerRound) this.phase = 'training';
    return { round: this.config.round, seat: seat.seat };
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
      this.ring ??= this.shapes.map((s) => new Uint32Array(2 * s.dims.reduce((a, b) => a * b, 1)));
      this.ring.forEach((r, k) => ringAdd(r, delta.tensors[k].ring!, 1));
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

  /** Every seat is taken and has uploaded. */
  get complete(): boolean {
    return this.phase !== 'unmasking' && this.seats.size === this.config.clientsPerRound && this.uploads === this.seats.size;
  }

  /**
   * The deadline passed: 'complete' with the uploads there are (at least M), 'unmask' when masked
   * clients dropped (survivors must reveal seeds), or the reason the round is abandoned.
   */
  deadline(): { outcome: 'complete' } | { outcome: 'unmask' } | { outcome: 'abandon'; reason: string } {
    const n = this.uploads;
    if (n < this.config.minClients) return { outcome: 'abandon', reason: `${n} of ${this.seats.size} joined client(s) uploaded, fewer than --min-clients ${this.config.minClients}` };
    this.dropped = [...this.seats].filter(([, s]) => !s.uploaded).map(([id]) => id);
    if (this.config.secure && this.phase !== 'joining' && this.dropped.length) {
      this.phase = 'unmasking';
      return { outcome: 'unmask' };
    }
    // Secure aggregation before the cohort was complete: nobody has masked yet against absent peers.
    return { outcome: 'complete' };
  }

  /** A survivor's seeds with the dropped clients; true once every survivor has sent them. */
  unmask(id: string, seeds: Record<string, string>): boolean {
    const seat = this.seats.get(id);
    if (this.phase !== 'unmasking') throw new RoundRejection(409, `round ${this.config.round} is not recovering from a dropout`);
    if (!seat?.uploaded) throw new RoundRejection(409, 'only clients whose delta is in the sum reveal seeds');
    if (seat.unmasked) return this.unmaskedAll();
    for (const d of this.dropped) if (!/^[0-9a-f]{64}$/.test(seeds[d] ?? '')) throw new RoundRejection(400, `no 32-byte hex seed for dropped client '${d}'`);
    for (const d of this.dropped) removePairMask(this.ring!, Buffer.from(seeds[d], 'hex'), id, d);
    seat.unmasked = true;
    return this.unmaskedAll();
  }

  /** Survivors that have not revealed their seeds yet (the unmask phase waits for them). */
  get missingSeeds(): string[] {
    return [...this.seats].filter(([, s]) => s.uploaded && !s.unmasked).map(([id]) => id);
  }

  finish(): AggregateResult {
    if (this.ring) {
      this.aggregator.addSum(this.ring.map((r) => fromRing(r)), this.ringWeight, this.ringSamples, this.uploads);
    }
    return this.aggregator.finish();
  }

  private unmaskedAll(): boolean {
    return this.missingSeeds.length === 0;
  }

  private mark(seat: Seat, samples: number): void {
    seat.uploaded = true;
    seat.samples = samples;
  }
}
