/** The device a target names: over SSH, the emulated ARM64 device here, or none (this machine). */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Target } from '../targets';
import { cacheDir } from '../../base/cache-dir';
import { Device } from './device';
import { LocalShell } from './local-shell';
import { connectSsh } from './ssh-shell';
import { formatSshUrl, parseSshUrl } from './ssh-url';

export interface OpenOptions {
  /** SSH connect and handshake limit; default 10 s. */
  timeoutMs?: number;
}

function expandHome(file: string | undefined): string | undefined {
  if (!file) return undefined;
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : path.resolve(file);
}

/** The target's device, or undefined when it runs on this machine directly. Connects on first use. */
export function openDevice(target: Target, options: OpenOptions = {}): Device | undefined {
  const emulated = target.runtime === 'qemu-arm64';
  if (target.ssh) {
    const ep = parseSshUrl(target.ssh);
    const address = formatSshUrl(ep);
    return new Device(
      { name: target.name, address, dir: target.remoteDir ?? '.edgewise', emulated, sharesFiles: false },
      () => connectSsh(ep, { name: target.name, identity: expandHome(target.identity), knownHosts: expandHome(target.knownHosts), timeoutMs: options.timeoutMs }),
    );
  }
  if (emulated) {
    const dir = expandHome(target.remoteDir) ?? path.join(cacheDir(), 'devices', target.name);
    return new Device({ name: target.name, address: 'this machine', dir, emulated, sharesFiles: true }, async () => new LocalShell());
  }
  return undefined;
}

/** Whether results of this target are emulated (never compared with a device, never budgeted). */
export function isEmulated(target: Target): boolean {
  return target.runtime === 'qemu-arm64';
}
