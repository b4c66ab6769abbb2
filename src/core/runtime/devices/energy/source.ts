/**
 * Where a device's energy can be read. A source either counts energy (RAPL, perf) or reports
 * instantaneous power that is sampled and integrated (Jetson's INA3221, Raspberry Pi 5's PMIC).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface EnergyOptions {
  /** Idle time measured before the timed runs for the baseline; default 1000 ms. */
  idleMs?: number;
  /** Root of the file system the readers look at (tests use a fake sysfs tree); default '/'. */
  root?: string;
  /** Folders searched for `perf` and `vcgencmd`; default $PATH. */
  binPath?: string[];
}

/** A running measurement: stop() returns the joules used since it started. */
export type EnergySpan = () => Promise<number>;

export interface EnergySource {
  /** Named in reports: 'RAPL package-0 (powercap)'. */
  name: string;
  start(): Promise<EnergySpan>;
}

/** A source, or why this device has none of that kind. */
export type Probe = { source: EnergySource } | { reason: string };

export function sysPath(options: EnergyOptions, ...parts: string[]): string {
  return path.join(options.root ?? '/', ...parts);
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

/** The executable `name` on the search path, or undefined. */
export function findBinary(name: string, options: EnergyOptions): string | undefined {
  const dirs = options.binPath ?? (process.env.PATH ?? '').split(path.delimiter);
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * Integrates sampled power (watts) over time with the trapezoid rule, sampling every
 * `intervalMs` in the background; the first and last samples are taken at start and stop.
 */
export function sampledSource(name: string, readWatts: () => Promise<number>, intervalMs: number): EnergySource {
  return {
    name,
    async start() {
      // The first and last samples stand for the moments start() and stop() were called.
      const t0 = performance.now();
      const samples: { t: number; w: number }[] = [{ t: t0, w: await readWatts() }];
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        readWatts().then((w) => samples.push({ t: performance.now(), w }), () => undefined).finally(() => { busy = false; });
      }, intervalMs);
      return async () => {
        clearInterval(timer);
        const t1 = performance.now();
        const last = await readWatts();
        // A background read that finished after stop() was called lies outside the span.
        const span = [...samples.filter((s) => s.t < t1), { t: t1, w: last }].sort((a, b) => a.t - b.t);
        let joules = 0;
        for (let i = 1; i < span.length; i++) joules += ((span[i].w + span[i - 1].w) / 2) * ((span[i].t - span[i - 1].t) / 1000);
        return joules;
      };
    },
  };
}
