/** The report options of `forgetting notebooks` and `study`, validated at the edge. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { main } from "../../src/cli";

test("forgetting notebooks --code and study --report-code take shown, hidden or both, and name the option otherwise", async () => {
  const original = console.error;
  const errors: string[] = [];
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    assert.equal(await main(["notebooks", "--experiment", "outputs/none", "--code", "without"]), 2);
    assert.equal(await main(["study", "--report-code", "none", "--notebooks", "false"]), 2);
  } finally {
    console.error = original;
  }
  assert.equal(errors.length, 2);
  assert.match(errors[0], /^forgetting notebooks: .*--code.*expected one of shown, hidden, both, got "without"/);
  assert.match(errors[1], /^forgetting study: .*--report-code.*expected one of shown, hidden, both, got "none"/);
});
