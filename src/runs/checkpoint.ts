/**
 * Checkpoints for resume, written after every epoch and, mid-epoch, on a stop request or
 * every `checkpointEveryMinutes`:
 *
 *   <runDir>/checkpoint/checkpoint.json   CheckpointInfo: epoch, record length, tensor
 *                                         names/shapes/offsets, file sizes and sha256, and
 *                                         for a mid-epoch checkpoint the `midEpoch` block
 *   <runDir>/checkpoint/weights.bin       every model weight (trainable, then batch-norm
 *                                         moving statistics), float32 little-endian
 *   <runDir>/checkpoint/optimizer.bin     SGD momentum buffers, one per trainable weight
 *   mid-epoch only (the epoch's record so far, see MidEpochState):
 *   <runDir>/checkpoint/epoch.correct.bits     packed correctness row (CORRECT_FILE layout)
 *   <runDir>/checkpoint/epoch.presented.bits   packed row: 1 once presented this epoch
 *   <runDir>/checkpoint/epoch.<name>.f32       each float record's row (NaN if not presented), float32 whatever the run's floatStorage
 *   <runDir>/checkpoint/epoch.predicted.u8     the predicted-class row (.u16 beyond 256 classes), when recorded
 *
 * There is no RNG state to save: shuffling and augmentation of epoch e are rebuilt from
 * (seed, e) (src/core/random.ts), a mid-epoch resume starts the epoch's batch stream at the
 * next batch (BatchSource.batches fromBatch), and initialization is overwritten by the saved
 * weights.
 *
 * A new checkpoint is written complete into a temporary folder, then swapped in by
 * renames (checkpoint -> checkpoint.prev, tmp -> checkpoint, remove prev), so a crash at any
 * moment leaves one complete checkpoint: `checkpoint/`, or `checkpoint.prev/` if the crash
 * fell between the two renames.
 *
 * Format 2 (this version) is format 1 plus the optional `midEpoch` block; format 1 files
 * (written before mid-epoch checkpoints existed) are read as epoch-end checkpoints. The
 * midEpoch block's optional `predicted` field (1 or 2, bytes a value) names the predicted-class
 * row; a block without it (written before that record existed) has none.
 */
import { sha256Hex } from "../core/checksum";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { FileFormatError } from "../core/errors";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import { fieldFailure, readJsonFile } from "../core/jsonFile";
import { CHECKPOINT_DIR, FLOAT_RECORDS } from "./layout";
import { type FloatRecordName, VALID_FLOAT_RECORDS } from "../config/train";

export const CHECKPOINT_FILE = "checkpoint.json";
const WEIGHTS_FILE = "weights.bin";
const OPTIMIZER_FILE = "optimizer.bin";
const PREVIOUS_SUFFIX = ".prev";
const EPOCH_CORRECT_FILE = "epoch.correct.bits";
const EPOCH_PRESENTED_FILE = "epoch.presented.bits";
const CHECKPOINT_FORMAT = 2;

/** The file of float record `name`'s partial row in a mid-epoch checkpoint ("epoch.margin.f32"). */
function epochFloatFile(name: FloatRecordName): string {
  return `epoch.${FLOAT_RECORDS[name]}`;
}

/** The epoch's per-example record so far (see ../train/tracker.ts). */
export interface PartialEpochRecord {
  /** Packed correctness row, ceil(nExamples / 8) bytes (CORRECT_FILE layout); 0 where not presented. */
  correct: Uint8Array;
  /** Packed row of the same layout: 1 once the example was presented this epoch. */
  presented: Uint8Array;
  /** [nExamples] row of each requested float record; NaN where not presented. */
  floats: Partial<Record<FloatRecordName, Float32Array>>;
  /** [nExamples] predicted class (0 where not presented), when the run records it. */
  predicted?: Uint8Array | Uint16Array;
}

/** Where a mid-epoch checkpoint is in its epoch (0-based epoch `CheckpointInfo.epoch`). */
export interface MidEpochState {
  /** Batches of the epoch trained: training continues at the batch of this index. */
  batchesDone: number;
  /** Sum of the per-example training losses so far (nats), for the epoch's log.csv row. */
  lossSum: number;
  /** Examples classified correctly so far (the tracked correctness). */
  correctSum: number;
  /** Examples trained on so far this epoch. */
  seen: number;
  /** Seconds spent training this epoch so far (every session's share). */
  trainSeconds: number;
  record: PartialEpochRecord;
}

