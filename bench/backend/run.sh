#!/usr/bin/env bash
# Training throughput, forward + backward + SGD step, one process each with THREADS threads:
# the project's tfjs backend (wasm here, with the oneDNN kernels where built) beside Debian's
# python3-torch on the CPU (torch.set_num_threads(THREADS)), same models, batch sizes, seed and
# step, warm-up excluded. Prints a markdown table.
#
#   bench/backend/run.sh                                   # the default cases, 5 paired runs, 1 thread
#   CASES=mnist-cnn:64 REPEATS=3 THREADS=2 bench/backend/run.sh
#   CASES=resnet18-cifar:128 bench/backend/run.sh          # ResNet-18 CIFAR (about a minute a round)
#
# Each of the REPEATS rounds runs every case as a torch process then a tfjs process, back to
# back, so a pair sees about the same load on a shared machine; the table gives the medians of
# both sides and the median (and range) of the per-pair ratios, by wall time and by CPU time.
# python3-torch (about 650 MB) is installed here if missing: a peer for this benchmark only,
# never a project dependency.
set -euo pipefail
cd "$(dirname "$0")/../.."

CASES="${CASES:-mnist-cnn:64,mnist-cnn:128,resnet20-cifar:128}"
REPEATS="${REPEATS:-5}"
THREADS="${THREADS:-1}"

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench/backend: installing Debian's python3-torch (bench only, not a project dependency)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get install -y --no-install-recommends python3-torch
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

IFS=',' read -ra LIST <<< "$CASES"
for RUN in $(seq 1 "$REPEATS"); do
  for CASE in "${LIST[@]}"; do
    echo "round $RUN/$REPEATS, $CASE"
    /usr/bin/python3 bench/backend/torch_bench.py --cases "$CASE" --threads "$THREADS" --repeats 1 --json "$OUT/torch.$CASE.$RUN.json"
    node --import tsx bench/backend/tfjs.ts --cases "$CASE" --threads "$THREADS" --repeats 1 --json "$OUT/tfjs.$CASE.$RUN.json"
  done
done

echo
echo "Machine: $(nproc) cores, $THREADS thread(s) per side, load average $(cut -d' ' -f1-3 /proc/loadavg); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), node $(node --version)"
node --import tsx bench/backend/tfjs.ts --combine "$OUT"
