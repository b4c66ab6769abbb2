import * as path from 'node:path';
import { deviceStatus, runDeviceUpdateJob } from '../../core/jobs/device-update';
import { UpdateError, type UpdateResult } from '../../ota/client';
import { CliError, flag, str, type Command } from '../command';
import { formatBytes } from '../format';

const USAGE = `usage: edgewise device-update --repo URL --root FILE --dir DIR --device-id ID [options]
       edgewise device-update --dir DIR --current [--bundled FILE] [--json]

One update cycle of the device client (the library apps use as 'edgewise/ota'): refresh the
signed metadata, pick this device's release, download (resumably, or a delta), verify, install.
The new model is what the next cold start loads. --current prints that model, changing nothing.

  --repo URL            the release repository's base URL
  --root FILE           the trusted root metadata shipped with the app (never fetched)
  --dir DIR             the device's update folder
  --device-id ID        stable device id (decides the device's place in staged rollouts)
  --app-version V       the app's version (releases may need a minimum; default 0.0.0)
  --channel C           release channel (default stable)
  --bundled FILE        the model the app ships with, and its release --bundled-version V
  --health-url URL      post health reports to this endpoint
  --json                print the result as JSON only
`;

export const deviceUpdate: Command = {
  name: 'device-update',
  usage: USAGE,
  options: {
    repo: { type: 'string' }, root: { type: 'string' }, dir: { type: 'string' }, 'device-id': { type: 'string' },
    'app-version': { type: 'string' }, channel: { type: 'string' }, bundled: { type: 'string' }, 'bundled-version': { type: 'string' },
    'health-url': { type: 'string' }, current: { type: 'boolean' }, json: { type: 'boolean' },
  },
  async run(args, io) {
    if (args.positionals.length) throw new CliError(`unexpected argument '${args.positionals[0]}'`, 2);
    const dir = str(args, 'dir');
    if (!dir) throw new CliError('--dir is required', 2);
    const json = flag(args, 'json');
    const bundled = str(args, 'bundled') && path.resolve(str(args, 'bundled')!);
    if (flag(args, 'current')) {
      const s = deviceStatus(dir, bundled, str(args, 'bundled-version'));
      if (!s.current.path) throw new CliError(`${dir}: no model installed and no --bundled model`);
      io.out(json ? JSON.stringify(s, null, 2) : s.current.path);
      return 0;
    }
    const need = (k: string) => {
      const v = str(args, k);
      if (!v) throw new CliError(`--${k} is required (see --help)`, 2);
      return v;
    };
    try {
      const r = await runDeviceUpdateJob(dir, {
        repo: need('repo'), trustedRoot: path.resolve(need('root')), deviceId: need('device-id'),
        appVersion: str(args, 'app-version') ?? '0.0.0', channel: str(args, 'channel'), bundledModel: bundled,
        bundledVersion: str(args, 'bundled-version'), healthUrl: str(args, 'health-url'),
        signal: io.signal, progress: io.progress,
      });
      io.out(json ? JSON.stringify(r, null, 2) : describe(r, r.current));
      return 0;
    } catch (e) {
      if (!(e instanceof UpdateError)) throw e;
      const current = deviceStatus(dir, bundled, str(args, 'bundled-version')).current.path;
      if (json) io.out(JSON.stringify({ action: 'failed', phase: e.phase, error: e.message, traffic: e.traffic, current }, null, 2));
      throw new CliError(`${e.phase}: ${e.message} (the installed model is unchanged)`);
    }
  },
};

function describe(r: UpdateResult, current: string | undefined): string {
  const t = r.traffic;
  const bytes = `${formatBytes(t.modelBytes + t.deltaBytes)} of model data, ${formatBytes(t.metadataBytes)} of metadata in ${t.requests} requests`;
  const what = r.action === 'installed' ? `installed ${r.to} (${r.via}${r.resumedFrom ? `, resumed at ${formatBytes(r.resumedFrom)}` : ''})`
    : r.action === 'reverted' ? `reverted to ${r.to ?? 'the bundled model'} (${r.via})`
      : r.action === 'deferred' ? 'deferred' : `up to date on ${r.to ?? 'the bundled model'}`;
  return [
    `${what}: ${r.reason}; ${bytes}, ${r.durationMs} ms`,
    ...(r.deltaFallback && r.via === 'full' && r.action === 'installed' ? [`  full download because ${r.deltaFallback}`] : []),
    `next cold start loads: ${current ?? '(nothing installed, no bundled model)'}`,
  ].join('\n');
}
