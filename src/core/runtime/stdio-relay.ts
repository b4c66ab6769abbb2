/**
 * The harness's stdio entry on a device: it forks the benchmark child exactly as this machine
 * does (Node IPC) and relays the JSON lines. The timed process is then the same locally and on
 * the device: a child driven over stdio measured 2-4% slower per run on the 85 µs sample CNN than
 * the same child forked with an IPC channel, which made SSH look slower than local (issue 16).
 *
 * The relay keeps the stdio channel's rules (exit when stdin closes or the heartbeats stop); the
 * forked child exits when the relay does (its IPC channel closes). A child killed by a signal
 * kills the relay with the same signal, so the parent's message names it.
 */
import { fork } from 'node:child_process';
import { stdioChannel } from './child-channel';
import type { ChildMessage, ParentMessage } from './types';

export function relayStdio(script: string, args: string[] = []): void {
  const parent = stdioChannel();
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.on('exit', () => child.kill('SIGKILL'));
  let writing: Promise<void> = Promise.resolve();
  child.on('message', (msg: ChildMessage) => { writing = writing.then(() => parent.send(msg)); });
  child.on('error', (e) => {
    writing = writing.then(() => parent.send({ type: 'error', kind: 'internal', message: `cannot start the benchmark process: ${e.message}` }));
    void writing.then(() => process.exit(1));
  });
  // 'close', not 'exit': it comes after the IPC channel has delivered the child's last message.
  child.on('close', (code, signal) => {
    void writing.then(() => {
      if (signal) process.kill(process.pid, signal);
      else process.exit(code ?? 1);
    });
  });
  void parent.receive().then((msg: ParentMessage) => { if (child.connected) child.send(msg); });
}
