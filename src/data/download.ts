/**
 * Verified dataset downloads into data/<name>/. Every file's size and md5 are recorded here and
 * checked BEFORE the file takes its final name:
 *   <file>.part (download, resumed with an HTTP Range request when the server allows it,
 *   restarted from zero when it does not) -> size + md5 check -> atomic rename to <file>.
 * A file that fails the check is deleted; an interrupted download leaves only its .part, which
 * the next fetch resumes. Archives are unpacked into a temporary folder and renamed into place.
 * Only node's http/https are used.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { makeDirectory } from "../core/atomic";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { FileFormatError, ValueError, checkOneOf } from "../core/errors";

/** One file as published, with its recorded size and md5. */
interface RemoteFile {
  name: string;
  bytes: number;
  md5: string;
}

/** How to obtain one dataset. */
export interface DatasetDownload {
  /** Base URLs tried in order; a file's URL is base + name. */
  urls: string[];
  files: RemoteFile[];
  /** For archives: the folder the archive unpacks to and the files it must hold (name -> bytes). */
  unpack?: { folder: string; files: Record<string, number> };
  /** Where the values come from (shown by `data info`). */
  source: string;
}

export const VALID_DOWNLOADS = ["mnist", "fashion-mnist", "cifar10", "cifar100"] as const;
export type DownloadName = (typeof VALID_DOWNLOADS)[number];

/**
 * Recorded sizes and md5s. MNIST: checked against the official files (byte-identical copies in
 * the project's test data). Fashion-MNIST: the md5s published in its repository's README and the
 * sizes reported by public loaders. CIFAR: the md5s on the CIFAR page, sizes from the archives.
 */
