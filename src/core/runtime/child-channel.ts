/**
 * How the benchmark child talks to whoever started it: Node's IPC channel when forked on this
 * machine, JSON lines on stdin/stdout when started through a device's shell (SSH, qemu-user).
 * Over stdio the child exits when its stdin closes: a dropped connection or a cancelled run
 * leaves no process behind on the device. A device that drops off the network closes nothing
 * (sshd may wait for TCP to give up, many minutes, while the run goes on), so the parent also
 * sends an empty line every HEARTBEAT_MS and the child exits after PARENT_SILENCE_MS without one.
 */
import * as readline from 'node:readline';
import type { ChildMessage, ParentMessage } from './types';

/** Starts each message line on stdout, so stray output (a runtime's log) cannot be mistaken for one. */
export const MESSAGE_PREFIX = '\u001eedgewise ';

export const HEARTBEAT_MS = 5000;
export const PARENT_SILENCE_MS = 20_000;
const WATCH_MS = 1000;

export interface ParentChannel {
  receive(): Promise<ParentMessage>;
  send(msg: ChildMessage): Promise<void>;
}

export function ipcChannel(): ParentChannel {
  // The parent went away (killed, crashed): do not live on as an orphan.
  process.on('disconnect', () => process.exit(0));
  return {
    receive: () => new Promise((resolve) => process.once('message', (m: ParentMessage) => resolve(m))),
    send: (msg) => new Promise((resolve) => {
      if (!process.send) return resolve();
      process.send(msg, undefined, undefined, () => resolve());
    }),
  };
}

export function stdioChannel(): ParentChannel {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const first = new Promise<ParentMessage>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l) as ParentMessage)));
  lines.on('close', () => process.exit(0));
  process.stdout.on('error', () => process.exit(0));
  let heard = Date.now();
  let tick = heard;
  lines.on('line', () => { heard = Date.now(); });
  setInterval(() => {
    const now = Date.now();
    // A tick that comes late means the loop was busy: lines may be waiting unread, so wait a tick more.
    const late = now - tick > 2 * WATCH_MS;
    tick = now;
    if (!late && now - heard > PARENT_SILENCE_MS) process.exit(0);
  }, WATCH_MS).unref();
  return {
    receive: () => first,
    send: (msg) => new Promise((resolve) => process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(msg)}\n`, () => resolve())),
  };
}

/** The message on one line of a child's stdout, or undefined for any other output. */
export function parseMessageLine(line: string): ChildMessage | undefined {
  if (!line.startsWith(MESSAGE_PREFIX)) return undefined;
  return JSON.parse(line.slice(MESSAGE_PREFIX.length)) as ChildMessage;
}
