import { attrInt } from '../../../formats/onnx/model';
import { dy, unbroadcast, unsupported, type GradContext, type GradRule } from '../grad-rule';

/** Gradients of a broadcasting binary op: `da(g)`, `db(g)` shaped like the output, then unbroadcast. */
function binary(da: (c: GradContext, g: string) => string, db: (c: GradContext, g: string) => string): GradRule {
  return {
    inputs: [0, 1],
    grad(c) {
      const g = dy(c);
      const [a, b] = c.node.input;
      const out = c.shape(c.node.output[0]);
      return [
        c.needs[0] ? unbroadcast(c, da(c, g), c.shape(a), out) : undefined,
        c.needs[1] ? unbroadcast(c, db(c, g), c.shape(b), out) : undefined,
      ];
    },
  };
}

/** d/dx of a unary op, as a function of the incoming gradient. */
function unary(f: (c: GradContext, g: string, x: string, y: string) => string): GradRule {
  return { inputs: [0], grad: (c) => [f(c, dy(c), c.node.input[0], c.node.output[0])] };
}

const passThrough: GradRule = { inputs: [0], grad: (c) => [dy(c)] };

export const ELEMENTWISE_GRADS: Record<string, GradRule> = {
  Add: binary((_c, g) => g, (_c, g) => g),
  Sub: binary((_c, g) => g, (c, g) => c.e.neg(g)),
  Mul: binary((c, g) => c.e.mul(g, c.node.input[1]), (c, g) => c.e.mul(g, c.node.input[0])),
  // d(a/b)/db = -a/b^2 = -y/b
  Div: binary((c, g) => c.e.div(g, c.node.input[1]), (c, g) => c.e.neg(c.e.div(c.e.mul(g, c.node.output[0]), c.node.input[1]))),
  // d(a^b)/da = b a^(b-1); d(a^b)/db = y ln a
  Pow: binary(
    (c, g) => c.e.mul(g, c.e.mul(c.node.input[1], c.e.op('Pow', [c.node.input[0], c.e.sub(c.node.input[1], c.e.scalar(1))]))),
    (c, g) => c.e.mul(g, c.e.mul(c.node.output[0], c.e.op('Log', [c.node.input[0]]))),
  ),
  Sum: {
    inputs: 'all',
    grad(c) {
      const g = dy(c);
      const out = c.shape(c.node.output[0]);
      return c.node.input.map((x, i) => (c.needs[i] ? unbroadcast(c, g, c.shape(x), out) : undefined));
    },
  },
  Where: {
    inputs: [1, 2],
    grad(c) {
      const g = dy(c);
      const [cond, a, b] = c.node.input;
      const out = c.shape(c.node.output[0]);
      const zero = c.e.scalar(0);
      return [
        undefined,
        c.needs[1] ? unbroadcast(c, c.e.op('Where', [cond, g, zero]), c.shape(a), out) : undefined,
        c.needs[2] ? unbroadcast(c, c.e.op('Where', [cond, zero, g]), c.shape(b), out) : undefined,
      ];
    },
  },
  Expand: { inputs: [0], grad: (c) => [unbroadcast(c, dy(c), c.shape(c.node.input[0]), c.shape(c.node.output[0]))] },
  Neg: unary((c, g) => c.e.neg(g)),
  Exp: unary((c, g, _x, y) => c.e.mul(g, y)),
  Log: unary((c, g, x) => c.e.div(g, x)),
  Sqrt: unary((c, g, _x, y) => c.e.div(c.e.scale(g, 0.5), y)),
  Reciprocal: unary((c, g, _x, y) => c.e.neg(c.e.mul(g, c.e.mul(y, y)))),
  Abs: unary((c, g, x) => c.e.mul(g, c.e.op('Sign', [x]))),
  Identity: passThrough,
  // Inference mode is the identity; training mode scales the kept elements by 1 / (1 - ratio).
  Dropout: {
    inputs: [0],
    grad(c) {
      const [, ratio, training] = c.node.input;
      if (!training || !c.ints(training)?.[0]) return [dy(c)];
      const mask = c.node.output[1] || unsupported(c.node, 'training mode needs its mask output');
      const keep = 1 - (ratio ? c.floats(ratio)?.[0] ?? unsupported(c.node, 'its ratio must be constant') : 0.5);
      return [c.e.maskGrad(mask, c.e.scale(dy(c), 1 / keep))];
    },
  },
  Cast: {
    inputs: [0],
    grad(c) {
      const to = attrInt(c.node, 'to', 0);
      if (to !== c.e.floatType && to !== 1 && to !== 10 && to !== 11 && to !== 16) unsupported(c.node, 'a Cast to a non-float type has no gradient');
      return [c.e.op('Cast', [dy(c)], { to: c.e.floatType })];
    },
  },
};
