import { TensorShapeProto_DimensionSchema, type TensorShapeProto_Dimension as Dimension, type ValueInfoProto } from '../../formats/onnx/proto/onnx_pb';
import { create } from '@bufbuild/protobuf';
import { EditError, type EditReport } from './types';
import { copyWith, type GraphDraft } from './draft';

/**
 * Sets a symbolic dimension to a number. `dim` is a dim_param name ('batch') or, with `input`,
 * the index of an unnamed or symbolic dim. With `input`, only that input changes (and the
 * outputs' and value_info's dims of that name when no other input still uses it); without, every
 * input that has the dim.
 */
export function fixDim(d: GraphDraft, dim: string | number, value: number, input?: string): EditReport {
  const what = typeof dim === 'number' ? `dim ${dim}` : `dim '${dim}'`;
  if (!Number.isSafeInteger(value) || value < 1) throw new EditError(`cannot fix ${what} to ${value}: a dimension is a whole number of at least 1`);
  if (input !== undefined && !d.inputs.some((v) => v.name === input)) throw new EditError(`cannot fix ${what}: the model has no input '${input}'`);
  if (typeof dim === 'number' && input === undefined) throw new EditError(`cannot fix ${what}: a dim given by index needs its input ('input:${dim}=${value}')`);
  let param = typeof dim === 'string' ? dim : undefined;
  let changed = 0;
  d.inputs = d.inputs.map((v) => {
    if (input !== undefined && v.name !== input) return v;
    const dims = dimsOf(v);
    if (!dims) return v;
    const at = typeof dim === 'number' ? dim : dims.findIndex((x) => x.value.case === 'dimParam' && x.value.value === dim);
    if (at < 0 || at >= dims.length) return v;
    const cur = dims[at].value;
    if (cur.case === 'dimValue') throw new EditError(`cannot fix ${what} of '${v.name}': it is already ${cur.value}`);
    if (cur.case === 'dimParam') param = cur.value;
    changed++;
    return withDim(v, (x, i) => i === at || (typeof dim === 'string' && x.value.case === 'dimParam' && x.value.value === dim), value);
  });
  if (changed === 0) throw new EditError(`cannot fix ${what}: no ${input ? `dim of input '${input}'` : 'input'} is ${typeof dim === 'number' ? `that long` : `named '${dim}'`}`);
  // The same symbol elsewhere (outputs, intermediate values) means the same size, unless another input keeps it symbolic.
  const stillSymbolic = param !== undefined && d.inputs.some((v) => dimsOf(v)?.some((x) => x.value.case === 'dimParam' && x.value.value === param));
  if (param !== undefined && !stillSymbolic) {
    const fix = (list: ValueInfoProto[]) => list.map((v) => (dimsOf(v)?.some((x) => x.value.case === 'dimParam' && x.value.value === param)
      ? withDim(v, (x) => x.value.case === 'dimParam' && x.value.value === param, value) : v));
    d.outputs = fix(d.outputs);
    d.valueInfo = fix(d.valueInfo);
  }
  return { description: `fixed ${what}${input ? ` of '${input}'` : ''} to ${value}`, removedNodes: 0, addedNodes: 0 };
}

function dimsOf(v: ValueInfoProto): Dimension[] | undefined {
  const t = v.type?.value;
  return t?.case === 'tensorType' ? t.value.shape?.dim : undefined;
}

/** A copy of a value_info with the chosen dims set to `value` (type, tensor type and shape copied, the rest shared). */
function withDim(v: ValueInfoProto, pick: (d: Dimension, i: number) => boolean, value: number): ValueInfoProto {
  const type = v.type!;
  const tensor = type.value.value as Extract<NonNullable<typeof type.value>, { case: 'tensorType' }>['value'];
  const shape = tensor.shape!;
  const dim = shape.dim.map((x, i) => (pick(x, i) ? create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(value) }, denotation: x.denotation }) : x));
  return copyWith(v, { type: copyWith(type, { value: { case: 'tensorType', value: copyWith(tensor, { shape: copyWith(shape, { dim }) }) } }) });
}
