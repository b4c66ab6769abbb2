/** `edgewise fl client`: takes part in a federation's rounds with the device's own samples. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, type Preprocess } from '../runtime/data';
import { runClient, type ClientRound } from '../../fl/client/participant';
import { FederationError } from '../../fl/weights';
import { CancelledError, type JobHooks } from './job';

export interface LocalTrainingOptions {
  /** Local epochs per round (default 1). */
  localEpochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 0.05. */
  lr?: number;
  /** Default sgd. */
  optimizer?: 'sgd' | 'adam';
  /** Delta encoding on the wire (default float32; int8: per-tensor scale, 4x smaller). */
  encoding?: 'float32' | 'int8';
  threads?: number;
  preprocess?: Preprocess;
}

export interface FlClientJobOptions extends LocalTrainingOptions, JobHooks {
  server: string;
  /** Default: EDGEWISE_FL_TOKEN. */
  token?: string;
  /** Default: a random id for this run. */
  id?: string;
  data: string;
  labels: string;
  maxRounds?: number;
  onlyRounds?: number[];
  seed?: number;
  log?: (line: string) => void;
}

export interface FlClientJobResult {
  id: string;
  rounds: ClientRound[];
}

export function checkLocalTraining(o: LocalTrainingOptions): void {
  if (!(Number.isInteger(o.localEpochs ?? 1) && (o.localEpochs ?? 1) >= 1)) throw new FederationError(`local epochs must be an integer >= 1, got ${o.localEpochs}`);
  if (!(Number.isInteger(o.batchSize ?? 32) && (o.batchSize ?? 32) >= 1)) throw new FederationError(`batch size must be an integer >= 1, got ${o.batchSize}`);
  if (!((o.lr ?? 0.05) > 0)) throw new FederationError(`the learning rate must be positive, got ${o.lr}`);
  if (!['sgd', 'adam'].includes(o.optimizer ?? 'sgd')) throw new FederationError(`optimizer must be sgd or adam, got ${o.optimizer}`);
  if (!['float32', 'int8'].includes(o.encoding ?? 'float32')) throw new FederationError(`encoding must be float32 or int8, got ${o.encoding}`);
}

export async function runFlClientJob(o: FlClientJobOptions): Promise<FlClientJobResult> {
  checkLocalTraining(o);
  for (const f of [o.data, o.labels]) if (!fs.existsSync(f)) throw new FederationError(`${path.resolve(f)}: no such file or folder`);
  if (!/^https?:\/\//.test(o.server)) throw new FederationError(`--server must be an http(s) URL, got '${o.server}'`);
  const token = o.token ?? process.env.EDGEWISE_FL_TOKEN;
  if (!token) throw new FederationError('no token: pass --token or set EDGEWISE_FL_TOKEN (the server prints it)');
  const id = o.id ?? `client-${randomBytes(4).toString('hex')}`;
  try {
    const rounds = await runClient({
      server: o.server, token, id,
      data: async (model) => {
        try {
          const data = await loadDataset(model, o.data, { ...o.preprocess, batch: o.batchSize ?? 32 }, o.labels);
          return { data, labels: data.labels! };
        } catch (e) {
          throw new FederationError((e as Error).message);
        }
      },
      localEpochs: o.localEpochs ?? 1, batchSize: o.batchSize ?? 32, lr: o.lr ?? 0.05, optimizer: o.optimizer ?? 'sgd', encoding: o.encoding ?? 'float32',
      threads: o.threads, maxRounds: o.maxRounds, onlyRounds: o.onlyRounds && new Set(o.onlyRounds), seed: o.seed, signal: o.signal, log: o.log,
    });
    return { id, rounds };
  } catch (e) {
    if (o.signal?.aborted) throw new CancelledError();
    throw e;
  }
}
