/**
 * Reading and appending the correctness record (correct.bits) and the optional float
 * records. The format is described in ./layout.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError } from "../core/errors";
import { appendAtOffset } from "../core/atomic";
import { CORRECT_FILE, FLOAT_RECORDS, correctRowBytes } from "./layout";
import { type FloatRecordName } from "../config/train";

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

/** Appends one float32 row ([nExamples]) of a float record at epoch index `epoch`. */
export function appendFloatRow(runDir: string, name: FloatRecordName, epoch: number, row: Float32Array): void {
  const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  appendAtOffset(path.join(runDir, FLOAT_RECORDS[name]), epoch * row.byteLength, bytes);
}

/**
 * Reads the first `nEpochs` rows of a float record as [nEpochs, nExamples] float32.
 * @throws FileFormatError if the file is missing or too short.
 */
export function readFloatRecord(runDir: string, name: FloatRecordName, nExamples: number, nEpochs: number): Float32Array {
  const file = path.join(runDir, FLOAT_RECORDS[name]);
  if (!fs.existsSync(file)) throw new FileFormatError(file, `float record "${name}" is missing`);
  const need = nEpochs * nExamples * 4;
  const size = fs.statSync(file).size;
  if (size < need) throw new FileFormatError(file, `expected ${need} bytes (${nEpochs} x ${nExamples} float32), found ${size}`);
  const out = new Float32Array(nEpochs * nExamples);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, new Uint8Array(out.buffer), 0, need, 0);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
