import type { TypeProto } from './proto/onnx_pb';
import { dtypeName } from '../../tensor/dtypes';
import type { Dim } from '../../graph/types';

/** A value's element type (ONNX DataType code, 0 if unknown) and shape (null if unknown). */
export interface ValueType {
  dtype: number;
  shape: Dim[] | null;
}

/** Dims that inference could not work out. */
export const UNKNOWN_DIM = '?';

/** Readable type of a graph input/output: 'float32', 'sequence<float32>', 'map<int64,float32>'... */
export function typeName(tp: TypeProto | undefined): string {
  const v = tp?.value;
  switch (v?.case) {
    case 'tensorType': return dtypeName(v.value.elemType);
    case 'sparseTensorType': return `sparse<${dtypeName(v.value.elemType)}>`;
    case 'sequenceType': return `sequence<${typeName(v.value.elemType)}>`;
    case 'optionalType': return `optional<${typeName(v.value.elemType)}>`;
    case 'mapType': return `map<${dtypeName(v.value.keyType)},${typeName(v.value.valueType)}>`;
    default: return 'unknown';
  }
}

/** Element type and shape of a tensor type; shape null when the type records none. */
export function tensorType(tp: TypeProto | undefined): ValueType | undefined {
  const v = tp?.value;
  if (v?.case !== 'tensorType' && v?.case !== 'sparseTensorType') return undefined;
  const shape = v.value.shape
    ? v.value.shape.dim.map((d): Dim => {
      // A negative dim_value is not a size (ONNX allows none); taken as unknown.
      if (d.value.case === 'dimValue') return d.value.value >= 0n ? Number(d.value.value) : UNKNOWN_DIM;
      if (d.value.case === 'dimParam' && d.value.value) return d.value.value;
      return UNKNOWN_DIM;
    })
    : null;
  return { dtype: v.value.elemType, shape };
}
