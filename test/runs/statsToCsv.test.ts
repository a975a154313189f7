import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exampleStats } from "../../src/runs/exampleStats";
import { statsToCsv } from "../../src/runs/statsToCsv";
import { writeStatsCsv } from "../../src/runs/writeStatsCsv";
import { csvField } from "../../src/core/csv";
import { recordFromRows } from "../../src/runs/record";

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