export const DOWNLOADS: Record<DownloadName, DatasetDownload> = {
  mnist: {
    urls: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
    files: [
      { name: "train-images-idx3-ubyte.gz", bytes: 9912422, md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873" },
      { name: "train-labels-idx1-ubyte.gz", bytes: 28881, md5: "d53e105ee54ea40749a09fcbcd1e9432" },
      { name: "t10k-images-idx3-ubyte.gz", bytes: 1648877, md5: "9fb629c4189551a2d022fa330f9573f3" },
      { name: "t10k-labels-idx1-ubyte.gz", bytes: 4542, md5: "ec29112dd5afa0611ce80d1b7f02629c" },
    ],
    source: "LeCun, Cortes, Burges: THE MNIST DATABASE of handwritten digits (yann.lecun.com/exdb/mnist)",
  },
  "fashion-mnist": {
    urls: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    files: [
      { name: "train-images-idx3-ubyte.gz", bytes: 26421880, md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d" },
      { name: "train-labels-idx1-ubyte.gz", bytes: 29515, md5: "25c81989df183df01b3e8a0aad5dffbe" },
      { name: "t10k-images-idx3-ubyte.gz", bytes: 4422102, md5: "bef4ecab320f06d8554ea6380940ec79" },
      { name: "t10k-labels-idx1-ubyte.gz", bytes: 5148, md5: "bb300cfdad3c16e7a12a480ee83cd310" },
    ],
    source: "Xiao, Rasul, Vollgraf 2017, github.com/zalandoresearch/fashion-mnist (MIT)",
  },
  cifar10: {
    urls: ["https://www.cs.toronto.edu/~kriz/"],
    files: [{ name: "cifar-10-binary.tar.gz", bytes: 170052171, md5: "c32a1d4ab5d03f1284b67883e8d87530" }],
    unpack: {
      folder: "cifar-10-batches-bin",
      files: {
        "data_batch_1.bin": 30730000,
        "data_batch_2.bin": 30730000,
        "data_batch_3.bin": 30730000,
        "data_batch_4.bin": 30730000,
        "data_batch_5.bin": 30730000,
        "test_batch.bin": 30730000,
      },
    },
    source: "Krizhevsky 2009, www.cs.toronto.edu/~kriz/cifar.html (binary version)",
  },
  cifar100: {
    urls: ["https://www.cs.toronto.edu/~kriz/"],
    files: [{ name: "cifar-100-binary.tar.gz", bytes: 168513733, md5: "03b5dce01913d631647c71ecec9e9cb8" }],
    unpack: { folder: "cifar-100-binary", files: { "train.bin": 153700000, "test.bin": 30740000 } },
    source: "Krizhevsky 2009, www.cs.toronto.edu/~kriz/cifar.html (binary version)",
  },
};

export interface FetchOptions {
  /** Folder holding <name>/ (default: the project's data/). */
  dataRoot: string;
  /** A base URL used instead of the official ones (file names are appended). */
  mirror?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Give up on a connection that sends nothing for this long, in ms; default 30,000. */
  idleTimeoutMs?: number;
}

export interface FetchedFile {
  name: string;
  path: string;
  status: "present" | "downloaded";
}

/** md5 (hex) of a file, streamed. */
export async function md5File(file: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Whether `file` exists with the recorded size and md5. */
async function isVerified(file: string, remote: RemoteFile): Promise<boolean> {
  return fs.existsSync(file) && fs.statSync(file).size === remote.bytes && (await md5File(file)) === remote.md5;
}

/** Whether an archive's unpacked folder holds every expected file at its size. */
function isUnpacked(dir: string, unpack: NonNullable<DatasetDownload["unpack"]>): boolean {
  return Object.entries(unpack.files).every(([name, bytes]) => {
    const file = path.join(dir, unpack.folder, name);
    return fs.existsSync(file) && fs.statSync(file).size === bytes;
  });
}

/** A failed request (network error, HTTP error status): the next URL is tried. */
class RequestError extends Error {}

/** No URL gave the file; `reason` says why for each (the message without the file name). */
class UnreachableError extends FileFormatError {
  readonly reason: string;
  constructor(file: string, failures: string[]) {
    const reason = `could not download it from any source (no network?):\n  ${failures.join("\n  ")}`;
    super(file, reason);
    this.reason = reason;
  }
}

/**
 * GETs `url` into `part`, appending from its current size with a Range request; a server that
 * answers 200 instead of 206 restarts the file from zero. Follows up to 5 redirects.
 */
function downloadTo(url: string, part: string, expectedBytes: number, options: FetchOptions, redirects = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
    const headers: Record<string, string> = have > 0 && have < expectedBytes ? { Range: `bytes=${have}-` } : {};
    if (have >= expectedBytes) fs.truncateSync(part, 0);
    const client = url.startsWith("https:") ? https : http;
    const request = client.get(url, { headers }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= 5) return reject(new RequestError(`${url}: expected at most 5 redirects, got more`));
        const next = new URL(response.headers.location, url).toString();
        void downloadTo(next, part, expectedBytes, options, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200 && status !== 206) {
        response.resume();
        return reject(new RequestError(`${url}: expected HTTP 200 or 206, got ${status}`));
      }
      const resuming = status === 206 && headers.Range !== undefined;
      if (headers.Range && !resuming) options.log?.(`  server ignored the range request; restarting ${path.basename(part)} from zero`);
      const out = fs.createWriteStream(part, { flags: resuming ? "a" : "w" });
      let received = resuming ? have : 0;
      let lastReport = Date.now();
      const started = Date.now();
      const startBytes = received;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        const now = Date.now();
        if (now - lastReport > 1000) {
          lastReport = now;
          const rate = (received - startBytes) / ((now - started) / 1000);
          const eta = rate > 0 ? Math.round((expectedBytes - received) / rate) : NaN;
          options.log?.(`  ${path.basename(part, ".part")}: ${(received / 1e6).toFixed(1)}/${(expectedBytes / 1e6).toFixed(1)} MB, ${(rate / 1e6).toFixed(2)} MB/s, ETA ${eta} s`);
        }
      });
      // On a lost connection the bytes already received are flushed to the .part before failing.
      let failure: Error | undefined;
      response.on("error", (err) => {
        failure = new RequestError(`${url}: connection lost after ${received} bytes (${err.message}); the .part file is kept and the next fetch resumes it`);
        response.unpipe(out);
        out.end();
      });
      out.on("error", (err) => (failure ??= err));
      out.on("close", () => (failure ? reject(failure) : resolve()));
      response.pipe(out);
    });
    request.setTimeout(options.idleTimeoutMs ?? 30000, () => request.destroy(Object.assign(new Error("no data within the idle timeout"), { code: "ETIMEDOUT" })));
    request.on("error", (err: NodeJS.ErrnoException) => {
      reject(new RequestError(`${url}: ${err.code ?? ""} ${err.message}`.replace("  ", " ")));
    });
  });
}

/** What to place by hand when no source can be reached. */
function manualInstructions(name: DownloadName, dataRoot: string): string {
  const spec = DOWNLOADS[name];
  const dir = path.join(dataRoot, name);
  const lines = [`Put these files into ${dir}/ by hand (from ${spec.urls.join(" or ")}), then run \`forgetting data fetch ${name}\` again to verify${spec.unpack ? " and unpack" : ""}:`];
  for (const f of spec.files) lines.push(`  ${f.name}  (${f.bytes} bytes, md5 ${f.md5})`);
  if (spec.unpack) lines.push(`  or its unpacked folder ${path.join(dir, spec.unpack.folder)}/ holding ${Object.keys(spec.unpack.files).join(", ")}`);
  return lines.join("\n");
}

/**
 * Downloads and verifies one file into `dir`; a verified file already there is kept.
 * @throws FileFormatError when the download does not match the recorded size or md5 (nothing is left behind).
 */
