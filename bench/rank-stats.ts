/** Statistics for comparing a predicted ranking of layers with measured effects. */

/** Spearman rank correlation of two equally long value lists (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (xs: readonly number[]) => {
    const idx = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) { num += (ra[i] - ma) * (rb[i] - mb); da += (ra[i] - ma) ** 2; db += (rb[i] - mb) ** 2; }
  return num / Math.sqrt(da * db);
}

/** How many of `a` are in `b`. */
export function overlap(a: readonly string[], b: readonly string[]): number {
  const s = new Set(b);
  return a.filter((x) => s.has(x)).length;
}

/**
 * The top-1 cost of a change measured on the same images before and after (paired): `lost` images
 * the float model got right and the changed one wrong, `gained` the reverse. McNemar's z says how
 * many standard errors the net loss is from zero (z > 3: clearly real, not sampling noise).
 */
export interface PairedDrop { lost: number; gained: number; count: number }

export function dropPoints(d: PairedDrop): number {
  return (100 * (d.lost - d.gained)) / d.count;
}

export function mcnemarZ(d: PairedDrop): number {
  const n = d.lost + d.gained;
  return n === 0 ? 0 : (d.lost - d.gained) / Math.sqrt(n);
}