/** The midEpoch block of checkpoint.json: MidEpochState without its record (in the epoch.* files). */
type MidEpochInfo = Omit<MidEpochState, "record"> & { floats: FloatRecordName[]; predicted?: 1 | 2 };

/** The file of the predicted-class row of a mid-epoch checkpoint, by bytes a value. */
function epochPredictedFile(width: 1 | 2): string {
  return `epoch.predicted.u${width * 8}`;
}

/** One tensor inside a .bin file: float32 values [offset, offset + size). */
interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 values from the start of the file. */
  offset: number;
}

interface CheckpointInfo {
  /** 2; a format-1 file (no midEpoch) is read the same way. */
  format: 1 | 2;
  /** Completed epochs: training resumes in this 0-based epoch (at its first batch unless midEpoch says otherwise). */
  epoch: number;
  /** Rows of correct.bits (and float records) that belong to this state. */
  recordLength: number;
  /** sha256 of the resolved config JSON, to refuse a resume under another config. */
  configSha256: string;
  /** Training dataset checksum (BatchSource.checksum). */
  datasetChecksum: string;
  /** model.weights in order: trainable weights, then non-trainable (batch-norm moving stats). */
  weights: TensorEntry[];
  /** Momentum buffers in model.trainableWeights order; empty when momentum is 0. */
  momentum: TensorEntry[];
  files: Record<string, { bytes: number; sha256: string }>;
  /** Present when the checkpoint was taken inside epoch `epoch`. */
  midEpoch?: MidEpochInfo;
  createdAt: string;
}

/** The state a checkpoint restores. */
export interface CheckpointState {
  info: CheckpointInfo;
  /** Folder it was read from (checkpoint/ or checkpoint.prev/). */
  dir: string;
  /** [model.weights.length] values of each weight. */
  weights: Float32Array[];
  /** Momentum buffers. */
  momentum: Float32Array[];
  /** The part of epoch `info.epoch` already trained, or null for an epoch-end checkpoint. */
  midEpoch: MidEpochState | null;
}

/** Concatenates arrays into one float32 buffer and records where each one sits. */
function packTensors(names: string[], shapes: number[][], arrays: Float32Array[]): { bytes: Uint8Array; entries: TensorEntry[] } {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const all = new Float32Array(total);
  const entries: TensorEntry[] = [];
  let offset = 0;
  arrays.forEach((a, i) => {
    all.set(a, offset);
    entries.push({ name: names[i], shape: shapes[i], offset });
    offset += a.length;
  });
  return { bytes: new Uint8Array(all.buffer), entries };
}

/** The bytes of a float row, without a copy. */
function floatBytes(row: Float32Array): Uint8Array {
  return new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
}

/**
 * Writes the checkpoint of a finished epoch, or with `midEpoch` of one in progress.
 * @param state.epoch completed epochs; state.recordLength rows of the records it matches.
 */
export function saveCheckpoint(
  runDir: string,
  state: {
    model: tf.LayersModel;
    momentum: Float32Array[];
    epoch: number;
    recordLength: number;
    configSha256: string;
    datasetChecksum: string;
    midEpoch?: MidEpochState;
  },
): void {
  const { model } = state;
  const weightValues = model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  const weights = packTensors(
    model.weights.map((w) => w.originalName),
    model.weights.map((w) => w.shape as number[]),
    weightValues,
  );
  const trainable = model.trainableWeights;
  const momentum = packTensors(
    trainable.slice(0, state.momentum.length).map((w) => w.originalName),
    trainable.slice(0, state.momentum.length).map((w) => w.shape as number[]),
    state.momentum,
  );
  const files: Record<string, Uint8Array> = { [WEIGHTS_FILE]: weights.bytes, [OPTIMIZER_FILE]: momentum.bytes };
  let midEpoch: MidEpochInfo | undefined;
  if (state.midEpoch) {
    const { record, ...sums } = state.midEpoch;
    files[EPOCH_CORRECT_FILE] = record.correct;
    files[EPOCH_PRESENTED_FILE] = record.presented;
    const floats = VALID_FLOAT_RECORDS.filter((name) => record.floats[name]);
    for (const name of floats) files[epochFloatFile(name)] = floatBytes(record.floats[name]!);
    midEpoch = { ...sums, floats };
    if (record.predicted) {
      const width = record.predicted.BYTES_PER_ELEMENT as 1 | 2;
      files[epochPredictedFile(width)] = new Uint8Array(record.predicted.buffer, record.predicted.byteOffset, record.predicted.byteLength);
      midEpoch.predicted = width;
    }
  }
  const info: CheckpointInfo = {
    format: CHECKPOINT_FORMAT,
    epoch: state.epoch,
    recordLength: state.recordLength,
    configSha256: state.configSha256,
    datasetChecksum: state.datasetChecksum,
    weights: weights.entries,
    momentum: momentum.entries,
    files: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, { bytes: bytes.length, sha256: sha256Hex(bytes) }])),
    ...(midEpoch ? { midEpoch } : {}),
    createdAt: new Date().toISOString(),
  };
  const finalDir = path.join(runDir, CHECKPOINT_DIR);
  const tmpDir = path.join(runDir, `.${CHECKPOINT_DIR}.${process.pid}.tmp`);
  const prevDir = finalDir + PREVIOUS_SUFFIX;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) writeFileAtomic(path.join(tmpDir, name), bytes);
  writeJsonAtomic(path.join(tmpDir, CHECKPOINT_FILE), info);
  if (fs.existsSync(finalDir)) {
    fs.rmSync(prevDir, { recursive: true, force: true });
    fs.renameSync(finalDir, prevDir);
  }
  fs.renameSync(tmpDir, finalDir);
  // The folder's renames become durable with the fsync of runDir done by the manifest
  // write that follows every checkpoint (writeManifest -> writeJsonAtomic).
  fs.rmSync(prevDir, { recursive: true, force: true });
}

