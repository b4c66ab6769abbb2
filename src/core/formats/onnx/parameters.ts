/**
 * What Edgewise calls a model's parameters, defined once (inspect's summary, the graph view's
 * model panel, prune's before/after and per-layer counts all use it): the elements of the
 * tensors the model stores as weights, wherever the exporter put them (initializers, sparse
 * initializers, Constant nodes; the main graph and every subgraph), not the bookkeeping an export
 * adds beside them: scalars (Clip bounds, epsilons) and 1-D int64 tensors (shapes, axes, indices).
 * So a model has the same count whether its exporter wrote Clip(0, 6) bounds as initializers or as
 * Constant nodes, and a pruned Reshape's new shape is no parameter.
 */
import type { Model } from './model';
import type { SparseTensorProto, TensorProto } from './proto/onnx_pb';
import { elementCount, sparseElementCount } from './tensor';
import { DataType } from '../../tensor/dtypes';

/** Whether a stored tensor counts as parameters (see the module comment). */
export function isParameterTensor(t: Pick<TensorProto, 'dims' | 'dataType'>): boolean {
  if (t.dims.length === 0) return false;
  return !(t.dims.length === 1 && (t.dataType === DataType.int64 || t.dataType === DataType.bool));
}

/** Parameters of one stored tensor: its elements, or 0 for bookkeeping. */
export function tensorParameters(t: TensorProto): number {
  return isParameterTensor(t) ? elementCount(t) : 0;
}

function sparseParameters(s: SparseTensorProto): number {
  return isParameterTensor({ dims: s.dims, dataType: s.values?.dataType ?? 0 }) ? sparseElementCount(s) : 0;
}

/** The model's parameters: every graph's initializers, sparse initializers and Constant values. */
export function countParameters(model: Model): number {
  let n = 0;
  for (const g of model.allGraphs()) {
    for (const t of g.proto.initializer) n += tensorParameters(t);
    for (const s of g.proto.sparseInitializer) n += sparseParameters(s);
    for (const node of g.nodes) {
      if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
      const a = node.attribute.find((x) => x.name === 'value' || x.name === 'sparse_value');
      if (a?.t) n += tensorParameters(a.t);
      else if (a?.sparseTensor) n += sparseParameters(a.sparseTensor);
    }
  }
  return n;
}
