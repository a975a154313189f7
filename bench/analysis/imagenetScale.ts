/**
 * ImageNet-scale analysis benchmark: 8 synthetic runs of N = 1,281,167 examples x 450 epochs
 * (the reference study's largest budget), written as real run folders in a temp dir, then
 *   1. per-run statistics (exampleStatsFromFile: correct.bits streamed 15 epochs at a time)
 *      for each of the 8 seeds,
 *   2. the 8-seed never-learned intersection (and union, unforgettable in all),
 *   3. per-class counts of those sets over 1000 classes,
 * timed in this library and, in the same script, with numpy (Debian's python3-numpy on
 * /usr/bin/python3) computing the same things the idiomatic way (np.unpackbits over example
 * chunks). Each side runs in its own process so its peak RSS is its own. The two sides'
 * results are compared, so the ratio compares equal work.
 *
 *   node --import tsx bench/analysis/imagenetScale.ts [--examples 1281167] [--epochs 450] [--seeds 8] [--keep]
 *
 * Synthetic structure (seeded, fixed): each example has a difficulty shared across seeds;
 * most are learned within the first few epochs, about 1% are never learned in some seeds and
 * about 0.3% in every seed; after learning, examples are forgotten at 1/256 (the easiest
 * 30%), 1/16, or 1/4 (the hardest 10%) of presentations.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { analyzeBudget } from "../../src/analysis/experiment";
import { countMembers, intersection, perClassCounts, union } from "../../src/analysis/sets";
import { exampleStatsFromFile } from "../../src/runs/stats";
import { correctRowBytes } from "../../src/runs/layout";
import { Random } from "../../src/core/random";

const N_CLASSES = 1000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const nExamples = option("examples", 1_281_167);
const nEpochs = option("epochs", 450);
const nSeeds = option("seeds", 8);
const dataDir = path.join(os.tmpdir(), `forgetting-bench-${nExamples}x${nEpochs}x${nSeeds}`);
const runDir = (seed: number) => path.join(dataDir, `s${seed}`);

/** ImageNet's train split is sorted by class: example i belongs to class floor(i * 1000 / N). */
function labelOf(i: number): number {
  return Math.floor((i * N_CLASSES) / nExamples);
}

/** Writes the 8 synthetic records (correct.bits only: the benchmark reads the bits directly). */
function generate(): void {
  const rowBytes = correctRowBytes(nExamples);
  const nWords = Math.ceil(nExamples / 32);
  const difficulty = new Float64Array(nExamples);
  const shared = new Random(2019, "bench-difficulty");
  for (let i = 0; i < nExamples; i++) difficulty[i] = shared.next();
  const hardWords = new Int32Array(nWords);
  const veryEasyWords = new Int32Array(nWords);
  for (let i = 0; i < nExamples; i++) {
    if (difficulty[i] > 0.9) hardWords[i >> 5] |= 1 << (i & 31);
    if (difficulty[i] < 0.3) veryEasyWords[i >> 5] |= 1 << (i & 31);
  }
  for (let seed = 0; seed < nSeeds; seed++) {
    const rng = new Random(seed, "bench-record");
    // Learn epoch: shared difficulty plus seed noise; the hardest ~0.3-1% never learn.
    const learnEpoch = new Int32Array(nExamples);
    for (let i = 0; i < nExamples; i++) {
      const d = difficulty[i] + 0.004 * (rng.next() - 0.5);
      learnEpoch[i] = d > 0.995 ? nEpochs : Math.min(nEpochs - 1, Math.floor(-Math.log(1 - Math.min(d, 0.999999)) * 3));
    }
    // Bucket examples by learn epoch so the learned mask grows row by row.
    const starts = new Int32Array(nEpochs + 2);
    for (let i = 0; i < nExamples; i++) starts[learnEpoch[i] + 1]++;
    for (let e = 1; e < starts.length; e++) starts[e] += starts[e - 1];
    const byEpoch = new Int32Array(nExamples);
    const fill = starts.slice();
    for (let i = 0; i < nExamples; i++) byEpoch[fill[learnEpoch[i]]++] = i;
    const learned = new Int32Array(nWords);
    const row = new Uint8Array(nWords * 4);
    const rowWords = new Int32Array(row.buffer);
    let x = (rng.nextUint32() | 1) >>> 0;
    const xorshift = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x;
    };
    const dir = runDir(seed);
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(path.join(dir, "correct.bits"), "w");
    for (let e = 0; e < nEpochs; e++) {
      for (let k = starts[e]; k < starts[e + 1]; k++) learned[byEpoch[k] >> 5] |= 1 << (byEpoch[k] & 31);
      for (let w = 0; w < nWords; w++) {
        const l = learned[w];
        if (l === 0) {
          rowWords[w] = 0;
          continue;
        }
        // Forgetting probability per presentation: 1/4 (hard), 1/16, or 1/256 (very easy).
        const rare = ~veryEasyWords[w] | (xorshift() & xorshift() & xorshift() & xorshift());
        const forget = xorshift() & xorshift() & (hardWords[w] | (xorshift() & xorshift() & rare));
        rowWords[w] = l & ~forget;
      }
      fs.writeSync(fd, row, 0, rowBytes);
    }
    fs.closeSync(fd);
    process.stderr.write(`generated seed ${seed}\n`);
  }
}

