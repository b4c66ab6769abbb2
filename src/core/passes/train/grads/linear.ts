import { attrInt } from '../../../formats/onnx/model';
import { attrFloat } from '../../common';
import { dy, unbroadcast, type GradContext, type GradRule } from '../grad-rule';

/**
 * Gemm: Y = alpha A' B' + beta C with A' = transA ? A^T : A (B likewise).
 * dA' = alpha dY B'^T and dB' = alpha A'^T dY, each written as one Gemm with transpose flags.
 */
const gemm: GradRule = {
  inputs: [0, 1, 2],
  grad(c) {
    const g = dy(c);
    const [a, b, bias] = c.node.input;
    const alpha = attrFloat(c.node, 'alpha', 1);
    const beta = attrFloat(c.node, 'beta', 1);
    const ta = attrInt(c.node, 'transA', 0) === 1;
    const tb = attrInt(c.node, 'transB', 0) === 1;
    const gemmOp = (x: string, y: string, transA: boolean, transB: boolean) =>
      c.e.op('Gemm', [x, y], { alpha: { float: alpha }, transA: transA ? 1 : 0, transB: transB ? 1 : 0 });
    const da = !c.needs[0] ? undefined : ta ? gemmOp(b, g, tb, true) : gemmOp(g, b, false, !tb);
    const db = !c.needs[1] ? undefined : tb ? gemmOp(g, a, true, ta) : gemmOp(a, g, !ta, false);
    const dc = c.needs[2] && bias ? c.e.scale(unbroadcast(c, g, c.shape(bias), c.shape(c.node.output[0])), beta) : undefined;
    return [da, db, dc];
  },
};

/** Swaps the last two axes of a value of the given rank. */
function swapLast(c: GradContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return c.e.transpose(x, perm);
}

/**
 * MatMul with numpy semantics: 1-D operands are promoted (A to [1, K], B to [K, 1]) and the
 * promoted axis dropped from the result; batch axes broadcast. dA = dY B^T, dB = A^T dY, each
 * summed over the batch axes its operand was broadcast along.
 */
const matmul: GradRule = {
  inputs: [0, 1],
  grad(c) {
    const [a, b] = c.node.input;
    const sa = c.shape(a);
    const sb = c.shape(b);
    // Work on rank >= 2 operands: promote 1-D ones and put the dropped axis back into dY.
    let g = dy(c);
    const a2 = sa.length === 1 ? c.e.unsqueeze(a, [0]) : a;
    const b2 = sb.length === 1 ? c.e.unsqueeze(b, [1]) : b;
    const pa = sa.length === 1 ? [1, ...sa] : sa;
    const pb = sb.length === 1 ? [...sb, 1] : sb;
    if (sa.length === 1) g = c.e.unsqueeze(g, [-2]);
    if (sb.length === 1) g = c.e.unsqueeze(g, [-1]);
    const outShape = [...broadcastBatch(pa, pb), pa[pa.length - 2], pb[pb.length - 1]];
    let da: string | undefined;
    let db: string | undefined;
    if (c.needs[0]) {
      const full = c.e.op('MatMul', [g, swapLast(c, b2, pb.length)]);
      da = unbroadcast(c, full, pa, [...outShape.slice(0, -1), pa[pa.length - 1]]);
      if (sa.length === 1) da = c.e.squeeze(da, [0]);
    }
    if (c.needs[1]) {
      const [k, n] = pb;
      if (pb.length === 2 && pa.length > 2 && typeof k === 'number' && typeof n === 'number') {
        // A linear layer on batched input: one [K, M'] x [M', N] product instead of a batch of them.
        const flatA = c.e.reshape(a2, c.e.ints([-1, k]));
        const flatG = c.e.reshape(g, c.e.ints([-1, n]));
        db = c.e.op('Gemm', [flatA, flatG], { transA: 1 });
      } else {
        const full = c.e.op('MatMul', [swapLast(c, a2, pa.length), g]);
        db = unbroadcast(c, full, pb, [...outShape.slice(0, -2), pb[pb.length - 2], pb[pb.length - 1]]);
      }
      if (sb.length === 1) db = c.e.squeeze(db, [1]);
    }
    return [da, db];
  },
};

function broadcastBatch(a: (number | string)[], b: (number | string)[]): (number | string)[] {
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const n = Math.max(ba.length, bb.length);
  const out: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    const x = ba[ba.length - n + i] ?? 1;
    const y = bb[bb.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export const LINEAR_GRADS: Record<string, GradRule> = { Gemm: gemm, MatMul: matmul };
