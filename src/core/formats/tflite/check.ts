/** Bytes per element of the fixed-width TensorTypes (int4 packs two per byte; string, resource, variant vary). */
const TYPE_BYTES: Record<string, number> = {
  float32: 4, float16: 2, bfloat16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2, int8: 1, float64: 8,
  uint32: 4, uint16: 2, uint64: 8, complex64: 8, complex128: 16,
};

/** Bytes a dense tensor of `count` elements of `dtype` takes; undefined for variable-width types. */
export function denseBytes(dtype: string, count: number): number | undefined {
  if (dtype === 'int4') return Math.ceil(count / 2);
  const per = TYPE_BYTES[dtype];
  return per === undefined ? undefined : count * per;
}

/**
 * Why a tensor is inconsistent with what its file holds, as TFLite's interpreter requires it:
 * every dim >= 0, a safe element count, a constant's buffer exactly the bytes its shape needs
 * (sparse and variable-width tensors aside). Undefined when it is consistent. (Quantization axes
 * are not checked: real models give 1-D biases their filter's quantized_dimension.)
 */
export function tensorProblem(
  t: { shape: number[]; dtype: string; sparse: boolean; buffer: number },
  /** Bytes in the tensor's buffer; undefined when it has none (not a constant). */
  dataBytes: number | undefined,
): string | undefined {
  let count = 1;
  for (const d of t.shape) {
    if (d < 0) return `declares dim ${d} in its shape [${t.shape}]; every dim must be >= 0`;
    count *= d;
  }
  if (!Number.isSafeInteger(count)) return `declares shape [${t.shape}], ${count} elements: more than any file can hold`;
  if (dataBytes === undefined || t.sparse) return undefined;
  const need = denseBytes(t.dtype, count);
  if (need !== undefined && dataBytes !== need) return `has ${dataBytes} bytes of data in buffer ${t.buffer}, its shape [${t.shape}] as ${t.dtype} needs ${need}`;
  return undefined;
}