/** Phase run in a child process: the library's analysis, timed; prints one JSON line. */
function analyzeWithLibrary(): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stats = [];
  const r0 = performance.now();
  // Reading is streamed inside exampleStatsFromFile, so its time is part of the statistics.
  for (let seed = 0; seed < nSeeds; seed++) stats.push(exampleStatsFromFile(runDir(seed), nExamples, nEpochs));
  const readSeconds = null; // streamed inside exampleStatsFromFile
  const statsSeconds = (performance.now() - r0) / 1000;
  const s0 = performance.now();
  const neverAll = intersection(stats.map((s) => s.neverLearned));
  const neverAny = union(stats.map((s) => s.neverLearned));
  const unforgettableAll = intersection(stats.map((s) => s.unforgettable));
  const setsSeconds = (performance.now() - s0) / 1000;
  const c0 = performance.now();
  const labels = new Int32Array(nExamples);
  for (let i = 0; i < nExamples; i++) labels[i] = labelOf(i);
  const perClass = [neverAll, neverAny, unforgettableAll].map((set) => perClassCounts(set, labels, N_CLASSES));
  const classSeconds = (performance.now() - c0) / 1000;
  const totalSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Beyond the compared work: the rest of a budget's analysis (ranking, Spearman and
  // Jaccard for every seed pair, histograms, per-class counts), library only.
  const b0 = performance.now();
  analyzeBudget(stats, { budget: nEpochs, seeds: stats.map((_, s) => s), labels, nClasses: N_CLASSES });
  const fullBudgetSeconds = (performance.now() - b0) / 1000;
  let forgettingSum = 0;
  for (const s of stats) for (let i = 0; i < nExamples; i++) forgettingSum += s.forgettingEvents[i];
  console.log(
    JSON.stringify({
      readSeconds,
      statsSeconds,
      setsSeconds,
      classSeconds,
      totalSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      fullBudgetSeconds,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      check: {
        neverPerSeed: stats.map((s) => countMembers(s.neverLearned)),
        neverAll: countMembers(neverAll),
        neverAny: countMembers(neverAny),
        unforgettableAll: countMembers(unforgettableAll),
        forgettingSum,
        perClassNeverAllMax: Math.max(...perClass[0]),
        firstLearnedSum: stats.reduce((sum, s) => sum + s.firstLearnedEpoch.reduce((a, v) => a + v, 0), 0),
      },
    }),
  );
}

const NUMPY_SCRIPT = `
import json, resource, sys, time
import numpy as np
n, E, K, d, C = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], 1000
row_bytes = (n + 7) // 8
chunk = 1 << 13  # bytes of a row per chunk: 65,536 examples, [E, 65536] uint8 = 29 MB unpacked
t0 = time.perf_counter()
cpu0 = time.process_time()
never, unforgettable, first_sum, forgetting_sum = [], [], 0, 0
read_s = 0.0
for s in range(K):
    r0 = time.perf_counter()
    bits = np.fromfile(f"{d}/s{s}/correct.bits", dtype=np.uint8).reshape(E, row_bytes)
    read_s += time.perf_counter() - r0
    forgetting = np.empty(n, np.int32); first = np.empty(n, np.int32); ever = np.empty(n, bool)
    for c0 in range(0, row_bytes, chunk):
        c1 = min(c0 + chunk, row_bytes)
        acc = np.unpackbits(bits[:, c0:c1], axis=1, bitorder="little")[:, : min(n, c1 * 8) - c0 * 8]
        lo, hi = c0 * 8, c0 * 8 + acc.shape[1]
        forgetting[lo:hi] = (acc[:-1] > acc[1:]).sum(axis=0, dtype=np.int32)
        e = acc.any(axis=0)
        ever[lo:hi] = e
        first[lo:hi] = np.where(e, acc.argmax(axis=0) + 1, -1)
    never.append(~ever)
    unforgettable.append(ever & (forgetting == 0))
    first_sum += int(first.sum(dtype=np.int64)); forgetting_sum += int(forgetting.sum(dtype=np.int64))
stats_s = time.perf_counter() - t0 - read_s
s0 = time.perf_counter()
never_all = np.logical_and.reduce(never); never_any = np.logical_or.reduce(never); unf_all = np.logical_and.reduce(unforgettable)
sets_s = time.perf_counter() - s0
c0 = time.perf_counter()
labels = (np.arange(n, dtype=np.int64) * C) // n
per_class = [np.bincount(labels[m], minlength=C) for m in (never_all, never_any, unf_all)]
class_s = time.perf_counter() - c0
total = time.perf_counter() - t0
cpu = time.process_time() - cpu0
print(json.dumps({"readSeconds": read_s, "statsSeconds": stats_s, "setsSeconds": sets_s, "classSeconds": class_s, "totalSeconds": total, "cpuSeconds": cpu,
  "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
  "check": {"neverPerSeed": [int(x.sum()) for x in never], "neverAll": int(never_all.sum()), "neverAny": int(never_any.sum()),
            "unforgettableAll": int(unf_all.sum()), "forgettingSum": forgetting_sum, "perClassNeverAllMax": int(per_class[0].max()),
            "firstLearnedSum": first_sum}}))
`;

