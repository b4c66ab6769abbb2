import { BuiltinOperator, TensorType } from '../../formats/tflite/writer';
import { dataBytes, type TfliteGraph } from './graph';
import { INT8_OPS, type Int8Result } from './int8';
import type { ExportMode } from './weights';

/** Tensors by element type: how many, and the bytes of the constant ones. */
export type TensorTypeSummary = Record<string, { tensors: number; constants: number; bytes: number }>;

export function typeName(t: TensorType): string {
  return TensorType[t].toLowerCase();
}

/** The op histogram, tensor types, and the constraints delegates and TFLite Micro check. */
export function describeTfliteGraph(g: TfliteGraph) {
  const ops: Record<string, number> = {};
  for (const o of g.ops) ops[BuiltinOperator[o.op]] = (ops[BuiltinOperator[o.op]] ?? 0) + 1;
  const tensors: TensorTypeSummary = {};
  for (const t of g.tensors) {
    const s = (tensors[typeName(t.type)] ??= { tensors: 0, constants: 0, bytes: 0 });
    s.tensors++;
    if (t.data !== undefined) { s.constants++; s.bytes += dataBytes(t); }
  }
  const delegate = (mode: ExportMode, int8?: Int8Result) => {
    const notes = ['builtin operators only: no Flex (SELECT_TF_OPS) and no custom ops'];
    if (mode !== 'int8') return { builtinOnly: true as const, notes };
    const edge = new Set(['QUANTIZE', 'DEQUANTIZE']);
    const floatOps = int8?.floatOps ?? [];
    const allOpsInt8 = floatOps.length === 0 && g.ops.every((o) => INT8_OPS.has(o.op));
    if (allOpsInt8) notes.push(`every operator computes in int8 (${g.ops.filter((o) => edge.has(BuiltinOperator[o.op])).length} QUANTIZE/DEQUANTIZE at the float edges)`);
    else notes.push(`${floatOps.length} operator(s) stay float (no int8 kernel): ${floatOps.map((f) => `${f.op} from '${f.origin}'`).join(', ')}: integer-only accelerators cannot run them`);
    return { builtinOnly: true as const, allOpsInt8, notes };
  };
  return { ops, tensors, delegate };
}
