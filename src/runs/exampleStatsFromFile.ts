/**
 * exampleStats read straight from a run's correct.bits, 15 epochs at a time, without
 * holding the whole record in memory (72 MB per run at ImageNet scale x 450 epochs).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError } from "../core/errors";
import { CORRECT_FILE, correctRowBytes } from "./layout";
import { type ExampleStats, type ExampleStatsOptions, STATS_CHUNK_EPOCHS, statsAccumulator } from "./exampleStats";

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
