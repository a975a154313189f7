/**
 * Per-example training-dynamics scores of one run and across seeds, and how they compare.
 * Every function is pure: records in, [nExamples] scores out (NaN for examples not presented).
 *
 * - forgetting (Toneva et al. 2019): forgetting events; a never-learned example counts as its
 *   presentations (the paper's ranking score, see forgettingScores).
 * - first-learned (Toneva et al. 2019): 1-based epoch of the first correct presentation;
 *   nEpochs + 1 when never learned.
 * - aum (Pleiss et al. 2020, "Identifying Mislabeled Data using the Area Under the Margin
 *   Ranking"): mean over epochs of the margin, true logit minus the largest other logit.
 * - confidence, variability, correctness (Swayamdipta et al. 2020, "Dataset Cartography"):
 *   mean and population standard deviation of the true-class probability over epochs, and
 *   the fraction of epochs classified correctly (see ./dataMap.ts).
 * - el2n (Paul et al. 2021, "Deep Learning on a Data Diet"): the L2 norm of softmax minus the
 *   one-hot label, at chosen (early) epochs, averaged over those epochs; across seeds, the mean.
 * - loss: mean training loss (nats) over epochs.
 *
 * Across seeds every score is the mean of the seeds' scores (for forgetting, the paper's sum
 * divided by K: the same ranking). `SCORE_HARDNESS` gives each score's direction: +1 when a
 * higher value means a harder example (more forgotten, higher loss), -1 when lower does (low
 * margin, low confidence). Noise detection and "the n easiest" use that direction.
 */
import { ValueError, checkSameLength } from "../core/errors";
import { Random } from "../core/random";
import { type CorrectRecord } from "../runs/record";
import { type ExampleStats, NEVER_LEARNED_EPOCH } from "../runs/stats";
import { dataMap } from "./dataMap";
import { forgettingScores, spearmanMatrix } from "./ranks";
import { rocAuc } from "./followUps";

export const VALID_SCORES = ["forgetting", "first-learned", "aum", "confidence", "variability", "correctness", "el2n", "loss"] as const;
export type ScoreName = (typeof VALID_SCORES)[number];

/** +1: higher is harder; -1: lower is harder. */
export const SCORE_HARDNESS: Record<ScoreName, 1 | -1> = {
  forgetting: 1,
  "first-learned": 1,
  aum: -1,
  confidence: -1,
  // Cartography's ambiguous examples have high variability; easy and hard-to-learn ones low.
  variability: 1,
  correctness: -1,
  el2n: 1,
  loss: 1,
};

/** Scores of one run or of a budget's seeds: only those its records allow (no prob.f32, no data map). */
export type Scores = Partial<Record<ScoreName, Float32Array>>;

/**
 * The mean over chosen epochs of a per-example float record.
 * @param values [nEpochs, nExamples] float record (loss.f32, margin.f32, el2n.f32, ...).
 * @param options.epochs 1-based epochs to average; default all.
 * @param options.presented [nExamples] 1 for presented examples; default all.
 * @returns [nExamples] means; NaN where not presented.
 * @throws ValueError if values is not nEpochs x nExamples or an epoch is out of range.
 */
export function meanOverEpochs(values: Float32Array, nExamples: number, options: { epochs?: readonly number[]; presented?: Uint8Array } = {}): Float32Array {
  if (nExamples <= 0 || values.length % nExamples !== 0) throw new ValueError(`meanOverEpochs: expected nEpochs x ${nExamples} values, got ${values.length}`);
  const nEpochs = values.length / nExamples;
  const epochs = options.epochs ?? Array.from({ length: nEpochs }, (_, e) => e + 1);
  for (const e of epochs) if (!Number.isInteger(e) || e < 1 || e > nEpochs) throw new ValueError(`meanOverEpochs: expected epochs in [1, ${nEpochs}], got ${e}`);
  const sum = new Float64Array(nExamples);
  for (const e of epochs) {
    const offset = (e - 1) * nExamples;
    for (let i = 0; i < nExamples; i++) sum[i] += values[offset + i];
  }
  const out = new Float32Array(nExamples);
  for (let i = 0; i < nExamples; i++) out[i] = (options.presented && !options.presented[i]) || epochs.length === 0 ? NaN : sum[i] / epochs.length;
  return out;
}

