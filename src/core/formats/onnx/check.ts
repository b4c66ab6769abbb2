import type { AttributeProto, GraphProto, NodeProto, SparseTensorProto, TensorProto } from './proto/onnx_pb';
import { OnnxFormatError } from './errors';
import { elementCount, tensorProblem } from './tensor';
import type { Model } from './model';
import { DataType } from '../../tensor/dtypes';

/**
 * Checks what an opened model's file claims against what it holds, before anything uses it:
 * every tensor (initializers, sparse initializers, Constant values and other tensor attributes,
 * in every subgraph and function) by `tensorProblem`, sparse tensors' indices against their
 * shape, and external data against its files (present, inside the model's folder, long enough).
 * Throws OnnxFormatError naming the file and the tensor. Iterative: depth of nesting costs no stack.
 */
export function checkModelData(model: Model): void {
  const file = model.label;
  const fail = (what: string, problem: string) => { throw new OnnxFormatError(file, `${what} ${problem}`); };
  const graphs: GraphProto[] = [model.graph.proto];
  const nodeLists: NodeProto[][] = model.proto.functions.map((f) => f.node);
  while (graphs.length > 0) {
    const g = graphs.pop()!;
    for (const t of g.initializer) {
      const p = tensorProblem(t);
      if (p) fail(`initializer '${t.name}'`, p);
    }
    for (const s of g.sparseInitializer) {
      const p = sparseProblem(s);
      if (p) fail(`sparse initializer '${s.values?.name ?? ''}'`, p);
    }
    nodeLists.push(g.node);
    for (const n of g.node) for (const a of n.attribute) graphs.push(...(a.g ? [a.g, ...a.graphs] : a.graphs));
  }
  for (const nodes of nodeLists) for (const n of nodes) for (const a of n.attribute) checkAttribute(n, a, fail);
  model.checkExternalData();
}

function checkAttribute(n: NodeProto, a: AttributeProto, fail: (what: string, problem: string) => never): void {
  const where = (t?: TensorProto) => `${t?.name ? `tensor '${t.name}' in ` : 'the tensor of '}node '${n.name || n.opType}' attribute '${a.name}'`;
  for (const t of a.t ? [a.t, ...a.tensors] : a.tensors) {
    const p = tensorProblem(t);
    if (p) fail(where(t), p);
  }
  for (const s of a.sparseTensor ? [a.sparseTensor, ...a.sparseTensors] : a.sparseTensors) {
    const p = sparseProblem(s);
    if (p) fail(`the sparse ${where(s.values)}`, p);
  }
}

/**
 * Why a sparse tensor is inconsistent: its dense shape as for any tensor, `values` a 1-D tensor
 * of NNZ elements, `indices` int64 of shape [NNZ] (linear) or [NNZ, rank], every index inside
 * the shape.
 */
export function sparseProblem(s: SparseTensorProto): string | undefined {
  let count = 1;
  for (const d of s.dims) {
    if (d < 0n) return `declares dim ${d}; every dim must be >= 0`;
    count *= Number(d);
  }
  if (!Number.isSafeInteger(count)) return `declares [${s.dims.join(', ')}], ${count} elements: more than any file can hold`;
  if (!s.values) return 'has no values';
  const vp = tensorProblem(s.values);
  if (vp) return `values ${vp}`;
  if (s.values.dims.length !== 1) return `values have shape [${s.values.dims.join(', ')}]; they must be 1-D`;
  const nnz = Number(s.values.dims[0]);
  if (nnz > count) return `has ${nnz} values for ${count} elements`;
  if (!s.indices) return nnz === 0 ? undefined : 'has values but no indices';
  const ip = tensorProblem(s.indices);
  if (ip) return `indices ${ip}`;
  const idims = s.indices.dims.map(Number);
  const rank = s.dims.length;
  const linear = idims.length === 1 && idims[0] === nnz;
  if (!linear && !(idims.length === 2 && idims[0] === nnz && idims[1] === rank)) {
    return `indices have shape [${idims.join(', ')}]; with ${nnz} values they must be [${nnz}] or [${nnz}, ${rank}]`;
  }
  const index = indexReader(s.indices);
  if (!index) return `indices must be int64 (data type ${s.indices.dataType})`;
  const n = elementCount(s.indices);
  for (let i = 0; i < n; i++) {
    const v = index(i);
    const bound = linear ? count : Number(s.dims[i % rank]);
    if (v < 0 || v >= bound) return `index ${v} (entry ${i}) is outside the shape [${s.dims.join(', ')}]`;
  }
  return undefined;
}

/** Reads entry i of an int64 indices tensor (raw_data or int64_data); undefined for other types. */
function indexReader(t: TensorProto): ((i: number) => number) | undefined {
  if (t.dataType !== DataType.int64) return undefined;
  if (t.rawData.length === 0) return (i) => Number(t.int64Data[i]);
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  return (i) => Number(view.getBigInt64(i * 8, true));
}
