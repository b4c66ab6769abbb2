/**
 * Raspberry Pi 5's power management IC through `vcgencmd pmic_read_adc`, which prints each rail's
 * current (`VDD_CORE_A current(7)=1.87393600A`) and voltage (`VDD_CORE_V volt(15)=0.87950600V`).
 * Power is the sum of current times voltage over the rails that report both; the 5 V input
 * (EXT5V_V) has no current reading, so USB devices and the PMIC's own losses are not included.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findBinary, sampledSource, type EnergyOptions, type Probe } from './source';

const exec = promisify(execFile);
const SAMPLE_MS = 100;

/** Watts from one `pmic_read_adc` output, and the rails it summed. */
export function parsePmic(text: string): { watts: number; rails: number } {
  const amps = new Map<string, number>();
  const volts = new Map<string, number>();
  for (const m of text.matchAll(/^\s*(\S+)_([AV])\s+(?:current|volt)\(\d+\)=([\d.]+)[AV]\s*$/gm)) {
    (m[2] === 'A' ? amps : volts).set(m[1], Number(m[3]));
  }
  let watts = 0;
  let rails = 0;
  for (const [rail, a] of amps) {
    const v = volts.get(rail);
    if (v === undefined) continue;
    watts += a * v;
    rails++;
  }
  return { watts, rails };
}

export async function probePiPmic(options: EnergyOptions): Promise<Probe> {
  const vcgencmd = findBinary('vcgencmd', options);
  if (!vcgencmd) return { reason: 'no vcgencmd (Raspberry Pi 5 PMIC)' };
  const read = async () => parsePmic((await exec(vcgencmd, ['pmic_read_adc'])).stdout);
  try {
    const first = await read();
    if (!first.rails) return { reason: 'vcgencmd pmic_read_adc reports no rails (a Raspberry Pi before the 5 has no PMIC readings)' };
  } catch (e) {
    return { reason: `vcgencmd pmic_read_adc failed: ${(e as Error).message.split('\n')[0]}` };
  }
  return { source: sampledSource('Raspberry Pi 5 PMIC rails (vcgencmd pmic_read_adc)', async () => (await read()).watts, SAMPLE_MS) };
}
