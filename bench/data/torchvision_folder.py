"""Peer for folder_pipeline.ts: torchvision ImageFolder + DataLoader (2 workers), same transforms.

Args: root runs epochs batch_size image_size. Prints per-run lines, then one JSON line
{"perRun": [...], "cpuMsPerImage": [...], "nImages": n, "versions": "..."}; CPU time counts the
main process and both worker processes (from /proc/<pid>/stat).
"""
import json
import os
import statistics
import sys
import time

import torch
import torchvision
from torchvision import datasets, transforms

root, runs, epochs, batch_size, image_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.manual_seed(1337)
torch.set_num_threads(2)
pipeline = transforms.Compose([
    transforms.RandomResizedCrop(image_size),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
dataset = datasets.ImageFolder(root, transform=pipeline)
# persistent_workers: worker start-up is paid once, in the warm-up epoch (torchvision's best case).
loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=2, persistent_workers=True)


def cpu_seconds():
    """CPU time of this process plus the DataLoader's worker processes."""
    total = time.process_time()
    iterator = loader._iterator
    for worker in (iterator._workers if iterator is not None else []):
        with open(f"/proc/{worker.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def one_pass():
    n = 0
    for images, labels in loader:
        n += images.shape[0]
    return n


one_pass()  # warm-up
per_run = []
cpu_per_image = []
for r in range(runs):
    start = time.perf_counter()
    cpu_start = cpu_seconds()
    n = sum(one_pass() for _ in range(epochs))
    seconds = time.perf_counter() - start
    per_run.append(n / seconds)
    cpu_per_image.append((cpu_seconds() - cpu_start) * 1000 / n)
    print(f"torchvision run {r + 1}/{runs}: {n / seconds:.1f} images/s ({n} images, {seconds:.2f} s)", flush=True)
print(json.dumps({"perRun": per_run, "cpuMsPerImage": cpu_per_image, "nImages": len(dataset), "versions": f"torch {torch.__version__}, torchvision {torchvision.__version__}"}))
