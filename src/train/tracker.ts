/**
 * The per-epoch tracker: what is recorded at each presentation. It collects, for one
 * epoch, each example's correctness (and optionally loss, margin, true-class probability,
 * EL2N and the predicted class) keyed by exampleId into preallocated typed arrays, then
 * hands out the packed correctness row (see CORRECT_FILE in ../runs/layout.ts), the float
 * rows and the predicted-class row.
 */
import { ValueError } from "../core/errors";
import { packCorrectRow, predictedRow, unpackCorrectRow } from "../runs/record";
import { correctRowBytes } from "../runs/layout";
import type { PartialEpochRecord } from "../runs/checkpoint";
import { type FloatRecordName } from "../config/train";

export class ForgettingTracker {
  /** [nExamples] 1 if correct at its presentation this epoch. */
  readonly correct: Uint8Array;
  /** [nExamples] 1 once presented this epoch (an example is presented at most once). */
  readonly presented: Uint8Array;
  /** Requested float records, each [nExamples]; NaN for examples not presented. */
  readonly floats: Partial<Record<FloatRecordName, Float32Array>> = {};
  /** [nExamples] predicted class at its presentation this epoch (0 if not presented); null unless requested. */
  readonly predicted: Uint8Array | Uint16Array | null;
  private nPresented = 0;

  /** @param options.predictedClasses record the predicted class, of this many classes (see predictedFile). */
  constructor(
    readonly nExamples: number,
    readonly floatNames: readonly FloatRecordName[] = [],
    options: { predictedClasses?: number } = {},
  ) {
    this.correct = new Uint8Array(nExamples);
    this.presented = new Uint8Array(nExamples);
    for (const name of floatNames) this.floats[name] = new Float32Array(nExamples);
    this.predicted = options.predictedClasses ? predictedRow(options.predictedClasses, nExamples) : null;
    this.startEpoch();
  }

  /** Clears everything for a new epoch. */
  startEpoch(): void {
    this.correct.fill(0);
    this.presented.fill(0);
    for (const name of this.floatNames) this.floats[name]!.fill(NaN);
    this.predicted?.fill(0);
    this.nPresented = 0;
  }

  /**
   * Records one minibatch.
   * @param exampleIds [batchSize] exampleId of each example.
   * @param correct [batchSize] 1 (or nonzero) if classified correctly.
   * @param floats [batchSize] values of each requested float record (all of floatNames).
   * @param predicted [batchSize] predicted class of each example (when the tracker records it).
   * @throws ValueError for an exampleId out of range, one presented twice in the epoch, or
   *   lengths that disagree.
   */
  add(exampleIds: ArrayLike<number>, correct: ArrayLike<number>, floats: Partial<Record<FloatRecordName, ArrayLike<number>>> = {}, predicted?: ArrayLike<number>): void {
    const n = exampleIds.length;
    if (correct.length !== n) throw new ValueError(`ForgettingTracker.add: expected ${n} correctness values (one per exampleId), got ${correct.length}`);
    if (this.predicted && predicted?.length !== n) throw new ValueError(`ForgettingTracker.add: expected ${n} predicted classes, got ${predicted ? predicted.length : "none"}`);
    for (const name of this.floatNames) {
      const values = floats[name];
      if (!values || values.length !== n) {
        throw new ValueError(`ForgettingTracker.add: expected ${n} "${name}" values, got ${values ? values.length : "none"}`);
      }
    }
    // Row pairs looked up once per batch, not once per example.
    const targets = this.floatNames.map((name) => this.floats[name]!);
    const sources = this.floatNames.map((name) => floats[name]!);
    for (let i = 0; i < n; i++) {
      const id = exampleIds[i];
      if (!(id >= 0 && id < this.nExamples) || !Number.isInteger(id)) {
        throw new ValueError(`ForgettingTracker.add: expected exampleIds in [0, ${this.nExamples}), got ${id}`);
      }
      if (this.presented[id]) throw new ValueError(`ForgettingTracker.add: exampleId ${id} was already presented this epoch`);
      this.presented[id] = 1;
      this.correct[id] = correct[i] ? 1 : 0;
      for (let f = 0; f < targets.length; f++) targets[f][id] = sources[f][i];
      if (this.predicted) this.predicted[id] = predicted![i];
    }
    this.nPresented += n;
  }

  /** Examples recorded so far this epoch. */
  get presentedCount(): number {
    return this.nPresented;
  }

  /** The packed correctness row of this epoch, ceil(nExamples / 8) bytes; unpresented examples are 0. */
  correctRow(): Uint8Array {
    return packCorrectRow(this.correct);
  }

  /** The epoch so far, for a mid-epoch checkpoint (copies: training goes on). */
  partialRecord(): PartialEpochRecord {
    const floats: PartialEpochRecord["floats"] = {};
    for (const name of this.floatNames) floats[name] = Float32Array.from(this.floats[name]!);
    return { correct: packCorrectRow(this.correct), presented: packCorrectRow(this.presented), floats, ...(this.predicted ? { predicted: this.predicted.slice() } : {}) };
  }

  /**
   * Continues an epoch from a mid-epoch checkpoint: the state partialRecord() gave.
   * @throws ValueError if a row's length or the float records differ from this tracker's.
   */
  restore(record: PartialEpochRecord): void {
    const rowBytes = correctRowBytes(this.nExamples);
    if (record.correct.length !== rowBytes || record.presented.length !== rowBytes) {
      throw new ValueError(`ForgettingTracker.restore: expected rows of ${rowBytes} bytes (${this.nExamples} examples), got ${record.correct.length} and ${record.presented.length}`);
    }
    const names = Object.keys(record.floats).sort().join(", ");
    if (names !== [...this.floatNames].sort().join(", ")) {
      throw new ValueError(`ForgettingTracker.restore: expected float records [${this.floatNames.join(", ")}], got [${names}]`);
    }
    this.correct.set(unpackCorrectRow(record.correct, this.nExamples));
    this.presented.set(unpackCorrectRow(record.presented, this.nExamples));
    for (const name of this.floatNames) {
      const row = record.floats[name]!;
      if (row.length !== this.nExamples) throw new ValueError(`ForgettingTracker.restore: expected a "${name}" row of ${this.nExamples} values, got ${row.length}`);
      this.floats[name]!.set(row);
    }
    if ((record.predicted !== undefined) !== (this.predicted !== null)) {
      throw new ValueError(`ForgettingTracker.restore: expected ${this.predicted ? "a" : "no"} predicted-class row, got ${record.predicted ? "one" : "none"}`);
    }
    if (this.predicted && record.predicted) {
      if (record.predicted.length !== this.nExamples || record.predicted.BYTES_PER_ELEMENT !== this.predicted.BYTES_PER_ELEMENT) {
        throw new ValueError(`ForgettingTracker.restore: expected a predicted-class row of ${this.nExamples} ${this.predicted.BYTES_PER_ELEMENT}-byte values, got ${record.predicted.length} ${record.predicted.BYTES_PER_ELEMENT}-byte values`);
      }
      this.predicted.set(record.predicted);
    }
    this.nPresented = this.presented.reduce((n, p) => n + p, 0);
  }

  /** The [nExamples] float row of record `name` (NaN where not presented). */
  floatRow(name: FloatRecordName): Float32Array {
    const row = this.floats[name];
    if (!row) throw new ValueError(`ForgettingTracker.floatRow: expected one of ${this.floatNames.join(", ") || "(no float records)"}, got "${name}"`);
    return row;
  }
}
