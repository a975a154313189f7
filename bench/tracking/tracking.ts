/**
 * Cost of forgetting tracking: training-step time with tracking off, "presentation",
 * "presentation" with the default records (loss, margin, prob, el2n and the predicted class:
 * DEFAULT_RECORDS of the presets) and "eval", as ratios to untracked, median of 5 repetitions
 * (targets: presentation and presentation + records <= 1.03, eval <= 1.45). The tracked modes
 * also compute the records from the logits they read back (src/train/records.ts) and hand them
 * to a ForgettingTracker, as the training loop does.
 *
 *   node --import tsx bench/tracking/tracking.ts [--backend wasm] [--reps 5] [--models mnist-cnn,resnet20-cifar]
 *
 * A reduced train step (src/train/loop.ts trainStep) on a fixed random batch, seed 1337. Each
 * repetition times `steps` steps of every mode, alternating modes step by step in a rotating
 * order (so a load change on the machine hits all modes alike), after warm-up steps that are
 * not timed. Every step ends with one `await data()` of what the mode reads back (the
 * [batchSize, nClasses] logits, or the loss for "off"). The ratio of a repetition is its mode
 * time over its "off" time, both as wall time and as this process's CPU time (robust when
 * other processes load the machine).
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../../src/backend";
import type { Batch } from "../../src/data/types";
import { buildModel } from "../../src/models";
import { Random } from "../../src/core/random";
import { type StepTracking, trainStep } from "../../src/train/loop";
import { exampleRecords } from "../../src/train/records";
import { Sgd } from "../../src/train/sgd";
import { ForgettingTracker } from "../../src/train/tracker";
import { DEFAULT_RECORDS, type FloatRecordName, type ModelName } from "../../src/config/train";

const SEED = 1337;
/** Each mode: what the step computes and reads back. */
const MODE_SETTINGS: Record<string, { tracking: StepTracking; floats: FloatRecordName[]; predicted: boolean }> = {
  off: { tracking: "off", floats: [], predicted: false },
  presentation: { tracking: "presentation", floats: [], predicted: false },
  "presentation+records": { tracking: "presentation", floats: DEFAULT_RECORDS.recordFloats, predicted: DEFAULT_RECORDS.recordPredicted },
  eval: { tracking: "eval", floats: [], predicted: false },
};
const MODES = Object.keys(MODE_SETTINGS);

/** Per model: input shape, batch size and timed steps per repetition (sized for a 2-core CPU). */
const SETUPS: Record<string, { inputShape: [number, number, number]; batchSize: number; steps: number }> = {
  "mnist-cnn": { inputShape: [28, 28, 1], batchSize: 64, steps: 40 },
  "resnet20-cifar": { inputShape: [32, 32, 3], batchSize: 32, steps: 3 },
  "digits-mlp": { inputShape: [8, 8, 1], batchSize: 64, steps: 50 },
};

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function randomBatch(shape: [number, number, number], batchSize: number, nClasses: number): Batch {
  const rng = new Random(SEED, "bench-batch");
  const images = new Float32Array(batchSize * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = Int32Array.from({ length: batchSize }, () => rng.int(nClasses));
  return { images, shape: [batchSize, ...shape], labels, exampleIds: Int32Array.from({ length: batchSize }, (_, i) => i), index: 0 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function benchModel(name: ModelName, reps: number) {
  const setup = SETUPS[name];
  const nClasses = 10;
  const model = buildModel(name, { inputShape: setup.inputShape, nClasses, seed: SEED });
  const optimizer = new Sgd(
    model.trainableWeights.map((w) => w.read() as tf.Variable),
    { momentum: 0.9 },
  );
  const batch = randomBatch(setup.inputShape, setup.batchSize, nClasses);
  // A tiny lr keeps the weights (and so the work) steady across thousands of steps.
  const trackers = Object.fromEntries(MODES.map((mode) => [mode, new ForgettingTracker(setup.batchSize, MODE_SETTINGS[mode].floats, { predictedClasses: MODE_SETTINGS[mode].predicted ? nClasses : undefined })]));
  const step = async (mode: string) => {
    const { tracking, floats, predicted } = MODE_SETTINGS[mode];
    const out = trainStep(model, optimizer, batch, { lr: 1e-4, tracking, nClasses });
    const values = await out.data();
    out.dispose();
    if (tracking === "off") return;
    // What the loop does with the logits: the records, one tracker row per example (a new epoch each step here).
    const records = exampleRecords(values, batch.labels, nClasses, floats, { predicted });
    const tracker = trackers[mode];
    tracker.startEpoch();
    tracker.add(batch.exampleIds, records.correct, records.floats, records.predicted);
  };
  for (const mode of MODES) for (let i = 0; i < 2; i++) await step(mode); // warm-up, not timed
  // Wall time and this process's CPU time (user + system) per step, per repetition.
  const wallMs: Record<string, number[]> = Object.fromEntries(MODES.map((mode) => [mode, []]));
  const cpuMs: Record<string, number[]> = Object.fromEntries(MODES.map((mode) => [mode, []]));
  for (let r = 0; r < reps; r++) {
    const wall: Record<string, number> = Object.fromEntries(MODES.map((mode) => [mode, 0]));
    const cpu: Record<string, number> = Object.fromEntries(MODES.map((mode) => [mode, 0]));
    for (let i = 0; i < setup.steps; i++) {
      // Modes alternate step by step, in a rotating order, so load changes hit all alike.
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(i + k) % MODES.length];
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        await step(mode);
        const used = process.cpuUsage(cpuStarted);
        wall[mode] += performance.now() - started;
        cpu[mode] += (used.user + used.system) / 1000;
      }
    }
    for (const mode of MODES) {
      wallMs[mode].push(wall[mode] / setup.steps);
      cpuMs[mode].push(cpu[mode] / setup.steps);
    }
  }
  optimizer.dispose();
  model.dispose();
  const ratio = (times: Record<string, number[]>, mode: string) => median(times[mode].map((ms, r) => ms / times.off[r]));
  return MODES.map((mode) => ({
    model: name,
    batch: setup.batchSize,
    mode,
    wallMsPerStep: median(wallMs[mode]),
    cpuMsPerStep: median(cpuMs[mode]),
    imagesPerSec: (1000 * setup.batchSize) / median(wallMs[mode]),
    wallRatio: ratio(wallMs, mode),
    cpuRatio: ratio(cpuMs, mode),
  }));
}

async function main() {
  const env = await initBackend({ backend: flag("backend", "wasm") as BackendName });
  const reps = Number(flag("reps", "5"));
  const models = flag("models", "mnist-cnn,resnet20-cifar").split(",") as ModelName[];
  const load = os.loadavg()[0];
  console.log(`backend ${env.backend} (${env.device}), ${reps} repetitions, medians; 1-min load average ${load.toFixed(1)} on ${os.cpus().length} cores`);
  console.log("(CPU time: this process's, over all its threads, oneDNN's included; robust when other processes share the cores)");
  console.log("| model | batch | tracking | wall ms/step | CPU ms/step | images/s (wall) | ratio to off (wall) | ratio to off (CPU) |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const name of models) {
    for (const row of await benchModel(name, reps)) {
      console.log(
        `| ${row.model} | ${row.batch} | ${row.mode} | ${row.wallMsPerStep.toFixed(1)} | ${row.cpuMsPerStep.toFixed(1)} | ${row.imagesPerSec.toFixed(0)} | ${row.wallRatio.toFixed(3)} | ${row.cpuRatio.toFixed(3)} |`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
