"""Prints, as JSON, the tensors python3-onnx reads from TensorProto files (.pb) and from models
(initializers and Constant/attribute tensors of the main graph): an independent reading to compare
Edgewise's tensor views with. float16/bfloat16 are given as raw bits, int64 as decimal strings."""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def values(t):
    if t.data_type == onnx.TensorProto.BFLOAT16:
        bits = t.raw_data and np.frombuffer(t.raw_data, dtype=np.uint16) or np.array(t.int32_data, dtype=np.uint16)
        return [int(v) for v in bits]
    a = numpy_helper.to_array(t).reshape(-1)
    if a.dtype == np.float16:
        return [int(v) for v in a.view(np.uint16)]
    if a.dtype == object:
        return [v.decode('utf-8') if isinstance(v, bytes) else str(v) for v in a]
    if a.dtype in (np.int64, np.uint64):
        return [str(int(v)) for v in a]
    if a.dtype == np.bool_:
        return [int(v) for v in a]
    if np.iscomplexobj(a):
        return [float(x) for v in a for x in (v.real, v.imag)]
    return [None if np.isnan(v) else float(v) if a.dtype.kind == 'f' else int(v) for v in a]


def entry(t):
    return {'name': t.name, 'dataType': t.data_type, 'dims': [int(d) for d in t.dims], 'values': values(t)}


out = {}
for path in sys.argv[1:]:
    if path.endswith('.pb'):
        t = onnx.TensorProto()
        with open(path, 'rb') as f:
            t.ParseFromString(f.read())
        out[path] = [entry(t)]
    else:
        m = onnx.load(path, load_external_data=False)
        tensors = list(m.graph.initializer)
        for n in m.graph.node:
            tensors += [a.t for a in n.attribute if a.type == onnx.AttributeProto.TENSOR]
        out[path] = [entry(t) for t in tensors]
json.dump(out, sys.stdout)
