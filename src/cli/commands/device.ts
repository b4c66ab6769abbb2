import * as path from 'node:path';
import { runDeviceInfoJob, runDeviceSetupJob } from '../../core/jobs/devices';
import { knownTargets, readUserTargets, removeUserTarget, resolveTarget, saveUserTarget, userTargetsFile } from '../../core/runtime/devices/catalog';
import { recipeTargets } from '../../core/recipe/targets';
import { trustHostKey } from '../../core/runtime/devices/trust';
import { BUILTIN_TARGETS, checkTarget, loadTargets, type Target } from '../../core/runtime/targets';
import type { DeviceFacts } from '../../core/runtime/types';
import { deviceErrors } from '../device-errors';
import { CliError, flag, str, type Command, type ParsedArgs } from '../command';
import { table } from '../format';
import { formatBytes } from '../../core/base/units';

const USAGE = `usage: edgewise device setup TARGET      install Node, onnxruntime and the harness on the device
       edgewise device trust TARGET [--replace]   add the device's SSH host key to known_hosts
       edgewise device info TARGET       what the device is (CPU, cores, memory, OS, Node, onnxruntime)
       edgewise device list              every target Edgewise knows, and where each is defined
       edgewise device add NAME ssh://USER@HOST[:PORT] [--identity FILE] [--threads N]
                           [--runtime qemu-arm64] [--remote-dir DIR] [--latency-budget MS] [--ram-budget MIB]
       edgewise device remove NAME

TARGET is a name (built in: qemu-arm64; yours from 'device add', --target-file FILE or the
'targets:' of ./edgewise.yaml) or ssh://USER@HOST[:PORT] with --identity FILE and
--known-hosts FILE (default ~/.ssh/known_hosts). SSH uses keys or the SSH agent only; Edgewise
never asks for, sends or stores a password. Setup needs nothing from the internet on the device:
Node (npm package node-linux-ARCH) and onnxruntime-node come from this machine, and setup is
resumable. Your targets live in ${userTargetsFile()}.

  --json       JSON on stdout (setup, info, list)`;

function target(args: ParsedArgs, name: string | undefined): Target {
  if (!name) throw new CliError('missing TARGET argument', 2);
  try {
    const file = str(args, 'target-file');
    const known = knownTargets({ file: file ? loadTargets(path.resolve(file)) : [], recipe: recipeTargets(process.cwd()) });
    return resolveTarget(name, known, { identity: str(args, 'identity'), knownHosts: str(args, 'known-hosts') });
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
}

function factsLine(f: DeviceFacts): string {
  const m = f.machine;
  return `${m.cpuModel}, ${m.cores} cores, ${formatBytes(m.totalMemBytes)}, ${m.os ?? m.platform} (${m.arch}), Node ${m.nodeVersion}, onnxruntime ${f.ortVersion}`;
}

export const device: Command = {
  name: 'device',
  usage: USAGE,
  options: {
    identity: { type: 'string' }, 'known-hosts': { type: 'string' }, 'target-file': { type: 'string' }, replace: { type: 'boolean' },
    threads: { type: 'string' }, runtime: { type: 'string' }, 'remote-dir': { type: 'string' }, 'latency-budget': { type: 'string' },
    'ram-budget': { type: 'string' }, json: { type: 'boolean' },
  },
  async run(args, io) {
    const [action, name, url] = args.positionals;
    const json = flag(args, 'json');
    switch (action) {
      case 'setup': {
        const report = await deviceErrors(() => runDeviceSetupJob(target(args, name), { signal: io.signal, progress: io.progress }));
        if (json) {
          io.out(JSON.stringify(report, null, 2));
        } else {
          io.out([`${report.device}: ready${report.emulated ? ' (emulated arm64: latency is not a device\'s)' : ''}`,
            ...report.steps.map((s) => `  ${s.what}: ${s.done === 'installed' ? 'installed' : 'already there'}`),
            `  ${factsLine(report.facts)}`].join('\n'));
        }
        return 0;
      }
      case 'info': {
        const info = await deviceErrors(() => runDeviceInfoJob(target(args, name), { signal: io.signal }));
        io.out(json ? JSON.stringify({ device: info.device, emulated: info.emulated, ...info.facts }, null, 2)
          : `${info.device}${info.emulated ? ' (emulated)' : ''}: ${factsLine(info.facts)}`);
        return 0;
      }
      case 'trust': return trust(args, target(args, name), io.out);
      case 'list': {
        const user = readUserTargets();
        const recipe = recipeTargets(process.cwd());
        const all = knownTargets({ recipe, user });
        const where = (t: Target) => (BUILTIN_TARGETS.includes(t) ? 'built in' : recipe?.defined.includes(t) ? path.basename(recipe.file) : userTargetsFile());
        if (json) {
          io.out(JSON.stringify(all.map((t) => ({ ...t, definedIn: where(t) })), null, 2));
        } else {
          io.out(table([['name', 'where it runs', 'defined in'], ...all.map((t) => [t.name, t.ssh ? `${t.ssh}${t.runtime === 'qemu-arm64' ? ' (emulated arm64)' : ''}` : t.runtime === 'qemu-arm64' ? 'this machine, emulated arm64' : 'this machine', where(t)])], ''));
        }
        return 0;
      }
      case 'add': {
        if (!name || !url) throw new CliError('usage: edgewise device add NAME ssh://USER@HOST[:PORT] [options]', 2);
        const num = (k: string, scale = 1) => (str(args, k) === undefined ? undefined : Number(str(args, k)) * scale);
        let t: Target;
        try {
          t = checkTarget({
            name, description: '', ssh: url, identity: str(args, 'identity') && path.resolve(str(args, 'identity')!),
            knownHosts: str(args, 'known-hosts') && path.resolve(str(args, 'known-hosts')!), threads: num('threads'),
            runtime: str(args, 'runtime') as Target['runtime'], remoteDir: str(args, 'remote-dir'),
            latencyBudgetMs: num('latency-budget'), ramBudgetBytes: num('ram-budget', 1024 * 1024),
          }, name);
        } catch (e) {
          throw new CliError((e as Error).message, 2);
        }
        saveUserTarget(JSON.parse(JSON.stringify(t)) as Target);
        io.out(`added ${name} (${url}) to ${userTargetsFile()}; next: edgewise device trust ${name}, then edgewise device setup ${name}`);
        return 0;
      }
      case 'remove':
        if (!name) throw new CliError('missing NAME argument', 2);
        if (!removeUserTarget(name)) throw new CliError(`${name} is not in ${userTargetsFile()}`);
        io.out(`removed ${name} from ${userTargetsFile()}`);
        return 0;
      default:
        throw new CliError(`unknown action '${action ?? ''}' (setup, trust, info, list, add, remove)`, 2);
    }
  },
};

/** Fetches the host key, shows its fingerprint and adds it to known_hosts (a changed key only with --replace). */
async function trust(args: ParsedArgs, t: Target, out: (s: string) => void): Promise<number> {
  if (!t.ssh) throw new CliError(`${t.name} is not an SSH target: nothing to trust`, 2);
  const info = await deviceErrors(() => trustHostKey(t, { replace: flag(args, 'replace') }));
  const shown = `${info.keyType} ${info.fingerprint}`;
  if (info.status === 'known') out(`${info.host}:${info.port} (${shown}) is already trusted in ${info.knownHosts}`);
  else out(`trusted ${info.host}:${info.port}: ${shown}${info.status === 'changed' ? ` (replacing ${info.knownFingerprint})` : ''}, added to ${info.knownHosts}`);
  return 0;
}
