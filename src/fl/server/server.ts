/**
 * The federation server: rounds over HTTP (protocol.ts), one Round at a time, each completed
 * round's model written atomically before the next opens, resumable from its folder (state.ts).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { atomicWrite } from '../../core/base/atomic-file';
import { readInputFile } from '../../core/base/input-file';
import { loadModel, saveModel } from '../../core/formats/onnx/io';
import type { Model } from '../../core/formats/onnx/model';
import type { AggregationOptions } from '../aggregate';
import { privacySpent } from '../rdp';
import { PROTOCOL, type RoundInfo } from '../protocol';
import { FederationError, modelWeights, withWeights } from '../weights';
import { handleRequest, type FederationHost } from './http';
import { Round, type RoundConfig } from './round';
import { finalFile, readState, roundFile, sha256, writeState, type RoundMetrics, type ServerState } from './state';
import { formatNumber } from '../../core/base/units';

export interface ServerOptions {
  dir: string;
  rounds: number;
  clientsPerRound: number;
  /** Uploads a round needs when its deadline passes (default: clientsPerRound). */
  minClients?: number;
  mu?: number;
  aggregation: AggregationOptions;
  /** Clients the rounds sample from, for epsilon (default clientsPerRound: q = 1). */
  population?: number;
  secure?: boolean;
  token: string;
  /** Seconds a round waits for uploads after its first client joined (default 600), and for seeds after a dropout (default 60). */
  roundTimeout?: number;
  unmaskTimeout?: number;
  /** Attempts of one round before the server gives up (default 5). */
  maxAttempts?: number;
  host?: string;
  port?: number;
  log: (line: string) => void;
  /** After each completed round's model and metrics are written. */
  onRound?: (metrics: RoundMetrics, file: string) => void;
}

export interface ServerResult {
  finalModel: string;
  rounds: RoundMetrics[];
  /** Rounds already complete when this run started (resume). */
  resumedFrom: number;
}

export class FlServer implements FederationHost {
  url = '';
  readonly done: Promise<ServerResult>;
  private resolveDone!: (r: ServerResult) => void;
  private rejectDone!: (e: Error) => void;
  private readonly server: http.Server;
  private round!: Round;
  private global!: { model: Model; bytes: Buffer; id: string };
  private state: ServerState;
  private timer?: NodeJS.Timeout;
  private attempts = 0;
  private uploadBytes = 0;
  private waiters = new Set<() => void>();
  private finished = false;
  readonly resumedFrom: number;

  private constructor(private readonly start: Buffer, private readonly o: ServerOptions) {
    this.done = new Promise((resolve, reject) => { this.resolveDone = resolve; this.rejectDone = reject; });
    this.done.catch(() => {});
    const startId = sha256(start);
    const resumed = readState(o.dir, startId);
    if (resumed) o.log(`resuming after round ${resumed.completedRound} of ${o.rounds} from ${o.dir}`);
    else atomicWrite(roundFile(o.dir, 0), [start]);
    this.state = resumed ?? { protocol: PROTOCOL, startModel: startId, completedRound: 0, model: sha256(fs.readFileSync(roundFile(o.dir, 0))), history: [] };
    this.resumedFrom = this.state.completedRound;
    this.server = http.createServer((req, res) => handleRequest(this, req, res));
  }