/** AUM of one run: the mean margin over all its epochs (Pleiss et al. 2020). */
export function areaUnderMargin(margin: Float32Array, nExamples: number, options: { presented?: Uint8Array } = {}): Float32Array {
  return meanOverEpochs(margin, nExamples, options);
}

/**
 * The epochs EL2N is taken at by default: the one at 10% of training (at least epoch 1), as
 * Paul et al. score CIFAR-10 at epoch 20 of 200.
 */
export function defaultEl2nEpochs(nEpochs: number): number[] {
  return [Math.max(1, Math.round(nEpochs / 10))];
}

/** Records of one run that scores are computed from; every float record is [nEpochs, nExamples]. */
export interface RunRecords {
  stats: ExampleStats;
  /** The correctness record, needed with prob (correctness of the data map). */
  record?: CorrectRecord;
  loss?: Float32Array;
  margin?: Float32Array;
  prob?: Float32Array;
  el2n?: Float32Array;
}

/**
 * Every score the run's records allow.
 * @param options.el2nEpochs 1-based epochs of EL2N; default defaultEl2nEpochs(nEpochs).
 */
export function runScores(run: RunRecords, options: { el2nEpochs?: readonly number[] } = {}): Scores {
  const { stats } = run;
  const { nExamples, nEpochs, presented } = stats;
  const scores: Scores = {};
  const forgetting = forgettingScores(stats);
  scores.forgetting = Float32Array.from(forgetting, (s, i) => (presented[i] ? s : NaN));
  scores["first-learned"] = Float32Array.from(stats.firstLearnedEpoch, (e, i) => (!presented[i] ? NaN : e === NEVER_LEARNED_EPOCH ? nEpochs + 1 : e));
  if (run.margin) scores.aum = areaUnderMargin(run.margin, nExamples, { presented });
  if (run.prob && run.record) {
    const map = dataMap(run.prob, run.record, { presented });
    scores.confidence = map.confidence;
    scores.variability = map.variability;
    scores.correctness = map.correctness;
  }
  if (run.el2n) scores.el2n = meanOverEpochs(run.el2n, nExamples, { epochs: options.el2nEpochs ?? defaultEl2nEpochs(nEpochs), presented });
  if (run.loss) scores.loss = meanOverEpochs(run.loss, nExamples, { presented });
  return scores;
}

/**
 * The mean of each score over seeds, for the scores every seed has.
 * @param perSeed one runScores result per seed, all over the same nExamples.
 * @returns NaN for an example some seed did not present.
 */
export function meanScores(perSeed: readonly Scores[]): Scores {
  if (perSeed.length === 0) throw new ValueError("meanScores: expected the scores of at least one seed, got none");
  const out: Scores = {};
  for (const name of VALID_SCORES) {
    if (!perSeed.every((s) => s[name])) continue;
    const n = perSeed[0][name]!.length;
    const mean = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (const s of perSeed) sum += s[name]![i];
      mean[i] = sum / perSeed.length;
    }
    out[name] = mean;
  }
  return out;
}

/**
 * Cross-seed stability of each score: the mean Spearman correlation over seed pairs, over the
 * examples presented in every seed (`mask`).
 * @returns per score the mean over the K(K-1)/2 pairs; NaN with fewer than 2 seeds.
 */
export function scoreStability(perSeed: readonly Scores[], mask?: Uint8Array): Partial<Record<ScoreName, number>> {
  const out: Partial<Record<ScoreName, number>> = {};
  for (const name of VALID_SCORES) {
    if (perSeed.length === 0 || !perSeed.every((s) => s[name])) continue;
    const n = perSeed[0][name]!.length;
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if ((!mask || mask[i]) && perSeed.every((s) => !Number.isNaN(s[name]![i]))) kept.push(i);
    const matrix = spearmanMatrix(perSeed.map((s) => kept.map((i) => s[name]![i])));
    let sum = 0;
    let pairs = 0;
    for (let a = 0; a < perSeed.length; a++) {
      for (let b = a + 1; b < perSeed.length; b++) {
        sum += matrix[a][b];
        pairs++;
      }
    }
    out[name] = pairs ? sum / pairs : NaN;
  }
  return out;
}

