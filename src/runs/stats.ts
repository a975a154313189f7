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
 * examples x 450 epochs) takes under half a second per run on one core.
 *
 * Also here: the same statistics read straight from a run's correct.bits without holding the
 * record in memory, and the run's stats.csv (derived data: analysis recomputes the
 * statistics from the record and never trusts that file).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { csvField } from "../core/csv";
import { FileFormatError, ValueError, checkSameLength } from "../core/errors";
import { CORRECT_FILE, EXAMPLE_ID_COLUMN, STATS_FILE, correctRowBytes } from "./layout";
import type { CorrectRecord } from "./record";

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

/** Epochs per chunk: 4-bit counters hold up to 15 increments, one per epoch at most. */
const STATS_CHUNK_EPOCHS = 15;

/**
 * Adds 32 four-bit counts, given as bit planes a0 (least significant) .. a3, into the
 * nPlanes-bit bit-sliced counters planes[base .. base + nPlanes) (a ripple-carry adder).
 */
function addFourBitCounts(planes: Int32Array, base: number, nPlanes: number, a0: number, a1: number, a2: number, a3: number): void {
  if ((a0 | a1 | a2 | a3) === 0) return;
  let carry = 0;
  for (let k = 0; k < nPlanes; k++) {
    const a = k === 0 ? a0 : k === 1 ? a1 : k === 2 ? a2 : k === 3 ? a3 : 0;
    if (k >= 4 && carry === 0) return;
    const plane = planes[base + k];
    planes[base + k] = plane ^ a ^ carry;
    carry = (plane & a) | (carry & (plane ^ a));
  }
}

