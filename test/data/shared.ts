/** Where the real test data lives (beside the project), and a skip reason when it is absent. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const SHARED_DATA = path.resolve(__dirname, "../..", "../shared/data");

/** undefined if `relative` exists under the shared data folder, else the reason to skip. */
export function missingShared(relative: string): string | undefined {
  const full = path.join(SHARED_DATA, relative);
  return fs.existsSync(full) ? undefined : `real data not present: ${full} (only on the development machine)`;
}

const made: string[] = [];
process.on("exit", () => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}
