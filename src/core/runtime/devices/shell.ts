/**
 * A device's shell: run a POSIX shell command there, with pipes. Every device operation
 * (probing, uploads, installing, benchmarking) is a shell command over this one interface, so
 * a device over SSH and the emulated device on this machine share all the code above it.
 */
import type { Readable, Writable } from 'node:stream';

export interface ExitStatus {
  code: number | null;
  /** The signal that ended the process ('KILL', 'SEGV'), without the SIG prefix. */
  signal: string | null;
  /** The connection to the device ended before the process reported how it exited. */
  lost?: boolean;
}

export interface DeviceProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Settles once the process has exited (or the connection ended) and its output is drained. */
  done: Promise<ExitStatus>;
  /** Ends the process (best effort; the harness also exits when its stdin closes). */
  kill(): void;
}

export interface DeviceShell {
  /** The device sees this machine's files (the emulated device): nothing needs uploading. */
  readonly sharesFiles: boolean;
  /** Runs `command` with `sh -c` in the user's home folder (SSH) or the current folder. */
  spawn(command: string): DeviceProcess;
  /** Emitted when the connection ends unexpectedly. */
  onLost(listener: (reason: string) => void): void;
  close(): void;
}

export interface RunResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** Runs a short command to its end, collecting its output; `input` is written to its stdin. */
export async function run(shell: DeviceShell, command: string, input?: string | Buffer): Promise<RunResult> {
  const p = shell.spawn(command);
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  p.stdin.on('error', () => undefined);
  p.stdin.end(input);
  const status = await p.done;
  return { ...status, stdout, stderr };
}

export function describeExit(s: ExitStatus): string {
  if (s.lost) return 'the connection was lost';
  return s.signal ? `killed by SIG${s.signal}` : `exit code ${s.code}`;
}

export function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
}

/** One argument for `sh`: single-quoted, with embedded quotes escaped. */
export function q(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
