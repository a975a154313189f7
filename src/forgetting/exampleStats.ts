/**
 * Per-example forgetting statistics of one run, computed from its correctness record.
 *
 * Definitions (Toneva et al., "An Empirical Study of Example Forgetting during Deep Neural
 * Network Learning", ICLR 2019, arXiv 1812.05159), with acc[e] = 1 if the example was
 * classified correctly at its presentation in epoch e (one presentation per epoch):
 * - forgetting event: acc[e-1] = 1 and acc[e] = 0 (consecutive presentations);
 * - learning event: acc[e-1] = 0 and acc[e] = 1, or acc[0] = 1 (the first 1 counts);
 * - first learned epoch: 1 + index of the first 1; none if there is no 1;
 * - never learned: no 1 in the whole run;
 * - unforgettable: learned at some point and never forgotten;
 * - learned at end: acc[last] = 1.
 *
 * The record is scanned word by word (32 examples at once) with bit-sliced counters, so
 * the cost is about nEpochs * nExamples / 32 word operations: ImageNet scale (1,281,167
 * examples x 450 epochs) takes well under a second per run.
 */
import { ValueError } from "../errors";
import type { CorrectRecord } from "../runs/record";

/** Marks "never learned" in `ExampleStats.firstLearnedEpoch` (an integer array cannot hold null). */
export const NEVER_LEARNED_EPOCH = -1;

/** Per-example statistics of one run. Every array is [nExamples], indexed by exampleId. */
export interface ExampleStats {
  nExamples: number;
  /** Rows of the record that were read (epochs, one presentation each). */
  nEpochs: number;
  /** 1 if the example was presented in the run (always 1 unless a subset was trained). */
  presented: Uint8Array;
  /** Presentations of the example: nEpochs if presented, 0 if not. */
  presentations: Int32Array;
  /**
   * 1-based epoch of the first correct presentation; NEVER_LEARNED_EPOCH (-1) if the
   * example was never correct or never presented. Use `firstLearnedEpochOf` for a null.
   */
  firstLearnedEpoch: Int32Array;
  /** Number of 1 -> 0 transitions between consecutive presentations. */
  forgettingEvents: Int32Array;
  /** Number of 0 -> 1 transitions, counting a correct first presentation as one. */
  learningEvents: Int32Array;
  /** 1 if presented and never correct. 0 for examples that were not presented. */
  neverLearned: Uint8Array;
  /** 1 if presented, learned at some point and never forgotten. */
  unforgettable: Uint8Array;
  /** 1 if correct at the last presentation. */
  learnedAtEnd: Uint8Array;
}

export interface ExampleStatsOptions {
  /**
   * [nExamples] 1 for the exampleIds presented in the run (a subset run, e.g. the removal
   * experiment); absent means every example was presented. Bits of examples that were not
   * presented are ignored, whatever the record holds.
   */
  presented?: Uint8Array;
}

/** The first learned epoch of one example as the design states it: 1-based, null if never. */
export function firstLearnedEpochOf(stats: ExampleStats, exampleId: number): number | null {
  const epoch = stats.firstLearnedEpoch[exampleId];
  return epoch === NEVER_LEARNED_EPOCH ? null : epoch;
}

/** Number of bit planes a counter needs to hold values up to `max`. */
function planesFor(max: number): number {
  return Math.max(1, 32 - Math.clz32(max));
}

/** Reads bit-sliced counters [nWords, nPlanes] back into one integer per example. */
function decodePlanes(planes: Uint32Array, nPlanes: number, out: Int32Array): void {
  const nWords = planes.length / nPlanes;
  for (let w = 0; w < nWords; w++) {
    const base = w * nPlanes;
    let any = 0;
    for (let k = 0; k < nPlanes; k++) any |= planes[base + k];
    if (any === 0) continue; // all 32 counts are zero: the common case for forgetting counts
    const first = w << 5;
    const last = Math.min(first + 32, out.length);
    for (let i = first; i < last; i++) {
      const bit = i & 31;
      let count = 0;
      for (let k = 0; k < nPlanes; k++) count |= ((planes[base + k] >>> bit) & 1) << k;
      out[i] = count;
    }
  }
}

/**
 * Computes every per-example statistic of one run.
 *
 * @param record the run's correctness record, [nEpochs, ceil(nExamples / 8)] bit-packed.
 * @returns per-example arrays, see ExampleStats.
 * @throws ValueError if `options.presented` does not have nExamples entries or the record's
 *   byte length does not match its shape.
 */
