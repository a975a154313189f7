/** Where the real test data lives (beside the project), and a skip reason when it is absent. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import sharp from "sharp";

export const SHARED_DATA = path.resolve(__dirname, "../..", "../shared/data");

/** undefined if `relative` exists under the shared data folder, else the reason to skip. */
export function missingShared(relative: string): string | undefined {
  const full = path.join(SHARED_DATA, relative);
  return fs.existsSync(full) ? undefined : `real data not present: ${full} (beside the checkout on the development machine and in CI)`;
}

const made: string[] = [];
process.on("exit", () => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}

/** Writes a width x height RGB PNG with every channel of every pixel equal to `value`, creating folders. */
export async function constantPng(file: string, value: number, width = 40, height = 30): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.alloc(width * height * 3, value), { raw: { width, height, channels: 3 } }).png().toFile(file);
}