/** Reads one file of the checkpoint, checking its size and sha256 against checkpoint.json. */
function readCheckedFile(dir: string, file: string, info: CheckpointInfo): Buffer {
  const full = path.join(dir, file);
  const expected = info.files[file];
  if (!expected) throw new FileFormatError(path.join(dir, CHECKPOINT_FILE), `field "files": expected an entry for ${file}`);
  if (!fs.existsSync(full)) throw new FileFormatError(full, "checkpoint file is missing");
  const bytes = fs.readFileSync(full);
  if (bytes.length !== expected.bytes) {
    throw new FileFormatError(full, `expected ${expected.bytes} bytes (per ${CHECKPOINT_FILE}), found ${bytes.length}`);
  }
  if (sha256Hex(bytes) !== expected.sha256) throw new FileFormatError(full, `expected sha256 ${expected.sha256}, found ${sha256Hex(bytes)}: the file is corrupt`);
  return bytes;
}

/** A copy of `bytes` as float32 values (the copy aligns them). */
function toFloat32(bytes: Buffer): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Reads one .bin file and cuts it into tensors per `entries`, checking size and sha256. */
function readTensors(dir: string, file: string, info: CheckpointInfo, entries: TensorEntry[]): Float32Array[] {
  const full = path.join(dir, file);
  const all = toFloat32(readCheckedFile(dir, file, info));
  return entries.map((e) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + size > all.length) {
      throw new FileFormatError(full, `tensor "${e.name}" [${e.shape}] at offset ${e.offset} does not fit in ${all.length} values`);
    }
    return all.slice(e.offset, e.offset + size);
  });
}

/**
 * Reads the run's checkpoint (checkpoint/, or checkpoint.prev/ left by a crash between the
 * two renames of saveCheckpoint).
 * @returns null when the run has no checkpoint yet (killed during its first epoch).
 * @throws FileFormatError naming the file and what is wrong (bad JSON, missing field, size
 *   or sha256 mismatch).
 */
