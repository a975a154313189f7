/**
 * Errors and the shared argument checks used at public boundaries.
 *
 * Messages follow one form: `<who>: expected <what>, got <value>`, so a researcher sees
 * which function, file, field or option complained and what it wanted.
 */

/** A value (argument, option, file content) is not what the caller promised. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** A file on disk is missing, truncated or does not hold the expected format. */
export class FileFormatError extends Error {
  override name = "FileFormatError";
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Shows a value the way an error message should: strings quoted, long arrays cut. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    const head = value.slice(0, 8).map(describeValue).join(", ");
    return `[${head}${value.length > 8 ? `, ... (${value.length} items)` : ""}]`;
  }
  if (value === undefined) return "undefined";
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    // JSON cannot show a BigInt or a cycle: the BigInt's digits, or the object's tag.
    return typeof value === "bigint" ? String(value) : Object.prototype.toString.call(value);
  }
}

/** Throws unless `value` is one of `valid`; the message lists every valid choice. */
export function checkOneOf<T extends string>(who: string, value: unknown, valid: readonly T[]): T {
  if (typeof value !== "string" || !(valid as readonly string[]).includes(value)) {
    throw new ValueError(`${who}: expected one of ${valid.map((v) => `"${v}"`).join(", ")}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** Throws unless `value` is a finite number greater than 0. */
export function checkPositive(who: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValueError(`${who}: expected a finite number > 0, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `value` is an integer greater than 0. */
export function checkPositiveInteger(who: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(`${who}: expected an integer > 0, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number (negative and zero allowed). */
export function checkFinite(who: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ValueError(`${who}: expected a finite number, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `value` is a number in [min, max]. */
export function checkInRange(who: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new ValueError(`${who}: expected a number in [${min}, ${max}], got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless all named lengths agree; the message lists every length. */
export function checkSameLength(who: string, lengths: Record<string, number>): number {
  const values = Object.values(lengths);
  if (values.some((n) => n !== values[0])) {
    const listed = Object.entries(lengths)
      .map(([name, n]) => `${name}=${n}`)
      .join(", ");
    throw new ValueError(`${who}: expected equal lengths, got ${listed}`);
  }
  return values[0] ?? 0;
}

/** What each common operating-system error code means, for a one-line report. */
const SYSTEM_ERROR_MEANINGS: Record<string, string> = {
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EEXIST: "it already exists",
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder, not a file",
  ENOTEMPTY: "the folder is not empty",
  EMFILE: "too many open files in this process",
  ENFILE: "too many open files on the system",
  ENAMETOOLONG: "the name is too long",
  EBUSY: "it is busy (in use)",
  EXDEV: "a rename across file systems",
  EIO: "an input/output error of the device",
  ELOOP: "too many symbolic links",
};

/**
 * One line for an error the operating system raised (a Node error with `code` and `syscall`):
 * `<path>: <meaning> (<CODE> from <syscall>)`, naming the second path of a rename or copy too.
 * @returns undefined for any other error (a bug: its stack trace is wanted).
 */
export function describeSystemError(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, syscall, path, dest } = err as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== "string" || typeof syscall !== "string") return undefined;
  const meaning = SYSTEM_ERROR_MEANINGS[code] ?? (err as Error).message;
  const where = path === undefined ? "" : dest === undefined ? `${path}: ` : `${path} -> ${dest}: `;
  return `${where}${meaning} (${code} from ${syscall})`;
}
