/** The params most requests share. Part of the worker's protocol (protocol.ts re-exports it), on their own so the areas' files can use them too. */

/** Params of every request about one model file. */
export interface ModelParams {
  /** Absolute path of the model file. */
  file: string;
}

/** Params of a long request that reports progress: the client fills `progressToken`. */
export interface ProgressParams {
  progressToken?: string;
}
