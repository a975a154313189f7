import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError } from "../../src/core/errors";
import type { LogRow } from "../../src/runs/layout";
import { describeScan, loadRunRecord, presentedMask, readLog, readLogColumns, readRunExamples, scanExperiment } from "../../src/runs/scan";
import { examplesCsv, writeLog } from "../../src/runs/store";
import { constantSequences, makeTempDir, writeFakeRun } from "../analysis/fakeRuns";

function withExperiment(fn: (dir: string) => void) {
  const dir = makeTempDir("scan-test-");
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const seq3 = (budget: number) => constantSequences([1, 0, 1], budget);

test("scanExperiment(dir) uses every completed compatible run, grouped by budget and seed", () =>
  withExperiment((dir) => {
    writeFakeRun(dir, { runId: "b2-s1", seed: 1, sequences: seq3(2) });
    writeFakeRun(dir, { runId: "b2-s0", seed: 0, sequences: seq3(2) });
    writeFakeRun(dir, { runId: "b3-s0", seed: 0, sequences: seq3(3) });
    writeFakeRun(dir, { runId: "b3-s1", seed: 1, sequences: seq3(3) });
    fs.mkdirSync(path.join(dir, "analysis")); // not a run: no manifest
    const scan = scanExperiment(dir);
    assert.deepEqual(
      scan.budgets.map((b) => [b.budget, b.seeds, b.runs.map((r) => r.runId)]),
      [
        [2, [0, 1], ["b2-s0", "b2-s1"]],
        [3, [0, 1], ["b3-s0", "b3-s1"]],
      ],
    );
    assert.equal(scan.used.length, 4);
    assert.deepEqual(scan.leftOut, []);
    assert.deepEqual(scan.dataset, { id: "toy/train", checksum: "c0ffee", nExamples: 3, nClasses: 2, classNames: ["zero", "one"] });
    assert.equal(scan.trackingMode, "presentation");
    const record = loadRunRecord(scan.budgets[1].runs[0]);
    assert.equal(record.nEpochs, 3);
    assert.deepEqual([...record.bits], [0b101, 0b101, 0b101]);
  }));

test("scanExperiment(dir) on an empty experiment: no dataset, nothing used, nothing left out", () =>
  withExperiment((dir) => {
    const scan = scanExperiment(dir);
    assert.equal(scan.dataset, null);
    assert.deepEqual(scan.used, []);
    assert.deepEqual(scan.budgets, []);
    assert.deepEqual(scan.leftOut, []);
    assert.match(describeScan(scan).join("\n"), /0 run\(s\) used, 0 left out\nno usable run/);
  }));

test("scanExperiment(dir) rejects a path that is not a folder", () => {
  assert.throws(() => scanExperiment("/nonexistent/experiment"), {
    name: "ValueError",
    message: 'scanExperiment: expected an experiment folder, got "/nonexistent/experiment" (not a folder)',
  });
});

test("scanExperiment(dir) leaves out missing and truncated records, unfinished runs and bad manifests, with reasons", () =>
  withExperiment((dir) => {
    writeFakeRun(dir, { runId: "good", seed: 0, sequences: seq3(4) });
    const missing = writeFakeRun(dir, { runId: "missing", seed: 1, sequences: seq3(4) });
    fs.rmSync(path.join(missing, "correct.bits"));
    writeFakeRun(dir, { runId: "truncated", seed: 2, sequences: seq3(4), rowsWritten: 3 });
    writeFakeRun(dir, { runId: "running", seed: 3, sequences: seq3(4), status: "running", epochsCompleted: 2, rowsWritten: 2 });
    const broken = writeFakeRun(dir, { runId: "broken", seed: 4, sequences: seq3(4) });
    fs.writeFileSync(path.join(broken, "manifest.json"), "{ not json");
    const scan = scanExperiment(dir);
    assert.deepEqual(scan.used.map((r) => r.runId), ["good"]);
    const reasons = Object.fromEntries(scan.leftOut.map((l) => [l.folder, [l.reason, l.detail]]));
    assert.equal(reasons.missing[0], "missing-record");
    assert.match(reasons.missing[1], /missing\/correct\.bits: correctness record is missing$/);
    assert.equal(reasons.truncated[0], "truncated-record");
    assert.match(reasons.truncated[1], /correct\.bits: expected 4 bytes \(4 epochs x 1 bytes\), found 3$/);
    assert.deepEqual(reasons.running, ["not-completed", 'manifest.json: expected status "completed" with 4 epochs, got status "running" with 2 epochs']);
    assert.equal(reasons.broken[0], "unreadable-manifest");
    assert.match(reasons.broken[1], /manifest\.json: expected JSON, got a parse error/);
    assert.match(describeScan(scan).join("\n"), /left out truncated: truncated-record: /);
  }));

test("scanExperiment(dir) never mixes datasets: the majority dataset wins, others are left out", () =>
  withExperiment((dir) => {
    writeFakeRun(dir, { runId: "a0", seed: 0, sequences: seq3(2) });
    writeFakeRun(dir, { runId: "a1", seed: 1, sequences: seq3(2) });
    writeFakeRun(dir, { runId: "other-checksum", seed: 2, sequences: seq3(2), checksum: "beef" });
    writeFakeRun(dir, { runId: "other-size", seed: 3, sequences: constantSequences([1, 0, 1, 1], 2) });
    writeFakeRun(dir, { runId: "eval-mode", seed: 4, sequences: seq3(2), trackingMode: "eval" });
    const scan = scanExperiment(dir);
    assert.deepEqual(scan.used.map((r) => r.runId), ["a0", "a1"]);
    const reasons = Object.fromEntries(scan.leftOut.map((l) => [l.folder, [l.reason, l.detail]]));
    assert.deepEqual(reasons["other-checksum"], [
      "dataset-mismatch",
      "manifest.json dataset: expected toy/train (checksum c0ffee, 3 examples), got toy/train (checksum beef, 3 examples)",
    ]);
    assert.deepEqual(reasons["other-size"], [
      "dataset-mismatch",
      "manifest.json dataset: expected toy/train (checksum c0ffee, 3 examples), got toy/train (checksum c0ffee, 4 examples)",
    ]);
    assert.deepEqual(reasons["eval-mode"], ["tracking-mode-mismatch", 'manifest.json config.trackingMode: expected "presentation", got "eval"']);
    // An explicit checksum overrides the majority.
    const forced = scanExperiment(dir, { datasetChecksum: "beef" });
    assert.deepEqual(forced.used.map((r) => r.runId), ["other-checksum"]);
  }));

test("scanExperiment(dir, {seeds}) leaves out a budget with fewer seeds than asked, and extra seeds", () =>
  withExperiment((dir) => {
    for (const seed of [0, 1, 2, 3]) writeFakeRun(dir, { runId: `b2-s${seed}`, seed, sequences: seq3(2) });
    for (const seed of [0, 1]) writeFakeRun(dir, { runId: `b5-s${seed}`, seed, sequences: seq3(5) });
    const scan = scanExperiment(dir, { seeds: 3 });
    assert.deepEqual(scan.budgets.map((b) => [b.budget, b.seeds]), [[2, [0, 1, 2]]]);
    const reasons = scan.leftOut.map((l) => [l.folder, l.reason, l.detail]);
    assert.deepEqual(reasons, [
      ["b2-s3", "seed-not-asked", "seed 3 is not among the 3 smallest seeds asked for budget 2"],
      ["b5-s0", "too-few-seeds", "budget 5 has 2 usable seed(s) (0, 1), expected 3"],
      ["b5-s1", "too-few-seeds", "budget 5 has 2 usable seed(s) (0, 1), expected 3"],
    ]);
    const listed = scanExperiment(dir, { seeds: [1, 4], budgets: [5] });
    assert.deepEqual(listed.budgets, []);
    assert.deepEqual(
      listed.leftOut.filter((l) => l.reason === "too-few-seeds").map((l) => l.detail),
      ["budget 5 has 1 usable seed(s) (1), expected 2 (missing seeds 4)"],
    );
    assert.equal(listed.leftOut.filter((l) => l.reason === "budget-not-asked").length, 4);
  }));

test("scanExperiment(dir) keeps the earliest run of a duplicated (budget, seed)", () =>
  withExperiment((dir) => {
    writeFakeRun(dir, { runId: "late", seed: 0, sequences: seq3(2), createdAt: "2026-02-01T00:00:00.000Z" });
    writeFakeRun(dir, { runId: "early", seed: 0, sequences: seq3(2), createdAt: "2026-01-01T00:00:00.000Z" });
    const scan = scanExperiment(dir);
    assert.deepEqual(scan.used.map((r) => r.runId), ["early"]);
    assert.deepEqual(scan.leftOut.map((l) => [l.folder, l.reason, l.detail]), [["late", "duplicate-seed", "budget 2 seed 0 already has run early (created earlier)"]]);
  }));

test("presentedMask(manifest) and readLogColumns(runDir)", () =>
  withExperiment((dir) => {
    const runDir = writeFakeRun(dir, { runId: "r", seed: 0, sequences: seq3(2), acc: [0.25, 0.75], config: { removeIds: [1] } });
    const scan = scanExperiment(dir);
    assert.deepEqual([...presentedMask(scan.used[0].manifest)!], [1, 0, 1]);
    const log = readLogColumns(runDir)!;
    assert.deepEqual(log.acc, [0.25, 0.75]);
    assert.deepEqual(log.epoch, [1, 2]);
    assert.equal(readLogColumns(dir), null);
  }));

test("writeLog(dir, rows) / readLog(dir) round-trip log.csv with empty cells for unmeasured values", () =>
  withExperiment((dir) => {
    assert.deepEqual(readLog(dir), []);
    const rows: LogRow[] = [
      { epoch: 1, acc: null, lr: 0.1, train_loss: 2.302585, train_acc: 0.125, train_time: 1.5, val_loss: null, val_time: null, images_per_s: 1000 },
      { epoch: 2, acc: 0.5, lr: 0.02, train_loss: 1.25, train_acc: 0.5, train_time: 1.25, val_loss: 1.5, val_time: 0.25, images_per_s: 1200 },
    ];
    writeLog(dir, rows);
    const text = fs.readFileSync(path.join(dir, "log.csv"), "utf8");
    assert.equal(text.split("\n")[0], "epoch,acc,lr,train_loss,train_acc,train_time,val_loss,val_time,images_per_s");
    assert.equal(text.split("\n")[1], "1,,0.1,2.302585,0.125,1.5,,,1000");
    assert.deepEqual(readLog(dir), rows);
    fs.writeFileSync(path.join(dir, "log.csv"), "epoch,loss\n1,2\n");
    assert.throws(() => readLog(dir), (e: Error) => e instanceof FileFormatError && /log\.csv: expected header "epoch,acc,lr/.test(e.message));
  }));

test("readLog(dir) names the file and line of a malformed log.csv line; readLogColumns(dir) reads the same lines leniently", () =>
  withExperiment((dir) => {
    const header = "epoch,acc,lr,train_loss,train_acc,train_time,val_loss,val_time,images_per_s";
    const file = path.join(dir, "log.csv");
    fs.writeFileSync(file, `${header}\n1,0.5,0.1,2,0.25,1,,,100\n2,0.75,0.1\n`);
    assert.throws(() => readLog(dir), (e: Error) => e instanceof FileFormatError && e.message === `${file}: line 3: expected 9 cells, got 3`);
    assert.deepEqual(readLogColumns(dir)!.acc, [0.5, 0.75]);
    assert.deepEqual(readLogColumns(dir)!.val_loss, [NaN, NaN]);
    fs.writeFileSync(file, `${header}\n\n1,high,0.1,2,0.25,1,,,100\n`);
    assert.throws(() => readLog(dir), (e: Error) => e instanceof FileFormatError && e.message === `${file}: line 3, column acc: expected a number, got "high"`);
    assert.deepEqual(readLogColumns(dir)!.acc, [NaN]);
    // A log written elsewhere, with other columns: analysis still reads acc.
    fs.writeFileSync(file, "epoch,acc,top5\r\n1,0.5,0.9\r\n");
    assert.deepEqual(readLogColumns(dir), { epoch: [1], acc: [0.5], top5: [0.9] });
    fs.writeFileSync(file, header + "\n");
    assert.deepEqual(readLog(dir), []);
    assert.deepEqual(readLogColumns(dir)!.acc, []);
  }));

test("readRunExamples(runDir, n) reads examples.csv as written (example_id) and as older runs wrote it (exampleId)", () =>
  withExperiment((dir) => {
    const file = path.join(dir, "examples.csv");
    assert.equal(readRunExamples(dir, 2), null);
    fs.writeFileSync(file, examplesCsv(Int32Array.from([1, 0]), ["a.png", "b, 2.png"]));
    assert.deepEqual(readRunExamples(dir, 2), { labels: Int32Array.from([1, 0]), names: ["a.png", "b, 2.png"] });
    fs.writeFileSync(file, 'exampleId,label,name\n1,0,"b, 2.png"\n0,1,a.png\n');
    assert.deepEqual(readRunExamples(dir, 2), { labels: Int32Array.from([1, 0]), names: ["a.png", "b, 2.png"] });
    fs.writeFileSync(file, "id,label\n0,1\n");
    assert.throws(() => readRunExamples(dir, 1), (e: Error) => e instanceof FileFormatError && e.message === `${file}: expected a header with one of example_id, exampleId and label, got "id,label"`);
  }));
