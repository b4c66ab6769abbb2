"""Independent FedAvg reference for `edgewise fl aggregate` (NumPy + python3-onnx).

usage: fedavg_reference.py SPEC.json
SPEC: {"base": file, "clients": [[file, samples], ...], "serverLr": eta, "output": file}
A client file is an ONNX model or an Edgewise delta file (parsed here from its documented layout).
Prints JSON: the largest |ours - reference| per float32 initializer.
"""
import json
import struct
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def floats(path):
    m = onnx.load(path)
    return {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}


def read_delta(path):
    b = open(path, 'rb').read()
    assert b[:4] == b'EWFD', 'magic'
    fmt, enc = struct.unpack_from('<HB', b, 4)
    samples, = struct.unpack_from('<I', b, 12)
    count, = struct.unpack_from('<I', b, 32)
    at, out = 40, {}
    pad = lambda n, k: (n + k - 1) // k * k
    for _ in range(count):
        n, = struct.unpack_from('<I', b, at)
        name = b[at + 4:at + 4 + n].decode()
        at = pad(at + 4 + n, 4)
        rank, = struct.unpack_from('<I', b, at)
        dims = struct.unpack_from('<%dI' % rank, b, at + 4)
        at += 4 + 4 * rank
        scale, = struct.unpack_from('<f', b, at)
        size = int(np.prod(dims)) if rank else 1
        if enc == 0:
            v = np.frombuffer(b, '<f4', size, at + 4).astype(np.float64)
            width = 4
        elif enc == 1:
            v = np.frombuffer(b, 'i1', size, at + 4).astype(np.float64) * np.float64(np.float32(scale))
            v = v.astype(np.float32).astype(np.float64)
            width = 1
        else:
            raise SystemExit('ring64 deltas are not plain updates')
        out[name] = v.reshape(dims)
        at = pad(at + 4 + size * width, 8)
    assert at == len(b), 'trailing bytes'
    return out, samples


spec = json.load(open(sys.argv[1]))
base = floats(spec['base'])
sums = {k: np.zeros_like(v) for k, v in base.items()}
n_total = 0
for path, n in spec['clients']:
    if open(path, 'rb').read(4) == b'EWFD':
        delta, own = read_delta(path)
        n = n or own
    else:
        w = floats(path)
        delta = {k: w[k] - base[k] for k in base}
    for k in base:
        sums[k] += n * delta[k]
    n_total += n
eta = spec.get('serverLr', 1.0)
ours = floats(spec['output'])
print(json.dumps({k: float(np.max(np.abs(ours[k] - (base[k] + eta * sums[k] / n_total)))) for k in base}))
