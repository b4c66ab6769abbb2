import { attrInt } from '../../../formats/onnx/model';
import { DataType } from '../../../tensor/dtypes';
import { attrFloat } from '../../common';
import { dy, normalizeAxis, unbroadcast, type GradRule } from '../grad-rule';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/**
 * BatchNormalization with its stored statistics (inference form, what frozen BN trains with):
 * Y = (X - mean) * invstd * scale + B per channel, so dX = dY * scale * invstd,
 * dScale = sum(dY * xhat), dB = sum(dY) over every axis but the channel's.
 * Training-mode statistics are handled by rewriting the forward pass into primitive ops.
 */
const batchNorm: GradRule = {
  inputs: [0, 1, 2],
  grad(c) {
    const e = c.e;
    const g = dy(c);
    const [x, scale, , mean, variance] = c.node.input;
    const rank = c.shape(x).length;
    const perChannel = (v: string) => e.unsqueeze(v, range(rank - 2, 1));
    const invstd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(attrFloat(c.node, 'epsilon', 1e-5)))])]);
    const axes = [0, ...range(rank - 2, 2)];
    const dx = c.needs[0] ? e.mul(g, perChannel(e.mul(scale, invstd))) : undefined;
    const dScale = c.needs[1] ? e.reduceSum(e.mul(g, e.mul(e.sub(x, perChannel(mean)), perChannel(invstd))), axes, false) : undefined;
    const dB = c.needs[2] ? e.reduceSum(g, axes, false) : undefined;
    return [dx, dScale, dB];
  },
};

/**
 * LayerNormalization over axes [axis, rank): with xhat = (X - mean) * invstd and dxhat = dY * scale,
 * dX = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)). The forward node's optional
 * Mean and InvStdDev outputs supply the statistics.
 */
const layerNorm: GradRule = {
  inputs: [0, 1, 2],
  grad(c) {
    const e = c.e;
    const g = dy(c);
    const [x, scale, bias] = c.node.input;
    const xShape = c.shape(x);
    const rank = xShape.length;
    const axes = range(rank - normalizeAxis(attrInt(c.node, 'axis', -1), rank), normalizeAxis(attrInt(c.node, 'axis', -1), rank));
    const out = c.node.output;
    if (!out[1]) out[1] = e.fresh(`${out[0]}/mean`);
    if (!out[2]) out[2] = e.fresh(`${out[0]}/invstd`);
    const stat = (v: string) => (e.floatType === DataType.float32 ? v : e.op('Cast', [v], { to: e.floatType }));
    const invstd = stat(out[2]);
    const xhat = e.mul(e.sub(x, stat(out[1])), invstd);
    let dx: string | undefined;
    if (c.needs[0]) {
      const dxhat = e.mul(g, scale);
      const centered = e.sub(dxhat, e.reduceMean(dxhat, axes, true));
      dx = e.mul(invstd, e.sub(centered, e.mul(xhat, e.reduceMean(e.mul(dxhat, xhat), axes, true))));
    }
    const dScale = c.needs[1] ? unbroadcast(c, e.mul(g, xhat), c.shape(scale), xShape) : undefined;
    const dB = c.needs[2] && bias ? unbroadcast(c, g, c.shape(bias), xShape) : undefined;
    return [dx, dScale, dB];
  },
};

export const NORM_GRADS: Record<string, GradRule> = { BatchNormalization: batchNorm, LayerNormalization: layerNorm };
