import { inferShapes } from '../../formats/onnx/shapes';
import { constantTensors } from '../../formats/onnx/view';
import { UNKNOWN_DIM, type ValueType } from '../../formats/onnx/value-type';
import { dtypeName } from '../../tensor/dtypes';
import { EditError, type EditReport } from './types';
import { nodeReads, subgraphReaders, type GraphDraft } from './draft';
import { renameValue } from './rename';

/**
 * Removes a node whose output is a pass-through of its one data input (Identity, Dropout, a Cast
 * to the same type, a Relu the user wants gone): every reader of the output reads the input
 * instead. Constant inputs (weights, Constant nodes) do not count. Refused when the input's and
 * output's known types differ (a Cast to another dtype, a Reshape to another shape), since the
 * readers would get what they were not made for.
 */
export function bypassNode(d: GraphDraft, nodeId: string): EditReport {
  const i = d.nodeIndex(nodeId);
  const node = d.nodes[i];
  const label = `${node.opType} '${nodeId}'`;
  const constants = new Set([...d.initializers.map((t) => t.name), ...constantTensors(d.model.graph).keys()]);
  const data = [...new Set(node.input.filter((x) => x && !constants.has(x)))];
  if (data.length !== 1) throw new EditError(`cannot bypass ${label}: it has ${data.length} data inputs (${data.join(', ') || 'none'}); bypass needs exactly one`);
  const used = node.output.filter((o) => o && (d.nodes.some((n) => n !== node && nodeReads(n).includes(o)) || d.outputs.some((v) => v.name === o)));
  if (used.length > 1 || (used.length === 1 && used[0] !== node.output[0])) {
    throw new EditError(`cannot bypass ${label}: its outputs ${used.join(', ')} are used; bypass needs only the first one used`);
  }
  const [input] = data;
  const output = node.output[0];
  const types = inferShapes(d.model);
  const problem = typeChange(types.get(input), types.get(output));
  if (problem) throw new EditError(`cannot bypass ${label}: ${problem}`);
  const inside = subgraphReaders(d.nodes, output);
  if (inside.length) throw new EditError(`cannot bypass ${label}: the subgraphs of ${inside.join(', ')} read its output`);
  d.nodes.splice(i, 1);
  d.replaceReads(output, input);
  if (d.outputs.some((v) => v.name === output)) {
    // The graph output keeps its name: the input takes it, so long as a node produces the input.
    if (!d.nodes.some((n) => n.output.includes(input))) throw new EditError(`cannot bypass ${label}: its output is a graph output and its input '${input}' is a graph input or weight`);
    if (d.outputs.some((v) => v.name === input)) throw new EditError(`cannot bypass ${label}: both '${input}' and '${output}' are graph outputs`);
    d.valueInfo = d.valueInfo.filter((v) => v.name !== input);
    renameValue(d, input, output);
  }
  const removed = 1 + d.removeUnused();
  return { description: `bypassed ${label}`, removedNodes: removed, addedNodes: 0 };
}

/**
 * Removes a node and every node computed from it. Graph outputs it fed are removed; refused when
 * none would be left. Nodes that then feed nothing are removed too.
 */
export function deleteNode(d: GraphDraft, nodeId: string): EditReport {
  const i = d.nodeIndex(nodeId);
  const node = d.nodes[i];
  const gone = new Set(node.output.filter((o) => o));
  const dropped = new Set([i]);
  // Forward closure in file order, repeated for nodes stored out of order.
  for (let changed = true; changed;) {
    changed = false;
    d.nodes.forEach((n, k) => {
      if (dropped.has(k) || !nodeReads(n).some((v) => gone.has(v))) return;
      dropped.add(k);
      changed = true;
      for (const o of n.output) if (o) gone.add(o);
    });
  }
  const outputs = d.outputs.filter((v) => !gone.has(v.name));
  if (outputs.length === 0) throw new EditError(`cannot delete ${node.opType} '${nodeId}': every graph output is computed from it, so nothing would be left`);
  const lostOutputs = d.outputs.length - outputs.length;
  d.outputs = outputs;
  d.nodes = d.nodes.filter((_, k) => !dropped.has(k));
  const removed = dropped.size + d.removeUnused();
  const also = [lostOutputs ? `${lostOutputs} graph output(s)` : '', removed > 1 ? `${removed - 1} other node(s)` : ''].filter(Boolean).join(' and ');
  return { description: `deleted ${node.opType} '${nodeId}'${also ? ` with ${also}` : ''}`, removedNodes: removed, addedNodes: 0 };
}

/** Why a value of type `to` cannot be replaced by one of type `from`, when both are known. */
function typeChange(from: ValueType | undefined, to: ValueType | undefined): string | undefined {
  if (!from || !to) return undefined;
  if (from.dtype && to.dtype && from.dtype !== to.dtype) return `it turns ${dtypeName(from.dtype)} into ${dtypeName(to.dtype)}`;
  const known = (s: ValueType['shape']): s is (number | string)[] => !!s && s.every((x) => x !== UNKNOWN_DIM);
  if (known(from.shape) && known(to.shape) && from.shape.join() !== to.shape.join()) return `it turns shape [${from.shape.join(', ')}] into [${to.shape.join(', ')}]`;
  return undefined;
}
