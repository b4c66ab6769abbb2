"""The large-weight-file case for bench/coreml.ts.

  coreml_blob.py make OUT.mlpackage MB      an ML Program package whose weights/weight.bin holds
                                            MB megabytes of float32 consts (4 MB each, seeded)
  coreml_blob.py stats WEIGHT_BIN OFFSET    numpy's statistics of the blob whose record is at
                                            OFFSET, read with np.fromfile (the reference figures)
"""
import json
import os
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'test', 'python'))


def make(pkg, megabytes):
    from coreml_proto import load
    pb = load()
    import mil_pb2
    count = max(1, megabytes // 4)
    rows = 1024  # each const: [1024, 1024] float32 = 4 MiB
    m = pb.Model()
    m.specificationVersion = 7
    f = m.description.input.add()
    f.name = 'x'
    f.type.multiArrayType.shape.extend([1, rows])
    f.type.multiArrayType.dataType = 65568
    o = m.description.output.add()
    o.name = 'y'
    o.type.multiArrayType.dataType = 65568
    fn = m.mlProgram.functions['main']
    m.mlProgram.version = 1
    fn.opset = 'CoreML6'
    i = fn.inputs.add()
    i.name = 'x'

    def tensor(t, shape):
        t.tensorType.dataType = mil_pb2.FLOAT32
        t.tensorType.rank = len(shape)
        for d in shape:
            t.tensorType.dimensions.add().constant.size = d
    tensor(i.type, [1, rows])
    block = fn.block_specializations['CoreML6']
    weights = os.path.join(pkg, 'Data', 'com.apple.CoreML', 'weights')
    os.makedirs(weights, exist_ok=True)
    rng = np.random.default_rng(1)
    prev = 'x'
    with open(os.path.join(weights, 'weight.bin'), 'wb') as out:
        out.write(struct.pack('<II', count, 2).ljust(64, b'\0'))
        for k in range(count):
            w = rng.normal(0, 0.05 * (k + 1), size=(rows, rows)).astype(np.float32)
            rec = out.tell()
            out.write(struct.pack('<IIQQ', 0xDEADBEEF, 2, w.nbytes, rec + 64).ljust(64, b'\0'))
            out.write(w.tobytes())
            c = block.operations.add()
            c.type = 'const'
            co = c.outputs.add()
            co.name = f'w{k}'
            tensor(co.type, [rows, rows])
            c.attributes['val'].blobFileValue.fileName = '@model_path/weights/weight.bin'
            c.attributes['val'].blobFileValue.offset = rec
            tensor(c.attributes['val'].type, [rows, rows])
            op = block.operations.add()
            op.type = 'linear'
            op.inputs['x'].arguments.add().name = prev
            op.inputs['weight'].arguments.add().name = f'w{k}'
            prev = 'y' if k == count - 1 else f'h{k}'
            oo = op.outputs.add()
            oo.name = prev
            tensor(oo.type, [1, rows])
            op.attributes['name'].immediateValue.tensor.strings.values.append(f'fc{k}')
    block.outputs.append('y')
    with open(os.path.join(pkg, 'Data', 'com.apple.CoreML', 'model.mlmodel'), 'wb') as out:
        out.write(m.SerializeToString())
    with open(os.path.join(pkg, 'Manifest.json'), 'w') as out:
        json.dump({'fileFormatVersion': '1.0.0', 'rootModelIdentifier': 'M', 'itemInfoEntries': {
            'M': {'author': 'com.apple.CoreML', 'description': 'CoreML Model Specification', 'name': 'model.mlmodel', 'path': 'com.apple.CoreML/model.mlmodel'},
            'W': {'author': 'com.apple.CoreML', 'description': 'CoreML Model Weights', 'name': 'weights', 'path': 'com.apple.CoreML/weights'}}}, out)


def stats(weight_bin, offset):
    t = time.perf_counter()
    with open(weight_bin, 'rb') as f:
        f.seek(offset)
        _, _, size, data_offset = struct.unpack('<IIQQ', f.read(24))
    w = np.fromfile(weight_bin, dtype=np.float32, count=size // 4, offset=data_offset)
    result = {'min': float(w.min()), 'max': float(w.max()), 'mean': float(w.mean(dtype=np.float64)), 'std': float(w.std(dtype=np.float64)), 'bytesRead': 24 + w.nbytes}
    result['ms'] = (time.perf_counter() - t) * 1000
    print(json.dumps(result))


if sys.argv[1] == 'make':
    make(sys.argv[2], int(sys.argv[3]))
else:
    stats(sys.argv[2], int(sys.argv[3]))
