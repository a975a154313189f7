/**
 * Crash-safe file writes. A reader never sees half a file: content goes to a temporary
 * file in the same folder, is fsynced, then renamed over the target (rename is atomic on
 * POSIX file systems), and the folder is fsynced so the rename itself survives a crash.
 */
import * as fs from "node:fs";
import * as path from "node:path";

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `data` to `file` atomically, creating parent folders. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/** Writes `value` as pretty JSON, atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Appends `data` to `file` at byte offset `expectedSize`, first cutting off anything past
 * that offset (a row half-written by a crash), then fsyncs. Append-only records use this so
 * that a resumed run continues exactly after the last complete row.
 */
export function appendAtOffset(file: string, expectedSize: number, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, fs.existsSync(file) ? "r+" : "w+");
  try {
    const size = fs.fstatSync(fd).size;
    if (size < expectedSize) {
      throw new Error(`${file}: expected at least ${expectedSize} bytes before appending, found ${size}`);
    }
    if (size > expectedSize) fs.ftruncateSync(fd, expectedSize);
    fs.writeSync(fd, data, 0, data.length, expectedSize);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
