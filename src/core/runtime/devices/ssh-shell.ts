/**
 * A device over SSH (the `ssh2` package): host keys checked against known_hosts before anything
 * else, key or agent authentication only (Edgewise never asks for, sends or stores a password).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, utils, type AnyAuthMethod, type ClientChannel } from 'ssh2';
import { DeviceError } from './errors';
import { checkHostKey, fingerprint, keyType, knownKeyTypes, type HostKeyCheck } from './known-hosts';
import type { DeviceProcess, DeviceShell, ExitStatus } from './shell';
import type { SshEndpoint } from './ssh-url';
import { formatDuration } from '../../base/units';

export interface SshConnectOptions {
  /** Private key file; without it, the agent (SSH_AUTH_SOCK) and ~/.ssh/id_* are offered. */
  identity?: string;
  /** Default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /** How the user names this device, for the `edgewise device trust NAME` advice. */
  name: string;
  /** Connect and handshake time limit; default 10 s. */
  timeoutMs?: number;
  /** Accept any host key and report it (only `device trust` uses this, to learn the key). */
  learnHostKey?: (key: Buffer) => void;
}

export const DEFAULT_KNOWN_HOSTS = path.join(os.homedir(), '.ssh', 'known_hosts');
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(os.homedir(), '.ssh', k));
const HOST_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

interface Keys { methods: AnyAuthMethod[]; offered: string[]; skipped: string[] }

function authMethods(user: string, identity?: string): Keys {
  const keys: Keys = { methods: [], offered: [], skipped: [] };
  const files = identity ? [identity] : DEFAULT_KEYS.filter((f) => fs.existsSync(f));
  for (const file of files) {
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (e) {
      throw new DeviceError('auth', `${file}: cannot read the identity file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const parsed = utils.parseKey(data);
    if (parsed instanceof Error) {
      const why = /passphrase/i.test(parsed.message) ? 'it is protected by a passphrase: load it into your SSH agent (ssh-add) instead' : parsed.message;
      if (identity) throw new DeviceError('auth', `${file}: cannot use this key: ${why}`);
      keys.skipped.push(`${file} (${why})`);
      continue;
    }
    keys.methods.push({ type: 'publickey', username: user, key: data });
    keys.offered.push(file);
  }
  if (process.env.SSH_AUTH_SOCK) {
    keys.methods.push({ type: 'agent', username: user, agent: process.env.SSH_AUTH_SOCK });
    keys.offered.push('the SSH agent\'s keys');
  }
  return keys;
}

function hostKeyError(check: HostKeyCheck, key: Buffer, ep: SshEndpoint, knownHosts: string, name: string): DeviceError {
  const where = `${ep.host}:${ep.port}`;
  const offered = `${keyType(key)} ${fingerprint(key)}`;
  if (check.status === 'unknown') {
    return new DeviceError('host-unknown', `the host key of ${where} is not known (${offered}, not in ${knownHosts}). ` +
      `If that is your device's key, trust it with: edgewise device trust ${name}`);
  }
  if (check.status === 'revoked') return new DeviceError('host-changed', `the host key of ${where} (${offered}) is REVOKED in ${knownHosts}:${check.line}; refusing to connect`);
  return new DeviceError('host-changed', `REFUSED: THE HOST KEY OF ${where} HAS CHANGED. ${knownHosts}:${check.status === 'changed' ? check.line : '?'} ` +
    `knows it as ${check.status === 'changed' ? `${check.knownType} ${check.knownFingerprint}` : '?'}, it now offers ${offered}. ` +
    'Someone may be intercepting the connection, or the device was reinstalled. Only if you know it was reinstalled: ' +
    `edgewise device trust ${name} --replace`);
}

function connectionError(e: Error & { code?: string; level?: string }, ep: SshEndpoint, timeoutMs: number, keys: Keys): DeviceError {
  const where = `${ep.host}:${ep.port}`;
  if (e.level === 'client-authentication') {
    const skipped = keys.skipped.length ? `; not usable: ${keys.skipped.join(', ')}` : '';
    return new DeviceError('auth', `${ep.user}@${where} refused the key(s) offered (${keys.offered.join(', ') || 'none'}${skipped}). ` +
      `Add your public key to ~${ep.user}/.ssh/authorized_keys on the device, or pass --identity FILE`);
  }
  if (e.level === 'client-timeout') return new DeviceError('unreachable', `cannot reach ${where}: no SSH handshake within ${formatDuration(timeoutMs)}`);
  const reason = e.code === 'ECONNREFUSED' ? 'connection refused (is sshd running on that port?)'
    : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? 'no such host name'
      : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' ? 'no route to the host' : e.message;
  return new DeviceError('unreachable', `cannot reach ${where}: ${reason}`);
}

/** Opens an SSH connection after checking the host key; rejects with a DeviceError. */
export function connectSsh(ep: SshEndpoint, options: SshConnectOptions): Promise<SshShell> {
  const knownHosts = options.knownHosts ?? DEFAULT_KNOWN_HOSTS;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const keys = options.learnHostKey ? { methods: [], offered: [], skipped: [] } : authMethods(ep.user, options.identity);
  if (!options.learnHostKey && keys.methods.length === 0) {
    throw new DeviceError('auth', `no SSH key to offer to ${ep.host}:${ep.port}: pass --identity FILE (or the target's "identity"), or start ssh-agent` +
      (keys.skipped.length ? ` (not usable: ${keys.skipped.join(', ')})` : ''));
  }
  // Ask for a key type the host is known by first, so a host with several keys offers that one.
  const known = knownKeyTypes(knownHosts, ep.host, ep.port);
  const serverHostKey = [...HOST_KEY_TYPES.filter((t) => known.includes(t)), ...HOST_KEY_TYPES.filter((t) => !known.includes(t))];

  return new Promise((resolve, reject) => {
    const client = new Client();
    let refused: DeviceError | undefined;
    let settled = false;
    const fail = (e: DeviceError) => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      client.end();
      reject(e);
    };
    // ssh2's handshake timer does not cover the name lookup; this one covers everything.
    const overall = setTimeout(() => fail(new DeviceError('unreachable', `cannot reach ${ep.host}:${ep.port}: no SSH handshake within ${formatDuration(timeoutMs + 2000)}`)), timeoutMs + 2000);
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      resolve(new SshShell(client));
    });
    client.on('error', (e) => fail(refused ?? connectionError(e, ep, timeoutMs, keys)));
    client.on('close', () => fail(refused ?? new DeviceError('unreachable', `${ep.host}:${ep.port} closed the connection during the SSH handshake`)));
    client.connect({
      host: ep.host, port: ep.port, username: ep.user, readyTimeout: timeoutMs,
      keepaliveInterval: 5000, keepaliveCountMax: 3,
      algorithms: { serverHostKey: serverHostKey as never },
      authHandler: keys.methods,
      hostVerifier: (key: Buffer) => {
        if (options.learnHostKey) {
          options.learnHostKey(key);
          refused = new DeviceError('host-unknown', 'host key learned');
          return false;
        }
        const check = checkHostKey(knownHosts, ep.host, ep.port, key);
        if (check.status === 'known') return true;
        refused = hostKeyError(check, key, ep, knownHosts, options.name);
        return false;
      },
    });
  });
}

