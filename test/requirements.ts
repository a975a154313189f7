/**
 * Tests that need something a machine may lack (Jupyter, Chromium, PIL, pandas, the shared
 * data beside the project, the build) skip with the reason where it is absent. In strict mode
 * (FORGETTING_STRICT_TESTS=1, set by .ci/run) they fail with that reason instead, so a run
 * where the tools or data went missing cannot pass by skipping.
 */
import type { TestContext } from "node:test";

const STRICT_VARIABLE = "FORGETTING_STRICT_TESTS";

/** Any value but empty or "0" is strict: a misspelt "true" must not quietly turn strict mode off. */
const strict = (): boolean => !["", "0"].includes(process.env[STRICT_VARIABLE] ?? "");

/**
 * `missing` is why the test cannot run here (undefined or null when nothing is missing).
 * @returns true when the test was marked skipped and its body should return; false when it can run.
 * @throws Error with the reason in strict mode, failing the test.
 */
export function skipIfMissing(t: TestContext, missing: string | null | undefined): boolean {
  if (!missing) return false;
  if (strict()) throw new Error(`${missing} (${STRICT_VARIABLE} is set: a missing requirement fails instead of skipping)`);
  t.skip(missing);
  return true;
}
