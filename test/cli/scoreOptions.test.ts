/**
 * The options that choose scores and record storage are validated at the edge: one line
 * naming the option, the choices and what arrived, exit code 2, nothing written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cli } from "./inProcess";

test("removal --rank-by, study --removal-scores and train --float-storage reject unknown names in one line, exit 2", async () => {
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "score-options-"));
  try {
    const cases: [string[], RegExp][] = [
      [["removal", "r", "--from", "src", "--remove", "3", "--rank-by", "forgetting,bogus", "--outputs", outputs], /^forgetting removal: removal --rank-by: expected items from forgetting, first-learned, aum, confidence, variability, correctness, el2n, loss, got "bogus"$/],
      [["study", "--removal-scores", "aum,margin", "--outputs", outputs], /^forgetting study: study --removal-scores: expected items from forgetting, .*, got "margin"$/],
      [["train", "--float-storage", "f8", "--outputs", outputs], /^forgetting train: train --float-storage: expected one of float32, float16, q8, got "f8"$/],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await cli(args);
      assert.equal(code, 2, err);
      assert.match(err.trim(), message);
      assert.equal(err.trim().split("\n").length, 1, err);
    }
    assert.deepEqual(fs.readdirSync(outputs), []);
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});