/**
 * ROC AUC of a score as a detector of flipped labels: the score oriented by SCORE_HARDNESS
 * (harder = more likely flipped), over the presented examples (not NaN).
 * @param noisy [nExamples] 1 for flipped examples.
 * @returns AUC in [0, 1] (0.5 = chance); NaN without flipped or clean examples.
 */
export function noiseAuc(name: ScoreName, score: Float32Array, noisy: Uint8Array): number {
  checkSameLength("noiseAuc", { score: score.length, noisy: noisy.length });
  const direction = SCORE_HARDNESS[name];
  const oriented = Float64Array.from(score, (v) => direction * v);
  const mask = Uint8Array.from(score, (v) => (Number.isNaN(v) ? 0 : 1));
  return rocAuc(oriented, noisy, { mask });
}

/**
 * The examples ordered from easiest to hardest by a score (SCORE_HARDNESS), over the
 * examples with a score (not NaN); ties in the order of `new Random(tieSeed, "ranking-ties")
 * .permutation(nExamples)`, as the forgetting ranking orders its ties.
 * @returns [nScored] exampleIds, easiest first.
 */
export function easiestFirst(name: ScoreName, score: Float32Array, options: { tieSeed?: number } = {}): Int32Array {
  const direction = SCORE_HARDNESS[name];
  const tiePosition = new Int32Array(score.length);
  new Random(options.tieSeed ?? 0, "ranking-ties").permutation(score.length).forEach((id, k) => (tiePosition[id] = k));
  const ids: number[] = [];
  for (let i = 0; i < score.length; i++) if (!Number.isNaN(score[i])) ids.push(i);
  ids.sort((a, b) => direction * (score[a] - score[b]) || tiePosition[a] - tiePosition[b]);
  return Int32Array.from(ids);
}

/**
 * Each example's most frequent wrong prediction over every presentation of every seed.
 * @param predictedPerSeed per seed [nEpochs, nExamples] predicted classes (predicted.u8).
 * @param labels [nExamples] the true class.
 * @param presented [nExamples] 1 for examples to count (presented in every seed).
 * @returns mostFrequent [nExamples]: the wrong class predicted most often (the smallest class
 *   index on a tie), -1 if never wrong or not presented; count [nExamples]: how often.
 */
export function mostFrequentWrongClass(
  predictedPerSeed: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  nClasses: number,
  presented?: Uint8Array,
): { mostFrequent: Int32Array; count: Int32Array } {
  const n = labels.length;
  const mostFrequent = new Int32Array(n).fill(-1);
  const count = new Int32Array(n);
  const counts = new Int32Array(nClasses);
  for (const p of predictedPerSeed) if (p.length % n !== 0) throw new ValueError(`mostFrequentWrongClass: expected nEpochs x ${n} predictions, got ${p.length}`);
  for (let i = 0; i < n; i++) {
    if (presented && !presented[i]) continue;
    counts.fill(0);
    for (const p of predictedPerSeed) {
      for (let offset = i; offset < p.length; offset += n) {
        const c = p[offset];
        if (c !== labels[i]) counts[c]++;
      }
    }
    for (let c = 0; c < nClasses; c++) {
      if (counts[c] > count[i]) {
        count[i] = counts[c];
        mostFrequent[i] = c;
      }
    }
  }
  return { mostFrequent, count };
}

/**
 * A confusion count of a set of examples (e.g. never learned in all seeds): how many of its
 * members have true class r and most frequent wrong class c.
 * @returns [nClasses][nClasses] counts, rows true class, columns most frequent wrong class
 *   (members never wrong are not counted).
 */
export function confusionCounts(set: Uint8Array, labels: ArrayLike<number>, mostFrequent: Int32Array, nClasses: number): number[][] {
  const n = checkSameLength("confusionCounts", { set: set.length, labels: labels.length, mostFrequent: mostFrequent.length });
  const out = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < n; i++) if (set[i] && mostFrequent[i] >= 0) out[labels[i]][mostFrequent[i]]++;
  return out;
}
