/** Counts of samples in `bins` equal-width bins from min to max (the last bin includes max). */
export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

export function histogram(samples: readonly number[], bins = 20): Histogram {
  if (samples.length === 0) return { min: 0, max: 0, counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) { if (s < min) min = s; if (s > max) max = s; }
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (const s of samples) counts[width === 0 ? 0 : Math.min(bins - 1, Math.floor((s - min) / width))]++;
  return { min, max, counts };
}
