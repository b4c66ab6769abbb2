"""A 1,000-node flat CNN (no names, no scopes, no value_info), like PaddlePaddle exports: the
graph view's 1,000-node first-render case. 250 residual blocks of Conv -> Relu -> Conv -> Add.

usage: /usr/bin/python3 bench/models/make_flat_cnn.py [OUT.onnx]   (default: bench/models/flat_cnn_1000.onnx)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'flat_cnn_1000.onnx')
rng = np.random.default_rng(0)
C = 8
nodes, inits = [], []
x = 'x'
for b in range(250):
    w1, w2 = f'b{b}.w1', f'b{b}.w2'
    inits += [numpy_helper.from_array(rng.normal(0, 0.1, (C, C, 3, 3)).astype(np.float32), w1),
              numpy_helper.from_array(rng.normal(0, 0.1, (C, C, 3, 3)).astype(np.float32), w2)]
    nodes += [helper.make_node('Conv', [x, w1], [f'b{b}.c1'], pads=[1, 1, 1, 1]),
              helper.make_node('Relu', [f'b{b}.c1'], [f'b{b}.r']),
              helper.make_node('Conv', [f'b{b}.r', w2], [f'b{b}.c2'], pads=[1, 1, 1, 1]),
              helper.make_node('Add', [x, f'b{b}.c2'], [f'b{b}.y'])]
    x = f'b{b}.y'
graph = helper.make_graph(nodes, 'flat_cnn', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, C, 16, 16])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, C, 16, 16])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
onnx.checker.check_model(model)
onnx.save(model, out)
print('wrote', out, len(nodes), 'nodes')
