/**
 * Linux powercap RAPL (Intel, and AMD through the same driver): package zones under
 * /sys/class/powercap/intel-rapl:N with `name` (package-N), `energy_uj` (a counter in
 * microjoules) and `max_energy_range_uj` (where it wraps to 0).
 */
import * as fs from 'node:fs';
import { readText, sysPath, type EnergyOptions, type EnergySource, type Probe } from './source';

interface Zone { name: string; dir: string; rangeUj: number }

function readCounter(zone: Zone): number {
  return Number(readText(`${zone.dir}/energy_uj`));
}

/** Microjoules between two readings of a counter that wraps at `rangeUj`. */
export function counterDelta(before: number, after: number, rangeUj: number): number {
  return after >= before ? after - before : after + (rangeUj - before);
}

export function probeRapl(options: EnergyOptions): Probe {
  const base = sysPath(options, 'sys/class/powercap');
  let entries: string[];
  try {
    entries = fs.readdirSync(base);
  } catch {
    return { reason: 'no RAPL powercap zones (/sys/class/powercap)' };
  }
  const zones: Zone[] = [];
  for (const e of entries.filter((x) => /^intel-rapl:\d+$/.test(x)).sort()) {
    const dir = `${base}/${e}`;
    let name: string;
    try {
      name = readText(`${dir}/name`);
    } catch {
      continue;
    }
    if (!name.startsWith('package')) continue;
    try {
      const rangeUj = Number(readText(`${dir}/max_energy_range_uj`));
      const zone = { name, dir, rangeUj };
      if (!Number.isFinite(readCounter(zone)) || !(rangeUj > 0)) return { reason: `RAPL ${name}: unreadable counter in ${dir}` };
      zones.push(zone);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES') return { reason: `RAPL ${dir}/energy_uj is readable only by root (Linux 5.10+); run as root or make it readable` };
      return { reason: `RAPL ${name}: ${(e as Error).message}` };
    }
  }
  if (!zones.length) return { reason: 'no RAPL package zone under /sys/class/powercap' };
  const source: EnergySource = {
    name: `RAPL ${zones.map((z) => z.name).join(' + ')} (powercap)`,
    async start() {
      const before = zones.map(readCounter);
      return async () => zones.reduce((j, z, i) => j + counterDelta(before[i], readCounter(z), z.rangeUj) / 1e6, 0);
    },
  };
  return { source };
}
