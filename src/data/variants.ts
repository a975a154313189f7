/**
 * Dataset variants used by the studies (Toneva et al. 2019, sections 4-6), each seeded by a
 * seed plus a purpose key and recorded in the run: label noise (the run seed), permuted pixels
 * (the permutation seed, shared by the seeds of a study), and training subsets (the removal
 * experiment).
 */
import { ValueError, checkInRange, describeValue } from "../core/errors";
import { Random } from "../core/random";

/**
 * Flips `round(fraction * nExamples)` labels, each to a different class drawn uniformly among
 * the other nClasses - 1. Which ids flip: the first ones of
 * `new Random(seed, "label-noise").permutation(nExamples)`; their new classes come from the
 * same generator, in increasing id order.
 * @param labels [nExamples] clean labels (not modified).
 * @returns labels [nExamples] as trained and noisyIds (sorted) whose label changed.
 */
export function addLabelNoise(labels: Int32Array, nClasses: number, fraction: number, seed: number): { labels: Int32Array; noisyIds: Int32Array } {
  checkInRange("addLabelNoise fraction", fraction, 0, 1);
  if (nClasses < 2) throw new ValueError(`addLabelNoise: expected at least 2 classes to flip between, got ${nClasses}`);
  const rng = new Random(seed, "label-noise");
  const nNoisy = Math.round(fraction * labels.length);
  const noisyIds = rng.permutation(labels.length).slice(0, nNoisy).sort();
  const noisy = Int32Array.from(labels);
  for (const id of noisyIds) noisy[id] = (labels[id] + 1 + rng.int(nClasses - 1)) % nClasses;
  return { labels: noisy, noisyIds };
}

/**
 * The fixed pixel permutation of permuted MNIST for a permutation seed (the config's
 * permutationSeed, not the run seed): `new Random(seed, "permute-pixels").permutation(nPixels)`;
 * output pixel k takes input pixel permutation[k] (all channels move together).
 */
export function pixelPermutation(nPixels: number, seed: number): Int32Array {
  return new Random(seed, "permute-pixels").permutation(nPixels);
}

/**
 * The exampleIds below `first` left after removing `removeIds` (sorted, original ids kept).
 * @param first how many leading exampleIds are candidates (the config's trainFirst); default all.
 * @throws ValueError if an id is not an integer in [0, nExamples).
 */
export function subsetWithout(nExamples: number, removeIds: readonly number[], first: number = nExamples): Int32Array {
  const removed = new Uint8Array(nExamples);
  for (const id of removeIds) {
    if (!Number.isInteger(id) || id < 0 || id >= nExamples) {
      throw new ValueError(`subsetWithout removeIds: expected exampleIds in [0, ${nExamples}), got ${describeValue(id)}`);
    }
    removed[id] = 1;
  }
  const kept: number[] = [];
  removed.forEach((r, id) => {
    if (!r && id < first) kept.push(id);
  });
  return Int32Array.from(kept);
}
