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

/**
 * Creates folder `dir` and its missing parents, one level at a time. Node's recursive mkdir
 * reports a read-only file system as ENOENT and never returns under /proc; creating each
 * missing level itself throws the real error (EROFS, EACCES, ENOTDIR, ...) for that level.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let level = path.resolve(dir); !fs.existsSync(level); level = path.dirname(level)) {
    missing.push(level);
    if (path.dirname(level) === level) break;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (err) {
      // Another process may create the same folder at the same moment.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || !fs.statSync(level).isDirectory()) throw err;
    }
  }
}

/**
 * Writes all of `data` at `position`: writeSync may write only part (a disk filling up), and
 * the next call then throws ENOSPC instead of leaving a short file.
 */
function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}

/** Runs `write` on an open file; an error of a write through the descriptor (ENOSPC, EIO) gets the file's path. */
function namingFile(file: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    (err as NodeJS.ErrnoException).path ??= file;
    throw err;
  }
}

/** Writes `data` to `file` atomically, creating parent folders. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  makeDirectory(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    namingFile(file, () => {
      writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data, 0);
      fs.fsyncSync(fd);
    });
  } catch (err) {
    // A full disk: leave no half-written temporary file behind.
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
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
  makeDirectory(path.dirname(file));
  const fd = fs.openSync(file, fs.existsSync(file) ? "r+" : "w+");
  try {
    const size = fs.fstatSync(fd).size;
    if (size < expectedSize) {
      throw new Error(`${file}: expected at least ${expectedSize} bytes before appending, found ${size}`);
    }
    if (size > expectedSize) fs.ftruncateSync(fd, expectedSize);
    namingFile(file, () => {
      writeAll(fd, data, expectedSize);
      fs.fsyncSync(fd);
    });
  } finally {
    fs.closeSync(fd);
  }
}
