import type { NodeProto } from '../../../formats/onnx/proto/onnx_pb';
import type { GradRule } from '../grad-rule';
import { ACTIVATION_GRADS } from './activations';
import { CONV_GRADS } from './conv';
import { ELEMENTWISE_GRADS } from './elementwise';
import { LINEAR_GRADS } from './linear';
import { NORM_GRADS } from './norm';
import { POOL_GRADS } from './pool';
import { VIRTUAL_DOMAIN, VIRTUAL_GRADS } from './qdq';
import { SHAPE_GRADS } from './shape-ops';

/** Every default-domain op with a gradient. */
export const GRAD_RULES: Readonly<Record<string, GradRule>> = {
  ...ELEMENTWISE_GRADS, ...ACTIVATION_GRADS, ...LINEAR_GRADS, ...CONV_GRADS, ...POOL_GRADS, ...NORM_GRADS, ...SHAPE_GRADS,
};

/** The gradient rule for a node, or undefined when its op has none. */
export function gradRule(node: NodeProto): GradRule | undefined {
  if (node.domain === VIRTUAL_DOMAIN) return VIRTUAL_GRADS[node.opType];
  if (node.domain && node.domain !== 'ai.onnx') return undefined;
  return Object.prototype.hasOwnProperty.call(GRAD_RULES, node.opType) ? GRAD_RULES[node.opType] : undefined;
}