/** The host key host:port offers, fetched without logging in. */
export async function fetchHostKey(ep: SshEndpoint, timeoutMs?: number): Promise<Buffer> {
  let key: Buffer | undefined;
  try {
    (await connectSsh(ep, { name: '', timeoutMs, learnHostKey: (k) => { key = k; } })).close();
  } catch (e) {
    if (!key) throw e;
  }
  if (!key) throw new DeviceError('unreachable', `${ep.host}:${ep.port} offered no host key`);
  return key;
}

class SshShell implements DeviceShell {
  readonly sharesFiles = false;
  private closing = false;
  private readonly lostListeners: ((reason: string) => void)[] = [];

  constructor(private readonly client: Client) {
    const lost = (reason: string) => {
      if (this.closing) return;
      this.closing = true;
      for (const l of this.lostListeners) l(reason);
    };
    client.on('error', (e) => lost(e.message));
    client.on('close', () => lost('the connection closed'));
  }

  spawn(command: string): DeviceProcess {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let channel: ClientChannel | undefined;
    let killed = false;
    const done = new Promise<ExitStatus>((resolve) => {
      let status: ExitStatus | undefined;
      const finish = (s: ExitStatus) => {
        stdout.end();
        stderr.end();
        resolve(s);
      };
      this.client.exec(command, (err, ch) => {
        if (err) return finish({ code: null, signal: null, lost: true });
        channel = ch;
        if (killed) ch.signal('KILL');
        stdin.pipe(ch);
        ch.pipe(stdout, { end: false });
        ch.stderr.pipe(stderr, { end: false });
        ch.on('exit', (code: number | null, signal?: string) => {
          status = { code: signal ? null : code, signal: signal ? signal.replace(/^SIG/, '') : null };
        });
        ch.on('close', () => finish(status ?? { code: null, signal: null, lost: true }));
      });
    });
    return {
      stdin, stdout, stderr, done,
      kill: () => {
        killed = true;
        if (!channel) return;
        channel.signal('KILL');
        channel.close();
      },
    };
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  close(): void {
    this.closing = true;
    this.client.end();
  }
}
