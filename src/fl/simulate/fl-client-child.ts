/**
 * A child process of `fl simulate` that runs simulated clients over HTTP, like `fl client` does:
 * the parent sends which clients (their own partition files) take part in which round; the
 * clients of one child share one training session and take turns training.
 */
import { loadDataset } from '../../core/runtime/data';
import type { TrainingSession } from '../../core/runtime/training-session';
import { newSession, runClient, type ClientRound } from '../client/participant';
import { FederationError } from '../weights';
import type { ChildReply, ChildTask } from './pool';

let shared: Promise<TrainingSession> | undefined;
let turn: Promise<unknown> = Promise.resolve();
const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
  const run = turn.then(work, work);
  turn = run.catch(() => undefined);
  return run;
};

async function runTask(t: ChildTask): Promise<ClientRound[]> {
  const results = await Promise.all(t.clients.map((c) => runClient({
    server: t.server, token: t.token, id: c.id, onlyRounds: new Set([t.round]), maxRounds: 1, seed: c.seed,
    data: async (model) => {
      try {
        const data = await loadDataset(model, c.data, { ...t.training.preprocess, batch: t.training.batchSize }, c.labels);
        return { data, labels: data.labels! };
      } catch (e) {
        throw new FederationError((e as Error).message);
      }
    },
    localEpochs: t.training.localEpochs, batchSize: t.training.batchSize, lr: t.training.lr, optimizer: t.training.optimizer,
    encoding: t.training.encoding, threads: t.training.threads,
    session: (model) => (shared ??= newSession(model, t.training)), exclusive,
  })));
  return results.flat();
}

process.on('message', (t: ChildTask) => {
  runTask(t).then(
    (rounds) => process.send!({ kind: 'done', rounds } satisfies ChildReply),
    (e: Error) => process.send!({ kind: 'error', message: e.message } satisfies ChildReply),
  );
});
process.on('disconnect', () => process.exit(0));
