import type { QuantInfo } from '../../graph/types';
import { toFloat32, viewBytes } from '../../tensor/views';
import { DataType, dtypeCode } from '../../tensor/dtypes';
import { bufferBytes, type TfliteModel, type TfliteTensor } from './model';
import { elementCount } from './view';

/**
 * A constant tensor's values as float32, dequantized (scale * (q - zero_point), per channel along
 * the quantized dimension) when it carries quantization parameters. Null for types without a
 * numeric value (string, resource, variant), sparse tensors, or data shorter than the shape needs.
 */
export function tensorValues(model: TfliteModel, t: TfliteTensor): Float32Array | null {
  if (t.dtype === 'string' || t.dtype === 'resource' || t.dtype === 'variant' || t.dtype.startsWith('unknown')) return null;
  // A sparse tensor's buffer holds only its non-zero values (plus index metadata elsewhere).
  if (t.sparse) return null;
  const count = elementCount(t.shape);
  const bytes = bufferBytes(model, t.buffer);
  let values: Float32Array;
  try {
    values = t.dtype === 'int4' ? unpackInt4(bytes, count) : copyFloat32(dtypeCode(t.dtype), bytes, count);
  } catch {
    return null;
  }
  if (t.quant && !isFloatType(t.dtype)) dequantize(values, t.shape, t.quant);
  return values;
}

function isFloatType(dtype: string): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'float64' || dtype === 'bfloat16';
}

function copyFloat32(code: number, bytes: Uint8Array, count: number): Float32Array {
  const data = viewBytes(code, bytes, count);
  const f = toFloat32(code, data);
  // toFloat32 returns float32 data as the same view; copy so dequantizing never writes into the file bytes.
  return code === DataType.float32 ? new Float32Array(f) : f;
}

/** Signed 4-bit values, two per byte, low nibble first. */
function unpackInt4(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.byteLength < Math.ceil(count / 2)) throw new Error('short int4 data');
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const nibble = (bytes[i >> 1] >> ((i & 1) * 4)) & 0xf;
    out[i] = nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}

function dequantize(values: Float32Array, shape: number[], q: QuantInfo): void {
  const channels = q.scale.length;
  if (channels === 1 || q.axis === undefined) {
    const s = q.scale[0], z = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < values.length; i++) values[i] = s * (values[i] - z);
    return;
  }
  const axis = q.axis;
  const inner = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const dim = shape[axis] ?? channels;
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % dim;
    values[i] = (q.scale[c] ?? q.scale[0]) * (values[i] - (q.zeroPoint[c] ?? 0));
  }
}
