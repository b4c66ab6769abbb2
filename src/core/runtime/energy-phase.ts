import { findEnergySource, measureEnergy, unavailable } from './devices/energy/meter';
import type { EnergyOptions } from './devices/energy/source';
import type { EnergyReport } from './types';

const DEFAULT_IDLE_MS = 1000;

/**
 * Runs a benchmark's timed loop, with energy measured around it (after an idle baseline) when the
 * machine it runs on has a readable power source; `energy` says why not otherwise.
 */
export async function timedWithEnergy(options: EnergyOptions | undefined, loop: () => Promise<number[]>): Promise<{ samples: number[]; energy?: EnergyReport }> {
  if (!options) return { samples: await loop() };
  const { source, reasons } = await findEnergySource(options);
  if (!source) return { samples: await loop(), energy: unavailable(reasons) };
  let samples: number[] | undefined;
  let loopError: unknown;
  try {
    const m = await measureEnergy(source, options.idleMs ?? DEFAULT_IDLE_MS, async () => {
      try {
        samples = await loop();
      } catch (e) {
        loopError = e;
        throw e;
      }
      return { value: samples, inferences: samples.length };
    });
    return { samples: m.value, energy: m.energy };
  } catch (e) {
    if (loopError) throw loopError;
    // The source failed (perf refused the event, a rail stopped answering): the runs still count.
    return { samples: samples ?? await loop(), energy: unavailable([`${source.name}: ${(e as Error).message.split('\n')[0]}`]) };
  }
}
