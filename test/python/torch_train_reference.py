"""PyTorch reference for the training-engine tests (Debian python3-torch, never used at run time).

usage: /usr/bin/python3 torch_train_reference.py MODEL OUT_DIR [--bn-train] [--steps K --lr LR --optimizer sgd|adam|adamw]
                                                  [--distill T ALPHA]

Builds a small seeded model (cnn_bn_dw, resnet or transformer), exports it to OUT_DIR/model.onnx
(opset 17, BatchNormalization kept as its own node), writes a fixed batch (x.npy, y.npy) and, after
loss.backward() with mean cross-entropy, the gradient of every parameter as OUT_DIR/grad_<i>.npy.
With --steps it also runs K optimizer steps on that batch and writes the weights as weight_<i>.npy.
With --distill the loss is Hinton et al.'s distillation loss written with PyTorch's own KL divergence,
alpha * T^2 * kl_div(log_softmax(s/T), softmax(t/T), 'batchmean') + (1 - alpha) * cross_entropy(s, y),
against seeded teacher logits written as OUT_DIR/teacher.npy.
Prints JSON: {"params": [{"onnx": initializer name, "index": i, "shape": [...]}], "loss": float}.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_num_threads(1)


class CnnBnDw(nn.Module):
    """Conv-BN-ReLU, a depthwise stride-2 Conv-BN-ReLU6, pointwise Conv-BN-ReLU, max and global pooling."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False)
        self.b2 = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 16, 1)
        self.b3 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        x = F.relu6(self.b2(self.dw(x)))
        x = F.max_pool2d(F.relu(self.b3(self.pw(x))), 2)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn_a = nn.BatchNorm2d(cout)
        self.b = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn_b = nn.BatchNorm2d(cout)
        self.skip = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn_b(self.b(F.relu(self.bn_a(self.a(x)))))
        return F.relu(y + (x if self.skip is None else self.skip(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.block1 = Block(8, 8, 1)
        self.block2 = Block(8, 16, 2)
        self.fc = nn.Linear(16 * 3 * 3, 10)

    def forward(self, x):
        x = self.block2(self.block1(F.relu(self.stem(x))))
        return self.fc(F.avg_pool2d(x, 2).flatten(1))


class Transformer(nn.Module):
    """Token embedding + learned positions, one pre-norm encoder block (2-head attention, GELU MLP), mean pooling."""

    def __init__(self, vocab=20, dim=16, heads=2, seq=8, classes=5):
        super().__init__()
        self.heads = heads
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(1, seq, dim) * 0.1)
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, tokens):
        x = self.embed(tokens) + self.pos
        n, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        shape = lambda z: z.reshape(n, t, self.heads, d // self.heads).transpose(1, 2)
        att = torch.softmax(shape(q) @ shape(k).transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1)
        x = x + self.proj((att @ shape(v)).transpose(1, 2).reshape(n, t, d))
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return self.head(x.mean(dim=1))


def build(name):
    if name == 'cnn_bn_dw':
        return CnnBnDw(), torch.rand(6, 1, 12, 12), 10
    if name == 'resnet':
        return ResNet(), torch.rand(5, 1, 12, 12), 10
    if name == 'transformer':
        return Transformer(), torch.randint(0, 20, (4, 8)), 5
    raise SystemExit(f'unknown model {name}')


def main():
    name, out = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    bn_train = '--bn-train' in args
    steps = int(args[args.index('--steps') + 1]) if '--steps' in args else 0
    lr = float(args[args.index('--lr') + 1]) if '--lr' in args else 0.1
    kind = args[args.index('--optimizer') + 1] if '--optimizer' in args else 'sgd'
    distill = [float(v) for v in args[args.index('--distill') + 1:args.index('--distill') + 3]] if '--distill' in args else None
    model, x, classes = build(name)
    # Non-trivial BatchNorm statistics and norm weights, as a trained model would have (identical
    # initial values would also be merged into one initializer by the exporter).
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    y = torch.arange(x.shape[0]) % classes
    model.eval()
    names = {p: n for n, p in model.named_parameters()}
    path = os.path.join(out, 'model.onnx')
    torch.onnx.export(model, (x,), path, opset_version=17, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)
    np.save(os.path.join(out, 'x.npy'), x.numpy())
    np.save(os.path.join(out, 'y.npy'), y.numpy().astype(np.int64))
    if bn_train:
        model.train()
    params = list(model.parameters())
    objective = lambda out: F.cross_entropy(out, y)
    if distill:
        t, alpha = distill
        # Confident, varied teacher logits from their own generator (the model and batch above are unchanged).
        teacher = torch.randn(x.shape[0], classes, generator=torch.Generator().manual_seed(1)) * 3
        np.save(os.path.join(out, 'teacher.npy'), teacher.numpy())
        kl = lambda out: F.kl_div(F.log_softmax(out / t, dim=1), F.softmax(teacher / t, dim=1), reduction='batchmean')
        objective = lambda out: alpha * t * t * kl(out) + (1 - alpha) * F.cross_entropy(out, y)
    loss = objective(model(x))
    loss.backward()
    for i, p in enumerate(params):
        np.save(os.path.join(out, f'grad_{i}.npy'), p.grad.numpy())
    if steps:
        opt = {'sgd': lambda: torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=1e-3),
               'adam': lambda: torch.optim.Adam(params, lr=lr, weight_decay=1e-3),
               'adamw': lambda: torch.optim.AdamW(params, lr=lr, weight_decay=1e-2)}[kind]()
        opt.zero_grad()
        for _ in range(steps):
            opt.zero_grad()
            objective(model(x)).backward()
            opt.step()
        for i, p in enumerate(params):
            np.save(os.path.join(out, f'weight_{i}.npy'), p.detach().numpy())
        stats = [(n, b) for n, b in model.named_buffers() if n.endswith('running_mean') or n.endswith('running_var')]
        for n, b in stats:
            np.save(os.path.join(out, f'buffer_{n}.npy'), b.numpy())
    print(json.dumps({'loss': float(loss), 'params': [{'onnx': names[p], 'index': i, 'shape': list(p.shape)} for i, p in enumerate(params)]}))


if __name__ == '__main__':
    main()
