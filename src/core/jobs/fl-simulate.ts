/**
 * `edgewise fl simulate`: a federation on one machine. The data set is split among N simulated
 * clients (iid, Dirichlet or shards), each client's part written to its own files; a real server
 * runs on loopback and each round's sampled clients take part over HTTP from a bounded set of
 * child processes, each reading only its own part. The global model is evaluated after every round.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateModel } from '../analysis/accuracy';
import { loadModel } from '../formats/onnx/io';
import { loadDataset, type Dataset } from '../runtime/data';
import { loadLabels } from '../runtime/data-labels';
import { encodeNpy, readNpy, type NpyArray } from '../runtime/npy';
import type { ClientRound } from '../../fl/client/participant';
import { parsePartition, partition, sampleClients } from '../../fl/partition';
import type { RoundMetrics, SimulatedRound } from '../../fl/round-report';
import { ClientPool, type ChildTask } from '../../fl/simulate/pool';
import { FederationError } from '../../fl/weights';
import { checkLocalTraining, type LocalTrainingOptions } from './fl-client';
import { startFederation, type FederationOptions } from './fl-serve';
import { CancelledError, type JobHooks } from './job';

export interface FlSimulateJobOptions extends FederationOptions, LocalTrainingOptions, JobHooks {
  /** Training samples (.npy, N on axis 0) and their integer labels. */
  data: string;
  labels: string;
  clients: number;
  /** iid, dirichlet:ALPHA or shards:S. */
  partition: string;
  valData?: string;
  valLabels?: string;
  outDir?: string;
  /** Client processes (default: 2, at most clients per round). */
  parallel?: number;
  seed?: number;
  log?: (line: string) => void;
  /** After each round (the live chart). */
  onRound?: (r: SimulatedRound) => void;
}

export type { SimulatedRound } from '../../fl/round-report';

export interface FlSimulateJobResult {
  model: string;
  outDir: string;
  finalModel: string;
  clients: number;
  partition: string;
  /** Samples per client. */
  clientSizes: number[];
  /** Validation top-1 of the starting model (with validation data). */
  initialValTop1?: number;
  rounds: SimulatedRound[];
}

export async function runFlSimulateJob(modelFile: string, o: FlSimulateJobOptions): Promise<FlSimulateJobResult> {
  checkLocalTraining(o);
  const spec = parsePartition(o.partition);
  if (!o.data.toLowerCase().endsWith('.npy')) throw new FederationError(`${o.data}: the simulation splits a .npy array (N samples on axis 0)`);
  if (!!o.valData !== !!o.valLabels) throw new FederationError('validation needs both --val-data and --val-labels');
  if (o.clientsPerRound > o.clients) throw new FederationError(`clients per round (${o.clientsPerRound}) is more than the ${o.clients} clients`);
  let x: NpyArray;
  let y: Int32Array;
  try {
    x = readNpy(o.data);
    y = loadLabels(o.labels, x.shape[0]);
  } catch (e) {
    throw new FederationError((e as Error).message);
  }
  const parts = partition(y, o.clients, spec, o.seed ?? 1);
  const model = loadModel(modelFile);
  const val = o.valData ? await loadVal(model, o.valData, o.valLabels!, o.batchSize) : undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-fl-'));
  const pool = new ClientPool(Math.max(1, Math.min(o.parallel ?? 2, o.clientsPerRound)), o.log ?? (() => {}));
  let server: Awaited<ReturnType<typeof startFederation>>['server'] | undefined;
  try {
    const files = writeClientParts(work, x, y, parts);
    let completed: ((m: RoundMetrics) => void) | undefined;
    const fed = await startFederation(modelFile, { ...o, population: o.clients, outDir: o.outDir, port: 0, onRound: (m) => completed?.(m) });
    server = fed.server;
    const onAbort = () => { pool.close(); void server?.close(); };
    o.signal?.addEventListener('abort', onAbort);
    const initialValTop1 = val ? await top1(modelFile, val, o) : undefined;
    const rounds: SimulatedRound[] = [];
    for (let r = server.resumedFrom + 1; r <= o.rounds; r++) {
      const ids = sampleClients(o.clients, o.clientsPerRound, (o.seed ?? 1) * 100003 + r);
      const done = new Promise<RoundMetrics>((resolve) => { completed = resolve; });
      o.progress?.(`round ${r} of ${o.rounds}: ${ids.length} client(s) training`, (r - 1) / o.rounds);
      const tasks: ChildTask[] = Array.from({ length: pool.size }, () => ({
        server: server!.url, token: fed.token, round: r, clients: [], training: {
          localEpochs: o.localEpochs ?? 1, batchSize: o.batchSize ?? 32, lr: o.lr ?? 0.05, optimizer: o.optimizer ?? 'sgd',
          encoding: o.encoding ?? 'float32', threads: o.threads, preprocess: o.preprocess,
        },
      }));
      ids.forEach((k, i) => tasks[i % pool.size].clients.push({ id: `client-${k}`, data: files[k].x, labels: files[k].y, seed: (o.seed ?? 1) + k }));
      const reports: ClientRound[] = await pool.run(tasks.filter((t) => t.clients.length));
      const metrics = await done;
      const round: SimulatedRound = {
        ...metrics, participants: ids.map((k) => `client-${k}`),
        clientLoss: reports.reduce((a, c) => a + c.loss, 0) / Math.max(reports.length, 1),
        valTop1: val ? await top1(path.join(fed.outDir, `round-${r}.onnx`), val, o) : undefined,
      };
      rounds.push(round);
      o.onRound?.(round);
    }
    const result = await server.done;
    o.signal?.removeEventListener('abort', onAbort);
    return {
      model: fed.model, outDir: fed.outDir, finalModel: result.finalModel, clients: o.clients, partition: o.partition,
      clientSizes: parts.map((p) => p.length), initialValTop1, rounds,
    };
  } catch (e) {
    if (o.signal?.aborted) throw new CancelledError();
    throw e;
  } finally {
    pool.close();
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

interface Val { data: Dataset; labels: Int32Array }

async function loadVal(model: ReturnType<typeof loadModel>, data: string, labels: string, batch?: number): Promise<Val> {
  try {
    const d = await loadDataset(model, data, { batch: batch ?? 32 }, labels);
    return { data: d, labels: d.labels! };
  } catch (e) {
    throw new FederationError((e as Error).message);
  }
}

async function top1(file: string, val: Val, o: FlSimulateJobOptions): Promise<number> {
  const r = await evaluateModel(file, val.data, val.labels, { threads: o.threads ?? 1, signal: o.signal });
  return r.accuracy!.top1;
}

/** Each client's samples and labels as its own .npy pair (a client reads nothing else). */
function writeClientParts(dir: string, x: NpyArray, y: Int32Array, parts: Int32Array[]): { x: string; y: string }[] {
  const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const Ctor = x.data.constructor as { new (n: number): NpyArray['data'] };
  return parts.map((idx, k) => {
    const xs = new Ctor(idx.length * per);
    idx.forEach((i, j) => (xs as Uint8Array).set((x.data as Uint8Array).subarray(i * per, (i + 1) * per), j * per));
    const files = { x: path.join(dir, `client-${k}-x.npy`), y: path.join(dir, `client-${k}-y.npy`) };
    fs.writeFileSync(files.x, encodeNpy({ dtype: x.dtype, shape: [idx.length, ...x.shape.slice(1)], data: xs }));
    fs.writeFileSync(files.y, encodeNpy({ dtype: 'int32', shape: [idx.length], data: Int32Array.from(idx, (i) => y[i]) }));
    return files;
  });
}
