/**
 * Bounds of a number a user gives (a CLI flag, a worker request, a recipe field): a value past
 * them is refused with a message that states them, instead of a run that never ends.
 */
export interface Range {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** `min` itself is excluded. */
  above?: boolean;
}

/** ONNX Runtime intra-op threads: more than this only thrashes (issue 22: 10,000 ran the load to 650). */
export const THREADS: Range = { min: 1, max: 256, integer: true };

/** A TCP port to listen on (0: any free one). */
export const PORT: Range = { min: 0, max: 65535, integer: true };

/** What is wrong with `n` ("must be a whole number from 1 to 256"), or undefined when it is inside `r`. */
export function rangeProblem(n: number, r: Range): string | undefined {
  const ok = Number.isFinite(n) && (!r.integer || Number.isInteger(n)) && n <= r.max && (r.above ? n > r.min : n >= r.min);
  if (ok) return undefined;
  return `must be ${r.integer ? 'a whole number' : 'a number'} ${r.above ? 'above' : 'from'} ${r.min} ${r.above ? 'and at most' : 'to'} ${r.max}`;
}
