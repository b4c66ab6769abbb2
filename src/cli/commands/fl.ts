import * as path from 'node:path';
import { CancelledError } from '../../core/jobs/job';
import { runFlAggregateJob } from '../../core/jobs/fl-aggregate';
import { runFlClientJob, type LocalTrainingOptions } from '../../core/jobs/fl-client';
import { runFlServeJob, type FederationOptions } from '../../core/jobs/fl-serve';
import { runFlSimulateJob } from '../../core/jobs/fl-simulate';
import { FederationError } from '../../fl/weights';
import type { PrivacyOptions } from '../../fl/dp';
import { PORT } from '../../core/base/range';
import { CliError, flag, num, str, type CliIo, type Command, type ParsedArgs } from '../command';
import { DATA_OPTIONS, dataOptions, dataUsage, threadsOption } from '../data-options';
import { printAggregate, printClient, printServe, printSimulate, roundLine } from './fl-print';
import { prefixed } from '../../core/base/progress';

/** How a client's data is read (the shared options; a client trains on all of its data). */
const { scale, mean, std, layout, resize, threads } = DATA_OPTIONS;
const CLIENT_DATA_OPTIONS = { scale, mean, std, layout, resize, threads };
const DATA_PREPROCESS = Object.keys(CLIENT_DATA_OPTIONS);

const USAGE = `usage: edgewise fl <aggregate|serve|client|simulate> [options]

Federated learning: clients fine-tune the global model on their own data and send only weight
deltas; the server averages them (FedAvg) into the next global model.

  fl serve --model GLOBAL.onnx --rounds R --clients-per-round K [--min-clients M]
           [--strategy fedavg|fedprox --mu MU] [--secure-aggregation] [--round-timeout S]
           [--port P] [--host H] [--token T] [--out-dir DIR] [--population N]
      serves R rounds over HTTP; DIR (default GLOBAL.fl/ beside the model) gets round-N.onnx,
      round-N.json and final.onnx; started again on the same DIR it resumes after the last
      completed round. Clients need the token (printed, or --token / EDGEWISE_FL_TOKEN)
  fl client --server URL --data X --labels Y [--token T] [--id ID] [--rounds N]
           [--local-epochs E] [--batch-size B] [--lr LR] [--optimizer sgd|adam] [--encoding float32|int8]
      takes part in rounds (until the server is done, or N rounds) training on X/Y only
      (defaults: 1 local epoch, batch 32, SGD, lr 0.05, float32 deltas)
  fl simulate --model GLOBAL.onnx --data X.npy --labels Y --clients N --partition iid|dirichlet:A|shards:S
           --rounds R [--clients-per-round K] [--val-data V --val-labels L] [--parallel P] [--seed S]
           [client options] [server options] [--out-dir DIR]
      a federation on this machine: X split among N clients (each gets its own files), K sampled
      per round (default N), clients in P child processes (default 2) over HTTP on loopback;
      DIR/round-N.onnx, DIR/final.onnx, the validation top-1 after every round
  fl aggregate --base GLOBAL.onnx C1.onnx:N1 C2.onnx:N2 ... [--out NEXT.onnx] [--force]
      one round offline: w + eta * sum_k N_k (w_k - w) / sum_k N_k over the float32 weights
      (Ck may also be an Edgewise delta file; other initializers must equal the base's)

server options (aggregate, serve, simulate):
  --server-lr ETA            server learning rate (default 1)
  --clip C                   clip each client's delta to L2 norm C; averages then weigh clients equally
  --noise-multiplier Z       add Gaussian noise of std Z*C/K to the average (needs --clip)
  --delta D                  report epsilon at this delta (default 1e-5)
  --population N             clients the round samples from, for epsilon (aggregate; default: those given)
  --json                     print the result as JSON only

client data (client, simulate; read as every command reads it):
${dataUsage(CLIENT_DATA_OPTIONS, { header: false })}
`;

type Sub = 'aggregate' | 'serve' | 'client' | 'simulate';
const SUBS: Sub[] = ['aggregate', 'serve', 'client', 'simulate'];
const PRIVACY = ['clip', 'noise-multiplier', 'delta'];
const SERVER = ['rounds', 'clients-per-round', 'min-clients', 'strategy', 'mu', 'server-lr', 'secure-aggregation', 'round-timeout', ...PRIVACY];
const CLIENT = ['local-epochs', 'batch-size', 'lr', 'optimizer', 'encoding', ...DATA_PREPROCESS];
const ALLOWED: Record<Sub, string[]> = {
  aggregate: ['base', 'out', 'force', 'server-lr', 'population', 'json', ...PRIVACY],
  serve: ['model', 'port', 'host', 'token', 'out-dir', 'population', 'json', ...SERVER],
  client: ['server', 'data', 'labels', 'token', 'id', 'rounds', 'json', ...CLIENT],
  simulate: ['model', 'data', 'labels', 'clients', 'partition', 'val-data', 'val-labels', 'parallel', 'seed', 'out-dir', 'json', ...SERVER, ...CLIENT],
};

