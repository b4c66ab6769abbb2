import { attrInt, attrString } from '../../../formats/onnx/model';
import { attrFloat } from '../../common';
import { dy, normalizeAxis, unsupported, type GradContext, type GradRule } from '../grad-rule';

/** A unary activation: dX from (c, dY, X, Y). */
function act(f: (c: GradContext, g: string, x: string, y: string) => string): GradRule {
  return { inputs: [0], grad: (c) => [f(c, dy(c), c.node.input[0], c.node.output[0])] };
}

/** Clip's bounds: inputs 1 and 2 (opset 11+) or attributes (older). */
function clipBounds(c: GradContext): { min?: string; max?: string } {
  if (c.opset < 11) {
    const min = attrFloat(c.node, 'min', -Infinity);
    const max = attrFloat(c.node, 'max', Infinity);
    return { min: Number.isFinite(min) ? c.e.scalar(min) : undefined, max: Number.isFinite(max) ? c.e.scalar(max) : undefined };
  }
  return { min: c.node.input[1] || undefined, max: c.node.input[2] || undefined };
}

/** Softmax-family reduction axes: one axis from opset 13, "this axis and all after it" before. */
function softmaxAxes(c: GradContext): number[] {
  const rank = c.shape(c.node.input[0]).length;
  const axis = normalizeAxis(attrInt(c.node, 'axis', c.opset >= 13 ? -1 : 1), rank);
  if (c.opset >= 13) return [axis];
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const ACTIVATION_GRADS: Record<string, GradRule> = {
  // Y >= 0, so Sign(Y) is the 0/1 mask of Y > 0.
  Relu: act((c, g, _x, y) => c.e.mul(g, c.e.op('Sign', [y]))),
  // slope = alpha + (1 - alpha) [x > 0]
  LeakyRelu: act((c, g, x) => {
    const alpha = attrFloat(c.node, 'alpha', 0.01);
    const positive = c.e.op('Cast', [c.e.op('Greater', [x, c.e.scalar(0)])], { to: c.e.floatType });
    return c.e.mul(g, c.e.add(c.e.scale(positive, 1 - alpha), c.e.scalar(alpha)));
  }),
  // Strictly inside the bounds, as PyTorch's hardtanh (ReLU6) does.
  Clip: {
    inputs: [0],
    grad(c) {
      const x = c.node.input[0];
      const { min, max } = clipBounds(c);
      const above = min ? c.e.op('Greater', [x, min]) : undefined;
      const below = max ? c.e.op('Less', [x, max]) : undefined;
      const mask = above && below ? c.e.op('And', [above, below]) : above ?? below;
      return [mask ? c.e.maskGrad(mask, dy(c)) : dy(c)];
    },
  },
  Sigmoid: act((c, g, _x, y) => c.e.mul(g, c.e.mul(y, c.e.sub(c.e.scalar(1), y)))),
  Tanh: act((c, g, _x, y) => c.e.mul(g, c.e.sub(c.e.scalar(1), c.e.mul(y, y)))),
  // d erf(x)/dx = 2/sqrt(pi) exp(-x^2)
  Erf: act((c, g, x) => c.e.mul(g, c.e.scale(c.e.op('Exp', [c.e.neg(c.e.mul(x, x))]), 2 / Math.sqrt(Math.PI)))),
  Gelu: act((c, g, x) => c.e.mul(g, geluDerivative(c, x))),
  HardSigmoid: act((c, g, x) => {
    const alpha = attrFloat(c.node, 'alpha', 0.2);
    const z = c.e.add(c.e.scale(x, alpha), c.e.scalar(attrFloat(c.node, 'beta', 0.5)));
    const inside = c.e.op('And', [c.e.op('Greater', [z, c.e.scalar(0)]), c.e.op('Less', [z, c.e.scalar(1)])]);
    return c.e.maskGrad(inside, c.e.scale(g, alpha));
  }),
  // y = x * clip(x/6 + 1/2, 0, 1): slope 0 below -3, 1 above 3, x/3 + 1/2 between.
  HardSwish: act((c, g, x) => {
    const e = c.e;
    const flag = (op: string, k: number) => e.op('Cast', [e.op(op, [x, e.scalar(k)])], { to: e.floatType });
    const mid = e.add(e.scale(x, 1 / 3), e.scalar(0.5));
    const upper = e.add(mid, e.mul(flag('Greater', 3), e.sub(e.scalar(1), mid)));
    return e.mul(g, e.mul(flag('GreaterOrEqual', -3), upper));
  }),
  // dX = Y * (dY - sum(dY * Y))
  Softmax: act((c, g, _x, y) => {
    const dot = c.e.reduceSum(c.e.mul(g, y), softmaxAxes(c), true);
    return c.e.mul(y, c.e.sub(g, dot));
  }),
  // dX = dY - exp(Y) * sum(dY)
  LogSoftmax: act((c, g, _x, y) => c.e.sub(g, c.e.mul(c.e.op('Exp', [y]), c.e.reduceSum(g, softmaxAxes(c), true)))),
};

/** d GELU(x)/dx for approximate = 'none' (Phi(x) + x phi(x)) or 'tanh'. */
function geluDerivative(c: GradContext, x: string): string {
  const e = c.e;
  const approximate = attrString(c.node, 'approximate') ?? 'none';
  if (approximate === 'none') {
    const cdf = e.scale(e.add(e.op('Erf', [e.scale(x, Math.SQRT1_2)]), e.scalar(1)), 0.5);
    const pdf = e.scale(e.op('Exp', [e.scale(e.mul(x, x), -0.5)]), INV_SQRT_2PI);
    return e.add(cdf, e.mul(x, pdf));
  }
  if (approximate !== 'tanh') unsupported(c.node, `approximate='${approximate}' is not a GELU form`);
  // y = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)
  const x2 = e.mul(x, x);
  const u = e.scale(e.add(x, e.scale(e.mul(x2, x), 0.044715)), SQRT_2_OVER_PI);
  const t = e.op('Tanh', [u]);
  const du = e.scale(e.add(e.scalar(1), e.scale(x2, 3 * 0.044715)), SQRT_2_OVER_PI);
  const left = e.scale(e.add(e.scalar(1), t), 0.5);
  const right = e.mul(e.scale(x, 0.5), e.mul(e.sub(e.scalar(1), e.mul(t, t)), du));
  return e.add(left, right);
}
