/**
 * Reading the run folder's JSON files (manifest, checkpoint description, experiment
 * definition, noise record) with errors that name the file and, for a bad value, the field.
 */
import * as fs from "node:fs";
import { FileFormatError } from "./errors";

/**
 * Parses `file` as JSON.
 * @param missing what the error says if the file does not exist, e.g. "manifest is missing".
 * @throws FileFormatError naming the file if it is missing, unreadable or not JSON.
 */
export function readJsonFile(file: string, missing: string): unknown {
  if (!fs.existsSync(file)) throw new FileFormatError(file, missing);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new FileFormatError(file, `expected JSON, got a parse error: ${(err as Error).message}`);
  }
}

/** The field check failure of one file: throws FileFormatError(file, `field "<field>": expected <expected>, got <got as JSON>`). */
export function fieldFailure(file: string): (field: string, expected: string, got: unknown) => never {
  return (field, expected, got) => {
    throw new FileFormatError(file, `field "${field}": expected ${expected}, got ${JSON.stringify(got)}`);
  };
}