export const fl: Command = {
  name: 'fl',
  usage: USAGE,
  options: {
    base: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' },
    'server-lr': { type: 'string' }, clip: { type: 'string' }, 'noise-multiplier': { type: 'string' }, delta: { type: 'string' },
    population: { type: 'string' }, model: { type: 'string' }, rounds: { type: 'string' }, 'clients-per-round': { type: 'string' },
    'min-clients': { type: 'string' }, strategy: { type: 'string' }, mu: { type: 'string' }, 'secure-aggregation': { type: 'boolean' },
    'round-timeout': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' }, 'out-dir': { type: 'string' },
    clients: { type: 'string' }, partition: { type: 'string' }, 'val-data': { type: 'string' }, 'val-labels': { type: 'string' },
    parallel: { type: 'string' }, seed: { type: 'string' },
    server: { type: 'string' }, data: { type: 'string' }, labels: { type: 'string' }, id: { type: 'string' },
    'local-epochs': { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, optimizer: { type: 'string' }, encoding: { type: 'string' },
    ...CLIENT_DATA_OPTIONS,
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals as [Sub | undefined, ...string[]];
    if (!sub || !SUBS.includes(sub)) throw new CliError(`fl: say what to do: ${SUBS.join(', ')} (see --help)`, 2);
    for (const k of Object.keys(args.values)) {
      if (args.values[k] !== undefined && k !== 'quiet' && !ALLOWED[sub].includes(k)) throw new CliError(`fl ${sub} does not take --${k}`, 2);
    }
    const json = flag(args, 'json');
    const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
    if (sub !== 'aggregate' && rest.length) throw new CliError(`fl ${sub}: unexpected argument '${rest[0]}'`, 2);
    try {
      if (sub === 'serve') {
        const model = str(args, 'model');
        if (!model) throw new CliError('fl serve needs --model GLOBAL.onnx', 2);
        const r = await runFlServeJob(path.resolve(model), {
          ...federationOptions(args), population: optionalInt(args, 'population'), outDir: str(args, 'out-dir'), token: str(args, 'token'),
          host: str(args, 'host'), port: str(args, 'port') === undefined ? undefined : num(args, 'port', 0, PORT), signal: io.signal, log: (l) => io.err(l),
          onReady: (s) => io.err(`serving ${s.url} (folder ${s.outDir})${str(args, 'token') || process.env.EDGEWISE_FL_TOKEN ? '' : `; client token: ${s.token}`}`),
        });
        print(r, () => printServe(r));
        return 0;
      }
      if (sub === 'client') {
        const server = str(args, 'server');
        if (!server || !str(args, 'data') || !str(args, 'labels')) throw new CliError('fl client needs --server URL --data X --labels Y', 2);
        const r = await runFlClientJob({
          server, data: path.resolve(str(args, 'data')!), labels: path.resolve(str(args, 'labels')!), token: str(args, 'token'), id: str(args, 'id'),
          maxRounds: optionalInt(args, 'rounds'), ...localTraining(args, io), signal: io.signal, log: (l) => io.err(l),
        });
        print(r, () => printClient(r));
        return 0;
      }
      if (sub === 'simulate') {
        const model = str(args, 'model');
        const clients = optionalInt(args, 'clients');
        if (!model || !str(args, 'data') || !str(args, 'labels') || !clients || !str(args, 'partition')) {
          throw new CliError('fl simulate needs --model, --data, --labels, --clients N, --partition and --rounds', 2);
        }
        const r = await runFlSimulateJob(path.resolve(model), {
          ...federationOptions(args, clients), ...localTraining(args, io), data: path.resolve(str(args, 'data')!), labels: path.resolve(str(args, 'labels')!),
          clients, partition: str(args, 'partition')!, valData: str(args, 'val-data'), valLabels: str(args, 'val-labels'), outDir: str(args, 'out-dir'),
          parallel: optionalInt(args, 'parallel'), seed: optionalInt(args, 'seed'), signal: io.signal,
          progress: prefixed(io.progress, '  '), onRound: (m) => io.progress(`  ${roundLine(m)}`),
        });
        print(r, () => printSimulate(r));
        return 0;
      }
      const base = str(args, 'base');
      if (!base) throw new CliError('fl aggregate needs --base GLOBAL.onnx', 2);
      if (!rest.length) throw new CliError('fl aggregate needs client models: C1.onnx:N1 C2.onnx:N2 ...', 2);
      const r = await runFlAggregateJob(path.resolve(base), {
        clients: rest.map(clientArg), out: str(args, 'out'), force: flag(args, 'force'), serverLr: positive(args, 'server-lr', 1),
        privacy: privacyOptions(args), population: str(args, 'population') ? num(args, 'population', 0, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }) : undefined,
        signal: io.signal, progress: prefixed(io.progress, '  '),
      });
      print(r, () => printAggregate(r));
      return 0;
    } catch (e) {
      if (e instanceof FederationError) throw new CliError(e.message);
      if (e instanceof CancelledError) throw new CliError('cancelled; nothing was written', 130);
      throw e;
    }
  },
};

