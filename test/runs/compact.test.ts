/**
 * The compact float storages against independent references: float16 against numpy's
 * float16 cast (bit for bit), q8 against its documented error bound, and every storage read
 * back by readFloatRecord from a run folder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodeFloatRows, encodeFloatRow, fromFloat16Bits, toFloat16Bits } from "../../src/runs/compact";
import { appendFloatRow, appendPredictedRow, floatRecordStorage, predictedRow, readFloatRecord, readPredictedRecord } from "../../src/runs/record";
import { FLOAT_STORAGE, predictedFile } from "../../src/runs/layout";
import { Random } from "../../src/core/random";
import { skipIfMissing } from "../requirements";

function hasNumpy(): boolean {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import numpy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Values covering normals, subnormals, overflow, ties and signs. */
function sampleValues(): Float32Array {
  const random = new Random(7, "compact-test");
  const values: number[] = [0, -0, 1, -1, 0.5, 65504, 65519, 65520, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 1e-9, Infinity, -Infinity, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051];
  for (let i = 0; i < 2000; i++) values.push((random.next() - 0.5) * 10 ** (random.next() * 12 - 8));
  return Float32Array.from(values);
}

test("toFloat16Bits(value) equals numpy's float32 -> float16 cast bit for bit, and fromFloat16Bits inverts it", (t) => {
  if (skipIfMissing(t, hasNumpy() ? undefined : "numpy is not installed for /usr/bin/python3 (apt-get install python3-numpy)")) return;
  const values = sampleValues();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "f16-"));
  const file = path.join(dir, "values.f32");
  fs.writeFileSync(file, new Uint8Array(values.buffer));
  const script = "import sys, numpy as np; v = np.fromfile(sys.argv[1], dtype='<f4'); print(' '.join(str(int(b)) for b in v.astype(np.float16).view(np.uint16)))";
  const expected = execFileSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8" }).trim().split(" ").map(Number);
  const got = Array.from(values, toFloat16Bits);
  for (let i = 0; i < values.length; i++) assert.equal(got[i], expected[i], `value ${values[i]}: got 0x${got[i].toString(16)}, numpy 0x${expected[i].toString(16)}`);
  // numpy's float16 -> float64 of every half bit pattern (NaNs compared as NaN).
  const all = execFileSync("/usr/bin/python3", ["-c", "import numpy as np; print(' '.join(repr(float(x)) for x in np.arange(65536, dtype=np.uint16).view(np.float16)))"], { encoding: "utf8" }).trim().split(" ");
  for (let h = 0; h < 65536; h++) {
    const reference = all[h] === "nan" ? NaN : all[h] === "inf" ? Infinity : all[h] === "-inf" ? -Infinity : Number(all[h]);
    assert.ok(Object.is(fromFloat16Bits(h), reference) || (Number.isNaN(reference) && Number.isNaN(fromFloat16Bits(h))), `bits 0x${h.toString(16)}: ${fromFloat16Bits(h)} vs ${reference}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("encodeFloatRow(row, \"q8\") keeps NaN (not presented) and errs by at most (max - min) / 508 of the row's range", () => {
  const random = new Random(3, "q8-test");
  const row = Float32Array.from({ length: 1000 }, (_, i) => (i % 17 === 0 ? NaN : random.next() * 40 - 12));
  const bytes = encodeFloatRow(row, "q8");
  assert.equal(bytes.length, FLOAT_STORAGE.q8.rowBytes(row.length));
  const back = decodeFloatRows(bytes, "q8", row.length);
  const finite = Array.from(row).filter((v) => !Number.isNaN(v));
  const bound = (Math.max(...finite) - Math.min(...finite)) / 508;
  for (let i = 0; i < row.length; i++) {
    if (Number.isNaN(row[i])) assert.ok(Number.isNaN(back[i]), `example ${i} should stay NaN`);
    else assert.ok(Math.abs(back[i] - row[i]) <= bound * (1 + 1e-5), `example ${i}: ${row[i]} -> ${back[i]}, bound ${bound}`);
  }
  // A constant row is exact; a row without finite values decodes to NaN / the clamped value.
  assert.deepEqual(Array.from(decodeFloatRows(encodeFloatRow(Float32Array.from([2.5, 2.5, NaN]), "q8"), "q8", 3)), [2.5, 2.5, NaN]);
});

test("readFloatRecord(runDir, name, nExamples, nEpochs) reads float32, float16 and q8 records appended row by row", () => {
  const random = new Random(11, "storage-test");
  const rows = [0, 1, 2].map(() => Float32Array.from({ length: 37 }, (_, i) => (i === 5 ? NaN : random.next())));
  for (const storage of ["float32", "float16", "q8"] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `storage-${storage}-`));
    rows.forEach((row, epoch) => appendFloatRow(dir, "prob", epoch, row, storage));
    assert.equal(floatRecordStorage(dir, "prob"), storage);
    assert.equal(fs.statSync(path.join(dir, `prob.${FLOAT_STORAGE[storage].extension}`)).size, 3 * FLOAT_STORAGE[storage].rowBytes(37));
    const back = readFloatRecord(dir, "prob", 37, 2);
    const tolerance = storage === "float32" ? 0 : storage === "float16" ? 2 ** -11 : 1 / 508;
    for (let e = 0; e < 2; e++) {
      for (let i = 0; i < 37; i++) {
        const v = rows[e][i];
        const w = back[e * 37 + i];
        if (Number.isNaN(v)) assert.ok(Number.isNaN(w));
        else assert.ok(Math.abs(w - v) <= tolerance, `${storage} epoch ${e} example ${i}: ${v} -> ${w}`);
      }
    }
    assert.throws(() => readFloatRecord(dir, "prob", 37, 4), /expected .* bytes \(4 rows of 37 examples in /);
    assert.throws(() => readFloatRecord(dir, "loss", 37, 1), /float record "loss" is missing/);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("appendPredictedRow / readPredictedRecord use uint8 up to 256 classes and uint16 beyond", () => {
  for (const nClasses of [10, 256, 257, 1000]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "predicted-"));
    const rows = [0, 1].map((e) => {
      const row = predictedRow(nClasses, 5);
      for (let i = 0; i < 5; i++) row[i] = (i * 97 + e * 13) % nClasses;
      return row;
    });
    rows.forEach((row, e) => appendPredictedRow(dir, e, row, nClasses));
    const width = nClasses <= 256 ? 1 : 2;
    assert.equal(predictedFile(nClasses), `predicted.u${width * 8}`);
    assert.equal(fs.statSync(path.join(dir, predictedFile(nClasses))).size, 2 * 5 * width);
    const back = readPredictedRecord(dir, 5, nClasses, 2);
    assert.equal(back.BYTES_PER_ELEMENT, width);
    assert.deepEqual(Array.from(back), [...rows[0], ...rows[1]]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
