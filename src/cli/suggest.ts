/** The known name closest to a mistyped one (`thread` -> `threads`), or undefined when none is close. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    // A prefix of a known name (`--thread` for `--threads`, `--min` for `--min-duration`) counts as one edit.
    const d = k.startsWith(name) && name.length >= 3 ? 1 : editDistance(name, k);
    if (d < bestDistance) { best = k; bestDistance = d; }
  }
  // Up to a third of the name may be wrong (at least one letter): `--thred` yes, `--x` for `--json` no.
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** ` (did you mean X?)` when a known name is close, else ''. */
export function didYouMean(name: string, known: readonly string[], show = (k: string) => k): string {
  const k = closest(name, known);
  return k === undefined ? '' : ` (did you mean ${show(k)}?)`;
}
