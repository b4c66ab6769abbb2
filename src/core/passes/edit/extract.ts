import { create } from '@bufbuild/protobuf';
import { ValueInfoProtoSchema, type ValueInfoProto } from '../../formats/onnx/proto/onnx_pb';
import { makeValueInfo } from '../../formats/onnx/build';
import { inferShapes } from '../../formats/onnx/shapes';
import { UNKNOWN_DIM, type ValueType } from '../../formats/onnx/value-type';
import { dtypeName, type DType } from '../../tensor/dtypes';
import { EditError, type EditReport } from './types';
import { nodeReads, type GraphDraft } from './draft';

/**
 * Keeps the part of the graph that computes `outputs` from `inputs`: those tensors become the
 * graph's inputs and outputs, everything else goes. Refused when an output needs a value that
 * is neither computed from the inputs nor a weight (name it as an input too).
 */
export function extractSubgraph(d: GraphDraft, inputs: string[], outputs: string[]): EditReport {
  if (outputs.length === 0) throw new EditError('cannot extract: name at least one output tensor');
  const types = inferShapes(d.model);
  const known = (v: string) => d.hasValue(v) || d.nodes.some((n) => n.input.includes(v));
  for (const v of [...inputs, ...outputs]) if (!known(v)) throw new EditError(`cannot extract: there is no tensor '${v}'`);
  const before = d.nodes.length;
  const start = new Set(inputs);
  const weights = new Set(d.initializers.map((t) => t.name));
  const producer = new Map<string, number>();
  d.nodes.forEach((n, i) => { for (const o of n.output) if (o) producer.set(o, i); });
  // Walk back from the outputs, stopping at the chosen inputs and at weights.
  const keep = new Set<number>();
  const stack = [...outputs];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v) || start.has(v) || weights.has(v)) continue;
    seen.add(v);
    const p = producer.get(v);
    if (p === undefined) throw new EditError(`cannot extract: '${v}' is needed for ${outputs.join(', ')} but is not computed from ${inputs.join(', ') || 'the chosen inputs'}; add it to the inputs`);
    if (keep.has(p)) continue;
    keep.add(p);
    stack.push(...nodeReads(d.nodes[p]));
  }
  d.nodes = d.nodes.filter((_, i) => keep.has(i));
  // IR < 4 lists weights among the inputs too: they stay (removeUnused drops those no longer read).
  d.inputs = [...inputs.map((v) => d.inputs.find((x) => x.name === v) ?? declared(d, v, types.get(v), 'input')), ...d.inputs.filter((v) => weights.has(v.name))];
  d.outputs = outputs.map((v) => d.outputs.find((x) => x.name === v) ?? declared(d, v, types.get(v), 'output'));
  d.removeUnused();
  return { description: `extracted ${inputs.join(', ')} -> ${outputs.join(', ')}`, removedNodes: before - d.nodes.length, addedNodes: 0 };
}

/** Makes tensors graph outputs (after the existing ones), typed from value_info or inference. */
export function addOutputs(d: GraphDraft, tensors: string[]): EditReport {
  if (tensors.length === 0) throw new EditError('cannot add outputs: name at least one tensor');
  const types = inferShapes(d.model);
  for (const v of tensors) {
    if (d.outputs.some((o) => o.name === v)) throw new EditError(`cannot add output '${v}': it is already an output`);
    if (!d.nodes.some((n) => n.output.includes(v))) throw new EditError(`cannot add output '${v}': no node of the main graph computes a tensor of that name`);
  }
  d.outputs = [...d.outputs, ...tensors.map((v) => declared(d, v, types.get(v), 'output'))];
  return { description: `added output${tensors.length > 1 ? 's' : ''} ${tensors.join(', ')}`, removedNodes: 0, addedNodes: 0 };
}

/** A graph input or output entry for a tensor: its value_info when recorded, else its inferred type. */
function declared(d: GraphDraft, name: string, t: ValueType | undefined, role: string): ValueInfoProto {
  const info = d.valueInfo.find((v) => v.name === name);
  if (info?.type) return create(ValueInfoProtoSchema, { name, type: info.type });
  if (!t?.dtype) throw new EditError(`cannot make '${name}' a graph ${role}: its element type is not known`);
  const shape = t.shape?.map((x, i) => (x === UNKNOWN_DIM ? `${name}_dim${i}` : x));
  return makeValueInfo(name, dtypeName(t.dtype) as DType, shape);
}
