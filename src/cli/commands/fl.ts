import * as path from 'node:path';
import { CancelledError } from '../../core/jobs/job';
import { runFlAggregateJob } from '../../core/jobs/fl-aggregate';
import { FederationError } from '../../fl/weights';
import type { PrivacyOptions } from '../../fl/dp';
import { CliError, flag, num, str, type Command, type ParsedArgs } from '../command';
import { printAggregate } from './fl-print';

const USAGE = `usage: edgewise fl <aggregate|serve|client|simulate> [options]

Federated learning: clients fine-tune the global model on their own data and send only weight
deltas; the server averages them (FedAvg) into the next global model.

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
`;

type Sub = 'aggregate';
const SUBS: Sub[] = ['aggregate'];
const PRIVACY = ['clip', 'noise-multiplier', 'delta'];
const ALLOWED: Record<Sub, string[]> = {
  aggregate: ['base', 'out', 'force', 'server-lr', 'population', 'json', ...PRIVACY],
};

export const fl: Command = {
  name: 'fl',
  summary: 'Federated learning: aggregate deltas, serve rounds, run a client, simulate',
  usage: USAGE,
  options: {
    base: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' },
    'server-lr': { type: 'string' }, clip: { type: 'string' }, 'noise-multiplier': { type: 'string' }, delta: { type: 'string' },
    population: { type: 'string' },
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals as [Sub | undefined, ...string[]];
    if (!sub || !SUBS.includes(sub)) throw new CliError(`fl: say what to do: ${SUBS.join(', ')} (see --help)`, 2);
    for (const k of Object.keys(args.values)) {
      if (args.values[k] !== undefined && k !== 'quiet' && !ALLOWED[sub].includes(k)) throw new CliError(`fl ${sub} does not take --${k}`, 2);
    }
    const json = flag(args, 'json');
    try {
      const base = str(args, 'base');
      if (!base) throw new CliError('fl aggregate needs --base GLOBAL.onnx', 2);
      if (!rest.length) throw new CliError('fl aggregate needs client models: C1.onnx:N1 C2.onnx:N2 ...', 2);
      const r = await runFlAggregateJob(path.resolve(base), {
        clients: rest.map(clientArg), out: str(args, 'out'), force: flag(args, 'force'), serverLr: positive(args, 'server-lr', 1),
        privacy: privacyOptions(args), population: str(args, 'population') ? num(args, 'population', 0) : undefined,
        signal: io.signal, progress: (m) => io.progress(`  ${m}`),
      });
      io.out(json ? JSON.stringify(r, null, 2) : printAggregate(r));
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
  const v = num(args, key, fallback);
  if (!(v > 0)) throw new CliError(`--${key} must be positive, got ${str(args, key)}`, 2);
  return v;
}

export function privacyOptions(args: ParsedArgs): PrivacyOptions | undefined {
  const clip = str(args, 'clip');
  const z = str(args, 'noise-multiplier');
  if (z !== undefined && clip === undefined) throw new CliError('--noise-multiplier needs --clip C (the noise is Z*C/K)', 2);
  if (clip === undefined) return undefined;
  const noiseMultiplier = num(args, 'noise-multiplier', 0);
  if (noiseMultiplier < 0) throw new CliError(`--noise-multiplier must be >= 0, got ${z}`, 2);
  const delta = num(args, 'delta', 1e-5);
  if (!(delta > 0 && delta < 1)) throw new CliError(`--delta must be in (0, 1), got ${str(args, 'delta')}`, 2);
  return { clip: positive(args, 'clip', 1), noiseMultiplier, delta };
}