/** FILE:N (samples) or a delta file alone (it carries its own count). */
function clientArg(a: string): { file: string; samples?: number } {
  const m = /^(.*):(\d+)$/.exec(a);
  if (!m) return { file: path.resolve(a) };
  return { file: path.resolve(m[1]), samples: Number(m[2]) };
}

function positive(args: ParsedArgs, key: string, fallback: number): number {
  return num(args, key, fallback, { min: 0, max: 1e6, above: true });
}

export function privacyOptions(args: ParsedArgs): PrivacyOptions | undefined {
  const clip = str(args, 'clip');
  const z = str(args, 'noise-multiplier');
  if (z !== undefined && clip === undefined) throw new CliError('--noise-multiplier needs --clip C (the noise is Z*C/K)', 2);
  if (clip === undefined) return undefined;
  const noiseMultiplier = num(args, 'noise-multiplier', 0, { min: 0, max: 1e6 });
  const delta = num(args, 'delta', 1e-5, { min: 0, max: 0.999999, above: true });
  return { clip: positive(args, 'clip', 1), noiseMultiplier, delta };
}

function optionalInt(args: ParsedArgs, key: string): number | undefined {
  if (str(args, key) === undefined) return undefined;
  return num(args, key, 0, { min: 0, max: 1_000_000_000, integer: true });
}

export function federationOptions(args: ParsedArgs, defaultClientsPerRound?: number): FederationOptions {
  const strategy = str(args, 'strategy') ?? 'fedavg';
  if (strategy !== 'fedavg' && strategy !== 'fedprox') throw new CliError(`--strategy must be fedavg or fedprox, got '${strategy}'`, 2);
  const rounds = optionalInt(args, 'rounds');
  const clientsPerRound = optionalInt(args, 'clients-per-round') ?? defaultClientsPerRound;
  if (!rounds || !clientsPerRound) throw new CliError('--rounds R and --clients-per-round K are required', 2);
  return {
    rounds, clientsPerRound, minClients: optionalInt(args, 'min-clients'), strategy, mu: str(args, 'mu') ? num(args, 'mu', 0, { min: 0, max: 1e6 }) : undefined,
    serverLr: positive(args, 'server-lr', 1), privacy: privacyOptions(args), secureAggregation: flag(args, 'secure-aggregation'),
    roundTimeout: str(args, 'round-timeout') ? positive(args, 'round-timeout', 600) : undefined,
  };
}

export function localTraining(args: ParsedArgs, io: CliIo): LocalTrainingOptions {
  const optimizer = str(args, 'optimizer') ?? 'sgd';
  const encoding = str(args, 'encoding') ?? 'float32';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new CliError(`--optimizer must be sgd or adam, got '${optimizer}'`, 2);
  if (encoding !== 'float32' && encoding !== 'int8') throw new CliError(`--encoding must be float32 or int8, got '${encoding}'`, 2);
  const d = dataOptions(args, (m) => io.err(m));
  return {
    localEpochs: optionalInt(args, 'local-epochs'), batchSize: optionalInt(args, 'batch-size'), lr: str(args, 'lr') ? positive(args, 'lr', 0.05) : undefined,
    optimizer, encoding, threads: threadsOption(args), preprocess: { scale: d.scale, mean: d.mean, std: d.std, layout: d.layout, resize: d.resize },
  };
}