async function fetchFile(remote: RemoteFile, dir: string, urls: string[], options: FetchOptions): Promise<FetchedFile> {
  const target = path.join(dir, remote.name);
  if (await isVerified(target, remote)) return { name: remote.name, path: target, status: "present" };
  makeDirectory(dir);
  const part = `${target}.part`;
  const failures: string[] = [];
  for (const base of urls) {
    const url = new URL(remote.name, base.endsWith("/") ? base : `${base}/`).toString();
    options.log?.(`fetching ${url}${fs.existsSync(part) ? ` (resuming at ${fs.statSync(part).size} bytes)` : ""}`);
    try {
      await downloadTo(url, part, remote.bytes, options);
    } catch (err) {
      if (err instanceof RequestError) {
        failures.push(err.message);
        continue;
      }
      throw err;
    }
    const size = fs.statSync(part).size;
    const md5 = size === remote.bytes ? await md5File(part) : "(not computed)";
    if (size !== remote.bytes || md5 !== remote.md5) {
      fs.rmSync(part, { force: true });
      throw new FileFormatError(url, `expected ${remote.bytes} bytes with md5 ${remote.md5}, got ${size} bytes with md5 ${md5}; the download was deleted and nothing was written to ${dir}`);
    }
    fs.renameSync(part, target);
    return { name: remote.name, path: target, status: "downloaded" };
  }
  throw new UnreachableError(target, failures);
}

/** Splits a ustar/GNU tar archive into its regular files (paths checked to stay inside). */
export function readTar(archive: string, bytes: Uint8Array): Array<{ name: string; data: Uint8Array }> {
  const files: Array<{ name: string; data: Uint8Array }> = [];
  const text = (from: number, length: number) => Buffer.from(bytes.subarray(from, from + length)).toString("utf8").replace(/\0.*$/s, "");
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= bytes.length) {
    if (bytes.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(bytes[offset + 156] || 0x30);
    const prefix = text(offset + 257, 6).startsWith("ustar") ? text(offset + 345, 155) : "";
    let name = longName ?? (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100));
    longName = undefined;
    const dataStart = offset + 512;
    if (!Number.isFinite(size) || dataStart + size > bytes.length) throw new FileFormatError(archive, `expected a complete tar entry for ${JSON.stringify(name)}, got a truncated archive`);
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === "L") longName = Buffer.from(data).toString("utf8").replace(/\0.*$/s, "");
    else if (type === "0") {
      name = path.posix.normalize(name);
      if (name.startsWith("/") || name.startsWith("../")) throw new FileFormatError(archive, `expected entries inside the archive folder, got ${JSON.stringify(name)}`);
      files.push({ name, data });
    }
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Unpacks a verified .tar.gz into `dir` through a temporary folder, then renames its top folder into place. */
function unpackArchive(archive: string, dir: string, unpack: NonNullable<DatasetDownload["unpack"]>, options: FetchOptions): void {
  options.log?.(`unpacking ${path.basename(archive)}`);
  const entries = readTar(archive, zlib.gunzipSync(fs.readFileSync(archive)));
  const staging = path.join(dir, `.unpack-${process.pid}-${Date.now()}`);
  try {
    for (const entry of entries) {
      const file = path.join(staging, entry.name);
      makeDirectory(path.dirname(file));
      fs.writeFileSync(file, entry.data);
    }
    if (!isUnpacked(staging, unpack)) throw new FileFormatError(archive, `expected ${unpack.folder}/ with ${Object.keys(unpack.files).join(", ")} at their sizes, got entries ${entries.map((e) => e.name).join(", ")}`);
    const final = path.join(dir, unpack.folder);
    const old = `${final}.old-${process.pid}`;
    if (fs.existsSync(final)) fs.renameSync(final, old);
    fs.renameSync(path.join(staging, unpack.folder), final);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Fetches a dataset spec into `dir`: verified files are kept, others downloaded, verified and
 * renamed into place; archives are unpacked.
 * @throws FileFormatError on a checksum mismatch, or when no source answers (with what to place by hand).
 */
export async function fetchSpec(spec: DatasetDownload, dir: string, options: FetchOptions): Promise<FetchedFile[]> {
  if (spec.unpack && isUnpacked(dir, spec.unpack)) {
    return [{ name: spec.unpack.folder, path: path.join(dir, spec.unpack.folder), status: "present" }];
  }
  const urls = options.mirror ? [options.mirror] : spec.urls;
  const fetched: FetchedFile[] = [];
  for (const remote of spec.files) fetched.push(await fetchFile(remote, dir, urls, options));
  if (spec.unpack) for (const f of fetched) unpackArchive(f.path, dir, spec.unpack, options);
  return fetched;
}

/**
 * `data fetch <name>`: downloads one dataset into <dataRoot>/<name>/.
 * @throws FileFormatError listing the files to place by hand when no source can be reached.
 */
export async function fetchDataset(name: string, options: FetchOptions): Promise<FetchedFile[]> {
  const dataset = checkOneOf("fetchDataset name", name, VALID_DOWNLOADS);
  if (options.mirror !== undefined && !/^https?:\/\//.test(options.mirror)) {
    throw new ValueError(`fetchDataset mirror: expected an http:// or https:// base URL, got ${JSON.stringify(options.mirror)}`);
  }
  try {
    return await fetchSpec(DOWNLOADS[dataset], path.join(options.dataRoot, dataset), options);
  } catch (err) {
    if (err instanceof UnreachableError) {
      throw new FileFormatError(err.file, `${err.reason}\n${manualInstructions(dataset, options.dataRoot)}`);
    }
    throw err;
  }
}
