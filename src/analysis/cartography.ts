/**
 * A run's training dynamics in the file layout of allenai/cartography (matched to its commit
 * 3df3438, cartography/selection/selection_utils.py read_training_dynamics and
 * train_dy_filtering.py compute_train_dy_metrics), so its data-map plotting and filtering
 * scripts run on our runs:
 *
 *   <out>/training_dynamics/dynamics_epoch_<N>.jsonl   N = 0 .. nEpochs-1, one line per presented
 *                                                      example: {"guid", "logits_epoch_<N>", "gold"}
 *   <out>/td_metrics.jsonl                            one line per example: guid, index,
 *                                                      threshold_closeness, confidence, variability,
 *                                                      correctness, forgetfulness
 *
 * Cartography reads the number of epochs as the number of files in training_dynamics/, so
 * nothing else is written there. guid is the exampleId, gold the label as trained.
 *
 * Runs do not store logits (nClasses float32 per example per epoch: 10 times a float record
 * for 10 classes, 1000 times for ImageNet). `logits_epoch_<N>` holds instead the log of a
 * stand-in distribution built from the recorded true-class probability p and predicted
 * class: p on the gold class, and the rest 1 - p on the predicted class when it was wrong,
 * or spread evenly over the other classes when it was right. Its softmax gives back p and
 * its argmax the predicted class, so cartography's confidence, variability, correctness,
 * forgetfulness and per-example loss (-log p) are those of the run; the other classes'
 * values are not the model's. Log values are floored at LOG_FLOOR (JSON has no -Infinity).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { ValueError } from "../core/errors";
import type { RunManifest } from "../runs/layout";
import { readRunExamples } from "../runs/scan";
import { readRunDynamics } from "./dynamics";
import { runScores } from "./scores";

/** The smallest stand-in logit: exp(-100) is 3.7e-44, zero next to any recorded probability. */
const LOG_FLOOR = -100;
/** Cartography's forgetfulness of a never-learned example (compute_forgetfulness). */
const CARTOGRAPHY_NEVER_LEARNED = 1000;

const logOf = (p: number) => Math.max(LOG_FLOOR, Math.log(p));
/** Six significant digits, as a JSON number. */
const round = (v: number) => Number(v.toPrecision(7));

/**
 * The stand-in logits of one presentation (see the module comment).
 * @param prob recorded true-class probability.
 * @param predicted recorded predicted class.
 * @returns [nClasses] values whose softmax has prob on `gold` and argmax `predicted`.
 */
export function standInLogits(prob: number, predicted: number, gold: number, nClasses: number): number[] {
  const out = new Array<number>(nClasses).fill(LOG_FLOOR);
  out[gold] = logOf(prob);
  if (nClasses === 1) return out;
  if (predicted !== gold) {
    out[predicted] = logOf(1 - prob);
    // A probability read from compact storage may break the tie the other way: keep the recorded argmax.
    if (out[predicted] <= out[gold]) out[predicted] = out[gold] + 1e-6;
    return out;
  }
  const rest = Math.min(logOf((1 - prob) / (nClasses - 1)), out[gold] - 1e-6);
  for (let c = 0; c < nClasses; c++) if (c !== gold) out[c] = rest;
  return out;
}

/** The files of a run in cartography's layout: relative path -> contents. */
function cartographyFiles(
  run: { prob: Float32Array; predicted: ArrayLike<number>; presented: Uint8Array; nEpochs: number; nExamples: number },
  labels: ArrayLike<number>,
  nClasses: number,
  metrics: { confidence: Float32Array; variability: Float32Array; correctness: Float32Array; forgetting: Float32Array; neverLearned: Uint8Array },
): Record<string, string> {
  const { nEpochs, nExamples, presented } = run;
  const files: Record<string, string> = {};
  for (let e = 0; e < nEpochs; e++) {
    const lines: string[] = [];
    for (let i = 0; i < nExamples; i++) {
      if (!presented[i]) continue;
      const logits = standInLogits(run.prob[e * nExamples + i], run.predicted[e * nExamples + i], labels[i], nClasses).map(round);
      lines.push(JSON.stringify({ guid: i, [`logits_epoch_${e}`]: logits, gold: labels[i] }));
    }
    files[path.join("training_dynamics", `dynamics_epoch_${e}.jsonl`)] = lines.join("\n") + "\n";
  }
  const rows: string[] = [];
  let index = 0;
  for (let i = 0; i < nExamples; i++) {
    if (!presented[i]) continue;
    const confidence = metrics.confidence[i];
    rows.push(
      JSON.stringify({
        guid: i,
        index: index++,
        threshold_closeness: confidence * (1 - confidence),
        confidence,
        variability: metrics.variability[i],
        // Cartography's correctness is the count of correct epochs, not the fraction.
        correctness: Math.round(metrics.correctness[i] * nEpochs),
        forgetfulness: metrics.neverLearned[i] ? CARTOGRAPHY_NEVER_LEARNED : metrics.forgetting[i],
      }),
    );
  }
  files["td_metrics.jsonl"] = rows.join("\n") + "\n";
  return files;
}

/**
 * Writes one run's training dynamics and metrics in cartography's layout into `outDir`.
 * @returns the files written.
 * @throws ValueError if the run recorded no true-class probabilities (recordFloats prob) or
 *   no predicted classes (recordPredicted), which the layout needs.
 */
export function writeCartography(runDir: string, manifest: RunManifest, outDir: string): string[] {
  const run = readRunDynamics(runDir, manifest);
  if (!run.prob || !run.predicted) {
    throw new ValueError(`writeCartography: run ${runDir}: expected the records "prob" and "predicted" (recordFloats prob, recordPredicted true), got [${[...manifest.floatRecords, ...(run.predicted ? ["predicted"] : [])].join(", ")}]`);
  }
  const { nExamples, nClasses } = manifest.dataset;
  const examples = readRunExamples(runDir, nExamples);
  if (!examples) throw new ValueError(`writeCartography: run ${runDir}: expected examples.csv (the labels as trained), got none`);
  const scores = runScores(run);
  const files = cartographyFiles(
    { prob: run.prob, predicted: run.predicted, presented: run.stats.presented, nEpochs: run.stats.nEpochs, nExamples },
    examples.labels,
    nClasses,
    { confidence: scores.confidence!, variability: scores.variability!, correctness: scores.correctness!, forgetting: scores.forgetting!, neverLearned: run.stats.neverLearned },
  );
  // A folder of an earlier export with more epochs would add files cartography counts as epochs.
  fs.rmSync(path.join(outDir, "training_dynamics"), { recursive: true, force: true });
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(outDir, name);
    writeFileAtomic(file, text);
    return file;
  });
}