export function exampleStats(record: CorrectRecord, options: ExampleStatsOptions = {}): ExampleStats {
  const { nExamples, nEpochs, rowBytes, bits } = record;
  if (bits.length < nEpochs * rowBytes) {
    throw new ValueError(`exampleStats: expected record.bits of at least ${nEpochs} x ${rowBytes} bytes, got ${bits.length}`);
  }
  if (rowBytes !== Math.ceil(nExamples / 8)) {
    throw new ValueError(`exampleStats: expected record.rowBytes = ceil(${nExamples} / 8) = ${Math.ceil(nExamples / 8)}, got ${rowBytes}`);
  }
  if (options.presented && options.presented.length !== nExamples) {
    throw new ValueError(`exampleStats: expected options.presented of length ${nExamples}, got ${options.presented.length}`);
  }
  const nWords = Math.ceil(nExamples / 32);

  // Which bits of each word count: presented examples, and never the padding past nExamples.
  const presentedWords = new Uint32Array(nWords);
  const presented = new Uint8Array(nExamples);
  for (let i = 0; i < nExamples; i++) {
    if (!options.presented || options.presented[i]) {
      presented[i] = 1;
      presentedWords[i >> 5] |= 1 << (i & 31);
    }
  }

  const nPlanes = planesFor(nEpochs);
  const forgettingPlanes = new Uint32Array(nWords * nPlanes);
  const learningPlanes = new Uint32Array(nWords * nPlanes);
  const firstLearnedEpoch = new Int32Array(nExamples).fill(NEVER_LEARNED_EPOCH);
  const everCorrect = new Uint32Array(nWords);
  const previous = new Uint32Array(nWords);
  // A row starts at epoch * rowBytes, which need not be 4-byte aligned: copy it into an
  // aligned, zero-padded buffer so it can be read as little-endian 32-bit words.
  const rowBuffer = new Uint8Array(nWords * 4);
  const rowWords = new Uint32Array(rowBuffer.buffer);
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

  for (let epoch = 0; epoch < nEpochs; epoch++) {
    rowBuffer.set(bits.subarray(epoch * rowBytes, (epoch + 1) * rowBytes));
    if (!littleEndian) for (let w = 0; w < nWords; w++) rowWords[w] = swapBytes(rowWords[w]);
    for (let w = 0; w < nWords; w++) {
      const current = rowWords[w] & presentedWords[w];
      const before = previous[w];
      const base = w * nPlanes;
      // Bit-sliced increment: add 1 to the counter of every example whose bit is set in
      // `carry`, plane by plane, until no carry is left (amortized ~2 planes per call).
      let carry = before & ~current;
      for (let k = 0; carry !== 0; k++) {
        const plane = forgettingPlanes[base + k];
        forgettingPlanes[base + k] = plane ^ carry;
        carry &= plane;
      }
      carry = current & ~before;
      for (let k = 0; carry !== 0; k++) {
        const plane = learningPlanes[base + k];
        learningPlanes[base + k] = plane ^ carry;
        carry &= plane;
      }
      let newlyLearned = current & ~everCorrect[w];
      if (newlyLearned !== 0) {
        everCorrect[w] |= newlyLearned;
        while (newlyLearned !== 0) {
          const bit = 31 - Math.clz32(newlyLearned & -newlyLearned);
          firstLearnedEpoch[(w << 5) + bit] = epoch + 1;
          newlyLearned &= newlyLearned - 1;
        }
      }
      previous[w] = current;
    }
  }

  const forgettingEvents = new Int32Array(nExamples);
  const learningEvents = new Int32Array(nExamples);
  decodePlanes(forgettingPlanes, nPlanes, forgettingEvents);
  decodePlanes(learningPlanes, nPlanes, learningEvents);

  const presentations = new Int32Array(nExamples);
  const neverLearned = new Uint8Array(nExamples);
  const unforgettable = new Uint8Array(nExamples);
  const learnedAtEnd = new Uint8Array(nExamples);
  for (let i = 0; i < nExamples; i++) {
    if (!presented[i]) continue;
    presentations[i] = nEpochs;
    const learned = firstLearnedEpoch[i] !== NEVER_LEARNED_EPOCH;
    neverLearned[i] = learned ? 0 : 1;
    unforgettable[i] = learned && forgettingEvents[i] === 0 ? 1 : 0;
    learnedAtEnd[i] = (previous[i >> 5] >>> (i & 31)) & 1;
  }
  return {
    nExamples,
    nEpochs,
    presented,
    presentations,
    firstLearnedEpoch,
    forgettingEvents,
    learningEvents,
    neverLearned,
    unforgettable,
    learnedAtEnd,
  };
}

function swapBytes(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
