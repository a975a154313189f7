/** Where the project's own files live, and the rule for names that become folders. */
import * as path from "node:path";
import { ValueError } from "./errors";
import * as fs from "node:fs";
import * as os from "node:os";

/** The project root (the folder holding package.json), from this file's place in src/ or dist/. */
export function projectRoot(): string {
  return path.resolve(__dirname, "..", "..");
}

/** Run ids and experiment names become folder names: letters, digits, ".", "_" and "-" only. */
export function checkFolderName(who: string, name: string): string {
  if (typeof name !== "string" || !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new ValueError(`${who}: expected 1-64 characters from A-Z a-z 0-9 . _ - (not starting with "."), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** A fresh temporary outputs folder for throw-away runs (notebook 02's demo). */
export function scratchOutputsRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-demo-"));
}
