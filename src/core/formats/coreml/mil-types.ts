import type { Dim, TensorInfo } from '../../graph/types';
import { DataType as MilDT, type ValueType } from './proto/mil_pb';

/** MIL data types in Edgewise dtype names, with their storage bits. */
const MIL_DTYPES: Record<number, [string, number]> = {
  [MilDT.BOOL]: ['bool', 8], [MilDT.STRING]: ['string', 0],
  [MilDT.FLOAT16]: ['float16', 16], [MilDT.FLOAT32]: ['float32', 32], [MilDT.FLOAT64]: ['float64', 64], [MilDT.BFLOAT16]: ['bfloat16', 16],
  [MilDT.INT8]: ['int8', 8], [MilDT.INT16]: ['int16', 16], [MilDT.INT32]: ['int32', 32], [MilDT.INT64]: ['int64', 64], [MilDT.INT4]: ['int4', 4],
  [MilDT.UINT8]: ['uint8', 8], [MilDT.UINT16]: ['uint16', 16], [MilDT.UINT32]: ['uint32', 32], [MilDT.UINT64]: ['uint64', 64],
  [MilDT.UINT4]: ['uint4', 4], [MilDT.UINT2]: ['uint2', 2], [MilDT.UINT1]: ['uint1', 1], [MilDT.UINT6]: ['uint6', 6], [MilDT.UINT3]: ['uint3', 3],
  [MilDT.FLOAT8E4M3FN]: ['float8e4m3fn', 8], [MilDT.FLOAT8E5M2]: ['float8e5m2', 8],
};

export function milDtype(code: number): string {
  return MIL_DTYPES[code]?.[0] ?? `unknown(${code})`;
}

/** Storage bits of a MIL data type (also a blob record's dtype name); 0 when variable or unknown. */
export function dtypeBits(dtype: string): number {
  for (const [name, bits] of Object.values(MIL_DTYPES)) if (name === dtype) return bits;
  return 0;
}

/** Dimensions of a tensor type: numbers, '?' for unknown ones; null for unknown rank. */
export function milShape(t: ValueType | undefined): Dim[] | null {
  if (t?.type.case !== 'tensorType') return null;
  const tt = t.type.value;
  if (tt.rank < 0n) return null;
  return tt.dimensions.map((d) => (d.dimension.case === 'constant' ? Number(d.dimension.value.size) : '?'));
}

/** A MIL type as text: 'float32', 'list<float32 [?, 128]>', 'tuple<...>', 'dict<...>', 'state<...>'. */
export function milTypeText(t: ValueType | undefined): string {
  const v = t?.type;
  switch (v?.case) {
    case 'tensorType': return milDtype(v.value.dataType);
    case 'listType': {
      const el = v.value.type;
      const shape = milShape(el);
      const len = v.value.length?.dimension.case === 'constant' ? `, ${v.value.length.dimension.value.size}` : '';
      return `list<${milTypeText(el)}${shape ? ` [${shape.join(', ')}]` : ''}${len}>`;
    }
    case 'tupleType': return `tuple<${v.value.types.map(milTypeText).join(', ')}>`;
    case 'dictionaryType': return `dict<${milTypeText(v.value.keyType)}, ${milTypeText(v.value.valueType)}>`;
    case 'stateType': return `state<${milTypeText(v.value.wrappedType)}>`;
    default: return 'unknown';
  }
}

export function milTensorInfo(name: string, t: ValueType | undefined): TensorInfo {
  return { name, dtype: milTypeText(t), shape: milShape(t) };
}