/** Reads bit-sliced counters [nWords, nPlanes] back into one integer per example. */
function decodePlanes(planes: Int32Array, nPlanes: number, out: Int32Array): void {
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
 * Streaming form of exampleStats: feed the record's rows in chunks of at most
 * STATS_CHUNK_EPOCHS epochs, in order, then call finish(). Used to compute statistics
 * straight from a file without holding the whole record (see exampleStatsFromFile).
 */
export interface StatsAccumulator {
  /** Bytes of one row of `chunk` (nWords * 4): row r of a chunk starts at r * chunkRowBytes. */
  chunkRowBytes: number;
  /**
   * A zeroed buffer [STATS_CHUNK_EPOCHS, chunkRowBytes] to copy rows into: row r's
   * rowBytes record bytes go to offset r * chunkRowBytes (the padding stays zero).
   */
  chunk: Uint8Array;
  /** Consumes the first `nRows` rows of `chunk` as the next epochs. */
  addChunk(nRows: number): void;
  /** The statistics of every epoch added. @throws ValueError if fewer than nEpochs were added. */
  finish(): ExampleStats;
}

/**
 * @param nEpochs epochs that will be added (sizes the counters).
 * @throws ValueError if `options.presented` does not have nExamples entries.
 */
export function statsAccumulator(nExamples: number, nEpochs: number, options: ExampleStatsOptions = {}): StatsAccumulator {
  if (options.presented && options.presented.length !== nExamples) {
    throw new ValueError(`exampleStats: expected options.presented of length ${nExamples}, got ${options.presented.length}`);
  }
  const nWords = Math.ceil(nExamples / 32);
  // Which bits of each word count: presented examples, and never the padding past nExamples.
  const presentedWords = new Int32Array(nWords);
  const presented = new Uint8Array(nExamples);
  for (let i = 0; i < nExamples; i++) {
    if (!options.presented || options.presented[i]) {
      presented[i] = 1;
      presentedWords[i >> 5] |= 1 << (i & 31);
    }
  }
  const nPlanes = planesFor(nEpochs);
  // Words live in Int32Arrays: bitwise results are int32, and a Uint32Array would hand
  // values >= 2^31 back as doubles, which makes the hot loop several times slower.
  const forgettingPlanes = new Int32Array(nWords * nPlanes);
  const learningPlanes = new Int32Array(nWords * nPlanes);
  const firstLearnedEpoch = new Int32Array(nExamples).fill(NEVER_LEARNED_EPOCH);
  const previous = new Int32Array(nWords); // each word's bits at the last epoch added
  const everCorrect = new Int32Array(nWords);
  const chunk = new Uint8Array(STATS_CHUNK_EPOCHS * nWords * 4);
  const chunkWords = new Int32Array(chunk.buffer);
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  let epochsAdded = 0;

  function addChunk(nRows: number): void {
    if (!Number.isInteger(nRows) || nRows < 0 || nRows > STATS_CHUNK_EPOCHS || epochsAdded + nRows > nEpochs) {
      throw new ValueError(`statsAccumulator addChunk: expected 0..${Math.min(STATS_CHUNK_EPOCHS, nEpochs - epochsAdded)} rows, got ${nRows}`);
    }
    if (!littleEndian) for (let k = 0; k < nRows * nWords; k++) chunkWords[k] = swapBytes(chunkWords[k]);
    const epochOffset = epochsAdded;
    // Each word runs through the chunk's epochs with its counters in local variables:
    // 4-bit bit-sliced counters updated without branches, then added into the
    // nPlanes-bit counters once per chunk (at most 15 increments fit in 4 bits).
    for (let w = 0; w < nWords; w++) {
      const mask = presentedWords[w];
      let before = previous[w];
      let ever = everCorrect[w];
      let f0 = 0, f1 = 0, f2 = 0, f3 = 0; // forgetting events in this chunk, bit-sliced
      let l0 = 0, l1 = 0, l2 = 0, l3 = 0; // learning events likewise
      for (let r = 0; r < nRows; r++) {
        const current = chunkWords[r * nWords + w] & mask;
        let carry = before & ~current; // 1 -> 0: forgetting events
        let t = f0 & carry;
        f0 ^= carry;
        carry = t;
        t = f1 & carry;
        f1 ^= carry;
        carry = t;
        t = f2 & carry;
        f2 ^= carry;
        f3 ^= t;
        carry = current & ~before; // 0 -> 1 (or a correct first presentation): learning events
        t = l0 & carry;
        l0 ^= carry;
        carry = t;
        t = l1 & carry;
        l1 ^= carry;
        carry = t;
        t = l2 & carry;
        l2 ^= carry;
        l3 ^= t;
        let newlyLearned = current & ~ever;
        if (newlyLearned !== 0) {
          ever |= newlyLearned;
          while (newlyLearned !== 0) {
            const bit = 31 - Math.clz32(newlyLearned & -newlyLearned);
            firstLearnedEpoch[(w << 5) + bit] = epochOffset + r + 1;
            newlyLearned &= newlyLearned - 1;
          }
        }
        before = current;
      }
      previous[w] = before;
      everCorrect[w] = ever;
      addFourBitCounts(forgettingPlanes, w * nPlanes, nPlanes, f0, f1, f2, f3);
      addFourBitCounts(learningPlanes, w * nPlanes, nPlanes, l0, l1, l2, l3);
    }
    epochsAdded += nRows;
  }

  function finish(): ExampleStats {
    if (epochsAdded !== nEpochs) throw new ValueError(`statsAccumulator finish: expected ${nEpochs} epochs added, got ${epochsAdded}`);
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
    return { nExamples, nEpochs, presented, presentations, firstLearnedEpoch, forgettingEvents, learningEvents, neverLearned, unforgettable, learnedAtEnd };
  }

  return { chunkRowBytes: nWords * 4, chunk, addChunk, finish };
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
  const accumulator = statsAccumulator(nExamples, nEpochs, options);
  const { chunk, chunkRowBytes } = accumulator;
  for (let epoch = 0; epoch < nEpochs; epoch += STATS_CHUNK_EPOCHS) {
    const nRows = Math.min(STATS_CHUNK_EPOCHS, nEpochs - epoch);
    for (let r = 0; r < nRows; r++) chunk.set(bits.subarray((epoch + r) * rowBytes, (epoch + r + 1) * rowBytes), r * chunkRowBytes);
    accumulator.addChunk(nRows);
  }
  return accumulator.finish();
}

function swapBytes(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

// --- Reading the statistics straight from correct.bits, 15 epochs at a time (72 MB per run at ImageNet scale x 450 epochs).

/**
 * Statistics of the first `nEpochs` rows of `<runDir>/correct.bits`; equal to
 * exampleStats(readCorrectRecord(runDir, nExamples, nEpochs), options).
 * @throws FileFormatError if the file is missing or shorter than nEpochs whole rows.
 */
export function exampleStatsFromFile(runDir: string, nExamples: number, nEpochs: number, options: ExampleStatsOptions = {}): ExampleStats {
  const file = path.join(runDir, CORRECT_FILE);
  const rowBytes = correctRowBytes(nExamples);
  if (!fs.existsSync(file)) throw new FileFormatError(file, "correctness record is missing");
  const size = fs.statSync(file).size;
  if (size < nEpochs * rowBytes) {
    throw new FileFormatError(file, `expected ${nEpochs} rows of ${rowBytes} bytes (${nEpochs * rowBytes} bytes) for ${nExamples} examples, found ${size} bytes`);
  }
  const accumulator = statsAccumulator(nExamples, nEpochs, options);
  const { chunk, chunkRowBytes } = accumulator;
  const staging = new Uint8Array(STATS_CHUNK_EPOCHS * rowBytes);
  const fd = fs.openSync(file, "r");
  try {
    for (let epoch = 0; epoch < nEpochs; epoch += STATS_CHUNK_EPOCHS) {
      const nRows = Math.min(STATS_CHUNK_EPOCHS, nEpochs - epoch);
      const want = nRows * rowBytes;
      for (let got = 0; got < want; ) {
        const n = fs.readSync(fd, staging, got, want - got, epoch * rowBytes + got);
        if (n === 0) throw new FileFormatError(file, `expected ${nEpochs * rowBytes} bytes, the file ended at ${epoch * rowBytes + got}`);
        got += n;
      }
      // Rows are rowBytes apart in the file; the accumulator wants them 4-byte aligned.
      for (let r = 0; r < nRows; r++) chunk.set(staging.subarray(r * rowBytes, (r + 1) * rowBytes), r * chunkRowBytes);
      accumulator.addChunk(nRows);
    }
  } finally {
    fs.closeSync(fd);
  }
  return accumulator.finish();
}

// --- stats.csv: a header row, then one row per exampleId in order.

/** Columns of stats.csv, in order. `first_learned_epoch` is empty when never learned. */
const STATS_COLUMNS = [
  EXAMPLE_ID_COLUMN,
  "label",
  "name",
  "presented",
  "presentations",
  "first_learned_epoch",
  "forgetting_events",
  "learning_events",
  "never_learned",
  "unforgettable",
  "learned_at_end",
] as const;

export interface StatsToCsvOptions {
  /** [nExamples] class index of each example (as trained); the column is empty without it. */
  labels?: ArrayLike<number>;
  /** [nExamples] human-readable name (file path) of each example; empty without it. */
  exampleNames?: readonly string[];
}

/**
 * @returns CSV text with the columns of STATS_COLUMNS, ending in a newline.
 * @throws ValueError if labels or exampleNames do not have nExamples entries.
 */
export function statsToCsv(stats: ExampleStats, options: StatsToCsvOptions = {}): string {
  const { labels, exampleNames } = options;
  const lengths: Record<string, number> = { "stats.nExamples": stats.nExamples };
  if (labels) lengths["options.labels"] = labels.length;
  if (exampleNames) lengths["options.exampleNames"] = exampleNames.length;
  checkSameLength("statsToCsv", lengths);
  const lines: string[] = [STATS_COLUMNS.join(",")];
  for (let i = 0; i < stats.nExamples; i++) {
    const first = stats.firstLearnedEpoch[i];
    lines.push(
      [
        i,
        labels ? labels[i] : "",
        exampleNames ? csvField(exampleNames[i]) : "",
        stats.presented[i],
        stats.presentations[i],
        first === NEVER_LEARNED_EPOCH ? "" : first,
        stats.forgettingEvents[i],
        stats.learningEvents[i],
        stats.neverLearned[i],
        stats.unforgettable[i],
        stats.learnedAtEnd[i],
      ].join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** Writes `<runDir>/stats.csv` from `stats`; see statsToCsv for the columns. */
export function writeStatsCsv(runDir: string, stats: ExampleStats, options: StatsToCsvOptions = {}): void {
  writeFileAtomic(path.join(runDir, STATS_FILE), statsToCsv(stats, options));
}
