"""PyTorch reference for `npm run bench:train`: one SGD (momentum 0.9) training step on the same
architectures as the Fashion-MNIST samples, at a given thread count. Prints JSON.

usage: /usr/bin/python3 bench/train_step_torch.py cnn|mobilenet THREADS BATCH STEPS
"""
import json
import resource
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

arch, threads, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)


class Cnn(nn.Module):
    """test/fixtures/fmnist_cnn.onnx: Conv-Relu-MaxPool x2, Flatten, Gemm-Relu-Gemm."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.f1, self.f2 = nn.Linear(1600, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(x.flatten(1))))


def conv(cin, cout, k, s, g=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=g)]
    return layers + [nn.ReLU6()] if act else layers


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = [] if t == 1 else conv(cin, hidden, 1, 1)
        layers += conv(hidden, hidden, 3, stride, hidden) + conv(hidden, cout, 1, 1, act=False)
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNet(nn.Module):
    """test/fixtures/fmnist_mobilenet.onnx (BatchNorm folded into the convs, as exported)."""

    def __init__(self):
        super().__init__()
        layers, cin = conv(1, 16, 3, 2), 16
        for t, c, n, s in [(1, 16, 1, 1), (4, 24, 2, 2), (4, 32, 2, 1), (4, 48, 2, 2)]:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.features = nn.Sequential(*layers, *conv(cin, 128, 1, 1))
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


model = Cnn() if arch == 'cnn' else MobileNet()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.rand(batch, 1, 28, 28)
y = torch.arange(batch) % 10


def step():
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()


for _ in range(3):
    step()
times = []
for _ in range(steps):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
times.sort()
median = times[len(times) // 2]
print(json.dumps({
    'params': sum(p.numel() for p in model.parameters()), 'stepMs': median * 1000, 'imagesPerSecond': batch / median,
    'maxRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, 'torch': torch.__version__,
}))
