"""Builds small Core ML models with every weight storage Edgewise decodes, and prints the values a
reader must find (numpy statistics of the real, dequantized weights) as JSON.

usage: coreml_make.py OUT_FOLDER
Writes OUT_FOLDER/quantized.mlmodel (neural network: float32, float16, linear 8-bit per channel,
palettized 4-bit and 2-bit, int8) and OUT_FOLDER/Blobs.mlpackage (ML Program whose consts live in
weights/weight.bin: float16, float32, int8 with affine dequantize, uint4 palette indices)."""
import json
import os
import struct
import sys

import numpy as np

from coreml_proto import load

pb = load()
import mil_pb2  # noqa: E402
import neural_network_pb2 as nn  # noqa: E402

out_dir = sys.argv[1]
rng = np.random.default_rng(7)
expected = {}


def stats(name, values, dtype, nbytes):
    v = np.asarray(values, dtype=np.float64)
    expected[name] = {'dtype': dtype, 'bytes': int(nbytes), 'min': float(v.min()), 'max': float(v.max()), 'mean': float(v.mean()), 'elements': int(v.size)}


def pack_msb(codes, bits):
    """Core ML neural-network packing: each code's bits MSB first, bytes filled MSB first."""
    bitstream = [(int(c) >> i) & 1 for c in codes for i in reversed(range(bits))]
    return np.packbits(np.array(bitstream, dtype=np.uint8)).tobytes()


# --- neural network with quantized weights -------------------------------------------------------
m = pb.Model()
m.specificationVersion = 4
inp = m.description.input.add()
inp.name = 'x'
inp.type.multiArrayType.shape.append(16)
inp.type.multiArrayType.dataType = 65568
o = m.description.output.add()
o.name = 'y'
o.type.multiArrayType.dataType = 65568
net = m.neuralNetwork
prev = 'x'
for i, kind in enumerate(['float32', 'float16', 'linear8', 'lut4', 'lut2', 'int8']):
    layer = net.layers.add()
    layer.name = f'fc_{kind}'
    layer.input.append(prev)
    prev = 'y' if i == 5 else f'h{i}'
    layer.output.append(prev)
    p = layer.innerProduct
    p.inputChannels = 16
    p.outputChannels = 16
    w = rng.normal(0, 0.5, size=(16, 16)).astype(np.float32)
    name = f'fc_{kind}/weights'
    if kind == 'float32':
        p.weights.floatValue.extend(w.ravel().tolist())
        stats(name, w, 'float32', w.size * 4)
    elif kind == 'float16':
        h = w.astype(np.float16)
        p.weights.float16Value = h.tobytes()
        stats(name, h.astype(np.float32), 'float16', h.nbytes)
    elif kind == 'linear8':
        lo, hi = w.min(axis=1), w.max(axis=1)
        scale = (hi - lo) / 255
        q = np.round((w - lo[:, None]) / scale[:, None]).astype(np.uint8)
        p.weights.rawValue = q.tobytes()
        p.weights.quantization.numberOfBits = 8
        p.weights.quantization.linearQuantization.scale.extend(scale.tolist())
        p.weights.quantization.linearQuantization.bias.extend(lo.tolist())
        real = q.astype(np.float32) * scale.astype(np.float32)[:, None] + lo.astype(np.float32)[:, None]
        stats(name, real, 'linear 8-bit', q.nbytes)
    elif kind in ('lut4', 'lut2'):
        bits = 4 if kind == 'lut4' else 2
        lut = np.sort(rng.normal(0, 0.5, size=2 ** bits)).astype(np.float32)
        codes = rng.integers(0, 2 ** bits, size=w.size)
        p.weights.rawValue = pack_msb(codes, bits)
        p.weights.quantization.numberOfBits = bits
        p.weights.quantization.lookupTableQuantization.floatValue.extend(lut.tolist())
        stats(name, lut[codes], f'palettized {bits}-bit', len(p.weights.rawValue))
    else:
        scale = float(np.abs(w).max() / 127)
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        p.weights.int8RawValue = q.tobytes()
        p.weights.quantization.numberOfBits = 8
        p.weights.quantization.linearQuantization.scale.append(scale)
        p.int8DynamicQuantize = True
        stats(name, q.astype(np.float32) * np.float32(scale), 'int8', q.nbytes)
with open(os.path.join(out_dir, 'quantized.mlmodel'), 'wb') as f:
    f.write(m.SerializeToString())

# --- ML Program package with blob-stored weights -----------------------------------------------------
blobs = []  # (dtype code, bytes)


def blob(code, data):
    blobs.append((code, data))
    return len(blobs) - 1


def tensor_type(t, dtype, shape):
    t.tensorType.dataType = dtype
    t.tensorType.rank = len(shape)
    for d in shape:
        t.tensorType.dimensions.add().constant.size = d


def const_op(block, name, dtype, shape, blob_index):
    op = block.operations.add()
    op.type = 'const'
    out = op.outputs.add()
    out.name = name
    tensor_type(out.type, dtype, shape)
    op.attributes['name'].immediateValue.tensor.strings.values.append(name)
    tensor_type(op.attributes['name'].type, mil_pb2.STRING, [])
    v = op.attributes['val']
    tensor_type(v.type, dtype, shape)
    v.blobFileValue.fileName = '@model_path/weights/weight.bin'
    v.blobFileValue.offset = blob_index  # patched to the record offset below


