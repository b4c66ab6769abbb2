"""Prints, as JSON, python3-onnx's view of the multiply-accumulates of each MatMul, Gemm and Conv
node of a model's main graph: {node name: MACs}, after setting every symbolic input dim to 1 and
running onnx's shape inference with data propagation. Nodes whose shapes onnx cannot work out are
left out. usage: node_macs.py MODEL"""
import json
import math
import sys

import onnx
from onnx import shape_inference

m = onnx.load(sys.argv[1])
for i in m.graph.input:
    for d in i.type.tensor_type.shape.dim:
        if not d.HasField('dim_value'):
            d.dim_value = 1
m = shape_inference.infer_shapes(m, strict_mode=False, data_prop=True)
shapes = {t.name: list(t.dims) for t in m.graph.initializer}
for v in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
    shapes[v.name] = [d.dim_value if d.HasField('dim_value') else None for d in v.type.tensor_type.shape.dim]

out = {}
for n in m.graph.node:
    if n.op_type not in ('MatMul', 'Gemm', 'Conv'):
        continue
    a, w, y = shapes.get(n.input[0]), shapes.get(n.input[1]), shapes.get(n.output[0])
    if not a or not w or not y or None in a or None in w or None in y:
        continue
    attrs = {at.name: at.i for at in n.attribute}
    if n.op_type == 'Conv':
        out[n.name] = math.prod(y) * math.prod(w[1:])
    elif n.op_type == 'Gemm':
        out[n.name] = math.prod(y) * (a[0] if attrs.get('transA') else a[1])
    else:
        out[n.name] = math.prod(y) * a[-1]
json.dump(out, sys.stdout)
