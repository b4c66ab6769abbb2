"""Writes a deep transformer encoder (random weights) with onnx.helper, in seconds.

The same ops and name scopes as PyTorch's export of nn.TransformerEncoder (make_models.py:
/encoder/layers.N/self_attn/..., the Shape/Gather/Unsqueeze/Concat chains that feed each Reshape;
53 nodes a layer, torch's has 48), for depths where torch.onnx.export takes too long on a loaded 2-core machine
(220 layers: over 40 minutes here). Not needed by CI.

usage: /usr/bin/python3 bench/models/make_transformer.py [LAYERS] [OUT.onnx]
       (default: 220 layers, bench/models/transformer_220x64.onnx: 11,663 nodes)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

D, HEADS, FF, SEQ = 64, 4, 128, 16
layers = int(sys.argv[1]) if len(sys.argv) > 1 else 220
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), f'transformer_{layers}x{D}.onnx')
rng = np.random.default_rng(0)
nodes, inits = [], []


def weight(name, *shape):
    inits.append(numpy_helper.from_array((rng.standard_normal(shape) * 0.02).astype(np.float32), name))
    return name


def const(name, values):
    inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
    return name


def node(scope, op, inputs, n_out=1, **attrs):
    name = f'{scope}/{op}_{len(nodes)}'
    outs = [f'{name}_output_{i}' for i in range(n_out)]
    nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
    return outs[0] if n_out == 1 else outs


def linear(scope, x, n_in, n_out):
    y = node(scope, 'MatMul', [x, weight(f'{scope}.weight', n_in, n_out)])
    return node(scope, 'Add', [weight(f'{scope}.bias', n_out), y])


def reshape_like(scope, x, ref, tail):
    """Reshape x to [batch, seq, *tail] with the batch and sequence read from ref, as torch exports it."""
    shape = node(scope, 'Shape', [ref])
    dims = []
    for i in range(2):
        g = node(scope, 'Gather', [shape, const(f'{scope}.idx{len(nodes)}', i)], axis=0)
        dims.append(node(scope, 'Unsqueeze', [g, const(f'{scope}.axes{len(nodes)}', [0])]))
    target = node(scope, 'Concat', [*dims, const(f'{scope}.tail{len(nodes)}', tail)], axis=0)
    return node(scope, 'Reshape', [x, target])


def layer(i, x):
    s = f'/encoder/layers.{i}'
    a = f'{s}/self_attn'
    heads = []
    for part in ('q', 'k', 'v'):
        p = linear(f'{a}/{part}_proj', x, D, D)
        p = reshape_like(f'{a}/{part}', p, x, [HEADS, D // HEADS])
        heads.append(node(f'{a}/{part}', 'Transpose', [p], perm=[0, 2, 1, 3] if part != 'k' else [0, 2, 3, 1]))
    q, k, v = heads
    scores = node(a, 'MatMul', [q, k])
    scores = node(a, 'Div', [scores, weight(f'{a}.scale', 1)])
    att = node(a, 'MatMul', [node(a, 'Softmax', [scores], axis=-1), v])
    att = node(a, 'Transpose', [att], perm=[0, 2, 1, 3])
    att = reshape_like(f'{a}/merge', att, x, [D])
    att = linear(f'{a}/out_proj', att, D, D)
    x = node(s, 'Add', [x, att])
    x = node(f'{s}/norm1', 'LayerNormalization', [x, weight(f'{s}/norm1.weight', D), weight(f'{s}/norm1.bias', D)], axis=-1)
    h = node(f'{s}/activation', 'Relu', [linear(f'{s}/linear1', x, D, FF)])
    x = node(s, 'Add', [x, linear(f'{s}/linear2', h, FF, D)])
    return node(f'{s}/norm2', 'LayerNormalization', [x, weight(f'{s}/norm2.weight', D), weight(f'{s}/norm2.bias', D)], axis=-1)


x = 'input'
for i in range(layers):
    x = layer(i, x)
y = linear('/head', x, D, D)
nodes.append(helper.make_node('Identity', [y], ['output'], name='/head/Identity'))
graph = helper.make_graph(nodes, 'encoder', [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, SEQ, D])],
                          [helper.make_tensor_value_info('output', TensorProto.FLOAT, [1, SEQ, D])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
onnx.checker.check_model(model)
onnx.save(model, out)
print('wrote', out, len(nodes), 'nodes', os.path.getsize(out), 'bytes')
