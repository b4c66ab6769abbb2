/**
 * One device Edgewise measures on: its shell (SSH, or this machine for the emulated device),
 * the folder there that holds what Edgewise installed, and whether it runs under qemu-user.
 * The connection opens on first use and can be reopened after it dropped (resumed uploads).
 */
import { DeviceError } from './errors';
import { q, run, type DeviceProcess, type DeviceShell, type RunResult } from './shell';
import { formatBytes } from '../../base/units';

export interface DeviceDescription {
  /** The target's name ('pi4', 'qemu-arm64', or the ssh:// URL it was given as). */
  name: string;
  /** 'ssh://pi@10.0.0.7:22', or 'this machine'. */
  address: string;
  /** Folder on the device for Node, onnxruntime, the harness and cached models (relative: to the home folder). */
  dir: string;
  /** The ARM64 builds run under qemu-user there: latency is emulated. */
  emulated: boolean;
  /** The device sees this machine's files (the emulated device here): nothing is uploaded. */
  sharesFiles: boolean;
}

export class Device {
  private current?: Promise<DeviceShell>;
  private lostReason?: string;

  constructor(readonly description: DeviceDescription, private readonly connect: () => Promise<DeviceShell>) {}

  get name(): string { return this.description.name; }
  get emulated(): boolean { return this.description.emulated; }

  /** The open shell, connecting on first use (or again after the connection dropped). */
  shell(): Promise<DeviceShell> {
    if (!this.current) {
      this.lostReason = undefined;
      const opening = this.connect().then((s) => {
        s.onLost((reason) => {
          this.lostReason = reason;
          if (this.current === opening) this.current = undefined;
        });
        return s;
      });
      this.current = opening;
      opening.catch(() => { if (this.current === opening) this.current = undefined; });
    }
    return this.current;
  }

  /** Why the last connection ended, if it dropped. */
  get lost(): string | undefined { return this.lostReason; }

  /** Drops the current connection (if any) and opens a new one. */
  async reconnect(): Promise<DeviceShell> {
    const old = this.current;
    this.current = undefined;
    if (old) old.then((s) => s.close(), () => undefined);
    return this.shell();
  }

  /** The command, run in the device's folder (created when missing). */
  inDir(command: string): string {
    return `mkdir -p ${q(this.description.dir)} && cd ${q(this.description.dir)} && ${command}`;
  }

  async spawn(command: string): Promise<DeviceProcess> {
    return (await this.shell()).spawn(this.inDir(command));
  }

  async run(command: string, input?: string | Buffer): Promise<RunResult> {
    return run(await this.shell(), this.inDir(command), input);
  }

  /** Stdout of a command that must succeed; otherwise an error naming the device and what failed. */
  async runChecked(command: string, what: string, input?: string | Buffer): Promise<string> {
    const r = await this.run(command, input);
    if (r.lost) throw new DeviceError('lost', `${this.label}: the connection was lost while ${what}`);
    if (r.code !== 0) {
      const why = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? `exit code ${r.code}`;
      if (/no space left/i.test(r.stderr)) throw await this.diskFull(what);
      throw new Error(`${this.label}: ${what} failed: ${why}`);
    }
    return r.stdout;
  }

  /** A disk-full error that says how much space there is and what to do. */
  async diskFull(what: string, neededBytes?: number): Promise<DeviceError> {
    const free = await this.freeBytes().catch(() => undefined);
    return new DeviceError('disk-full', `${this.label}: the disk is full (${what}): ${this.description.dir} has ` +
      `${free === undefined ? 'no' : formatBytes(free)} free${neededBytes ? `, ${formatBytes(neededBytes)} are needed` : ''}. ` +
      'Free space on the device, or point the target\'s "remoteDir" at a larger disk');
  }

  /** Free bytes on the device folder's file system. */
  async freeBytes(): Promise<number> {
    const out = await this.runChecked('df -Pk .', 'checking free space');
    const kb = Number(out.trim().split('\n').pop()?.trim().split(/\s+/)[3]);
    if (!Number.isFinite(kb)) throw new Error(`unexpected df output: ${out.trim()}`);
    return kb * 1024;
  }

  /** 'pi4 (ssh://pi@10.0.0.7)': how every message names the device. */
  get label(): string {
    const { name, address } = this.description;
    return name === address ? name : `${name} (${address})`;
  }

  close(): void {
    const c = this.current;
    this.current = undefined;
    c?.then((s) => s.close(), () => undefined);
  }
}
