"""Peer for folder_pipeline.ts: torchvision ImageFolder + DataLoader (2 workers), same transforms.

Args: root runs epochs batch_size image_size. Prints per-run lines, then one JSON line
{"perRun": [...], "nImages": n, "versions": "..."}.
"""
import json
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


def one_pass():
    n = 0
    for images, labels in loader:
        n += images.shape[0]
    return n


one_pass()  # warm-up
per_run = []
for r in range(runs):
    start = time.perf_counter()
    n = sum(one_pass() for _ in range(epochs))
    seconds = time.perf_counter() - start
    per_run.append(n / seconds)
    print(f"torchvision run {r + 1}/{runs}: {n / seconds:.1f} images/s ({n} images, {seconds:.2f} s)", flush=True)
print(json.dumps({"perRun": per_run, "nImages": len(dataset), "versions": f"torch {torch.__version__}, torchvision {torchvision.__version__}"}))
