#!/usr/bin/env bash
# Training throughput, forward + backward + SGD step, one process and one thread each: the
# project's tfjs backend (wasm here) beside Debian's python3-torch on the CPU, same models,
# batch sizes, seed and step; median of 5 runs, warm-up excluded. Prints a markdown table.
#
#   bench/backend/run.sh                       # all cases
#   CASES=mnist-cnn:64 bench/backend/run.sh    # some
#
# python3-torch (about 650 MB) is installed here if missing: it is a peer for this benchmark
# only, never a project dependency. Cases run one after the other, torch then tfjs, so a load
# change on a shared machine hits both sides alike; the CPU-time columns are the robust ones there.
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
echo "[]" > "$OUT/torch.json"
echo '{"backend": "", "results": []}' > "$OUT/tfjs.json"

IFS=',' read -ra LIST <<< "$CASES"
for CASE in "${LIST[@]}"; do
  /usr/bin/python3 bench/backend/torch_bench.py --cases "$CASE" --threads 1 --repeats "$REPEATS" --json "$OUT/torch.$CASE.json"
  node --import tsx bench/backend/tfjs.ts --cases "$CASE" --repeats "$REPEATS" --json "$OUT/tfjs.$CASE.json"
done

# Merge the per-case files, then print the table.
node -e '
const fs = require("fs");
const [dir, cases] = process.argv.slice(1);
const torch = [], tfjs = [];
let backend = "";
for (const c of cases.split(",")) {
  torch.push(...JSON.parse(fs.readFileSync(`${dir}/torch.${c}.json`, "utf8")));
  const t = JSON.parse(fs.readFileSync(`${dir}/tfjs.${c}.json`, "utf8"));
  backend = t.backend;
  tfjs.push(...t.results);
}
fs.writeFileSync(`${dir}/torch.json`, JSON.stringify(torch));
fs.writeFileSync(`${dir}/tfjs.json`, JSON.stringify({ backend, results: tfjs }));
' "$OUT" "$CASES"
echo
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), node $(node --version)"
node --import tsx bench/backend/tfjs.ts --combine "$OUT/torch.json" "$OUT/tfjs.json"
