"""Prints, as JSON, what python3-onnx reads about each model: the fields `edgewise inspect --json`
reports (node counts, op histogram, parameters, initializers, inputs/outputs, opsets), computed
independently. Element types are onnx's own names ('FLOAT', 'INT64')."""
import json
import sys
from collections import Counter

import onnx


def count_nodes(graph):
    n = len(graph.node)
    for node in graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                n += count_nodes(a.g)
            elif a.type == onnx.AttributeProto.GRAPHS:
                n += sum(count_nodes(g) for g in a.graphs)
    return n


def value_type(v):
    t = v.type
    if not t.HasField('tensor_type'):
        return {'name': v.name, 'elem': None, 'shape': None}
    tt = t.tensor_type
    shape = None
    if tt.HasField('shape'):
        shape = [d.dim_value if d.HasField('dim_value') else (d.dim_param or None) for d in tt.shape.dim]
    return {'name': v.name, 'elem': onnx.TensorProto.DataType.Name(tt.elem_type), 'shape': shape}


def is_parameter(dims, data_type):
    # Edgewise's definition (src/core/formats/onnx/parameters.ts): stored weights wherever the
    # exporter put them, not scalars nor 1-D int64/bool tensors (shapes, axes, indices).
    if len(dims) == 0:
        return False
    return not (len(dims) == 1 and data_type in (onnx.TensorProto.INT64, onnx.TensorProto.BOOL))


def elements(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def parameters(graph):
    n = sum(elements(t.dims) for t in graph.initializer if is_parameter(t.dims, t.data_type))
    n += sum(elements(s.dims) for s in graph.sparse_initializer if is_parameter(s.dims, s.values.data_type))
    for node in graph.node:
        for a in node.attribute:
            if node.op_type == 'Constant' and node.domain in ('', 'ai.onnx') and a.name == 'value' and is_parameter(a.t.dims, a.t.data_type):
                n += elements(a.t.dims)
            elif node.op_type == 'Constant' and node.domain in ('', 'ai.onnx') and a.name == 'sparse_value' and is_parameter(a.sparse_tensor.dims, a.sparse_tensor.values.data_type):
                n += elements(a.sparse_tensor.dims)
            elif a.type == onnx.AttributeProto.GRAPH:
                n += parameters(a.g)
            elif a.type == onnx.AttributeProto.GRAPHS:
                n += sum(parameters(sg) for sg in a.graphs)
    return n


out = {}
for path in sys.argv[1:]:
    m = onnx.load(path, load_external_data=False)
    g = m.graph
    params = 0
    for t in g.initializer:
        n = 1
        for d in t.dims:
            n *= d
        params += n
    init_names = {t.name for t in g.initializer}
    const_values = [a.t for n in g.node if n.op_type == 'Constant' and n.domain in ('', 'ai.onnx')
                    for a in n.attribute if a.name == 'value']
    const_elements = 0
    for t in const_values:
        n = 1
        for d in t.dims:
            n *= d
        const_elements += n
    out[path] = {
        'irVersion': m.ir_version,
        'producer': {'name': m.producer_name, 'version': m.producer_version},
        'opsets': {o.domain if o.domain != 'ai.onnx' else '': o.version for o in m.opset_import},
        'nodes': len(g.node),
        'nodesWithSubgraphs': count_nodes(g),
        'ops': dict(Counter(n.op_type for n in g.node)),
        'initializers': len(g.initializer),
        'parameters': parameters(g),
        'constants': {'count': len(const_values), 'elements': const_elements},
        'inputs': [value_type(v) for v in g.input if v.name not in init_names],
        'outputs': [value_type(v) for v in g.output],
    }
json.dump(out, sys.stdout)
