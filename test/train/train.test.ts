import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readCorrectRecord, readFloatRecord } from "../../src/runs/record";
import { train } from "../../src/train/train";

test("train({removeIds, labelNoise, recordFloats}) leaves removed examples out of the record, stats and float records", async () => {
  const outputsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-train-"));
  const removeIds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 1000];
  const manifest = await train(
    { epochs: 2, batchSize: 64, seed: 9, removeIds, labelNoise: 0.1, recordFloats: ["prob"] },
    { outputsRoot, experiment: "subset", runId: "s", backend: "wasm", quiet: true },
  );
  const dir = path.join(outputsRoot, "subset", "s");
  const { nExamples } = manifest.dataset;
  assert.equal(manifest.dataset.subsetSize, nExamples - removeIds.length);
  assert.deepEqual(manifest.floatRecords, ["prob"]);
  const record = readCorrectRecord(dir, nExamples, 2);
  const prob = readFloatRecord(dir, "prob", nExamples, 2);
  const removed = new Set(removeIds);
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let id = 0; id < nExamples; id++) {
      const bit = (record.bits[epoch * record.rowBytes + (id >> 3)] >> (id & 7)) & 1;
      const p = prob[epoch * nExamples + id];
      if (removed.has(id)) {
        assert.equal(bit, 0, `removed example ${id} marked correct`);
        assert.ok(Number.isNaN(p), `removed example ${id} has prob ${p}`);
      } else {
        assert.ok(p >= 0 && p <= 1, `example ${id} prob ${p}`);
        // Correct means the true class has the largest probability; with 10 classes that is > 0.1.
        if (bit) assert.ok(p > 0.1, `example ${id} correct with true-class prob ${p}`);
      }
    }
  }
  const stats = fs.readFileSync(path.join(dir, "stats.csv"), "utf8").trim().split("\n");
  const header = stats[0].split(",");
  const presentedColumn = header.indexOf("presented");
  const presented = stats.slice(1).map((line) => Number(line.split(",")[presentedColumn]));
  assert.equal(presented.length, nExamples);
  presented.forEach((v, id) => assert.equal(v, removed.has(id) ? 0 : 1, `stats.csv presented for example ${id}`));
  assert.ok(fs.existsSync(path.join(dir, "noise.json")));
  fs.rmSync(outputsRoot, { recursive: true, force: true });
});
