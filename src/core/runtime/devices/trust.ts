/**
 * What `edgewise device trust` and the Targets view's Trust action do: fetch the key a device's
 * SSH server offers, show its fingerprint, and add it to known_hosts once the user accepts
 * that fingerprint (a changed key only when asked to replace it).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Target } from '../targets';
import { DeviceError } from './errors';
import { addHostKey, checkHostKey, fingerprint, keyType } from './known-hosts';
import { DEFAULT_KNOWN_HOSTS, fetchHostKey } from './ssh-shell';
import { parseSshUrl } from './ssh-url';

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  /** SHA256:... as OpenSSH prints it. */
  fingerprint: string;
  status: 'known' | 'unknown' | 'changed' | 'revoked';
  /** The known hosts file it was checked against. */
  knownHosts: string;
  /** With 'changed': the key known_hosts has. */
  knownFingerprint?: string;
}

export function knownHostsFile(target: Target): string {
  const f = target.knownHosts;
  if (!f) return DEFAULT_KNOWN_HOSTS;
  return f === '~' || f.startsWith('~/') ? path.join(os.homedir(), f.slice(1)) : path.resolve(f);
}

async function offeredKey(target: Target): Promise<{ key: Buffer; info: HostKeyInfo }> {
  if (!target.ssh) throw new DeviceError('config', `${target.name} is not an SSH target: there is no host key to trust`);
  const ep = parseSshUrl(target.ssh);
  const key = await fetchHostKey(ep);
  const file = knownHostsFile(target);
  const check = checkHostKey(file, ep.host, ep.port, key);
  return {
    key,
    info: {
      host: ep.host, port: ep.port, keyType: keyType(key), fingerprint: fingerprint(key), status: check.status, knownHosts: file,
      knownFingerprint: check.status === 'changed' ? check.knownFingerprint : undefined,
    },
  };
}

/** The key the device offers now and what known_hosts says about it. */
export async function hostKeyStatus(target: Target): Promise<HostKeyInfo> {
  return (await offeredKey(target)).info;
}

/**
 * Adds the offered key to known_hosts. With `expectFingerprint` (what the user was shown), a
 * device offering any other key is refused.
 */
export async function trustHostKey(target: Target, options: { expectFingerprint?: string; replace?: boolean } = {}): Promise<HostKeyInfo> {
  const { key, info } = await offeredKey(target);
  if (options.expectFingerprint && options.expectFingerprint !== info.fingerprint) {
    throw new DeviceError('host-changed', `${info.host}:${info.port} now offers ${info.fingerprint}, not the ${options.expectFingerprint} you accepted; not trusting it`);
  }
  if (info.status === 'known') return info;
  try {
    addHostKey(info.knownHosts, info.host, info.port, key, options.replace);
  } catch (e) {
    throw new DeviceError('host-changed', `REFUSED: ${(e as Error).message}`);
  }
  return info;
}