interface PhaseResult {
  /** null when reading is part of the statistics (streamed). */
  readSeconds: number | null;
  statsSeconds: number;
  setsSeconds: number;
  classSeconds: number;
  totalSeconds: number;
  /** User + system CPU seconds of the analysis (robust to other load on the machine). */
  cpuSeconds: number;
  fullBudgetSeconds?: number;
  maxRssMB: number;
  /** Counts both implementations must agree on. */
  check: { neverPerSeed: number[]; neverAll: number; neverAny: number; unforgettableAll: number; forgettingSum: number; perClassNeverAllMax: number; firstLearnedSum: number };
}

function main(): void {
  if (process.argv.includes("--phase-analyze")) return analyzeWithLibrary();
  const fresh = !fs.existsSync(path.join(runDir(nSeeds - 1), "correct.bits")) || fs.statSync(path.join(runDir(nSeeds - 1), "correct.bits")).size !== nEpochs * correctRowBytes(nExamples);
  if (fresh) {
    const g0 = performance.now();
    generate();
    console.log(`generated ${nSeeds} records of ${nExamples} x ${nEpochs} in ${dataDir} (${((performance.now() - g0) / 1000).toFixed(1)} s)`);
  }
  // Warm the page cache equally for both sides: read every file once.
  for (let s = 0; s < nSeeds; s++) fs.readFileSync(path.join(runDir(s), "correct.bits"));
  const passOn = process.argv.slice(2).filter((a) => a !== "--keep");
  const library = JSON.parse(
    execFileSync(process.execPath, [...process.execArgv, __filename, "--phase-analyze", ...passOn], { encoding: "utf8", maxBuffer: 1 << 20 }).trim().split("\n").pop()!,
  ) as PhaseResult;
  const python = "/usr/bin/python3";
  const hasNumpy = spawnSync(python, ["-c", "import numpy"]).status === 0;
  const numpy = hasNumpy
    ? (JSON.parse(execFileSync(python, ["-c", NUMPY_SCRIPT, String(nExamples), String(nEpochs), String(nSeeds), dataDir], { encoding: "utf8" }).trim()) as PhaseResult)
    : null;
  const numpyVersion = hasNumpy ? execFileSync(python, ["-c", "import numpy; print(numpy.__version__)"], { encoding: "utf8" }).trim() : "absent";
  const row = (name: string, r: PhaseResult) =>
    `| ${name} | ${r.readSeconds === null ? "(streamed, in stats)" : r.readSeconds.toFixed(2)} | ${r.statsSeconds.toFixed(2)} | ${r.setsSeconds.toFixed(3)} | ${r.classSeconds.toFixed(3)} | ${r.totalSeconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${r.maxRssMB.toFixed(0)} |`;
  console.log(`\n${nSeeds} seeds x ${nExamples} examples x ${nEpochs} epochs, ${N_CLASSES} classes; node ${process.version}, numpy ${numpyVersion}, ${os.cpus().length} cores`);
  console.log(`| implementation | read s | per-run stats s | ${nSeeds}-seed sets s | per-class s | total s (wall) | total CPU s | peak RSS MB |`);
  console.log("|---|---|---|---|---|---|---|---|");
  console.log(row("this library (TypeScript)", library));
  if (numpy) {
    console.log(row("numpy (np.unpackbits per 65,536-example chunk)", numpy));
    console.log(`\nratio library / numpy: wall ${(library.totalSeconds / numpy.totalSeconds).toFixed(3)}, CPU ${(library.cpuSeconds / numpy.cpuSeconds).toFixed(3)}`);
    const same = JSON.stringify(library.check) === JSON.stringify(numpy.check);
    console.log(`results identical: ${same}${same ? "" : `\n  library ${JSON.stringify(library.check)}\n  numpy   ${JSON.stringify(numpy.check)}`}`);
  } else {
    console.log("numpy: /usr/bin/python3 has no numpy (apt-get install python3-numpy) - no ratio");
  }
  console.log(`library only: the rest of analyzeBudget (ranking, ${(nSeeds * (nSeeds - 1)) / 2} Spearman + Jaccard seed pairs, histograms) ${library.fullBudgetSeconds!.toFixed(2)} s more; peak RSS above includes it`);
  console.log(`never learned in all ${nSeeds} seeds: ${library.check.neverAll}; in any seed: ${library.check.neverAny}; per seed: ${JSON.stringify(library.check.neverPerSeed)}`);
  if (!process.argv.includes("--keep")) fs.rmSync(dataDir, { recursive: true, force: true });
  else console.log(`kept ${dataDir}`);
}

main();