export function readCheckpoint(runDir: string): CheckpointState | null {
  const finalDir = path.join(runDir, CHECKPOINT_DIR);
  const dir = fs.existsSync(finalDir) ? finalDir : fs.existsSync(finalDir + PREVIOUS_SUFFIX) ? finalDir + PREVIOUS_SUFFIX : null;
  if (!dir) return null;
  const file = path.join(dir, CHECKPOINT_FILE);
  const info = readJsonFile(file, "checkpoint description is missing") as CheckpointInfo;
  const fail = fieldFailure(file);
  if (typeof info !== "object" || info === null) fail("(root)", "an object", info);
  if (![1, CHECKPOINT_FORMAT].includes(info.format)) fail("format", `1 or ${CHECKPOINT_FORMAT}`, info.format);
  const mid = info.midEpoch;
  // A mid-epoch checkpoint may fall in the first epoch; an epoch-end one follows at least one.
  const minEpoch = mid === undefined ? 1 : 0;
  if (!Number.isInteger(info.epoch) || info.epoch < minEpoch) fail("epoch", `an integer >= ${minEpoch}`, info.epoch);
  if (info.recordLength !== info.epoch) fail("recordLength", `${info.epoch} (= epoch)`, info.recordLength);
  if (typeof info.configSha256 !== "string") fail("configSha256", "a string", info.configSha256);
  if (typeof info.datasetChecksum !== "string") fail("datasetChecksum", "a string", info.datasetChecksum);
  if (!Array.isArray(info.weights)) fail("weights", "an array", info.weights);
  if (!Array.isArray(info.momentum)) fail("momentum", "an array", info.momentum);
  if (typeof info.files !== "object" || info.files === null) fail("files", "an object", info.files);
  let midEpoch: MidEpochState | null = null;
  if (mid !== undefined) {
    if (info.format !== CHECKPOINT_FORMAT) fail("format", `${CHECKPOINT_FORMAT} (the format of mid-epoch checkpoints)`, info.format);
    if (typeof mid !== "object" || mid === null) fail("midEpoch", "an object", mid);
    if (!Number.isInteger(mid.batchesDone) || mid.batchesDone < 1) fail("midEpoch.batchesDone", "an integer >= 1", mid.batchesDone);
    if (!Number.isInteger(mid.seen) || mid.seen < 0) fail("midEpoch.seen", "an integer >= 0", mid.seen);
    if (!Number.isInteger(mid.correctSum) || mid.correctSum < 0 || mid.correctSum > mid.seen) fail("midEpoch.correctSum", `an integer in [0, seen=${mid.seen}]`, mid.correctSum);
    if (typeof mid.lossSum !== "number" || !(mid.lossSum >= 0)) fail("midEpoch.lossSum", "a number >= 0", mid.lossSum);
    if (typeof mid.trainSeconds !== "number" || !(mid.trainSeconds >= 0)) fail("midEpoch.trainSeconds", "a number >= 0", mid.trainSeconds);
    if (!Array.isArray(mid.floats) || mid.floats.some((f) => !VALID_FLOAT_RECORDS.includes(f))) {
      fail("midEpoch.floats", `a list of ${VALID_FLOAT_RECORDS.map((f) => `"${f}"`).join(", ")}`, mid.floats);
    }
    if (mid.predicted !== undefined && mid.predicted !== 1 && mid.predicted !== 2) fail("midEpoch.predicted", "1 or 2 (bytes per predicted class)", mid.predicted);
    const { floats: names, predicted: width, ...sums } = mid;
    const correct = readCheckedFile(dir, EPOCH_CORRECT_FILE, info);
    const presented = readCheckedFile(dir, EPOCH_PRESENTED_FILE, info);
    if (presented.length !== correct.length) {
      throw new FileFormatError(path.join(dir, EPOCH_PRESENTED_FILE), `expected ${correct.length} bytes (as ${EPOCH_CORRECT_FILE}), found ${presented.length}`);
    }
    const floats: PartialEpochRecord["floats"] = {};
    for (const name of names) floats[name] = toFloat32(readCheckedFile(dir, epochFloatFile(name), info));
    const record: PartialEpochRecord = { correct: new Uint8Array(correct), presented: new Uint8Array(presented), floats };
    if (width) {
      const bytes = new Uint8Array(readCheckedFile(dir, epochPredictedFile(width), info));
      record.predicted = width === 1 ? bytes : new Uint16Array(bytes.buffer);
    }
    midEpoch = { ...sums, record };
  }
  return {
    info,
    dir,
    weights: readTensors(dir, WEIGHTS_FILE, info, info.weights),
    momentum: readTensors(dir, OPTIMIZER_FILE, info, info.momentum),
    midEpoch,
  };
}

/**
 * Loads checkpoint weights into `model` (same architecture: weights matched by position and
 * shape; tfjs layer names carry per-process counters, so names are not compared).
 * @throws FileFormatError if the count or a shape differs.
 */
export function loadCheckpointWeights(model: tf.LayersModel, state: CheckpointState): void {
  const file = path.join(state.dir, CHECKPOINT_FILE);
  const weights = model.weights;
  if (state.info.weights.length !== weights.length) {
    throw new FileFormatError(file, `expected ${weights.length} weights for this model, found ${state.info.weights.length}`);
  }
  weights.forEach((w, i) => {
    const saved = state.info.weights[i];
    if (JSON.stringify(saved.shape) !== JSON.stringify(w.shape)) {
      throw new FileFormatError(file, `weight ${i} ("${w.originalName}"): expected shape [${w.shape}], found "${saved.name}" [${saved.shape}]`);
    }
  });
  const tensors = weights.map((w, i) => tf.tensor(state.weights[i], w.shape as number[], "float32"));
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}
