import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { DOWNLOADS, fetchDataset, fetchSpec, readTar, type DatasetDownload } from "../../src/data/download";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

const MNIST = path.join(SHARED_DATA, "mnist");
const skipReason = missingShared("mnist/train-labels-idx1-ubyte.gz");

interface Route {
  body: Buffer;
  /** Answer Range requests with 206 (default true). */
  ranges?: boolean;
  /** Destroy the connection after sending this many bytes of the body. */
  cutAfter?: number;
}

/** A local HTTP server on 127.0.0.1; routes can change between requests; requests are recorded. */
async function serve(routes: Map<string, Route>): Promise<{ base: string; requests: Array<{ url: string; range?: string }> }> {
  const requests: Array<{ url: string; range?: string }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? "", range: req.headers.range });
    const route = routes.get(req.url ?? "");
    if (!route) return res.writeHead(404).end();
    let body = route.body;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (match && route.ranges !== false) {
      const start = Number(match[1]);
      res.writeHead(206, { "Content-Length": body.length - start, "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` });
      body = body.subarray(start);
    } else res.writeHead(200, { "Content-Length": body.length });
    if (route.cutAfter !== undefined) {
      res.write(body.subarray(0, route.cutAfter), () => res.destroy());
    } else res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

test("fetchDataset('mnist', {mirror}) downloads the four real files from a local server, verifies and keeps them", async (t) => {
  if (skipIfMissing(t, skipReason)) return;
  const routes = new Map<string, Route>();
  for (const f of DOWNLOADS.mnist.files) routes.set(`/mnist/${f.name}`, { body: fs.readFileSync(path.join(MNIST, f.name)) });
  const { base, requests } = await serve(routes);
  const dataRoot = tempDir("fetch-test");
  const fetched = await fetchDataset("mnist", { dataRoot, mirror: `${base}mnist` });
  assert.deepEqual(fetched.map((f) => f.status), ["downloaded", "downloaded", "downloaded", "downloaded"]);
  assert.deepEqual(fs.readdirSync(path.join(dataRoot, "mnist")).sort(), DOWNLOADS.mnist.files.map((f) => f.name).sort());
  for (const f of DOWNLOADS.mnist.files) assert.equal(md5(fs.readFileSync(path.join(dataRoot, "mnist", f.name))), md5(fs.readFileSync(path.join(MNIST, f.name))));
  const again = await fetchDataset("mnist", { dataRoot, mirror: `${base}mnist` });
  assert.deepEqual(again.map((f) => f.status), ["present", "present", "present", "present"]);
  assert.equal(requests.length, 4);
});

test("fetchDataset('mnist') rejects a corrupted copy (one byte changed) and leaves nothing in data/mnist", async (t) => {
  if (skipIfMissing(t, skipReason)) return;
  const corrupted = Buffer.from(fs.readFileSync(path.join(MNIST, "train-images-idx3-ubyte.gz")));
  corrupted[5000] ^= 0xff;
  const { base } = await serve(new Map([["/train-images-idx3-ubyte.gz", { body: corrupted }]]));
  const dataRoot = tempDir("fetch-test");
  await assert.rejects(fetchDataset("mnist", { dataRoot, mirror: base }), {
    name: "FileFormatError",
    message: `${base}train-images-idx3-ubyte.gz: expected 9912422 bytes with md5 f68b3c2dcbeaaa9fbdd348bbdeb94873, got 9912422 bytes with md5 ${md5(corrupted)}; the download was deleted and nothing was written to ${path.join(dataRoot, "mnist")}`,
  });
  assert.deepEqual(fs.readdirSync(path.join(dataRoot, "mnist")), []);
});

test("fetchSpec(spec) resumes an interrupted download with a Range request, or restarts when the server ignores ranges", async () => {
  // 28,881 seeded bytes under an MNIST file name; md5 from node's crypto.
  const labels = Buffer.from(Array.from({ length: 28881 }, (_, i) => (i * 7919 + (i >> 5)) & 0xff));
  const spec: DatasetDownload = { urls: [], files: [{ name: "train-labels-idx1-ubyte.gz", bytes: labels.length, md5: md5(labels) }], source: "test" };
  const route: Route = { body: labels, cutAfter: 10000 };
  const { base, requests } = await serve(new Map([["/train-labels-idx1-ubyte.gz", route]]));
  const dir = path.join(tempDir("fetch-test"), "mnist");
  await assert.rejects(fetchSpec(spec, dir, { dataRoot: "", mirror: base }), /could not download it from any source \(no network\?\):\n {2}.*connection lost after \d+ bytes .*the \.part file is kept and the next fetch resumes it/);
  assert.deepEqual(fs.readdirSync(dir), ["train-labels-idx1-ubyte.gz.part"]);
  // The server sent 10,000 bytes before cutting; what arrived is kept.
  const kept = fs.statSync(path.join(dir, "train-labels-idx1-ubyte.gz.part")).size;
  assert.ok(kept > 0 && kept <= 10000, `kept ${kept} bytes`);
  assert.deepEqual(fs.readFileSync(path.join(dir, "train-labels-idx1-ubyte.gz.part")), labels.subarray(0, kept));
  delete route.cutAfter;
  const [resumed] = await fetchSpec(spec, dir, { dataRoot: "", mirror: base });
  assert.equal(resumed.status, "downloaded");
  assert.equal(requests[1].range, `bytes=${kept}-`);
  assert.deepEqual(fs.readFileSync(path.join(dir, "train-labels-idx1-ubyte.gz")), labels);
  // A server without range support: the partial file is restarted from zero.
  fs.rmSync(path.join(dir, "train-labels-idx1-ubyte.gz"));
  fs.writeFileSync(path.join(dir, "train-labels-idx1-ubyte.gz.part"), labels.subarray(0, 777));
  route.ranges = false;
  await fetchSpec(spec, dir, { dataRoot: "", mirror: base });
  assert.equal(requests[2].range, "bytes=777-");
  assert.deepEqual(fs.readFileSync(path.join(dir, "train-labels-idx1-ubyte.gz")), labels);
  assert.deepEqual(fs.readdirSync(dir), ["train-labels-idx1-ubyte.gz"]);
});

test("fetchDataset(name) with no reachable source says which files to put where by hand", async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const dataRoot = tempDir("fetch-test");
  await assert.rejects(fetchDataset("cifar10", { dataRoot, mirror: `http://127.0.0.1:${port}/` }), (err: Error) => {
    assert.match(err.message, /cifar-10-binary\.tar\.gz: could not download it from any source \(no network\?\):\n {2}http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz: ECONNREFUSED/);
    assert.ok(err.message.includes(`Put these files into ${path.join(dataRoot, "cifar10")}/ by hand`));
    assert.ok(err.message.includes("cifar-10-binary.tar.gz  (170052171 bytes, md5 c32a1d4ab5d03f1284b67883e8d87530)"));
    return true;
  });
  await assert.rejects(fetchDataset("imagenet", { dataRoot }), /fetchDataset name: expected one of "mnist", "fashion-mnist", "cifar10", "cifar100", got "imagenet"/);
});

/** A ustar entry written by hand: 512-byte header (octal size, checksum) then data padded to 512. */
function tarEntry(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

test("fetchSpec(spec with unpack) verifies the archive, then unpacks its folder into place", async () => {
  const a = Buffer.alloc(700, 7);
  const b = Buffer.from("hello");
  const archive = zlib.gzipSync(Buffer.concat([tarEntry("set-bin/a.bin", a), tarEntry("set-bin/b.txt", b), Buffer.alloc(1024)]));
  assert.deepEqual(readTar("x", zlib.gunzipSync(archive)).map((e) => [e.name, e.data.length]), [["set-bin/a.bin", 700], ["set-bin/b.txt", 5]]);
  const spec: DatasetDownload = { urls: [], files: [{ name: "set.tar.gz", bytes: archive.length, md5: md5(archive) }], unpack: { folder: "set-bin", files: { "a.bin": 700 } }, source: "test" };
  const { base } = await serve(new Map([["/set.tar.gz", { body: archive }]]));
  const dir = path.join(tempDir("fetch-test"), "set");
  await fetchSpec(spec, dir, { dataRoot: "", mirror: base });
  assert.deepEqual(fs.readFileSync(path.join(dir, "set-bin", "a.bin")), a);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["set-bin", "set.tar.gz"]);
  const [present] = await fetchSpec(spec, dir, { dataRoot: "", mirror: base });
  assert.equal(present.status, "present");
  assert.throws(() => readTar("evil.tar", tarEntry("../escape", b)), /evil\.tar: expected entries inside the archive folder, got "\.\.\/escape"/);
});
