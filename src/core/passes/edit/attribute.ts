import { AttributeProto_AttributeType as AttrType, type AttributeProto } from '../../formats/onnx/proto/onnx_pb';
import { makeAttribute, type AttrInput } from '../../formats/onnx/build';
import { EditError, type AttributeValue, type EditReport } from './types';
import { copyWith, type GraphDraft } from './draft';

/**
 * Sets a node's attribute. An existing attribute keeps its type (an INT stays an INT: 2.5 is
 * refused; a FLOAT given 1 stays 1.0); a new one takes the type its value reads as. Tensor and
 * graph attributes are not edited here.
 */
export function setAttribute(d: GraphDraft, nodeId: string, name: string, value: AttributeValue): EditReport {
  const i = d.nodeIndex(nodeId);
  const node = d.nodes[i];
  if (!name.trim()) throw new EditError(`cannot set an attribute of '${nodeId}': the attribute name is empty`);
  const old = node.attribute.find((a) => a.name === name);
  const attribute = makeAttribute(name, old ? typed(old, value, nodeId) : (value as AttrInput));
  const attrs = old ? node.attribute.map((a) => (a === old ? attribute : a)) : [...node.attribute, attribute];
  d.nodes[i] = copyWith(node, { attribute: attrs });
  return { description: `set ${name} of ${node.opType} '${nodeId}' to ${JSON.stringify(value)}`, removedNodes: 0, addedNodes: 0 };
}

function typed(old: AttributeProto, value: AttributeValue, nodeId: string): AttrInput {
  const refuse = (why: string): never => { throw new EditError(`cannot set ${old.name} of '${nodeId}': ${why}`); };
  const numbers = (v: AttributeValue): number[] => {
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === 'number' && Number.isFinite(x))) refuse(`it holds numbers, got ${JSON.stringify(v)}`);
    return list as number[];
  };
  switch (old.type) {
    case AttrType.INT: {
      const [x] = numbers(value);
      if (Array.isArray(value) || !Number.isInteger(x)) refuse(`it is an integer, got ${JSON.stringify(value)}`);
      return BigInt(x);
    }
    case AttrType.FLOAT:
      if (Array.isArray(value)) refuse(`it is one number, got a list`);
      return { float: numbers(value)[0] };
    case AttrType.INTS: {
      const xs = numbers(value);
      if (!xs.every(Number.isInteger)) refuse(`it is a list of integers, got ${JSON.stringify(value)}`);
      return { ints: xs };
    }
    case AttrType.FLOATS: return { floats: numbers(value) };
    case AttrType.STRING:
      if (typeof value !== 'string') refuse(`it is a string, got ${JSON.stringify(value)}`);
      return value;
    case AttrType.STRINGS:
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) refuse(`it is a list of strings, got ${JSON.stringify(value)}`);
      return value;
    default:
      return refuse('tensor, graph and type attributes cannot be edited here');
  }
}
