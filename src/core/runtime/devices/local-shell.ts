import { spawn } from 'node:child_process';
import type { DeviceProcess, DeviceShell, ExitStatus } from './shell';

/** The shell of this machine: the emulated ARM64 device runs here, on this machine's files. */
export class LocalShell implements DeviceShell {
  readonly sharesFiles = true;

  spawn(command: string): DeviceProcess {
    // Its own process group, so kill() also ends whatever the command started.
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'pipe', detached: true });
    const done = new Promise<ExitStatus>((resolve) => {
      child.on('error', () => resolve({ code: 127, signal: null }));
      child.on('close', (code, signal) => resolve({ code, signal: signal ? signal.replace(/^SIG/, '') : null }));
    });
    return {
      stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, done,
      kill: () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      },
    };
  }

  onLost(): void {
    // A local process cannot lose its connection.
  }

  close(): void {
    // Nothing held open.
  }
}
