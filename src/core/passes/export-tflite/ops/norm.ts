import { attrInt } from '../../../formats/onnx/model';
import { attrFloat } from '../../common';
import { BuiltinOperator, BuiltinOptions } from '../../../formats/tflite/writer';
import { AddOptions, MulOptions, ReducerOptions, SubOptions } from '../../../formats/tflite/fbs/schema_generated';
import type { ConvertContext } from '../context';
import { identity, storedAxis } from '../layout';

const add = { type: BuiltinOptions.AddOptions, write: (fb: Parameters<typeof AddOptions.createAddOptions>[0]) => AddOptions.createAddOptions(fb, 0, true) };
const mul = { type: BuiltinOptions.MulOptions, write: (fb: Parameters<typeof MulOptions.createMulOptions>[0]) => MulOptions.createMulOptions(fb, 0) };
const sub = { type: BuiltinOptions.SubOptions, write: (fb: Parameters<typeof SubOptions.createSubOptions>[0]) => SubOptions.createSubOptions(fb, 0, true) };
const keep = { type: BuiltinOptions.ReducerOptions, write: (fb: Parameters<typeof ReducerOptions.createReducerOptions>[0]) => ReducerOptions.createReducerOptions(fb, true) };

/**
 * LayerNormalization over the last axis, decomposed into builtins every runtime has (integer
 * kernels included): mean = MEAN(x); d = x - mean; var = MEAN(d * d); y = d * RSQRT(var + eps) * g + b.
 */
export function convertLayerNorm(ctx: ConvertContext): void {
  const node = ctx.node;
  const shape = ctx.shape(node.input[0]);
  const rank = shape.length;
  let axis = attrInt(node, 'axis', -1);
  if (axis < 0) axis += rank;
  if (axis !== rank - 1) ctx.fail('LayerNormalization over more than the last axis is not supported');
  if (node.output.length > 1 && (node.output[1] || node.output[2])) ctx.fail('LayerNormalization with Mean/InvStdDev outputs');
  const g = ctx.constFloat(node.input[1]);
  const b = node.input[2] ? ctx.constFloat(node.input[2]) : undefined;
  if (!g || (node.input[2] && !b)) ctx.fail('scale or bias computed at run time');
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const x = ctx.in(node.input[0], identity(rank));
  const reduced = [...shape.slice(0, -1), 1];
  const axes = ctx.tg.constI32(`${ctx.label}/axes`, [rank - 1]);
  const mean = ctx.temp('mean', reduced);
  ctx.emit(BuiltinOperator.MEAN, [x, axes], [mean], keep);
  const d = ctx.temp('centered', shape);
  ctx.emit(BuiltinOperator.SUB, [x, mean], [d], sub);
  const sq = ctx.temp('squared', shape);
  ctx.emit(BuiltinOperator.MUL, [d, d], [sq], mul);
  const variance = ctx.temp('variance', reduced);
  ctx.emit(BuiltinOperator.MEAN, [sq, axes], [variance], keep);
  const ve = ctx.temp('variance_eps', reduced);
  ctx.emit(BuiltinOperator.ADD, [variance, ctx.tg.constF32(`${ctx.label}/epsilon`, [], new Float32Array([eps]))], [ve], add);
  const inv = ctx.temp('inv_std', reduced);
  ctx.emit(BuiltinOperator.RSQRT, [ve], [inv]);
  const normed = ctx.temp('normalized', shape);
  ctx.emit(BuiltinOperator.MUL, [d, inv], [normed], mul);
  const width = shape[rank - 1];
  const gamma = ctx.tg.constF32(`${ctx.label}/scale`, [width], g.values.length === width ? g.values : new Float32Array(width).fill(g.values[0]));
  const y = ctx.out(node.output[0]);
  if (!b) { ctx.emit(BuiltinOperator.MUL, [normed, gamma], [y], mul); return; }
  const scaled = ctx.temp('scaled', shape);
  ctx.emit(BuiltinOperator.MUL, [normed, gamma], [scaled], mul);
  const beta = ctx.tg.constF32(`${ctx.label}/bias`, [width], b.values.length === width ? b.values : new Float32Array(width).fill(b.values[0]));
  ctx.emit(BuiltinOperator.ADD, [scaled, beta], [y], add);
}

/** A BatchNormalization not folded into a convolution: MUL and ADD with per-channel constants on the stored channel axis. */
export function convertBatchNorm(ctx: ConvertContext): void {
  const node = ctx.node;
  const v = ctx.value(node.input[0]);
  const rank = v.perm.length;
  const [g, beta, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constFloat(node.input[i]));
  if (!g || !beta || !mean || !variance) ctx.fail('statistics computed at run time (training mode)');
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const C = g.values.length;
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = g.values[c] / Math.sqrt(variance.values[c] + eps);
    shift[c] = beta.values[c] - mean.values[c] * scale[c];
  }
  // Shaped to broadcast over the stored layout: C on the axis that holds ONNX axis 1.
  const cShape = new Array(rank).fill(1);
  cShape[storedAxis(v.perm, 1)] = C;
  const mid = ctx.temp('scaled', ctx.tg.tensors[v.tensor].shape);
  ctx.emit(BuiltinOperator.MUL, [v.tensor, ctx.tg.constF32(`${ctx.label}/scale`, cShape, scale)], [mid], mul);
  const act = ctx.fuseActivation(node.output[0]);
  ctx.emit(BuiltinOperator.ADD, [mid, ctx.tg.constF32(`${ctx.label}/shift`, cShape, shift)], [ctx.out(act.out, v.perm)], {
    type: BuiltinOptions.AddOptions, write: (fb) => AddOptions.createAddOptions(fb, act.code, true),
  });
}
