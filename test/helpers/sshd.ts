/**
 * A real OpenSSH server (Debian's openssh-server) for tests: its own throwaway host key and user
 * key, bound to 127.0.0.1 on a free port, key authentication only. Optionally in a private mount
 * namespace with a small tmpfs (a device whose disk fills up), or in a network namespace at its
 * own address behind a veth link (helpers/netns.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestNetns } from './netns';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  dir: string;
  port: number;
  user: string;
  /** ssh://user@127.0.0.1:port */
  url: string;
  /** The user's private key (its public half is authorized). */
  identity: string;
  /** A known_hosts file that knows this server's host key. */
  knownHosts: string;
  /** The server's public host key line (`ssh-ed25519 AAAA...`). */
  hostKeyPub: string;
  /** A fresh folder on the "device" for Edgewise (inside `dir`, or on the small tmpfs). */
  deviceDir: string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Mount a tmpfs of this many KiB as the device folder, visible to the server only. */
  smallDiskKiB?: number;
  /** Run the server inside this network namespace, listening on its device address (port 22). */
  netns?: TestNetns;
}

/** The tests need the real server: its absence fails them (never a silent skip). */
function requireSshd(): void {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is not installed: apt-get install openssh-server openssh-client (.ci/run installs them)`);
}

/**
 * The command that starts sshd with a private tmpfs as the device folder: root makes the mount
 * namespace itself; anyone else in a user namespace (mapped to root to mount), then drops back
 * to their own uid in a nested one so sshd runs as that user, as it would unprivileged.
 */
function smallDiskCommand(kib: number, deviceDir: string, sshdArgs: string[]): [string, string[]] {
  const start = `${SSHD} ${sshdArgs.join(' ')}`;
  const mount = `mount -t tmpfs -o size=${kib}k edgewise-test ${deviceDir}`;
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return ['unshare', ['-m', 'sh', '-c', `${mount} && exec ${start}`]];
  const asUser = `unshare -U --map-user=${uid} --map-group=${process.getgid?.()} ${start}`;
  return ['unshare', ['-Urm', 'sh', '-c', `${mount} && exec ${asUser}`]];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function keygen(file: string, type = 'ed25519'): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'edgewise-test', '-f', file]);
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}

async function waitForBanner(host: string, port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, host);
      sock.once('data', (d) => { sock.destroy(); resolve(d.toString().startsWith('SSH-')); });
      sock.once('error', () => resolve(false));
      sock.setTimeout(1000, () => { sock.destroy(); resolve(false); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd did not answer on ${host}:${port}: ${stderr()}`);
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  requireSshd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-sshd-'));
  const hostKey = path.join(dir, 'host_ed25519');
  const hostKeyPub = keygen(hostKey);
  const identity = path.join(dir, 'user_ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${keygen(identity)}\n`);
  // Privilege separation needs this folder when sshd runs as root (the Debian service creates it).
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const deviceDir = path.join(dir, 'device');
  fs.mkdirSync(deviceDir);
  const user = os.userInfo().username;
  const host = options.netns?.deviceIp ?? '127.0.0.1';
  for (let attempt = 0; ; attempt++) {
    // A namespace of its own has every port free.
    const port = options.netns ? 22 : await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(config, [
      `ListenAddress ${host}`, `Port ${port}`, `HostKey ${hostKey}`, `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes', 'StrictModes no', 'UsePAM no', 'PermitRootLogin prohibit-password', 'LogLevel ERROR',
      'ClientAliveInterval 5', 'ClientAliveCountMax 2',
      // Bash sources ~/.bashrc for SSH commands unless it is a nested shell; this account's .bashrc
      // (pyenv) costs over a second per command, which would swamp every timing here.
      'SetEnv SHLVL=1', '',
    ].join('\n'));
    const args = ['-D', '-e', '-f', config];
    const [cmd, argv] = options.smallDiskKiB ? smallDiskCommand(options.smallDiskKiB, deviceDir, args)
      : options.netns ? options.netns.inside(SSHD, args) : [SSHD, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    try {
      await waitForBanner(host, port, child, () => stderr);
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt < 3 && /Address already in use/.test(stderr)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, `${port === 22 ? host : `[${host}]:${port}`} ${hostKeyPub}\n`);
    return {
      dir, port, user, url: `ssh://${user}@${host}:${port}`, identity, knownHosts, hostKeyPub, deviceDir,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
