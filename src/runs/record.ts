/**
 * Reading and appending the correctness record (correct.bits) and the optional float
 * records. The format is described in ./layout.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError } from "../core/errors";
import { appendAtOffset } from "../core/atomic";
import { CORRECT_FILE, FLOAT_STORAGE, correctRowBytes, floatRecordFile, predictedBytes, predictedFile } from "./layout";
import { type FloatRecordName, type FloatStorage, VALID_FLOAT_STORAGES } from "../config/train";
import { decodeFloatRows, encodeFloatRow } from "./compact";

/** A correctness record in memory: `nEpochs` rows of `rowBytes` bit-packed bytes. */
export interface CorrectRecord {
  nExamples: number;
  nEpochs: number;
  rowBytes: number;
  /** [nEpochs, rowBytes] bit-packed; see CORRECT_FILE in ./layout.ts. */
  bits: Uint8Array;
}

/** Packs [nExamples] booleans (0/1 bytes) into one record row. */
export function packCorrectRow(correct: Uint8Array): Uint8Array {
  const row = new Uint8Array(correctRowBytes(correct.length));
  for (let i = 0; i < correct.length; i++) if (correct[i]) row[i >> 3] |= 1 << (i & 7);
  return row;
}

/** Unpacks a row of packCorrectRow into [nExamples] 0/1 bytes. */
export function unpackCorrectRow(row: Uint8Array, nExamples: number): Uint8Array {
  const out = new Uint8Array(nExamples);
  for (let i = 0; i < nExamples; i++) out[i] = (row[i >> 3] >> (i & 7)) & 1;
  return out;
}

/** 1 if `exampleId` was correct in `epoch` (0-based) of `record`, else 0. */
export function correctAt(record: CorrectRecord, epoch: number, exampleId: number): 0 | 1 {
  return ((record.bits[epoch * record.rowBytes + (exampleId >> 3)] >> (exampleId & 7)) & 1) as 0 | 1;
}

/**
 * Builds a record from rows of 0/1 values, [nEpochs][nExamples]. Handy for tests and for
 * hand-made examples in notebooks.
 */
export function recordFromRows(rows: ArrayLike<number>[], nExamples = rows[0]?.length ?? 0): CorrectRecord {
  const rowBytes = correctRowBytes(nExamples);
  const bits = new Uint8Array(rows.length * rowBytes);
  rows.forEach((row, epoch) => bits.set(packCorrectRow(Uint8Array.from(row)), epoch * rowBytes));
  return { nExamples, nEpochs: rows.length, rowBytes, bits };
}

/**
 * Reads the first `nEpochs` rows of `<runDir>/correct.bits`.
 * @throws FileFormatError if the file is missing or shorter than `nEpochs` whole rows.
 */
export function readCorrectRecord(runDir: string, nExamples: number, nEpochs: number): CorrectRecord {
  const file = path.join(runDir, CORRECT_FILE);
  const rowBytes = correctRowBytes(nExamples);
  if (!fs.existsSync(file)) throw new FileFormatError(file, "correctness record is missing");
  const size = fs.statSync(file).size;
  if (size < nEpochs * rowBytes) {
    throw new FileFormatError(
      file,
      `expected ${nEpochs} rows of ${rowBytes} bytes (${nEpochs * rowBytes} bytes) for ${nExamples} examples, found ${size} bytes`,
    );
  }
  const bits = new Uint8Array(nEpochs * rowBytes);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, bits, 0, bits.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  return { nExamples, nEpochs, rowBytes, bits };
}

/** Appends one row (epoch index `epoch`, 0-based) to correct.bits, replacing any partial tail. */
export function appendCorrectRow(runDir: string, epoch: number, row: Uint8Array): void {
  appendAtOffset(path.join(runDir, CORRECT_FILE), epoch * row.length, row);
}

/** Appends one row ([nExamples] float32) of a float record at epoch index `epoch`, in `storage` (see FLOAT_STORAGE). */
export function appendFloatRow(runDir: string, name: FloatRecordName, epoch: number, row: Float32Array, storage: FloatStorage = "float32"): void {
  const bytes = encodeFloatRow(row, storage);
  appendAtOffset(path.join(runDir, floatRecordFile(name, storage)), epoch * bytes.length, bytes);
}

/** The storage of float record `name` in a run folder: the one whose file exists; null if none does. */
export function floatRecordStorage(runDir: string, name: FloatRecordName): FloatStorage | null {
  return VALID_FLOAT_STORAGES.find((storage) => fs.existsSync(path.join(runDir, floatRecordFile(name, storage)))) ?? null;
}

/** The first `bytes` bytes of `file`. */
function readHead(file: string, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, out, 0, bytes, 0);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/**
 * Reads the first `nEpochs` rows of a float record as [nEpochs, nExamples] float32, in
 * whichever storage the run wrote it (`<name>.f32`, `.f16` or `.q8`; see FLOAT_STORAGE).
 * @throws FileFormatError if the file is missing or too short.
 */
export function readFloatRecord(runDir: string, name: FloatRecordName, nExamples: number, nEpochs: number): Float32Array {
  const storage = floatRecordStorage(runDir, name);
  if (!storage) throw new FileFormatError(path.join(runDir, floatRecordFile(name)), `float record "${name}" is missing (no .f32, .f16 or .q8 file)`);
  const file = path.join(runDir, floatRecordFile(name, storage));
  const need = nEpochs * FLOAT_STORAGE[storage].rowBytes(nExamples);
  const size = fs.statSync(file).size;
  if (size < need) throw new FileFormatError(file, `expected ${need} bytes (${nEpochs} rows of ${nExamples} examples in ${storage}), found ${size}`);
  return decodeFloatRows(readHead(file, need), storage, nExamples);
}

/** Appends one predicted-class row ([nExamples] class indices) at epoch index `epoch` (see predictedFile). */
export function appendPredictedRow(runDir: string, epoch: number, row: Uint8Array | Uint16Array, nClasses: number): void {
  const width = predictedBytes(nClasses);
  if (row.BYTES_PER_ELEMENT !== width) throw new FileFormatError(path.join(runDir, predictedFile(nClasses)), `expected a row of ${width}-byte values for ${nClasses} classes, got ${row.BYTES_PER_ELEMENT}-byte values`);
  const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  appendAtOffset(path.join(runDir, predictedFile(nClasses)), epoch * bytes.length, bytes);
}

/** A row of the predicted-class type of `nClasses` classes: Uint8Array up to 256 classes, else Uint16Array. */
export function predictedRow(nClasses: number, nExamples: number): Uint8Array | Uint16Array {
  return predictedBytes(nClasses) === 1 ? new Uint8Array(nExamples) : new Uint16Array(nExamples);
}

/**
 * Reads the first `nEpochs` rows of the predicted-class record.
 * @returns [nEpochs, nExamples] class indices (Uint8Array up to 256 classes, else Uint16Array).
 * @throws FileFormatError if the file is missing or too short.
 */
export function readPredictedRecord(runDir: string, nExamples: number, nClasses: number, nEpochs: number): Uint8Array | Uint16Array {
  const file = path.join(runDir, predictedFile(nClasses));
  if (!fs.existsSync(file)) throw new FileFormatError(file, "predicted-class record is missing");
  const width = predictedBytes(nClasses);
  const need = nEpochs * nExamples * width;
  const size = fs.statSync(file).size;
  if (size < need) throw new FileFormatError(file, `expected ${need} bytes (${nEpochs} x ${nExamples} uint${width * 8}), found ${size}`);
  const bytes = readHead(file, need);
  return width === 1 ? bytes : new Uint16Array(bytes.buffer);
}
