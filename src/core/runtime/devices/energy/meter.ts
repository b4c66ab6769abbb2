/**
 * Energy per inference: the first readable source (RAPL, perf, INA3221, Raspberry Pi 5 PMIC)
 * measures an idle period (the baseline) and then the timed runs; the idle power times the runs'
 * duration is subtracted. Where no source is readable the report says why, never a number.
 */
import type { EnergyReport } from '../../types';
import { probeIna3221 } from './ina3221';
import { probePerf } from './perf';
import { probePiPmic } from './pi-pmic';
import { probeRapl } from './rapl';
import type { EnergyOptions, EnergySource, Probe } from './source';

export async function findEnergySource(options: EnergyOptions = {}): Promise<{ source?: EnergySource; reasons: string[] }> {
  const reasons: string[] = [];
  for (const probe of [probeRapl, probePerf, probeIna3221, probePiPmic] as ((o: EnergyOptions) => Probe | Promise<Probe>)[]) {
    const p = await probe(options);
    if ('source' in p) return { source: p.source, reasons };
    reasons.push(p.reason);
  }
  return { reasons };
}

/** Runs `work` (which returns how many inferences it ran) between energy readings. */
export async function measureEnergy<T>(source: EnergySource, idleMs: number, work: () => Promise<{ value: T; inferences: number }>): Promise<{ value: T; energy: EnergyReport }> {
  const idleStop = await source.start();
  const i0 = performance.now();
  await new Promise((r) => setTimeout(r, idleMs));
  const idleJoules = await idleStop();
  const idleWatts = idleJoules / ((performance.now() - i0) / 1000);

  const stop = await source.start();
  const t0 = performance.now();
  const { value, inferences } = await work();
  const seconds = (performance.now() - t0) / 1000;
  const joules = await stop();
  return {
    value,
    energy: {
      available: true, source: source.name, inferences, seconds, idleWatts, activeWatts: joules / seconds,
      joulesPerInference: (joules - idleWatts * seconds) / inferences, grossJoulesPerInference: joules / inferences,
    },
  };
}

export function unavailable(reasons: string[]): EnergyReport {
  return { available: false, reason: reasons.join('; ') };
}
