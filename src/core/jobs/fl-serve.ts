/**
 * `edgewise fl serve`: runs a federation's rounds over HTTP until the last one completes. The
 * folder (default `<model>.fl/` beside the model) holds every round's model and metrics; a server
 * started again on the same folder resumes after the last completed round.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../formats/onnx/io';
import { buildTrainingGraph } from '../passes/train/training-graph';
import type { PrivacyOptions } from '../../fl/dp';
import { defaultThreshold } from '../../fl/double-mask';
import { FlServer, type ServerOptions } from '../../fl/server/server';
import type { RoundMetrics } from '../../fl/server/state';
import { FederationError, modelWeights } from '../../fl/weights';
import { CancelledError, checkOutputFolder, type JobHooks } from './job';

export interface FederationOptions {
  rounds: number;
  clientsPerRound: number;
  /** Uploads a round needs once its deadline passes (default: clientsPerRound). */
  minClients?: number;
  strategy?: 'fedavg' | 'fedprox';
  /** FedProx's proximal weight (required with fedprox). */
  mu?: number;
  serverLr?: number;
  privacy?: PrivacyOptions;
  secureAggregation?: boolean;
  /** Seconds a round waits for uploads after its first client joined (default 600), and for seeds after a dropout (default 60). */
  roundTimeout?: number;
  unmaskTimeout?: number;
  /** Attempts of one round before giving up (default 5). */
  maxAttempts?: number;
}

export interface FlServeJobOptions extends FederationOptions, JobHooks {
  /** Clients the rounds sample from, for epsilon (default clientsPerRound: no sampling amplification claimed). */
  population?: number;
  outDir?: string;
  /** Shared client token (default: EDGEWISE_FL_TOKEN, else a new random one, reported through onReady). */
  token?: string;
  host?: string;
  port?: number;
  /** The server listens: its URL, token and folder. */
  onReady?: (s: { url: string; token: string; outDir: string }) => void;
  /** One line per event: joins, uploads, refusals and why, rounds written. */
  log?: (line: string) => void;
}

export interface FlServeJobResult {
  model: string;
  outDir: string;
  finalModel: string;
  rounds: RoundMetrics[];
  resumedFrom: number;
}

/** Checks the federation's settings and the model before anything listens. */
export function checkFederation(modelFile: string, o: FederationOptions): void {
  const int = (v: number, what: string, min: number) => {
    if (!(Number.isInteger(v) && v >= min)) throw new FederationError(`${what} must be an integer >= ${min}, got ${v}`);
  };
  int(o.rounds, 'rounds', 1);
  int(o.clientsPerRound, 'clients per round', 1);
  int(o.minClients ?? o.clientsPerRound, 'min clients', 1);
  if ((o.minClients ?? 0) > o.clientsPerRound) throw new FederationError(`min clients (${o.minClients}) is more than clients per round (${o.clientsPerRound})`);
  if (o.strategy === 'fedprox' && !(o.mu! > 0)) throw new FederationError('fedprox needs mu > 0 (--mu)');
  if (o.strategy !== 'fedprox' && o.mu) throw new FederationError('mu is FedProx\'s: pass --strategy fedprox');
  if (o.secureAggregation && (o.minClients ?? o.clientsPerRound) < 2) throw new FederationError('secure aggregation needs at least 2 clients in every sum (--min-clients 2 or more): a sum of one is that client\'s update');
  // Honest clients open a sum only of at least t inputs, t more than half the cohort (double-mask.ts).
  const t = defaultThreshold(o.clientsPerRound);
  if (o.secureAggregation && (o.minClients ?? o.clientsPerRound) < t) throw new FederationError(`secure aggregation opens a sum of at least ${t} of the ${o.clientsPerRound} clients per round (more than half): --min-clients must be ${t} or more`);
  const model = loadModel(modelFile);
  if (!modelWeights(model).length) throw new FederationError(`${modelFile}: has no float32 weights to train`);
  // The clients will train it: say now if they cannot.
  buildTrainingGraph(model, { loss: { kind: 'cross-entropy' } });
}

/** Checks the settings, prepares the folder and starts the server (shared by serve and simulate). */
export async function startFederation(modelFile: string, o: FlServeJobOptions & { onRound?: ServerOptions['onRound'] }): Promise<{ server: FlServer; token: string; outDir: string; model: string }> {
  const model = path.resolve(modelFile);
  checkFederation(model, o);
  const outDir = path.resolve(o.outDir ?? path.join(path.dirname(model), `${path.basename(model, path.extname(model))}.fl`));
  // The folder's files are round-N.onnx, round-N.json, state.json and final.onnx: never the input.
  if (path.dirname(model) === outDir && /^(round-\d+|final)\.onnx$/.test(path.basename(model))) {
    throw new FederationError(`${model}: the federation would write its rounds over this model; choose another --out-dir`);
  }
  checkOutputFolder(outDir, { create: true });
  fs.mkdirSync(outDir, { recursive: true });
  const token = o.token ?? process.env.EDGEWISE_FL_TOKEN ?? randomBytes(24).toString('base64url');
  const server = await FlServer.start(model, {
    dir: outDir, rounds: o.rounds, clientsPerRound: o.clientsPerRound, minClients: o.minClients, mu: o.mu,
    aggregation: { serverLr: o.serverLr, privacy: o.privacy }, population: o.population, secure: o.secureAggregation, token,
    roundTimeout: o.roundTimeout, unmaskTimeout: o.unmaskTimeout, maxAttempts: o.maxAttempts, host: o.host, port: o.port,
    log: o.log ?? (() => {}), onRound: o.onRound,
  });
  return { server, token, outDir, model };
}

export async function runFlServeJob(modelFile: string, o: FlServeJobOptions): Promise<FlServeJobResult> {
  const { server, token, outDir, model } = await startFederation(modelFile, o);
  o.onReady?.({ url: server.url, token, outDir });
  const onAbort = () => void server.close();
  o.signal?.addEventListener('abort', onAbort);
  try {
    const r = await server.done;
    return { model, outDir, finalModel: r.finalModel, rounds: r.rounds, resumedFrom: r.resumedFrom };
  } catch (e) {
    if (o.signal?.aborted) throw new CancelledError();
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    // Clients waiting on the last round hear 'done' before the server goes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.close();
  }
}
