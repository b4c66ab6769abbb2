/** Bad pruning input or a cancelled run: the message is one line naming the problem. */
export class PruneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PruneError';
  }
}

/** Progress callback: what is happening now, and the share done in [0, 1]. */
export type PruneProgress = (message: string, fraction: number) => void;

export function checkSparsity(s: number): void {
  if (!Number.isFinite(s) || s <= 0 || s >= 1) throw new PruneError(`sparsity must be a number strictly between 0 and 1, got ${s}`);
}
