/**
 * NVIDIA Jetson's INA3221 power monitors. JetPack 5+ exposes them as hwmon devices named
 * `ina3221` (`inN_label` such as VDD_IN, `inN_input` in mV, `currN_input` in mA); JetPack 4 as
 * iio devices of the ina3221x driver (`rail_name_N`, `in_power N_input` in mW). The board's input
 * rail (VDD_IN, POM_5V_IN) is the whole module's power; without one, the rails are summed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readText, sampledSource, sysPath, type EnergyOptions, type Probe } from './source';

interface Rail { name: string; watts(): number }

const INPUT_RAIL = /^(VDD_IN|POM_5V_IN|VIN_SYS_5V0|VDD_5V_IN)$/i;
const SAMPLE_MS = 20;

function hwmonRails(options: EnergyOptions): Rail[] {
  const base = sysPath(options, 'sys/class/hwmon');
  const rails: Rail[] = [];
  let dirs: string[] = [];
  try {
    dirs = fs.readdirSync(base);
  } catch {
    return rails;
  }
  for (const d of dirs.sort()) {
    const dir = path.join(base, d);
    try {
      if (readText(path.join(dir, 'name')) !== 'ina3221') continue;
    } catch {
      continue;
    }
    for (let ch = 1; ch <= 3; ch++) {
      const mv = path.join(dir, `in${ch}_input`);
      const ma = path.join(dir, `curr${ch}_input`);
      if (!fs.existsSync(mv) || !fs.existsSync(ma)) continue;
      let name = `channel ${ch}`;
      try { name = readText(path.join(dir, `in${ch}_label`)); } catch { /* unlabelled */ }
      rails.push({ name, watts: () => (Number(readText(mv)) * Number(readText(ma))) / 1e6 });
    }
  }
  return rails;
}

function iioRails(options: EnergyOptions): Rail[] {
  const base = sysPath(options, 'sys/bus/i2c/drivers/ina3221x');
  const rails: Rail[] = [];
  let devices: string[] = [];
  try {
    devices = fs.readdirSync(base).filter((d) => /^\d+-[0-9a-f]{4}$/.test(d));
  } catch {
    return rails;
  }
  for (const dev of devices.sort()) {
    let iio: string[] = [];
    try { iio = fs.readdirSync(path.join(base, dev)).filter((d) => d.startsWith('iio:device')); } catch { continue; }
    for (const i of iio) {
      const dir = path.join(base, dev, i);
      for (let ch = 0; ch < 3; ch++) {
        const mw = path.join(dir, `in_power${ch}_input`);
        if (!fs.existsSync(mw)) continue;
        let name = `channel ${ch}`;
        try { name = readText(path.join(dir, `rail_name_${ch}`)); } catch { /* unnamed */ }
        rails.push({ name, watts: () => Number(readText(mw)) / 1000 });
      }
    }
  }
  return rails;
}

export function probeIna3221(options: EnergyOptions): Probe {
  const rails = [...hwmonRails(options), ...iioRails(options)];
  if (!rails.length) return { reason: 'no INA3221 rails (Jetson)' };
  const input = rails.find((r) => INPUT_RAIL.test(r.name));
  const used = input ? [input] : rails;
  try {
    for (const r of used) if (!Number.isFinite(r.watts())) throw new Error(`rail ${r.name} reads no number`);
  } catch (e) {
    return { reason: `INA3221: ${(e as Error).message}` };
  }
  const name = `INA3221 ${used.map((r) => r.name).join(' + ')}`;
  return { source: sampledSource(name, async () => used.reduce((w, r) => w + r.watts(), 0), SAMPLE_MS) };
}
