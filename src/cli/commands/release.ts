import * as path from 'node:path';
import {
  runReleaseChangeJob, runReleaseInitJob, runReleasePublishJob, runReleaseRefreshJob, runReleaseStatusJob,
} from '../../core/jobs/release';
import type { ChannelAction } from '../../ota/publisher/channel';
import { startHealthCollector } from '../../ota/publisher/health-server';
import { parseRollout } from '../../ota/release';
import { PORT } from '../../core/base/range';
import { ROOT_KEYS } from '../../ota/publisher/init';
import { CliError, flag, num, str, type Command, type ParsedArgs } from '../command';
import { printChange, printInit, printPublish, printStatus } from './release-print';

const USAGE = `usage: edgewise release <init|publish|promote|pause|rollback|retire|status|refresh|health-server> [options]

Signed model releases in a static TUF repository (metadata/ and targets/, servable as-is by any
web server or CDN). Private keys stay outside the repository: in the key folder 'init' names,
a folder given with --keys (or EDGEWISE_KEYS), or EDGEWISE_KEY_ROOT/_TARGETS/_SNAPSHOT/_TIMESTAMP
environment variables holding the PEM text.

  release init REPO_DIR [--keys DIR] [--root-keys N --root-threshold M] [--json]
      new repository and Ed25519 keys; prints the trusted root to ship with apps
  release publish MODEL --repo REPO_DIR --channel C --version V [--rollout 5%] [--min-app V]
                  [--notes TEXT] [--delta-from V] [--json]
      a new signed release (default rollout 100%); --delta-from also publishes a tensor-level patch
  release promote --repo REPO_DIR --channel C --version V --rollout 25% [--json]
      set the rollout percentage (resumes a paused release)
  release pause    --repo REPO_DIR --channel C [--version V] [--json]   no new devices take it
  release rollback --repo REPO_DIR --channel C [--version V] [--json]   devices leave it
  release retire   --repo REPO_DIR --channel C --version V [--json]
      take a superseded release (a newer one is at 100%) and its patch out of the signed list, so
      the metadata devices fetch stays small; devices on it keep it until a newer release applies
  release status   --repo REPO_DIR [--channel C] [--health FILE|URL] [--json]
      channels, releases, rollout, metadata expiry; with device health reports (a JSON-lines
      file or a health collector's URL)
  release refresh  --repo REPO_DIR [--json]
      re-sign the metadata that expires soonest (run it daily: timestamps last 7 days)
  release health-server --out FILE [--port N] [--host 127.0.0.1]
      collect device health reports (POST /v1/health) into FILE; GET /v1/health/summary

  --keys DIR     key folder (default: the one 'release init' made for the repository)
`;

type Sub = 'init' | 'publish' | 'promote' | 'pause' | 'rollback' | 'retire' | 'status' | 'refresh' | 'health-server';
const SUBS: Sub[] = ['init', 'publish', 'promote', 'pause', 'rollback', 'retire', 'status', 'refresh', 'health-server'];

/** Which options each subcommand takes (the rest are refused). */
const ALLOWED: Record<Sub, string[]> = {
  init: ['keys', 'root-keys', 'root-threshold', 'json'],
  publish: ['repo', 'channel', 'version', 'rollout', 'min-app', 'notes', 'delta-from', 'keys', 'json'],
  promote: ['repo', 'channel', 'version', 'rollout', 'keys', 'json'],
  pause: ['repo', 'channel', 'version', 'keys', 'json'],
  rollback: ['repo', 'channel', 'version', 'keys', 'json'],
  retire: ['repo', 'channel', 'version', 'keys', 'json'],
  status: ['repo', 'channel', 'health', 'json'],
  refresh: ['repo', 'keys', 'json'],
  'health-server': ['out', 'port', 'host'],
};

export const release: Command = {
  name: 'release',
  usage: USAGE,
  options: {
    repo: { type: 'string' }, channel: { type: 'string' }, version: { type: 'string' }, rollout: { type: 'string' },
    'min-app': { type: 'string' }, notes: { type: 'string' }, 'delta-from': { type: 'string' }, keys: { type: 'string' },
    'root-keys': { type: 'string' }, 'root-threshold': { type: 'string' }, health: { type: 'string' },
    out: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' },
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals as [Sub | undefined, ...string[]];
    if (!sub || !SUBS.includes(sub)) throw new CliError(`release: say what to do: ${SUBS.join(', ')} (see --help)`, 2);
    for (const k of Object.keys(args.values)) {
      if (args.values[k] !== undefined && k !== 'quiet' && !ALLOWED[sub].includes(k)) throw new CliError(`release ${sub} does not take --${k}`, 2);
    }
    const json = flag(args, 'json');
    const positional = (name: string) => {
      if (rest.length !== 1) throw new CliError(`release ${sub} needs ${name}${rest.length > 1 ? ` (unexpected '${rest[1]}')` : ''}`, 2);
      return rest[0];
    };
    const noPositional = () => {
      if (rest.length) throw new CliError(`release ${sub}: unexpected argument '${rest[0]}'`, 2);
    };
    const out = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());

    if (sub === 'init') {
      const repo = positional('REPO_DIR');
      const r = await runReleaseInitJob(repo, { keys: str(args, 'keys'), rootKeys: num(args, 'root-keys', 1, ROOT_KEYS), rootThreshold: num(args, 'root-threshold', 1, ROOT_KEYS), signal: io.signal });
      out(r, () => printInit(r));
      return 0;
    }
    if (sub === 'health-server') {
      noPositional();
      const file = path.resolve(need(args, 'out'));
      const c = await startHealthCollector(file, { host: str(args, 'host'), port: num(args, 'port', 0, PORT) });
      io.out(`collecting health reports at ${c.url} into ${file} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
      await c.close();
      return 0;
    }
    const repo = need(args, 'repo');
    if (sub === 'status') {
      noPositional();
      const s = await runReleaseStatusJob(repo, { channel: str(args, 'channel'), health: str(args, 'health'), signal: io.signal });
      out(s, () => printStatus(s));
      return 0;
    }
    const keys = str(args, 'keys');
    if (sub === 'refresh') {
      noPositional();
      const r = await runReleaseRefreshJob(repo, { keys, signal: io.signal });
      out(r, () => `re-signed: timestamp until ${r.timestampExpires}, snapshot until ${r.snapshotExpires}${r.resignedTargets ? `, targets until ${r.targetsExpires}` : ''}`);
      return 0;
    }
    const channel = need(args, 'channel');
    if (sub === 'publish') {
      const model = positional('MODEL');
      const r = await runReleasePublishJob(model, {
        repo, keys, channel, version: need(args, 'version'), rollout: rollout(args),
        minAppVersion: str(args, 'min-app'), notes: str(args, 'notes'), deltaFrom: str(args, 'delta-from'),
        signal: io.signal, progress: io.progress,
      });
      out(r, () => printPublish(r));
      return 0;
    }
    noPositional();
    const r = await runReleaseChangeJob(repo, { keys, action: sub as ChannelAction, channel, version: str(args, 'version'), rollout: rollout(args), signal: io.signal });
    out(r, () => printChange(r));
    return 0;
  },
};

function need(args: ParsedArgs, key: string): string {
  const v = str(args, key);
  if (!v) throw new CliError(`--${key} is required (see edgewise release --help)`, 2);
  return v;
}

function rollout(args: ParsedArgs): number | undefined {
  const v = str(args, 'rollout');
  if (v === undefined) return undefined;
  try {
    return parseRollout(v);
  } catch (e) {
    throw new CliError(`--rollout: ${(e as Error).message}`, 2);
  }
}
