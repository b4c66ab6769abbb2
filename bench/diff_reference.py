"""The reference for bench:diff: what an engineer writes today to diff a float ONNX model against its QDQ INT8 copy.

Loads both with onnx, pairs nodes by name only, and compares each pair's initializers (the INT8 side
dequantized through its DequantizeLinear, per tensor or per channel) with numpy: max |a - b| and
||a - b|| / ||a||. Prints one JSON line: seconds from start to result, nodes paired, weights compared.

usage: /usr/bin/python3 bench/diff_reference.py A.onnx B.onnx
"""
import json
import sys
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

a, b = (onnx.load(f) for f in sys.argv[1:3])
init_a = {t.name: t for t in a.graph.initializer}
init_b = {t.name: t for t in b.graph.initializer}
producer_b = {o: n for n in b.graph.node for o in n.output}
nodes_b = {n.name: n for n in b.graph.node if n.name}


def values_b(name):
    """B's weight as float: an initializer, or DequantizeLinear of one."""
    if name in init_b:
        return numpy_helper.to_array(init_b[name]).astype(np.float64)
    dq = producer_b.get(name)
    if dq is None or dq.op_type != 'DequantizeLinear' or dq.input[0] not in init_b:
        return None
    q = numpy_helper.to_array(init_b[dq.input[0]]).astype(np.float64)
    scale = numpy_helper.to_array(init_b[dq.input[1]]).astype(np.float64)
    zero = numpy_helper.to_array(init_b[dq.input[2]]).astype(np.float64) if len(dq.input) > 2 and dq.input[2] else np.zeros_like(scale)
    if scale.ndim == 1 and scale.size > 1:
        axis = next((at.i for at in dq.attribute if at.name == 'axis'), 1)
        shape = [1] * q.ndim
        shape[axis] = scale.size
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return (q - zero) * scale


paired = compared = 0
for n in a.graph.node:
    m = nodes_b.get(n.name)
    if m is None:
        continue
    paired += 1
    for x, y in zip(n.input, m.input):
        if x not in init_a:
            continue
        wa = numpy_helper.to_array(init_a[x]).astype(np.float64)
        wb = values_b(y)
        if wb is None or wb.size != wa.size:
            continue
        d = wa.ravel() - wb.ravel()
        max_abs = float(np.abs(d).max()) if d.size else 0.0
        rel = float(np.linalg.norm(d) / (np.linalg.norm(wa) or 1.0))
        compared += 1
print(json.dumps({'seconds': time.perf_counter() - t0, 'nodesA': len(a.graph.node), 'paired': paired, 'weightsCompared': compared}))