def call(block, op_type, name, inputs, out_name, dtype, shape):
    op = block.operations.add()
    op.type = op_type
    for k, v in inputs.items():
        op.inputs[k].arguments.add().name = v
    o = op.outputs.add()
    o.name = out_name
    tensor_type(o.type, dtype, shape)
    op.attributes['name'].immediateValue.tensor.strings.values.append(name)
    tensor_type(op.attributes['name'].type, mil_pb2.STRING, [])


pm = pb.Model()
pm.specificationVersion = 8
for n, shape in (('x', [1, 64]),):
    f = pm.description.input.add()
    f.name = n
    f.type.multiArrayType.shape.extend(shape)
    f.type.multiArrayType.dataType = 65552
f = pm.description.output.add()
f.name = 'y'
f.type.multiArrayType.dataType = 65552
prog = pm.mlProgram
prog.version = 1
fn = prog.functions['main']
fn.opset = 'CoreML7'
i = fn.inputs.add()
i.name = 'x'
tensor_type(i.type, mil_pb2.FLOAT16, [1, 64])
b = fn.block_specializations['CoreML7']
w16 = rng.normal(0, 0.2, size=(64, 64)).astype(np.float16)
w32 = rng.normal(0, 0.3, size=(64,)).astype(np.float32)
q8 = rng.integers(-128, 128, size=(64, 64)).astype(np.int8)
scale8 = np.float16(0.01)
lut = np.sort(rng.normal(0, 0.4, size=16)).astype(np.float16)
idx = rng.integers(0, 16, size=64 * 64).astype(np.uint8)
packed4 = np.packbits(np.unpackbits(idx[:, None], axis=1, bitorder='little')[:, :4].ravel(), bitorder='little').tobytes()
const_op(b, 'w_fp16', mil_pb2.FLOAT16, [64, 64], blob(1, w16.tobytes()))
const_op(b, 'b_fp32', mil_pb2.FLOAT32, [64], blob(2, w32.tobytes()))
const_op(b, 'q_int8', mil_pb2.INT8, [64, 64], blob(4, q8.tobytes()))
const_op(b, 'lut_idx', mil_pb2.UINT4, [64, 64], blob(11, packed4))
stats('w_fp16', w16.astype(np.float32), 'float16', w16.nbytes)
stats('b_fp32', w32, 'float32', w32.nbytes)
stats('q_int8', q8, 'int8', q8.nbytes)
stats('lut_idx', idx, 'uint4', len(packed4))
call(b, 'linear', 'fc0', {'x': 'x', 'weight': 'w_fp16'}, 'h0', mil_pb2.FLOAT16, [1, 64])
call(b, 'constexpr_affine_dequantize', 'deq', {'quantized_data': 'q_int8'}, 'w1', mil_pb2.FLOAT16, [64, 64])
call(b, 'linear', 'fc1', {'x': 'h0', 'weight': 'w1'}, 'h1', mil_pb2.FLOAT16, [1, 64])
call(b, 'constexpr_lut_to_dense', 'pal', {'indices': 'lut_idx'}, 'w2', mil_pb2.FLOAT16, [64, 64])
call(b, 'linear', 'fc2', {'x': 'h1', 'weight': 'w2'}, 'y', mil_pb2.FLOAT16, [1, 64])
b.outputs.append('y')

# Blob storage v2: 64-byte header, then per blob a 64-byte record and its data, each 64-aligned.
data = bytearray(struct.pack('<II', len(blobs), 2).ljust(64, b'\0'))
offsets = []
for code, payload in blobs:
    rec = len(data)
    offsets.append(rec)
    data_offset = rec + 64
    data += struct.pack('<IIQQ', 0xDEADBEEF, code, len(payload), data_offset).ljust(64, b'\0')
    data += payload
    data += b'\0' * (-len(data) % 64)
for op in b.operations:
    if op.type == 'const':
        op.attributes['val'].blobFileValue.offset = offsets[op.attributes['val'].blobFileValue.offset]
pkg = os.path.join(out_dir, 'Blobs.mlpackage')
os.makedirs(os.path.join(pkg, 'Data', 'com.apple.CoreML', 'weights'), exist_ok=True)
with open(os.path.join(pkg, 'Data', 'com.apple.CoreML', 'weights', 'weight.bin'), 'wb') as f:
    f.write(data)
# A root model named other than model.mlmodel: readers must follow the manifest.
with open(os.path.join(pkg, 'Data', 'com.apple.CoreML', 'program.mlmodel'), 'wb') as f:
    f.write(pm.SerializeToString())
manifest = {
    'fileFormatVersion': '1.0.0',
    'itemInfoEntries': {
        'A': {'author': 'com.apple.CoreML', 'description': 'CoreML Model Weights', 'name': 'weights', 'path': 'com.apple.CoreML/weights'},
        'B': {'author': 'com.apple.CoreML', 'description': 'CoreML Model Specification', 'name': 'program.mlmodel', 'path': 'com.apple.CoreML/program.mlmodel'},
    },
    'rootModelIdentifier': 'B',
}
with open(os.path.join(pkg, 'Manifest.json'), 'w') as f:
    json.dump(manifest, f)
expected['_blobOffsets'] = offsets
expected['_weightFileBytes'] = len(data)
print(json.dumps(expected))
