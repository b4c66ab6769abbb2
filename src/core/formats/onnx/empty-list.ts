/**
 * One frozen empty array that generated tensors (build.ts) and decoded ones (fast-decode.ts)
 * share for the list fields they leave empty, instead of eight empty arrays each. Frozen: appending to it throws instead of
 * changing every tensor at once; code replaces such a list, never appends to it.
 */
export const EMPTY_LIST: readonly never[] = Object.freeze([]);

/** The list fields of a TensorProto and of an AttributeProto. */
export const TENSOR_LISTS = ['dims', 'floatData', 'int32Data', 'stringData', 'int64Data', 'externalData', 'doubleData', 'uint64Data', 'metadataProps'] as const;
export const ATTRIBUTE_LISTS = ['floats', 'ints', 'strings', 'tensors', 'graphs', 'sparseTensors', 'typeProtos'] as const;

/**
 * Points the message's empty lists among `keys` at EMPTY_LIST (the fast reader's decoded tensors:
 * a 200,000-node model's 130,000 of them then keep no million empty arrays for the GC to copy).
 */
export function shareEmptyLists<M extends object>(message: M, keys: readonly (keyof M)[]): void {
  for (const k of keys) if ((message[k] as unknown[]).length === 0) message[k] = EMPTY_LIST as M[keyof M];
}
