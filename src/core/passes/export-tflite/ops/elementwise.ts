import type { NodeProto } from '../../../formats/onnx/proto/onnx_pb';
import { attrString } from '../../../formats/onnx/model';
import { attrFloat } from '../../common';
import { BuiltinOperator, BuiltinOptions } from '../../../formats/tflite/writer';
import { AddOptions, DivOptions, GeluOptions, LeakyReluOptions, MulOptions, SubOptions } from '../../../formats/tflite/fbs/schema_generated';
import { clipRange, type ConvertContext } from '../context';
import { constantForLayout, identity, type Perm } from '../layout';

const BINARY: Record<string, BuiltinOperator> = {
  Add: BuiltinOperator.ADD, Sub: BuiltinOperator.SUB, Mul: BuiltinOperator.MUL, Div: BuiltinOperator.DIV,
  Max: BuiltinOperator.MAXIMUM, Min: BuiltinOperator.MINIMUM, Pow: BuiltinOperator.POW,
};

const FUSABLE = new Set<BuiltinOperator>([BuiltinOperator.ADD, BuiltinOperator.SUB, BuiltinOperator.MUL, BuiltinOperator.DIV]);

function binaryOptions(op: BuiltinOperator, act: number) {
  switch (op) {
    case BuiltinOperator.ADD: return { type: BuiltinOptions.AddOptions, write: (fb: Parameters<typeof AddOptions.createAddOptions>[0]) => AddOptions.createAddOptions(fb, act, true) };
    case BuiltinOperator.SUB: return { type: BuiltinOptions.SubOptions, write: (fb: Parameters<typeof SubOptions.createSubOptions>[0]) => SubOptions.createSubOptions(fb, act, true) };
    case BuiltinOperator.MUL: return { type: BuiltinOptions.MulOptions, write: (fb: Parameters<typeof MulOptions.createMulOptions>[0]) => MulOptions.createMulOptions(fb, act) };
    case BuiltinOperator.DIV: return { type: BuiltinOptions.DivOptions, write: (fb: Parameters<typeof DivOptions.createDivOptions>[0]) => DivOptions.createDivOptions(fb, act) };
    default: return undefined;
  }
}

/**
 * Inputs of an elementwise op in one layout: that of the first computed input of the output's
 * rank; constants are laid out to match once, here. A computed input of lower rank under a
 * non-ONNX layout brings everything back to ONNX order.
 */
export function elementwiseInputs(ctx: ConvertContext, names: string[], outName: string): { tensors: number[]; perm: Perm } {
  const rank = ctx.shape(outName).length;
  const computed = names.filter((n) => !ctx.isConst(n));
  let perm = identity(rank);
  const lead = computed.find((n) => ctx.shape(n).length === rank);
  if (lead) perm = ctx.value(lead).perm;
  if (computed.some((n) => ctx.shape(n).length !== rank)) perm = identity(rank);
  const tensors = names.map((n) => {
    if (!ctx.isConst(n)) return ctx.in(n, ctx.shape(n).length === rank ? perm : identity(ctx.shape(n).length));
    const c = ctx.constFloat(n)!;
    if (c.dims.length > rank) ctx.fail(`constant '${n}' has more dimensions than the result`);
    const laid = constantForLayout(c.values, c.dims, rank, perm);
    return ctx.tg.constF32(`${ctx.label}/${n}`, laid.shape, laid.values);
  });
  return { tensors, perm };
}

export function convertBinary(ctx: ConvertContext): void {
  const node = ctx.node;
  if (node.opType === 'Div' && tryGelu(ctx)) return;
  let op = BINARY[node.opType];
  const [a, b] = [node.input[0], node.input[1]];
  const bc = ctx.constFloat(b);
  if (op === BuiltinOperator.POW) {
    if (!bc || bc.values.length !== 1) ctx.fail('Pow with a computed or non-scalar exponent');
    return pow(ctx, a, bc.values[0]);
  }
  const { tensors, perm } = elementwiseInputs(ctx, [a, b], node.output[0]);
  // Division by a constant is multiplication by its reciprocal: MUL has integer kernels, DIV does not.
  if (op === BuiltinOperator.DIV && bc) {
    const t = ctx.tg.tensors[tensors[1]];
    t.data = (t.data as Float32Array).map((v) => 1 / v);
    op = BuiltinOperator.MUL;
  }
  const act = FUSABLE.has(op) ? ctx.fuseActivation(node.output[0]) : { code: 0, out: node.output[0] };
  ctx.emit(op, tensors, [ctx.out(act.out, perm)], binaryOptions(op, act.code));
}

function pow(ctx: ConvertContext, x: string, e: number): void {
  const v = ctx.value(x);
  const y = ctx.out(ctx.node.output[0], v.perm);
  if (e === 2) ctx.emit(BuiltinOperator.MUL, [v.tensor, v.tensor], [y], binaryOptions(BuiltinOperator.MUL, 0));
  else if (e === 0.5) ctx.emit(BuiltinOperator.SQRT, [v.tensor], [y]);
  else {
    const exp = ctx.tg.constF32(`${ctx.label}/exponent`, [], new Float32Array([e]));
    ctx.emit(BuiltinOperator.POW, [v.tensor, exp], [y]);
  }
}

/**
 * PyTorch exports exact GELU as x * 0.5 * (1 + erf(x / sqrt 2)) (Div, Erf, Add, Mul, Mul; the two
 * Muls in either order). The chain becomes one GELU; Erf alone has no TFLite builtin.
 */
