import type { Dim } from '../../graph/types';
import type { BlobFiles } from './model';
import { dtypeBits, milDtype as milDtypeOf, milShape } from './mil-types';
import { constStorage, immediateTensor, valueText } from './mil-values';
import { functionBlock, mainFunction } from './mil-walk';
import type { Block, Operation, Program } from './proto/mil_pb';
import { addWeight, type Counts } from './counts';

/** Inputs of constexpr ops that hold compressed weights, and what their storage is called. */
const COMPRESSED: Record<string, Record<string, 'palettized' | 'linear'>> = {
  constexpr_lut_to_dense: { indices: 'palettized' },
  constexpr_affine_dequantize: { quantized_data: 'linear' },
  constexpr_blockwise_shift_scale: { data: 'linear' },
};

/**
 * Ops of the main function (consts included), its consts as weights, and MACs of conv/linear/matmul
 * (the ops of loop bodies and branches counted once each).
 */
export function milCounts(program: Program, preferred: string | undefined, blobs: BlobFiles, c: Counts): void {
  const main = mainFunction(program, preferred);
  const block = main && functionBlock(main[1]);
  if (!block) return;
  const shapes = new Map<string, Dim[] | null>();
  const small = new Map<string, string>();
  for (const i of main[1].inputs) shapes.set(i.name, milShape(i.type));
  const labels = compressedLabels(block);
  const visit = (b: Block, top: boolean): void => {
    for (const i of b.inputs) shapes.set(i.name, milShape(i.type));
    for (const op of b.operations) {
      if (top) {
        c.nodes++;
        c.ops[op.type] = (c.ops[op.type] ?? 0) + 1;
      }
      c.nodesWithSubgraphs++;
      for (const o of op.outputs) shapes.set(o.name, milShape(o.type));
      if (op.type === 'const') {
        countConst(op, blobs, labels, c);
        const text = valueText(op.attributes.val);
        if (text !== undefined && op.outputs[0]) small.set(op.outputs[0].name, text);
      }
      const m = opMacs(op, shapes, small);
      if (m === null) c.macsUnknown++;
      else c.macs += m;
      for (const inner of op.blocks) visit(inner, false);
    }
  };
  visit(block, true);
}

function countConst(op: Operation, blobs: BlobFiles, labels: Map<string, string>, c: Counts): void {
  const out = op.outputs[0];
  const v = op.attributes.val;
  if (!out || !v || out.type?.type.case !== 'tensorType') return;
  const t = immediateTensor(v);
  if (t && (t.value.case === 'strings' || t.value.case === 'bools')) return;
  const s = constStorage(v, milDtypeOf(out.type.type.value.dataType), milShape(out.type), blobs);
  addWeight(c, labels.get(out.name) ?? s.dtype, s.bytes, s.elements);
}


/** 'palettized N-bit' / 'linear N-bit' for consts feeding compressed-weight ops. */
function compressedLabels(block: Block): Map<string, string> {
  const types = new Map<string, { dtype: string; shape: Dim[] | null }>();
  const out = new Map<string, string>();
  const visit = (b: Block): void => {
    for (const op of b.operations) {
      for (const o of op.outputs) if (o.type?.type.case === 'tensorType') types.set(o.name, { dtype: milDtypeOf(o.type.type.value.dataType), shape: milShape(o.type) });
      const params = COMPRESSED[op.type];
      if (params) {
        for (const [param, kind] of Object.entries(params)) {
          const name = bound(op, param);
          const t = name ? types.get(name) : undefined;
          if (!name || !t) continue;
          let bits = dtypeBits(t.dtype);
          if (kind === 'palettized' && bits >= 8) {
            // iOS 16 palettes: indices are packed bytes; the palette size says the bit depth.
            const lut = bound(op, 'lut');
            const lutShape = lut ? types.get(lut)?.shape : undefined;
            const entries = lutShape?.length === 1 && typeof lutShape[0] === 'number' ? lutShape[0] : 0;
            if (entries > 1) bits = Math.round(Math.log2(entries));
          }
          out.set(name, `${kind} ${bits}-bit`);
        }
      }
      for (const inner of op.blocks) visit(inner);
    }
  };
  visit(block);
  return out;
}

/** The single value name bound to an op's parameter, if any. */
export function bound(op: Operation, param: string): string | undefined {
  const b = op.inputs[param]?.arguments[0]?.binding;
  return b?.case === 'name' ? b.value : undefined;
}

const elems = (s: Dim[]): number => s.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);

/** MACs of conv / conv_transpose / linear / matmul (unknown dims count as 1); null when a shape is unknown. */
function opMacs(op: Operation, shapes: Map<string, Dim[] | null>, small: Map<string, string>): number | null {
  const shape = (param: string): Dim[] | null => { const n = bound(op, param); return n ? shapes.get(n) ?? null : null; };
  const out = milShape(op.outputs[0]?.type);
  switch (op.type) {
    case 'conv': {
      const w = shape('weight');
      return out && w && w.length >= 3 ? elems(out) * elems(w.slice(1)) : null;
    }
    case 'conv_transpose': {
      // weight [C_in, C_out / groups, k...]: each input element feeds C_out / groups * k outputs.
      const w = shape('weight'), x = shape('x');
      return x && w && w.length >= 3 ? elems(x) * elems(w.slice(1)) : null;
    }
    case 'linear': {
      const w = shape('weight');
      return out && w && w.length === 2 ? elems(out) * (typeof w[1] === 'number' ? w[1] : 1) : null;
    }
    case 'matmul': {
      const x = shape('x');
      if (!out || !x || x.length === 0) return null;
      const tx = scalarOf(op, 'transpose_x', small) === 'true';
      const k = x.length === 1 ? x[0] : tx ? x[x.length - 2] : x[x.length - 1];
      return elems(out) * (typeof k === 'number' ? k : 1);
    }
    default: return 0;
  }
}

/** A small constant bound to a parameter (inline, or through a const op), as text. */
function scalarOf(op: Operation, param: string, small: Map<string, string>): string | undefined {
  const b = op.inputs[param]?.arguments[0]?.binding;
  if (b?.case === 'value') return valueText(b.value);
  return b?.case === 'name' ? small.get(b.value) : undefined;
}
