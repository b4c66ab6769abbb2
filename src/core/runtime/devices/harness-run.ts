/**
 * One run of the harness on a device: start it through the device's shell, send it one message,
 * pass its messages on, and turn every way it can end into a result or a clear error. Cancelling
 * kills it (by pid, and by closing its stdin, on which it exits by itself).
 */
import * as readline from 'node:readline';
import { HEARTBEAT_MS, parseMessageLine } from '../child-channel';
import { BenchmarkError, type ChildMessage, type ParentMessage } from '../types';
import type { Device } from './device';
import { DeviceError } from './errors';
import { harnessCommand, MISSING_MARKER, type Installed } from './harness';
import { lastLine } from './shell';
import { trace } from '../../base/trace';

export interface HarnessHooks {
  signal?: AbortSignal;
  onMessage(msg: ChildMessage): void;
  /** What it is doing now, for the error when it dies ('runs'). */
  phase(): string;
  /** Files that must be on the device (relative to its folder): 'missing' instead of starting when one is not. */
  requires?: string[];
}

/** Runs the harness to its end; 'missing' when `requires` (or Node, onnxruntime, the script) is not there. */
export async function runHarness(device: Device, installed: Installed, script: string, message: ParentMessage, hooks: HarnessHooks): Promise<'done' | 'missing'> {
  if (hooks.signal?.aborted) throw new BenchmarkError('cancelled', 'benchmark cancelled');
  const proc = await device.spawn(harnessCommand(installed, script, hooks.requires));
  trace('device: harness command sent');
  let missing = false;
  let pid: number | undefined;
  let stderr = '';
  let ended = false;
  proc.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
  const lines = readline.createInterface({ input: proc.stdout, crlfDelay: Infinity });
  const linesDone = new Promise<void>((resolve) => lines.once('close', resolve));
  lines.on('line', (line) => {
    if (!pid && !missing) trace('device: first line from the harness');
    let msg: ChildMessage | undefined;
    try {
      msg = parseMessageLine(line);
    } catch {
      msg = undefined;
    }
    if (line === MISSING_MARKER) missing = true;
    if (!msg) {
      stderr = (stderr + line + '\n').slice(-4000);
      return;
    }
    if (msg.type === 'progress') pid = msg.progress.pid;
    if (msg.type === 'result' || msg.type === 'error' || msg.type === 'facts') ended = true;
    hooks.onMessage(msg);
  });
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    // The harness exits when its stdin closes; the kill covers a run stuck in native code.
    proc.stdin.end();
    proc.kill();
    if (pid) void device.run(`kill -9 ${pid} 2>/dev/null`).catch(() => undefined);
  };
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  proc.stdin.on('error', () => undefined);
  proc.stdin.write(`${JSON.stringify(message)}\n`);
  // The harness ends itself when these stop (child-channel.ts): the link may die without a close.
  const heartbeat = setInterval(() => { if (!proc.stdin.writableEnded) proc.stdin.write('\n'); }, HEARTBEAT_MS);
  const [status] = await Promise.all([proc.done, linesDone]).finally(() => clearInterval(heartbeat));
  hooks.signal?.removeEventListener('abort', onAbort);
  proc.stdin.end();
  if (cancelled) throw new BenchmarkError('cancelled', 'benchmark cancelled');
  if (ended) return 'done';
  if (missing && status.code === 0) return 'missing';
  const during = `during ${hooks.phase()}`;
  if (status.lost) {
    throw new DeviceError('lost', `${device.label}: the connection was lost ${during}${device.lost ? ` (${device.lost})` : ''}; the benchmark process there ends with it`);
  }
  const how = status.signal ? `was killed by SIG${status.signal}` : `exited with code ${status.code}`;
  const last = lastLine(stderr);
  if (status.code === 127 || /not found|No such file/.test(last)) {
    throw new DeviceError('setup-needed', `${device.label}: cannot start the harness (${last || how}); run: edgewise device setup ${device.name}`);
  }
  throw new BenchmarkError('crash', `${device.label}: the benchmark process ${how} ${during}${last ? `: ${last}` : ''}`);
}
