/**
 * One frozen empty array that generated tensors share for the list fields they leave empty
 * (build.ts), instead of eight empty arrays each. Frozen: appending to it throws instead of
 * changing every tensor at once; code replaces such a list, never appends to it.
 */
export const EMPTY_LIST: readonly never[] = Object.freeze([]);
