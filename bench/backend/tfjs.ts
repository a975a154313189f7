/**
 * Training throughput of the project's training step on a tfjs backend (default: whatever
 * initBackend picks; FORGETTING_BACKEND or --backend forces one), the tfjs half of
 * bench/backend/run.sh. Same models, batch sizes, seed, optimizer and protocol as
 * bench/backend/torch_bench.py:
 *
 *   node --import tsx bench/backend/tfjs.ts [--cases mnist-cnn:64,mnist-cnn:128,resnet20-cifar:128,resnet18-cifar:128]
 *        [--repeats 5] [--warmup 3] [--backend wasm] [--threads N] [--json out.json]
 *   node --import tsx bench/backend/tfjs.ts --combine <dir>   (the table from run.sh's result files)
 *
 * A step is src/train/loop.ts trainStep with tracking "off": forward, softmax cross-entropy,
 * backward, SGD (lr 0.01, momentum 0.9), then one `await data()` of the loss, on a fixed
 * random batch (seed 1337). Warm-up steps are not timed; each of `repeats` runs times `steps`
 * steps; reported: the median over runs of images/s (wall clock) and of images per CPU-second
 * of this process (robust when other processes share the cores).
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../../src/backend";
import type { Batch } from "../../src/data/types";
import { buildModel, countTrainableParams } from "../../src/models";
import { Random } from "../../src/core/random";
import { trainStep } from "../../src/train/loop";
import { Sgd } from "../../src/train/sgd";
import { type ModelName } from "../../src/config/train";

const SEED = 1337;
const INPUT_SHAPES: Record<string, [number, number, number]> = {
  "mnist-cnn": [28, 28, 1],
  "resnet20-cifar": [32, 32, 3],
  "resnet18-cifar": [32, 32, 3],
  "digits-cnn": [8, 8, 1],
};

export interface BenchResult {
  model: string;
  batch: number;
  params: number;
  steps: number;
  /** Median over runs, images per second of wall time. */
  imagesPerSec: number;
  /** Median over runs, images per second of this process's CPU time. */
  imagesPerCpuSec: number;
  runs: number[];
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function randomBatch(shape: [number, number, number], batchSize: number, nClasses: number): Batch {
  const rng = new Random(SEED, "bench-backend-batch");
  const images = new Float32Array(batchSize * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) labels[i] = rng.int(nClasses);
  const exampleIds = Int32Array.from({ length: batchSize }, (_, i) => i);
  return { images, labels, exampleIds, shape: [batchSize, ...shape], index: 0 };
}

async function benchCase(model: string, batchSize: number, repeats: number, warmup: number): Promise<BenchResult> {
  const inputShape = INPUT_SHAPES[model];
  if (!inputShape) throw new Error(`bench/backend: no input shape for model "${model}"; known: ${Object.keys(INPUT_SHAPES).join(", ")}`);
  const net = buildModel(model as ModelName, { inputShape, nClasses: 10, seed: SEED });
  const optimizer = new Sgd(
    net.trainableWeights.map((w) => w.read() as tf.Variable),
    { momentum: 0.9 },
  );
  const batch = randomBatch(inputShape, batchSize, 10);
  const step = async (): Promise<void> => {
    const loss = trainStep(net, optimizer, batch, { lr: 0.01, tracking: "off", nClasses: 10 });
    await loss.data();
    loss.dispose();
  };
  // About 2-6 s of work per timed run on one thread (the same counts as torch_bench.py).
  const steps = ({ "mnist-cnn": 20, "resnet18-cifar": 1 } as Record<string, number>)[model] ?? 3;
  for (let i = 0; i < warmup; i++) await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const seconds = (performance.now() - wall0) / 1000;
    const used = process.cpuUsage(cpu0);
    wall.push((batchSize * steps) / seconds);
    cpu.push((batchSize * steps) / ((used.user + used.system) / 1e6));
  }
  const result = { model, batch: batchSize, params: countTrainableParams(net), steps, imagesPerSec: median(wall), imagesPerCpuSec: median(cpu), runs: wall };
  net.dispose();
  return result;
}

function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

interface PairedRuns {
  model: string;
  batch: number;
  torch: BenchResult[];
  tfjs: BenchResult[];
}

/**
 * The README table from paired runs (run i of torch and run i of tfjs ran back to back, so
 * they saw about the same machine load): medians of each side, and the median and range of
 * the per-pair ratios, for wall time and for CPU time.
 */
