/**
 * An inter-process lock on a folder: a lock file naming its owner (pid, host, and on Linux the
 * boot and the process start time, so a reused pid or a reboot is not mistaken for the owner).
 * A lock whose owner died (kill -9, power loss) is taken over. Creating the file with its content
 * in one step (link) means nobody reads a half-written owner.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { CancelledError, throwIfCancelled } from '../core/base/cancel';

interface Owner {
  pid: number;
  host: string;
  boot?: string;
  start?: string;
}

export interface LockOptions {
  /** Give up after this long (default: wait as long as the signal allows). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What the lock protects, for the timeout message. */
  what?: string;
}

export class LockTimeoutError extends Error {}

export interface FolderLock {
  release(): void;
}

export async function acquireLock(file: string, options: LockOptions = {}): Promise<FolderLock> {
  const me = JSON.stringify(currentOwner());
  const mine = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(mine, me);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let wait = 10;
  try {
    for (;;) {
      throwIfCancelled(options.signal);
      if (tryCreate(mine, file, me)) return { release: () => releaseLock(file, me) };
      const text = readText(file);
      if (text !== undefined && !ownerAlive(text)) {
        breakStale(file, text);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LockTimeoutError(`${options.what ?? file} is locked by another process (${describe(text)}); gave up after ${options.timeoutMs} ms`);
      }
      await sleep(Math.min(wait, Math.max(1, deadline - Date.now())), options.signal);
      wait = Math.min(wait * 2, 250);
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

function tryCreate(mine: string, file: string, content: string): boolean {
  try {
    fs.linkSync(mine, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
  }
  // File systems without hard links (FAT): exclusive create, then the content.
  try {
    fs.writeFileSync(file, content, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Moves a dead owner's lock aside. If another process replaced it meanwhile (it took over first),
 * the lock moved aside is theirs: it is put back.
 */
function breakStale(file: string, staleText: string): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (readText(aside) !== staleText) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // Somebody else holds it now; the displaced owner loses its lock (three-way race).
    }
  }
  fs.rmSync(aside, { force: true });
}

function releaseLock(file: string, me: string): void {
  if (readText(file) === me) fs.rmSync(file, { force: true });
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function ownerAlive(text: string): boolean {
  let owner: Owner;
  try {
    owner = JSON.parse(text) as Owner;
  } catch {
    // Written by the no-hard-link path and not finished yet: treat as alive.
    return true;
  }
  if (owner.host !== os.hostname()) return true; // Another machine (shared folder): cannot tell.
  const boot = bootId();
  if (owner.boot && boot && owner.boot !== boot) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.start) {
    const start = processStart(owner.pid);
    if (start && start !== owner.start) return false;
  }
  return true;
}

function currentOwner(): Owner {
  return { pid: process.pid, host: os.hostname(), boot: bootId(), start: processStart(process.pid) };
}

function bootId(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot (Linux /proc/PID/stat field 22). */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function describe(text: string | undefined): string {
  try {
    const o = JSON.parse(text ?? '') as Owner;
    return `pid ${o.pid} on ${o.host}`;
  } catch {
    return 'owner unknown';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(t);
      reject(new CancelledError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
