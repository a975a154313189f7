/**
 * Checkpoints for resume, written after every epoch:
 *
 *   <runDir>/checkpoint/checkpoint.json   CheckpointInfo: epoch, record length, tensor
 *                                         names/shapes/offsets, file sizes and sha256
 *   <runDir>/checkpoint/weights.bin       every model weight (trainable, then batch-norm
 *                                         moving statistics), float32 little-endian
 *   <runDir>/checkpoint/optimizer.bin     SGD momentum buffers, one per trainable weight
 *
 * There is no RNG state to save: shuffling and augmentation of epoch e are rebuilt from
 * (seed, e) (src/core/random.ts), and initialization is overwritten by the saved weights.
 *
 * A new checkpoint is written complete into a temporary folder, then swapped in by
 * renames (checkpoint -> checkpoint.prev, tmp -> checkpoint, remove prev), so a crash at any
 * moment leaves one complete checkpoint: `checkpoint/`, or `checkpoint.prev/` if the crash
 * fell between the two renames.
 */
import { sha256Hex } from "../core/checksum";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { FileFormatError } from "../core/errors";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import { fieldFailure, readJsonFile } from "../core/jsonFile";
import { CHECKPOINT_DIR } from "./layout";

export const CHECKPOINT_FILE = "checkpoint.json";
const WEIGHTS_FILE = "weights.bin";
const OPTIMIZER_FILE = "optimizer.bin";
const PREVIOUS_SUFFIX = ".prev";

/** One tensor inside a .bin file: float32 values [offset, offset + size). */
interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 values from the start of the file. */
  offset: number;
}

interface CheckpointInfo {
  format: 1;
  /** Completed epochs: training resumes at this 0-based epoch. */
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

/**
 * Writes the checkpoint of a finished epoch.
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
  const info: CheckpointInfo = {
    format: 1,
    epoch: state.epoch,
    recordLength: state.recordLength,
    configSha256: state.configSha256,
    datasetChecksum: state.datasetChecksum,
    weights: weights.entries,
    momentum: momentum.entries,
    files: {
      [WEIGHTS_FILE]: { bytes: weights.bytes.length, sha256: sha256Hex(weights.bytes) },
      [OPTIMIZER_FILE]: { bytes: momentum.bytes.length, sha256: sha256Hex(momentum.bytes) },
    },
    createdAt: new Date().toISOString(),
  };
  const finalDir = path.join(runDir, CHECKPOINT_DIR);
  const tmpDir = path.join(runDir, `.${CHECKPOINT_DIR}.${process.pid}.tmp`);
  const prevDir = finalDir + PREVIOUS_SUFFIX;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  writeFileAtomic(path.join(tmpDir, WEIGHTS_FILE), weights.bytes);
  writeFileAtomic(path.join(tmpDir, OPTIMIZER_FILE), momentum.bytes);
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

/** Reads one .bin file and cuts it into tensors per `entries`, checking size and sha256. */
function readTensors(dir: string, file: string, info: CheckpointInfo, entries: TensorEntry[]): Float32Array[] {
  const full = path.join(dir, file);
  const expected = info.files[file];
  if (!expected) throw new FileFormatError(path.join(dir, CHECKPOINT_FILE), `field "files": expected an entry for ${file}`);
  if (!fs.existsSync(full)) throw new FileFormatError(full, "checkpoint file is missing");
  const bytes = fs.readFileSync(full);
  if (bytes.length !== expected.bytes) {
    throw new FileFormatError(full, `expected ${expected.bytes} bytes (per ${CHECKPOINT_FILE}), found ${bytes.length}`);
  }
  if (sha256Hex(bytes) !== expected.sha256) throw new FileFormatError(full, `expected sha256 ${expected.sha256}, found ${sha256Hex(bytes)}: the file is corrupt`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
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
  if (info.format !== 1) fail("format", "1", info.format);
  if (!Number.isInteger(info.epoch) || info.epoch < 1) fail("epoch", "an integer >= 1", info.epoch);
  if (info.recordLength !== info.epoch) fail("recordLength", `${info.epoch} (= epoch)`, info.recordLength);
  if (typeof info.configSha256 !== "string") fail("configSha256", "a string", info.configSha256);
  if (typeof info.datasetChecksum !== "string") fail("datasetChecksum", "a string", info.datasetChecksum);
  if (!Array.isArray(info.weights)) fail("weights", "an array", info.weights);
  if (!Array.isArray(info.momentum)) fail("momentum", "an array", info.momentum);
  if (typeof info.files !== "object" || info.files === null) fail("files", "an object", info.files);
  return {
    info,
    dir,
    weights: readTensors(dir, WEIGHTS_FILE, info, info.weights),
    momentum: readTensors(dir, OPTIMIZER_FILE, info, info.momentum),
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