export function comparisonTable(cases: PairedRuns[], backend: string): string {
  const lines = [
    `| model | batch | ${backend} img/s | torch CPU img/s | ratio (wall), median [range] | ${backend} img/CPU-s | torch img/CPU-s | ratio (CPU time), median [range] |`,
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const c of cases) {
    const pairs = c.tfjs.map((t, i) => [t, c.torch[i]] as const).filter(([, p]) => p !== undefined);
    const wall = pairs.map(([t, p]) => t.imagesPerSec / p.imagesPerSec);
    const cpu = pairs.map(([t, p]) => t.imagesPerCpuSec / p.imagesPerCpuSec);
    const range = (r: number[]): string => `${fmt(median(r), 2)} [${fmt(Math.min(...r), 2)}-${fmt(Math.max(...r), 2)}]`;
    lines.push(
      `| ${c.model} | ${c.batch} | ${fmt(median(c.tfjs.map((r) => r.imagesPerSec)))} | ${fmt(median(c.torch.map((r) => r.imagesPerSec)))} | ${range(wall)} | ` +
        `${fmt(median(c.tfjs.map((r) => r.imagesPerCpuSec)))} | ${fmt(median(c.torch.map((r) => r.imagesPerCpuSec)))} | ${range(cpu)} |`,
    );
  }
  return lines.join("\n");
}

/** Reads run.sh's files <dir>/{torch,tfjs}.<model>:<batch>.<run>.json into paired runs. */
function readPairedRuns(dir: string): { backend: string; cases: PairedRuns[] } {
  const cases = new Map<string, PairedRuns>();
  let backend = "tfjs";
  const files = fs.readdirSync(dir).filter((f) => /^(torch|tfjs)\..+\.\d+\.json$/.test(f));
  files.sort((a, b) => Number(a.split(".").at(-2)) - Number(b.split(".").at(-2)));
  for (const file of files) {
    const text = fs.readFileSync(`${dir}/${file}`, "utf8");
    const results: BenchResult[] = file.startsWith("torch") ? (JSON.parse(text) as BenchResult[]) : (JSON.parse(text) as { results: BenchResult[] }).results;
    if (file.startsWith("tfjs")) backend = (JSON.parse(text) as { backend: string }).backend;
    for (const r of results) {
      const key = `${r.model}:${r.batch}`;
      const entry = cases.get(key) ?? { model: r.model, batch: r.batch, torch: [], tfjs: [] };
      (file.startsWith("torch") ? entry.torch : entry.tfjs).push(r);
      cases.set(key, entry);
    }
  }
  return { backend, cases: [...cases.values()] };
}

async function main(): Promise<void> {
  const combine = process.argv.indexOf("--combine");
  if (combine >= 0) {
    const { backend, cases } = readPairedRuns(process.argv[combine + 1]);
    console.log(comparisonTable(cases, backend));
    return;
  }
  const backendFlag = flag("backend", "");
  const threadsFlag = flag("threads", "");
  const env = await initBackend({ ...(backendFlag ? { backend: backendFlag as BackendName } : {}), ...(threadsFlag ? { threads: Number(threadsFlag) } : {}) });
  const repeats = Number(flag("repeats", "5"));
  const warmup = Number(flag("warmup", "3"));
  const kernels = env.kernels ? `, kernels ${env.kernels} on ${env.threads} thread(s)` : "";
  console.log(`tfjs backend ${env.backend} (${env.backendPackage})${kernels}, device ${env.device}, tfjs-core ${env.versions["tfjs-core"]}, node ${env.versions.node}`);
  const results: BenchResult[] = [];
  for (const spec of flag("cases", "mnist-cnn:64,mnist-cnn:128,resnet20-cifar:128").split(",")) {
    const [model, batch] = spec.split(":");
    const result = await benchCase(model, Number(batch), repeats, warmup);
    console.log(
      `tfjs ${model} batch ${batch}: ${fmt(result.imagesPerSec)} img/s (cpu-time ${fmt(result.imagesPerCpuSec)}), ` +
        `${fmt((1000 * Number(batch)) / result.imagesPerSec)} ms/step, ${result.params} params`,
    );
    results.push(result);
  }
  const out = flag("json", "");
  if (out) fs.writeFileSync(out, JSON.stringify({ backend: env.backend, environment: env, results }, null, 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