function tryGelu(ctx: ConvertContext): boolean {
  const div = ctx.node;
  const single = (v: string): NodeProto | undefined => {
    const u = ctx.graph.consumersOf(v);
    return u.length === 1 && !ctx.graphOutputs.has(v) ? u[0] : undefined;
  };
  const k = ctx.constFloat(div.input[1]);
  if (!k || k.values.length !== 1 || Math.abs(k.values[0] - Math.SQRT2) > 1e-3) return false;
  const x = div.input[0];
  const erf = single(div.output[0]);
  if (erf?.opType !== 'Erf') return false;
  const add = single(erf.output[0]);
  const one = add?.opType === 'Add' ? ctx.constFloat(add.input[0] === erf.output[0] ? add.input[1] : add.input[0]) : undefined;
  if (!add || !one || one.values.length !== 1 || one.values[0] !== 1) return false;
  const m1 = single(add.output[0]);
  if (m1?.opType !== 'Mul') return false;
  const other = m1.input[0] === add.output[0] ? m1.input[1] : m1.input[0];
  const m2 = single(m1.output[0]);
  const half = (n: string) => { const c = ctx.constFloat(n); return !!c && c.values.length === 1 && c.values[0] === 0.5; };
  let last: NodeProto;
  if (other === x && m2?.opType === 'Mul' && (half(m2.input[0]) || half(m2.input[1]))) last = m2;
  else if (half(other)) {
    // (0.5 * (1 + erf)) * x
    if (m2?.opType !== 'Mul' || !(m2.input.includes(x))) return false;
    last = m2;
  } else return false;
  for (const n of [erf, add, m1, last]) ctx.markFused(n, 0);
  const v = ctx.value(x);
  ctx.emit(BuiltinOperator.GELU, [v.tensor], [ctx.out(last.output[0], v.perm)], {
    type: BuiltinOptions.GeluOptions, write: (fb) => GeluOptions.createGeluOptions(fb, false),
  });
  return true;
}

const UNARY: Record<string, BuiltinOperator> = {
  Relu: BuiltinOperator.RELU, Sigmoid: BuiltinOperator.LOGISTIC, Tanh: BuiltinOperator.TANH, HardSwish: BuiltinOperator.HARD_SWISH,
  Sqrt: BuiltinOperator.SQRT, Exp: BuiltinOperator.EXP, Neg: BuiltinOperator.NEG, Abs: BuiltinOperator.ABS, Elu: BuiltinOperator.ELU,
  Log: BuiltinOperator.LOG, Gelu: BuiltinOperator.GELU, LeakyRelu: BuiltinOperator.LEAKY_RELU, Erf: -1 as BuiltinOperator,
};

export function convertUnary(ctx: ConvertContext): void {
  const node = ctx.node;
  const op = UNARY[node.opType];
  if (node.opType === 'Erf') ctx.fail('Erf has no TFLite builtin (only the exact GELU pattern x * 0.5 * (1 + erf(x / sqrt 2)) is converted, to GELU)');
  const v = ctx.value(node.input[0]);
  const y = ctx.out(node.output[0], v.perm);
  if (op === BuiltinOperator.LEAKY_RELU) {
    const alpha = attrFloat(node, 'alpha', 0.01);
    ctx.emit(op, [v.tensor], [y], { type: BuiltinOptions.LeakyReluOptions, write: (fb) => LeakyReluOptions.createLeakyReluOptions(fb, alpha) });
  } else if (op === BuiltinOperator.GELU) {
    const approx = attrString(node, 'approximate') === 'tanh';
    ctx.emit(op, [v.tensor], [y], { type: BuiltinOptions.GeluOptions, write: (fb) => GeluOptions.createGeluOptions(fb, approx) });
  } else ctx.emit(op, [v.tensor], [y]);
}

/** Clip -> RELU / RELU6 / RELU_N1_TO_1 / RELU_0_TO_1, else MAXIMUM and MINIMUM with constants. */
export function convertClip(ctx: ConvertContext): void {
  const node = ctx.node;
  const r = clipRange(node, ctx);
  if (!r) ctx.fail('Clip with bounds computed at run time');
  const v = ctx.value(node.input[0]);
  const y = ctx.out(node.output[0], v.perm);
  const named: [number, number, BuiltinOperator][] = [
    [0, 6, BuiltinOperator.RELU6], [-1, 1, BuiltinOperator.RELU_N1_TO_1], [0, 1, BuiltinOperator.RELU_0_TO_1], [0, Infinity, BuiltinOperator.RELU],
  ];
  const hit = named.find(([lo, hi]) => lo === r.min && hi === r.max);
  if (hit) { ctx.emit(hit[2], [v.tensor], [y]); return; }
  const shape = ctx.tg.tensors[v.tensor].shape;
  let x = v.tensor;
  if (r.min > -Infinity) {
    const lo = ctx.tg.constF32(`${ctx.label}/min`, [], new Float32Array([r.min]));
    const t = r.max < Infinity ? ctx.temp('max', shape) : y;
    ctx.emit(BuiltinOperator.MAXIMUM, [x, lo], [t]);
    x = t;
  }
  if (r.max < Infinity) {
    const hi = ctx.tg.constF32(`${ctx.label}/max`, [], new Float32Array([r.max]));
    ctx.emit(BuiltinOperator.MINIMUM, [x, hi], [y]);
  }
  if (x === v.tensor && r.max === Infinity && r.min === -Infinity) ctx.alias(node.output[0], node.input[0]);
}

/** PRelu -> PRELU with the slope laid out like the input. */
export function convertPRelu(ctx: ConvertContext): void {
  const node = ctx.node;
  const { tensors, perm } = elementwiseInputs(ctx, [node.input[0], node.input[1]], node.output[0]);
  ctx.emit(BuiltinOperator.PRELU, tensors, [ctx.out(node.output[0], perm)]);
}
