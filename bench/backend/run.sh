#!/usr/bin/env bash
# Training throughput, forward + backward + SGD step, one process and one thread each: the
# project's tfjs backend (wasm here) beside Debian's python3-torch on the CPU, same models,
# batch sizes, seed and step, warm-up excluded. Prints a markdown table.
#
#   bench/backend/run.sh                                   # all cases, 5 paired runs
#   CASES=mnist-cnn:64 REPEATS=3 bench/backend/run.sh      # some
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
    /usr/bin/python3 bench/backend/torch_bench.py --cases "$CASE" --threads 1 --repeats 1 --json "$OUT/torch.$CASE.$RUN.json"
    node --import tsx bench/backend/tfjs.ts --cases "$CASE" --repeats 1 --json "$OUT/tfjs.$CASE.$RUN.json"
  done
done

echo
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), node $(node --version)"
node --import tsx bench/backend/tfjs.ts --combine "$OUT"
