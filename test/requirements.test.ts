import { type TestContext, test } from "node:test";
import * as assert from "node:assert/strict";
import { skipIfMissing } from "./requirements";

/** Runs `body` with FORGETTING_STRICT_TESTS set to `value` (unset for undefined), then restores it: CI runs this file in strict mode. */
function withStrictVariable(value: string | undefined, body: () => void): void {
  const saved = process.env.FORGETTING_STRICT_TESTS;
  if (value === undefined) delete process.env.FORGETTING_STRICT_TESTS;
  else process.env.FORGETTING_STRICT_TESTS = value;
  try {
    body();
  } finally {
    if (saved === undefined) delete process.env.FORGETTING_STRICT_TESTS;
    else process.env.FORGETTING_STRICT_TESTS = saved;
  }
}

test("skipIfMissing(t, reason) skips with the reason; in strict mode (FORGETTING_STRICT_TESTS set, not 0) it fails with it", () => {
  const skipped: string[] = [];
  const t = { skip: (reason: string) => skipped.push(reason) } as unknown as TestContext;
  for (const value of [undefined, "", "0"]) {
    withStrictVariable(value, () => {
      assert.equal(skipIfMissing(t, "pandas is not installed"), true);
      assert.equal(skipIfMissing(t, undefined), false);
      assert.equal(skipIfMissing(t, null), false);
    });
  }
  assert.deepEqual(skipped, ["pandas is not installed", "pandas is not installed", "pandas is not installed"]);
  for (const value of ["1", "true"]) {
    withStrictVariable(value, () => {
      assert.throws(() => skipIfMissing(t, "pandas is not installed"), { message: "pandas is not installed (FORGETTING_STRICT_TESTS is set: a missing requirement fails instead of skipping)" });
      assert.equal(skipIfMissing(t, undefined), false);
    });
  }
  assert.equal(skipped.length, 3, "strict mode never skips");
});
