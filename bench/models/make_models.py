"""Makes the benchmark models (random weights) with PyTorch; not needed by CI.

usage: /usr/bin/python3 bench/models/make_models.py [OUT_DIR]   (default: bench/models)
"""
import os
import sys

import torch
import torchvision

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def export(model, args, name, input_names, output_names, dynamic=None):
    path = os.path.join(out, name)
    if os.path.exists(path):
        print('exists', path)
        return
    model.eval()
    torch.onnx.export(model, args, path, opset_version=17, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic, do_constant_folding=True)
    print('wrote', path, os.path.getsize(path))


export(torchvision.models.resnet18(), torch.randn(1, 3, 224, 224), 'resnet18.onnx', ['input'], ['output'])
export(torchvision.models.mobilenet_v2(), torch.randn(1, 3, 224, 224), 'mobilenet_v2.onnx', ['input'], ['output'])
# bench:open (issue 21): ResNet-50 (make_resnet50.py makes the same without torchvision) and the 220-layer transformer (10,560 nodes).
export(torchvision.models.resnet50(), torch.randn(1, 3, 224, 224), 'resnet50.onnx', ['input'], ['output'])


class Encoder(torch.nn.Module):
    def __init__(self, layers, d, heads, ff):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = torch.nn.Linear(d, d)
        # TransformerEncoder deep-copies one layer; give every layer its own weights.
        for p in self.parameters():
            if p.dim() > 1:
                torch.nn.init.xavier_uniform_(p)
            else:
                torch.nn.init.normal_(p, std=0.02)

    def forward(self, x):
        return self.head(self.encoder(x))


export(Encoder(4, 256, 4, 1024), torch.randn(1, 128, 256), 'transformer_4x256.onnx', ['input'], ['output'])
export(Encoder(100, 64, 4, 128), torch.randn(1, 16, 64), 'transformer_100x64.onnx', ['input'], ['output'])
export(Encoder(200, 64, 4, 128), torch.randn(1, 16, 64), 'transformer_200x64.onnx', ['input'], ['output'])
# The 220-layer transformer of bench:open: make_transformer.py (torch's export of it takes over 40 min here).
