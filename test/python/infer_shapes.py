"""Prints, as JSON, the shapes python3-onnx's shape inference gives every value of each model's
main graph: {file: {value: [dim, ...]}} with symbolic dims as strings and unknown dims as null.
Models onnx cannot infer are left out."""
import json
import sys

import onnx
from onnx import shape_inference

out = {}
for path in sys.argv[1:]:
    try:
        m = shape_inference.infer_shapes(onnx.load(path), strict_mode=False)
    except Exception:
        continue
    shapes = {}
    for v in list(m.graph.value_info) + list(m.graph.output):
        t = v.type.tensor_type
        if not v.type.HasField('tensor_type') or not t.HasField('shape'):
            continue
        shapes[v.name] = [d.dim_value if d.HasField('dim_value') else (d.dim_param or None) for d in t.shape.dim]
    out[path] = shapes
json.dump(out, sys.stdout)