  /** Opens the folder (resuming when it holds a federation of this model) and listens. */
  static async start(modelFile: string, o: ServerOptions): Promise<FlServer> {
    const s = new FlServer(readInputFile(modelFile, { what: 'model' }), o);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
    });
    const { address, port } = s.server.address() as AddressInfo;
    s.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    s.openRound(s.state.completedRound + 1);
    return s;
  }

  get options(): ServerOptions {
    return this.o;
  }

  current(): Round {
    return this.round;
  }

  modelBytes(): Buffer {
    return this.global.bytes;
  }

  info(): RoundInfo {
    const i = this.round.info();
    return this.finished ? { ...i, phase: 'done', round: this.o.rounds } : i;
  }

  /** Resolves when the round or its phase differs from `seen` ("round.phase"), or after `ms`. */
  waitForChange(seen: string, ms: number): Promise<void> {
    const key = () => `${this.info().round}.${this.info().phase}`;
    if (key() !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => { clearTimeout(t); this.waiters.delete(wake); resolve(); };
      const t = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  /** Called by the HTTP layer after an upload was accepted. */
  uploaded(bytes: number): void {
    this.uploadBytes += bytes;
    if (this.round.complete) this.guard(() => this.completeRound());
    else if (this.round.allMasked) this.guard(() => this.askForShares());
    else this.notify();
  }

  /** Called after a client sent its share bundles (secure aggregation). */
  shared(): void {
    this.notify();
  }

  /** Called after a survivor sent its shares; the round completes once all have. */
  unmasked(all: boolean): void {
    if (all) this.guard(() => this.completeRound());
  }

  /** Secure aggregation: every masked delta is in (or the deadline passed with enough); survivors open the sum. */
  private askForShares(): void {
    clearTimeout(this.timer);
    this.round.startUnmasking();
    this.o.log(`round ${this.round.config.round}: ${this.round.uploads} masked delta(s) in; asking the survivors for their shares (${this.round.threshold} needed)`);
    this.timer = setTimeout(() => this.guard(() => this.deadline()), (this.o.unmaskTimeout ?? 60) * 1000);
    this.notify();
  }

  /** Round transitions run from timers and requests: a failure (disk full...) ends the federation with its reason. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (e) {
      clearTimeout(this.timer);
      this.o.log(`round ${this.round.config.round}: stopped: ${(e as Error).message}`);
      this.rejectDone(e as Error);
    }
  }

  /** Called after a join: the round's deadline runs from its first client on (an empty round just waits). */
  joined(): void {
    if (this.round.joinedCount === 1) this.timer = setTimeout(() => this.guard(() => this.deadline()), (this.o.roundTimeout ?? 600) * 1000);
    this.notify();
  }

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.notify();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    if (!this.finished) this.rejectDone(new FederationError('the server stopped before the last round'));
  }

  private openRound(r: number): void {
    if (r > this.o.rounds) return this.finish();
    const file = roundFile(this.o.dir, r - 1);
    const bytes = fs.readFileSync(file);
    const model = loadModel(file);
    this.global = { model, bytes, id: sha256(bytes).slice(0, 32) };
    const cfg: RoundConfig = {
      round: r, rounds: this.o.rounds, model: this.global.id, weights: modelWeights(model), clientsPerRound: this.o.clientsPerRound,
      minClients: this.o.minClients ?? this.o.clientsPerRound, mu: this.o.mu ?? 0, secure: !!this.o.secure, aggregation: this.o.aggregation,
    };
    this.round = new Round(cfg);
    this.uploadBytes = 0;
    this.o.log(`round ${r} of ${this.o.rounds}: open for ${cfg.clientsPerRound} client(s), model ${cfg.model}`);
    this.notify();
  }

  private deadline(): void {
    const d = this.round.deadline();
    const r = this.round.config.round;
    if (d.outcome === 'abandon') return this.abandon(d.reason);
    if (d.outcome === 'complete') {
      this.o.log(`round ${r}: deadline passed; completing with the ${this.round.uploads} delta(s) received`);
      return this.completeRound();
    }
    if (d.outcome === 'shared') {
      this.o.log(`round ${r}: deadline passed while sharing keys; uploads open for the clients that sent share bundles in time`);
      this.timer = setTimeout(() => this.guard(() => this.deadline()), (this.o.roundTimeout ?? 600) * 1000);
      return this.notify();
    }
    if (d.outcome === 'unmask') {
      this.o.log(`round ${r}: deadline passed with ${this.round.uploads} masked delta(s); the clients that sent none count as dropped`);
      return this.askForShares();
    }
  }

  private abandon(reason: string): void {
    const r = this.round.config.round;
    this.attempts++;
    this.o.log(`round ${r}: abandoned (${reason}); no model written; ${this.attempts < (this.o.maxAttempts ?? 5) ? 'the round starts again' : 'giving up'}`);
    if (this.attempts >= (this.o.maxAttempts ?? 5)) {
      this.rejectDone(new FederationError(`round ${r} was abandoned ${this.attempts} times: ${reason}`));
      return;
    }
    this.openRound(r);
  }

  private completeRound(): void {
    clearTimeout(this.timer);
    const round = this.round;
    const r = round.config.round;
    const result = round.finish();
    saveModel(withWeights(this.global.model, result.weights), roundFile(this.o.dir, r), { overwrite: true });
    const p = this.o.aggregation.privacy;
    const metrics: RoundMetrics = {
      round: r, clients: result.clients, samples: result.samples, updateNorm: result.updateNorm, noiseStd: result.noiseStd,
      seconds: (Date.now() - round.opened) / 1000, uploadBytes: this.uploadBytes / result.clients, abandoned: this.attempts,
      epsilon: p && p.noiseMultiplier > 0 ? privacySpent(this.o.clientsPerRound / Math.max(this.o.population ?? this.o.clientsPerRound, this.o.clientsPerRound), p.noiseMultiplier, r, p.delta ?? 1e-5).epsilon : undefined,
    };
    this.state = { ...this.state, completedRound: r, model: sha256(fs.readFileSync(roundFile(this.o.dir, r))), history: [...this.state.history, metrics] };
    writeState(this.o.dir, this.state, metrics);
    this.attempts = 0;
    this.o.onRound?.(metrics, roundFile(this.o.dir, r));
    this.o.log(`round ${r}: ${result.clients} client(s), ${result.samples} samples, update norm ${formatNumber(result.updateNorm)}${metrics.epsilon !== undefined ? `, epsilon ${formatNumber(metrics.epsilon)}` : ''} -> ${roundFile(this.o.dir, r)}`);
    this.openRound(r + 1);
  }

  private finish(): void {
    atomicWrite(finalFile(this.o.dir), [fs.readFileSync(roundFile(this.o.dir, this.o.rounds))]);
    this.finished = true;
    this.notify();
    this.resolveDone({ finalModel: finalFile(this.o.dir), rounds: this.state.history, resumedFrom: this.resumedFrom });
  }
}
