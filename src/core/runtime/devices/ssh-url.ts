import * as os from 'node:os';
import { DeviceError } from './errors';

export interface SshEndpoint {
  user: string;
  host: string;
  port: number;
}

/** `ssh://[USER@]HOST[:PORT]` (IPv6 hosts in brackets); the user defaults to the local one, as ssh does. */
export function parseSshUrl(url: string): SshEndpoint {
  const m = /^ssh:\/\/(?:([^@/]+)@)?(\[[0-9a-fA-F:.]+\]|[^:/@[\]]+)(?::(\d+))?\/?$/.exec(url.trim());
  if (!m) throw new DeviceError('config', `'${url}' is not an SSH target: expected ssh://USER@HOST[:PORT]`);
  const port = m[3] ? Number(m[3]) : 22;
  if (!(port > 0 && port < 65536)) throw new DeviceError('config', `'${url}': port ${m[3]} is out of range`);
  return { user: m[1] ? decodeURIComponent(m[1]) : os.userInfo().username, host: m[2].replace(/^\[|\]$/g, ''), port };
}

export function formatSshUrl(ep: SshEndpoint): string {
  return `ssh://${ep.user}@${ep.host.includes(':') ? `[${ep.host}]` : ep.host}${ep.port === 22 ? '' : `:${ep.port}`}`;
}
