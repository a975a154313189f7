import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NEVER_LEARNED_EPOCH, exampleStats, exampleStatsFromFile, firstLearnedEpochOf, statsAccumulator, statsToCsv, writeStatsCsv } from "../../src/runs/stats";
import { appendCorrectRow, packCorrectRow, readCorrectRecord, recordFromRows } from "../../src/runs/record";
import { recordFromSequences } from "../analysis/fakeRuns";
import { Random } from "../../src/core/random";
import { ValueError } from "../../src/core/errors";
import { csvField } from "../../src/core/csv";

/** Slow reference: the definitions applied literally to one example's sequence. */
function referenceStats(acc: number[]) {
  let forgetting = 0;
  let learning = 0;
  let first: number | null = null;
  for (let e = 0; e < acc.length; e++) {
    const prev = e === 0 ? 0 : acc[e - 1];
    if (prev === 1 && acc[e] === 0) forgetting++;
    if (prev === 0 && acc[e] === 1) learning++;
    if (acc[e] === 1 && first === null) first = e + 1;
  }
  return {
    forgetting,
    learning,
    first,
    neverLearned: first === null ? 1 : 0,
    unforgettable: first !== null && forgetting === 0 ? 1 : 0,
    learnedAtEnd: acc.length ? acc[acc.length - 1] : 0,
  };
}

test("exampleStats(record) on hand-worked sequences", () => {
  const sequences = [
    [0, 0, 0, 0, 0], // never learned
    [0, 0, 0, 0, 1], // learned in the last epoch
    [1, 0, 1, 0, 1], // forgotten twice, learned three times
    [1, 1, 1, 1, 1], // unforgettable from the start
    [0, 1, 1, 0, 0], // learned at epoch 2, forgotten once, wrong at the end
    [1, 0, 0, 0, 0], // learned at epoch 1 then forgotten for good
  ];
  const stats = exampleStats(recordFromSequences(sequences));
  assert.equal(stats.nExamples, 6);
  assert.equal(stats.nEpochs, 5);
  assert.deepEqual([...stats.firstLearnedEpoch], [-1, 5, 1, 1, 2, 1]);
  assert.deepEqual([...stats.forgettingEvents], [0, 0, 2, 0, 1, 1]);
  assert.deepEqual([...stats.learningEvents], [0, 1, 3, 1, 1, 1]);
  assert.deepEqual([...stats.neverLearned], [1, 0, 0, 0, 0, 0]);
  assert.deepEqual([...stats.unforgettable], [0, 1, 0, 1, 0, 0]);
  assert.deepEqual([...stats.learnedAtEnd], [0, 1, 1, 1, 0, 0]);
  assert.deepEqual([...stats.presentations], [5, 5, 5, 5, 5, 5]);
  assert.equal(firstLearnedEpochOf(stats, 0), null);
  assert.equal(firstLearnedEpochOf(stats, 1), 5);
  assert.equal(NEVER_LEARNED_EPOCH, -1);
});

test("exampleStats(record) counts up to nEpochs / 2 forgetting events (alternating 450 epochs)", () => {
  const alternating = Array.from({ length: 450 }, (_, e) => (e % 2 === 0 ? 1 : 0));
  const stats = exampleStats(recordFromSequences([alternating, alternating.map((b) => 1 - b)]));
  assert.deepEqual([...stats.forgettingEvents], [225, 224]);
  assert.deepEqual([...stats.learningEvents], [225, 225]);
  assert.deepEqual([...stats.firstLearnedEpoch], [1, 2]);
});

test("exampleStats(record) matches the slow reference on random records (sizes around word edges)", () => {
  const random = new Random(7, "exampleStats-test");
  for (const [nExamples, nEpochs] of [[1, 1], [7, 3], [31, 10], [32, 17], [33, 8], [95, 40], [200, 129], [1000, 33]]) {
    // Mix of regimes: mostly-correct, mostly-wrong and coin-flip examples.
    const sequences = Array.from({ length: nExamples }, (_, i) => {
      const p = [0.9, 0.1, 0.5, 0][i % 4];
      return Array.from({ length: nEpochs }, () => (random.next() < p ? 1 : 0));
    });
    const stats = exampleStats(recordFromSequences(sequences));
    sequences.forEach((seq, i) => {
      const ref = referenceStats(seq);
      const where = `example ${i} of ${nExamples}x${nEpochs}`;
      assert.equal(stats.forgettingEvents[i], ref.forgetting, where);
      assert.equal(stats.learningEvents[i], ref.learning, where);
      assert.equal(firstLearnedEpochOf(stats, i), ref.first, where);
      assert.equal(stats.neverLearned[i], ref.neverLearned, where);
      assert.equal(stats.unforgettable[i], ref.unforgettable, where);
      assert.equal(stats.learnedAtEnd[i], ref.learnedAtEnd, where);
      assert.equal(stats.presentations[i], nEpochs, where);
    });
  }
});

test("exampleStats(record) is invariant under permuting examples", () => {
  const random = new Random(11, "permutation-test");
  const nExamples = 77;
  const sequences = Array.from({ length: nExamples }, () => Array.from({ length: 12 }, () => (random.next() < 0.6 ? 1 : 0)));
  const permutation = random.permutation(nExamples);
  const base = exampleStats(recordFromSequences(sequences));
  const permuted = exampleStats(recordFromSequences(Array.from(permutation, (p) => sequences[p])));
  for (const field of ["forgettingEvents", "learningEvents", "firstLearnedEpoch", "neverLearned", "unforgettable", "learnedAtEnd"] as const) {
    assert.deepEqual([...permuted[field]], Array.from(permutation, (p) => base[field][p]), field);
  }
});

