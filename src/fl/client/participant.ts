/**
 * A federated client: waits for a round with a free seat, joins, downloads the global model,
 * trains on its own samples only, and uploads the delta (masked, with secure aggregation); then
 * waits for the next round. One training session serves every round (the graph never changes;
 * weights are set from each round's model and the optimizer starts afresh).
 */
import { decodeModelProto } from '../../core/formats/onnx/codec';
import { Model } from '../../core/formats/onnx/model';
import type { Dataset } from '../../core/runtime/data';
import { TrainingSession } from '../../core/runtime/training-session';
import type { OptimizerOptions } from '../../core/passes/train/optimizer';
import { encodeDelta, type DeltaEncoding, type DeltaTensor } from '../delta';
import type { RoundInfo } from '../protocol';
import { sha256 } from '../server/state';
import { FederationError, modelWeights } from '../weights';
import { ServerConnection, ServerRefusal } from './connection';
import { trainLocally } from './local-train';
import { DoubleMaskClient } from '../double-mask';
import { joinKeys, maskedDelta, openWhenAsked, sendShares } from './secure-round';
import { formatBytes, formatNumber } from '../../core/base/units';

export interface ClientOptions {
  server: string;
  token: string;
  id: string;
  /** The client's own samples and labels, loaded for the first model it receives. */
  data: (model: Model) => Promise<{ data: Dataset; labels: Int32Array }>;
  localEpochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerOptions['kind'];
  encoding: Exclude<DeltaEncoding, 'ring64'>;
  threads?: number;
  /** Take part in this many rounds at most (default: until the server is done). */
  maxRounds?: number;
  /** Take part only in these rounds (the simulation assigns rounds to clients). */
  onlyRounds?: Set<number>;
  seed?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Provides the training session (the simulation shares one per process; the provider owns it). Default: one of the client's own. */
  session?: (model: Model) => Promise<TrainingSession>;
  /** Runs the training part alone (clients sharing a session in one process take turns). */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface ClientRound {
  round: number;
  steps: number;
  samples: number;
  loss: number;
  uploadBytes: number;
  downloadBytes: number;
  /** Join to upload accepted. */
  seconds: number;
}

export async function runClient(o: ClientOptions): Promise<ClientRound[]> {
  const conn = new ServerConnection(o.server.replace(/\/+$/, ''), o.token, o.id, o.signal);
  const log = o.log ?? (() => {});
  const done: ClientRound[] = [];
  let session: TrainingSession | undefined;
  let local: { data: Dataset; labels: Int32Array } | undefined;
  let seen: string | undefined;
  try {
    for (;;) {
      const info = await conn.round(seen);
      seen = `${info.round}.${info.phase}`;
      if (info.phase === 'done') break;
      if (o.onlyRounds && Math.max(...o.onlyRounds) < info.round) break;
      if (info.phase !== 'joining' || done.some((d) => d.round === info.round) || (o.onlyRounds && !o.onlyRounds.has(info.round))) continue;
      const dm = info.secureAggregation ? new DoubleMaskClient(o.id, info.round) : undefined;
      const started = Date.now();
      try {
        await conn.join({ round: info.round, keys: dm ? joinKeys(dm) : undefined });
      } catch (e) {
        if (e instanceof ServerRefusal && e.status === 409) continue; // full, or the round moved on
        throw e;
      }
      log(`round ${info.round}: joined`);
      if (dm) await sendShares(conn, info, dm);
      const bytes = await conn.model(info.round);
      if (sha256(bytes).slice(0, 32) !== info.model) throw new FederationError(`round ${info.round}: the model received is not the one announced (${info.model})`);
      const model = new Model(decodeModelProto(bytes, `round ${info.round} model`), { fileBytes: bytes.length });
      local ??= await o.data(model);
      const data = local;
      const { r, delta } = await (o.exclusive ?? ((w) => w()))(async () => {
        session ??= await (o.session ?? ((m) => newSession(m, o)))(model);
        const global = modelWeights(model);
        const trainable = new Set(session.parameters.map((p) => p.name));
        session.setWeights(new Map(global.filter((t) => trainable.has(t.name)).map((t) => [t.name, t.values])));
        resetOptimizer(session);
        const trained = await trainLocally(session, data.data, data.labels, {
          epochs: o.localEpochs, batchSize: o.batchSize, lr: o.lr, mu: info.mu, seed: (o.seed ?? 0) * 7919 + info.round, signal: o.signal,
        });
        return { r: trained, delta: deltaTensors(info, session, global) };
      });
      const body = dm ? await maskedDelta(conn, info, dm, delta, local.data.count) : encodeDelta({ encoding: o.encoding, round: info.round, samples: local.data.count, model: info.model }, delta);
      try {
        await conn.upload(body);
      } catch (e) {
        // The round moved on without us (deadline, abandoned): wait for the next one.
        if (!(e instanceof ServerRefusal && e.status === 409)) throw e;
        log(`round ${info.round}: the server did not take the delta: ${e.message}`);
        done.push({ round: info.round, steps: r.steps, samples: r.samples, loss: r.loss, uploadBytes: 0, downloadBytes: bytes.length, seconds: (Date.now() - started) / 1000 });
        continue;
      }
      log(`round ${info.round}: ${r.steps} steps on ${r.samples} samples, loss ${formatNumber(r.loss, 4)}; uploaded ${formatBytes(body.length)}`);
      done.push({ round: info.round, steps: r.steps, samples: r.samples, loss: r.loss, uploadBytes: body.length, downloadBytes: bytes.length, seconds: (Date.now() - started) / 1000 });
      if (dm) seen = await openWhenAsked(conn, info, dm, seen, log);
      if (o.maxRounds && done.length >= o.maxRounds) break;
    }
  } finally {
    if (!o.session) await session?.release();
  }
  return done;
}

export function newSession(model: Model, o: Pick<ClientOptions, 'optimizer' | 'threads'>): Promise<TrainingSession> {
  return TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: o.optimizer }, threads: o.threads });
}

function resetOptimizer(session: TrainingSession): void {
  session.optimizer.restore({ step: 0, slots: session.optimizer.state().slots.map((p) => p.map((a) => new Float32Array(a.length))) });
}

/** The delta over every tensor the server lists: trained weights minus the global ones, zero for the rest. */
function deltaTensors(info: RoundInfo, session: TrainingSession, global: ReturnType<typeof modelWeights>): DeltaTensor[] {
  const trained = new Map(session.parameters.map((p) => [p.name, p.values]));
  const base = new Map(global.map((t) => [t.name, t.values]));
  return info.tensors.map((t) => {
    const b = base.get(t.name);
    if (!b) throw new FederationError(`the server lists tensor '${t.name}', which the model lacks`);
    const w = trained.get(t.name);
    const d = new Float32Array(b.length);
    if (w) for (let i = 0; i < d.length; i++) d[i] = w[i] - b[i];
    return { name: t.name, dims: t.dims, values: d };
  });
}
