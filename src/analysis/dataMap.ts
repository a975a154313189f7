/**
 * Data maps (Swayamdipta et al., "Dataset Cartography", EMNLP 2020): per example, over the
 * epochs of one run, confidence = mean true-class probability, variability = its standard
 * deviation (population, ddof = 0, as in the cartography code) and correctness = fraction
 * of presentations classified correctly; and the mean of several runs' maps.
 */
import { ValueError } from "../core/errors";
import { correctAt, type CorrectRecord } from "../runs/record";

export interface DataMap {
  /** [nExamples] mean true-class probability; NaN for examples not presented. */
  confidence: Float32Array;
  /** [nExamples] standard deviation of the true-class probability; NaN if not presented. */
  variability: Float32Array;
  /** [nExamples] fraction of epochs correct, in [0, 1]; NaN if not presented. */
  correctness: Float32Array;
}

/**
 * @param prob [nEpochs, nExamples] true-class probability of each presentation (prob.f32).
 * @param record the run's correctness record over the same epochs.
 * @param options.presented [nExamples] 1 for presented examples (subset runs); default all.
 * @throws ValueError if prob does not hold nEpochs x nExamples values.
 */
export function dataMap(prob: Float32Array, record: CorrectRecord, options: { presented?: Uint8Array } = {}): DataMap {
  const { nExamples, nEpochs } = record;
  if (prob.length !== nEpochs * nExamples) {
    throw new ValueError(`dataMap: expected prob of ${nEpochs} x ${nExamples} = ${nEpochs * nExamples} values, got ${prob.length}`);
  }
  const sum = new Float64Array(nExamples);
  const sumSquares = new Float64Array(nExamples);
  const correct = new Int32Array(nExamples);
  for (let e = 0; e < nEpochs; e++) {
    const offset = e * nExamples;
    for (let i = 0; i < nExamples; i++) {
      const p = prob[offset + i];
      sum[i] += p;
      sumSquares[i] += p * p;
      correct[i] += correctAt(record, e, i);
    }
  }
  const confidence = new Float32Array(nExamples).fill(NaN);
  const variability = new Float32Array(nExamples).fill(NaN);
  const correctness = new Float32Array(nExamples).fill(NaN);
  if (nEpochs === 0) return { confidence, variability, correctness };
  for (let i = 0; i < nExamples; i++) {
    if (options.presented && !options.presented[i]) continue;
    const mean = sum[i] / nEpochs;
    confidence[i] = mean;
    variability[i] = Math.sqrt(Math.max(0, sumSquares[i] / nEpochs - mean * mean));
    correctness[i] = correct[i] / nEpochs;
  }
  return { confidence, variability, correctness };
}

/**
 * Element-wise mean of the seeds' data maps (one budget's data map in the analysis).
 * @param maps one data map per seed, all over the same nExamples.
 * @throws ValueError for no maps.
 */
export function meanDataMap(maps: DataMap[]): DataMap {
  if (maps.length === 0) throw new ValueError("meanDataMap: expected at least one data map, got none");
  const n = maps[0].confidence.length;
  const mean = (key: keyof DataMap) => {
    const out = new Float32Array(n);
    for (const m of maps) for (let i = 0; i < n; i++) out[i] += m[key][i] / maps.length;
    return out;
  };
  return { confidence: mean("confidence"), variability: mean("variability"), correctness: mean("correctness") };
}
