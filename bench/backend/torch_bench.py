"""PyTorch (CPU, Debian's python3-torch) side of bench/backend: the same models, batch sizes,
seed and step as bench/backend/tfjs.ts. One process, torch.set_num_threads(THREADS).

A step is forward + cross-entropy + backward + SGD (lr 0.01, momentum 0.9) on a fixed random
batch. Warm-up steps are excluded; each of REPEATS runs times STEPS steps; the result is the
median images/s over the runs (wall clock) and, beside it, images per CPU-second of this process.

Usage: /usr/bin/python3 bench/backend/torch_bench.py --json out.json [--cases mnist-cnn:64,...]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1337


class MnistCnn(nn.Module):
    """The forgetting paper's MNIST CNN (PyTorch's MNIST example without dropout)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


class BasicBlockA(nn.Module):
    """CIFAR ResNet basic block with the parameter-free option-A shortcut (He et al. 2016)."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes - in_planes if (stride != 1 or in_planes != planes) else 0
        self.stride = stride

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        skip = x
        if self.pad:
            skip = x[:, :, :: self.stride, :: self.stride]
            skip = F.pad(skip, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + skip)


class BasicBlockB(nn.Module):
    """ResNet-18's basic block with a projection shortcut (1x1 conv + BN) when the shape changes."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """CIFAR ResNet: 3x3 stem, no max pool, stages of `blocks_per_stage` blocks (stride 2 at the
    start of every stage after the first), global average pool, linear classifier."""

    def __init__(self, block, widths, blocks_per_stage, n_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        blocks, in_planes = [], widths[0]
        for stage, planes in enumerate(widths):
            for index in range(blocks_per_stage):
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(block(in_planes, planes, stride))
                in_planes = planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(widths[-1], n_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.blocks(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def resnet20(n_classes=10):
    """ResNet-20 (He et al. 2016): option-A blocks, widths 16/32/64, 269,722 parameters."""
    return CifarResNet(BasicBlockA, [16, 32, 64], 3, n_classes)


def resnet18_cifar(n_classes=10):
    """ResNet-18 for CIFAR as in the forgetting paper's code: projection shortcuts, widths 64..512, 11,173,962 parameters."""
    return CifarResNet(BasicBlockB, [64, 128, 256, 512], 2, n_classes)


MODELS = {
    "mnist-cnn": (MnistCnn, (1, 28, 28)),
    "resnet20-cifar": (resnet20, (3, 32, 32)),
    "resnet18-cifar": (resnet18_cifar, (3, 32, 32)),
}


def bench_case(model_name, batch, repeats, steps, warmup):
    torch.manual_seed(SEED)
    cls, image_shape = MODELS[model_name]
    model = cls()
    model.train()
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, *image_shape)
    y = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(warmup):
        step()
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        wall.append(batch * steps / (time.perf_counter() - w0))
        cpu.append(batch * steps / (time.process_time() - c0))
    return {
        "model": model_name,
        "batch": batch,
        "params": params,
        "imagesPerSec": statistics.median(wall),
        "imagesPerCpuSec": statistics.median(cpu),
        "runs": wall,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", required=True, help="write results here")
    parser.add_argument("--cases", default="mnist-cnn:64,mnist-cnn:128,resnet20-cifar:128", help="model:batch list")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the median is reported")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for case in args.cases.split(","):
        name, batch = case.split(":")
        batch = int(batch)
        # About 2-6 s of work per timed run on one thread (the same counts as bench/backend/tfjs.ts).
        steps = {"mnist-cnn": 20, "resnet18-cifar": 1}.get(name, 3)
        result = bench_case(name, batch, args.repeats, steps, args.warmup)
        result.update(threads=torch.get_num_threads(), torch=torch.__version__, steps=steps)
        print(f"torch {name} batch {batch}: {result['imagesPerSec']:.1f} img/s (cpu-time {result['imagesPerCpuSec']:.1f})", flush=True)
        results.append(result)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
