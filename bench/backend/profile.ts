/**
 * Where a training step's time goes on a tfjs backend: every top-level kernel call (nested
 * calls of composed kernels count in their caller) is timed with performance.now() and the
 * process CPU clock, per kernel name, over `steps` steps after warm-up. The rest of a step
 * (tape, gradient bookkeeping, JavaScript between kernels) is reported as "outside kernels".
 * On the oneDNN path it ends with the implementation oneDNN chose for each cached primitive
 * (DNNL_VERBOSE=1 adds oneDNN's own time per primitive call).
 *
 *   node --import tsx bench/backend/profile.ts [--case mnist-cnn:64] [--steps 20] [--backend wasm] [--threads N]
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../../src/backend";
import { onednnPlans } from "../../src/backend/onednn";
import { buildModel } from "../../src/models";
import { Random } from "../../src/core/random";
import { trainStep } from "../../src/train/loop";
import { Sgd } from "../../src/train/sgd";
import type { Batch } from "../../src/data/types";
import { type ModelName } from "../../src/config/train";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const SHAPES: Record<string, [number, number, number]> = { "mnist-cnn": [28, 28, 1], "resnet20-cifar": [32, 32, 3] };

async function main(): Promise<void> {
  const backendFlag = flag("backend", "");
  const threadsFlag = flag("threads", "");
  const env = await initBackend({ ...(backendFlag ? { backend: backendFlag as BackendName } : {}), ...(threadsFlag ? { threads: Number(threadsFlag) } : {}) });
  const [model, batchText] = flag("case", "mnist-cnn:64").split(":");
  const batchSize = Number(batchText);
  const steps = Number(flag("steps", "20"));
  const shape = SHAPES[model];
  const net = buildModel(model as ModelName, { inputShape: shape, nClasses: 10, seed: 1337 });
  const optimizer = new Sgd(net.trainableWeights.map((w) => w.read() as tf.Variable), { momentum: 0.9 });
  const rng = new Random(1337, "profile-batch");
  const images = Float32Array.from({ length: batchSize * shape[0] * shape[1] * shape[2] }, () => rng.normal());
  const labels = Int32Array.from({ length: batchSize }, () => rng.int(10));
  const batch: Batch = { images, labels, exampleIds: Int32Array.from({ length: batchSize }, (_, i) => i), shape: [batchSize, ...shape], index: 0 };
  const step = async (): Promise<void> => {
    const loss = trainStep(net, optimizer, batch, { lr: 0.01, tracking: "off", nClasses: 10 });
    await loss.data();
    loss.dispose();
  };
  // Wrap every kernel of the backend in place (the registry hands out the same config objects).
  const totals = new Map<string, { calls: number; ms: number }>();
  // Nested calls (the pieces a composed kernel runs) are also timed, under "caller > kernel".
  const nested = new Map<string, { calls: number; ms: number }>();
  const callers: string[] = [];
  for (const config of tf.getKernelsForBackend(env.backend === "wasm" ? "wasm" : tf.getBackend())) {
    const inner = config.kernelFunc;
    config.kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      const table = callers.length === 0 ? totals : nested;
      const key = callers.length === 0 ? config.kernelName : `${callers[0]} > ${config.kernelName}`;
      callers.push(config.kernelName);
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        callers.pop();
        const entry = table.get(key) ?? { calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += performance.now() - t0;
        table.set(key, entry);
      }
    });
  }
  // Wrapped before the warm-up, so composed kernels that look up a stock kernel on first use
  // get the timed one; the warm-up's timings are then dropped.
  for (let i = 0; i < 3; i++) await step();
  totals.clear();
  nested.clear();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const wallMs = (performance.now() - t0) / steps;
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000 / steps;
  const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, e]) => s + e.ms, 0) / steps;
  const calls = rows.reduce((s, [, e]) => s + e.calls, 0) / steps;
  console.log(`${model} batch ${batchSize} on ${env.backend}: ${wallMs.toFixed(2)} ms/step wall, ${cpuMs.toFixed(2)} ms/step CPU, ${calls} kernel calls/step`);
  console.log(`kernels ${kernelMs.toFixed(2)} ms/step, outside kernels ${(wallMs - kernelMs).toFixed(2)} ms/step`);
  for (const [name, e] of rows) console.log(`${name.padEnd(24)} ${(e.calls / steps).toFixed(0).padStart(4)} calls ${(e.ms / steps).toFixed(3).padStart(8)} ms`);
  console.log("inside composed kernels:");
  for (const [name, e] of [...nested.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${name.padEnd(40)} ${(e.calls / steps).toFixed(0).padStart(4)} calls ${(e.ms / steps).toFixed(3).padStart(8)} ms`);
  }
  const plans = onednnPlans();
  if (plans.length) console.log(`oneDNN primitives (${env.kernels} on ${env.threads} thread(s)):\n  ${plans.join("\n  ")}`);
  net.dispose();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