test("exampleStats(record, {presented}) leaves out examples not presented in a subset run", () => {
  // Example 1 is not presented; the record holds stray 1 bits for it that must be ignored.
  const record = recordFromSequences([
    [0, 0, 0],
    [1, 0, 1],
    [0, 1, 1],
    [0, 0, 0],
  ]);
  const stats = exampleStats(record, { presented: Uint8Array.from([1, 0, 1, 1]) });
  assert.deepEqual([...stats.presented], [1, 0, 1, 1]);
  assert.deepEqual([...stats.presentations], [3, 0, 3, 3]);
  assert.deepEqual([...stats.neverLearned], [1, 0, 0, 1]);
  assert.deepEqual([...stats.unforgettable], [0, 0, 1, 0]);
  assert.deepEqual([...stats.forgettingEvents], [0, 0, 0, 0]);
  assert.deepEqual([...stats.learningEvents], [0, 0, 1, 0]);
  assert.deepEqual([...stats.firstLearnedEpoch], [-1, -1, 2, -1]);
  assert.deepEqual([...stats.learnedAtEnd], [0, 0, 1, 0]);
});

test("exampleStats(record) with zero epochs: nothing learned, nothing counted", () => {
  const stats = exampleStats({ nExamples: 3, nEpochs: 0, rowBytes: 1, bits: new Uint8Array(0) });
  assert.deepEqual([...stats.neverLearned], [1, 1, 1]);
  assert.deepEqual([...stats.presentations], [0, 0, 0]);
});

test("exampleStats(record, {presented}) rejects a mask of the wrong length and a short record", () => {
  const record = recordFromRows([[1, 0, 1]]);
  assert.throws(() => exampleStats(record, { presented: new Uint8Array(2) }), {
    name: "ValueError",
    message: "exampleStats: expected options.presented of length 3, got 2",
  });
  assert.throws(() => exampleStats({ ...record, nEpochs: 2 }), (err: Error) => err instanceof ValueError && /at least 2 x 1 bytes, got 1/.test(err.message));
});

test("exampleStatsFromFile(runDir, nExamples, nEpochs) equals exampleStats of the record read whole", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stats-file-"));
  try {
    const random = new Random(13, "from-file");
    const nExamples = 101; // rows of 13 bytes: not 4-byte aligned in the file
    const rows = Array.from({ length: 37 }, () => Array.from({ length: nExamples }, () => (random.next() < 0.7 ? 1 : 0)));
    rows.forEach((row, e) => appendCorrectRow(dir, e, packCorrectRow(Uint8Array.from(row))));
    const presented = Uint8Array.from({ length: nExamples }, (_, i) => (i % 5 === 0 ? 0 : 1));
    for (const nEpochs of [37, 15, 16, 1]) {
      assert.deepEqual(exampleStatsFromFile(dir, nExamples, nEpochs, { presented }), exampleStats(readCorrectRecord(dir, nExamples, nEpochs), { presented }), `${nEpochs} epochs`);
    }
    assert.throws(() => exampleStatsFromFile(dir, nExamples, 38), {
      name: "FileFormatError",
      message: `${path.join(dir, "correct.bits")}: expected 38 rows of 13 bytes (494 bytes) for 101 examples, found 481 bytes`,
    });
    assert.throws(() => exampleStatsFromFile(path.join(dir, "nope"), 3, 1), /correct\.bits: correctness record is missing/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("statsAccumulator(nExamples, nEpochs) refuses too many rows and an early finish", () => {
  const accumulator = statsAccumulator(8, 20);
  assert.throws(() => accumulator.addChunk(16), { name: "ValueError", message: "statsAccumulator addChunk: expected 0..15 rows, got 16" });
  accumulator.addChunk(15);
  assert.throws(() => accumulator.finish(), { name: "ValueError", message: "statsAccumulator finish: expected 20 epochs added, got 15" });
});

const record = recordFromRows([
  [0, 1, 1],
  [0, 0, 1],
]);

test("statsToCsv(stats, {labels, exampleNames}) writes a header and one row per example", () => {
  const csv = statsToCsv(exampleStats(record), { labels: [2, 0, 1], exampleNames: ["a.png", "ant photos.jpg", 'odd,"name"'] });
  assert.equal(
    csv,
    [
      "example_id,label,name,presented,presentations,first_learned_epoch,forgetting_events,learning_events,never_learned,unforgettable,learned_at_end",
      "0,2,a.png,1,2,,0,0,1,0,0",
      "1,0,ant photos.jpg,1,2,1,1,1,0,0,0",
      '2,1,"odd,""name""",1,2,1,0,1,0,1,1',
      "",
    ].join("\n"),
  );
});

test("statsToCsv(stats) leaves label and name empty without options; rejects mismatched lengths", () => {
  const csv = statsToCsv(exampleStats(record));
  assert.equal(csv.split("\n")[1], "0,,,1,2,,0,0,1,0,0");
  assert.throws(() => statsToCsv(exampleStats(record), { labels: [1, 2] }), {
    name: "ValueError",
    message: "statsToCsv: expected equal lengths, got stats.nExamples=3, options.labels=2",
  });
});

test("csvField(value) quotes commas, quotes, newlines and edge spaces only", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField("a b"), "a b");
  assert.equal(csvField(" a"), '" a"');
  assert.equal(csvField("x\ny"), '"x\ny"');
  assert.equal(csvField(null), "");
  assert.equal(csvField(3), "3");
});

test("writeStatsCsv(runDir, stats) writes stats.csv atomically", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stats-csv-"));
  try {
    writeStatsCsv(dir, exampleStats(record));
    assert.equal(fs.readFileSync(path.join(dir, "stats.csv"), "utf8"), statsToCsv(exampleStats(record)));
    assert.deepEqual(fs.readdirSync(dir), ["stats.csv"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
