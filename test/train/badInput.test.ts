import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileFormatError, ValueError } from "../../src/core/errors";
import { resumeRun, train } from "../../src/train/train";
import type { RunManifest } from "../../src/runs/layout";
import { readManifest } from "../../src/runs/manifest";
import { presentedMask } from "../../src/runs/scan";
import sharp from "sharp";
import { SHARED_DATA, missingShared, tempDir } from "../data/shared";
import { skipIfMissing } from "../requirements";

const CONFIG = { epochs: 3, batchSize: 64, seed: 11 };

/** Every file under `dir` with its bytes, to prove nothing changed. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      out.set(path.relative(dir, full), fs.readFileSync(full));
    }
  }
  return out;
}

function assertUnchanged(dir: string, before: Map<string, Buffer>, what: string): void {
  const after = snapshot(dir);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `${what}: files added or removed`);
  for (const [file, bytes] of before) assert.ok(bytes.equals(after.get(file)!), `${what}: ${file} changed`);
}

const isError = (type: typeof ValueError | typeof FileFormatError, re: RegExp) => (e: Error) => {
  assert.ok(e instanceof type, `expected ${type.name}, got ${e.name}: ${e.message}`);
  assert.match(e.message, re);
  return true;
};

test("train(config) with an unknown model, dataset or tracking mode, bad epochs, batch size or lr throws before writing anything", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-bad-"));
  const outputsRoot = path.join(root, "outputs");
  const cases: Array<[object, RegExp]> = [
    [{ model: "vgg16" }, /config\.model: expected one of .*"digits-mlp".*got "vgg16"/],
    [{ dataset: "svhn" }, /config\.dataset: expected one of .*"digits".*got "svhn"/],
    [{ trackingMode: "always" }, /config\.trackingMode: expected one of "presentation", "eval", got "always"/],
    [{ epochs: 0 }, /config\.epochs: expected an integer > 0, got 0/],
    [{ epochs: -3 }, /config\.epochs: expected an integer > 0, got -3/],
    [{ batchSize: 0 }, /config\.batchSize: expected an integer > 0, got 0/],
    [{ lr: NaN }, /config\.lr: expected a finite number, got NaN/],
    [{ lr: Infinity }, /config\.lr: expected a finite number, got Infinity/],
  ];
  for (const [config, re] of cases) await assert.rejects(train(config, { outputsRoot, quiet: true }), isError(ValueError, re));
  assert.ok(!fs.existsSync(outputsRoot), "an outputs folder was created for a bad config");
  await assert.rejects(train({}, { outputsRoot, runId: "../escape", quiet: true }), isError(ValueError, /options\.runId: expected 1-64 characters/));
  fs.rmSync(root, { recursive: true, force: true });
});

test("resumeRun(runDir) refuses a changed config, dataset checksum, corrupt checkpoint or record, leaving the run intact", async () => {
  const outputsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-bad-"));
  const options = { outputsRoot, experiment: "e", runId: "r", backend: "wasm" as const, quiet: true };
  await train(CONFIG, { ...options, stopAfterEpochs: 1 });
  const dir = path.join(outputsRoot, "e", "r");
  const pristine = snapshot(dir);
  const restore = () => {
    for (const [file, bytes] of pristine) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), bytes);
    }
  };
  /** Damages the run with `damage`, expects `attempt` to fail, checks that nothing else changed, restores. */
  const expectRefusal = async (what: string, damage: () => void, attempt: () => Promise<unknown>, check: (e: Error) => boolean) => {
    damage();
    const damaged = snapshot(dir);
    await assert.rejects(attempt(), check, what);
    assertUnchanged(dir, damaged, what);
    restore();
  };
  const file = (name: string) => path.join(dir, name);
  const editJson = <T>(name: string, edit: (v: T) => void) => {
    const value = JSON.parse(fs.readFileSync(file(name), "utf8")) as T;
    edit(value);
    fs.writeFileSync(file(name), JSON.stringify(value));
  };

  await expectRefusal("another config", () => {}, () => train({ ...CONFIG, lr: 0.1 }, options), isError(ValueError, /exists with another config \(lr: recorded 0\.05, given 0\.1\)/));
  await expectRefusal(
    "changed dataset checksum",
    () => editJson<RunManifest>("manifest.json", (m) => (m.dataset.checksum = "0".repeat(64))),
    () => resumeRun(dir, { quiet: true }),
    isError(ValueError, /dataset "digits\/train" no longer matches the run: expected checksum 0{64} \(manifest\.json\), got [0-9a-f]{64}/),
  );
  await expectRefusal(
    "manifest config no longer valid",
    () => editJson<{ config: { model: string } }>("manifest.json", (m) => (m.config.model = "vgg16")),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /manifest\.json: field "config" is no longer a valid config: .*config\.model: expected one of/),
  );
  await expectRefusal(
    "corrupt checkpoint weights",
    () => {
      const bytes = fs.readFileSync(file("checkpoint/weights.bin"));
      bytes[100] ^= 0xff;
      fs.writeFileSync(file("checkpoint/weights.bin"), bytes);
    },
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /checkpoint\/weights\.bin: expected sha256 [0-9a-f]{64}, found [0-9a-f]{64}: the file is corrupt/),
  );
  await expectRefusal(
    "truncated checkpoint weights",
    () => fs.truncateSync(file("checkpoint/weights.bin"), 40),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /checkpoint\/weights\.bin: expected \d+ bytes \(per checkpoint\.json\), found 40/),
  );
  await expectRefusal(
    "checkpoint description not JSON",
    () => fs.writeFileSync(file("checkpoint/checkpoint.json"), "{ half"),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /checkpoint\.json: expected JSON, got a parse error/),
  );
  await expectRefusal(
    "checkpoint of another config",
    () => editJson<{ configSha256: string }>("checkpoint/checkpoint.json", (c) => (c.configSha256 = "f".repeat(64))),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /checkpoint\.json: expected configSha256 [0-9a-f]{64} \(the manifest's config\), found f{64}/),
  );
  await expectRefusal(
    "checkpoint deleted",
    () => fs.rmSync(file("checkpoint"), { recursive: true }),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /checkpoint: expected a checkpoint of epoch 1 or 2 \(manifest epochsCompleted 1\), found none/),
  );
  await expectRefusal(
    "correctness record shorter than the checkpoint",
    () => fs.truncateSync(file("correct.bits"), 10),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /correct\.bits: expected 1 rows of \d+ bytes .* found 10 bytes/),
  );
  await expectRefusal(
    "manifest not JSON",
    () => fs.writeFileSync(file("manifest.json"), "not json"),
    () => resumeRun(dir, { quiet: true }),
    isError(FileFormatError, /manifest\.json: expected JSON, got a parse error/),
  );
  // Restored, the run resumes and completes.
  const manifest = await resumeRun(dir, { quiet: true });
  assert.equal(manifest.status, "completed");
  assert.equal(manifest.epochsCompleted, 3);
  fs.rmSync(outputsRoot, { recursive: true, force: true });
});

/** An IDX file of unsigned bytes with these dimensions and values (the format spelled out by hand). */
function idxBytes(dims: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([header, Buffer.from(values)]);
}

test("train() refuses an empty training set before writing anything: a 0-image IDX file (named) and removeIds taking every example", async () => {
  const root = tempDir("forgetting-empty");
  const outputsRoot = path.join(root, "outputs");
  const mnist = path.join(root, "data", "mnist");
  fs.mkdirSync(mnist, { recursive: true });
  fs.writeFileSync(path.join(mnist, "train-images-idx3-ubyte"), idxBytes([0, 28, 28], []));
  fs.writeFileSync(path.join(mnist, "train-labels-idx1-ubyte"), idxBytes([0], []));
  fs.writeFileSync(path.join(mnist, "t10k-images-idx3-ubyte"), idxBytes([1, 28, 28], new Array<number>(784).fill(7)));
  fs.writeFileSync(path.join(mnist, "t10k-labels-idx1-ubyte"), idxBytes([1], [3]));
  const emptyFile = new RegExp(`${path.join(mnist, "train-images-idx3-ubyte")}: expected at least one image, got 0 \\(dimensions \\[0, 28, 28\\]\\)`);
  const options = { outputsRoot, dataRoot: path.join(root, "data"), backend: "wasm" as const, quiet: true };
  for (const normalize of [{ normalizeMean: [0.1], normalizeStd: [0.3] }, {}]) {
    await assert.rejects(train({ model: "mnist-cnn", dataset: "mnist", epochs: 1, ...normalize }, options), isError(FileFormatError, emptyFile));
  }
  // digits: 1438 training examples (the embedded UCI split, 80 %), ids 0..1437.
  const all = Array.from({ length: 1438 }, (_, id) => id);
  await assert.rejects(train({ epochs: 1, removeIds: all }, { ...options, dataRoot: undefined }), isError(ValueError, /openDataset removeIds: expected at least one training example left, got all 1438 exampleIds removed/));
  assert.ok(!fs.existsSync(outputsRoot), "an outputs folder was created for an empty training set");
});

test("train() refuses a model that cannot take the images, and an epoch count past the bound, before the run folder exists", async () => {
  const outputsRoot = path.join(tempDir("forgetting-model"), "outputs");
  const options = { outputsRoot, runId: "r", backend: "wasm" as const, quiet: true };
  await assert.rejects(train({ model: "resnet50", epochs: 1 }, options), isError(ValueError, /buildModel\(resnet50\): inputShape expected H and W >= 32, got \[8, 8, 1\]/));
  await assert.rejects(train({ epochs: 100000000000 }, options), isError(ValueError, /config\.epochs: expected an integer in \[1, 100000\] \(the record of every epoch is held in memory\), got 100000000000/));
  assert.ok(!fs.existsSync(outputsRoot), "a run folder was created");
  // The id is not blocked: the same run id trains once the input fits.
  const manifest = await train({ epochs: 1 }, options);
  assert.equal(manifest.status, "completed");
});

/** Two images per class and split of the shared hymenoptera folder, copied under `root` (the shared data is never modified). */
function smallHymenopteraCopy(root: string): string {
  const source = path.join(SHARED_DATA, "hymenoptera_data");
  const folder = path.join(root, "hym");
  for (const split of ["train", "val"]) {
    for (const cls of ["ants", "bees"]) {
      fs.mkdirSync(path.join(folder, split, cls), { recursive: true });
      for (const name of fs.readdirSync(path.join(source, split, cls)).sort().slice(0, 2)) fs.copyFileSync(path.join(source, split, cls, name), path.join(folder, split, cls, name));
    }
  }
  return folder;
}

test("a truncated JPEG is found at indexing: refused naming the file, or with skipBadFiles skipped, recorded, and the run completes; the folder is stored absolute", async (t) => {
  if (skipIfMissing(t, missingShared("hymenoptera_data"))) return;
  const root = tempDir("forgetting-truncated");
  const folder = smallHymenopteraCopy(root);
  const victim = fs.readdirSync(path.join(folder, "train", "ants")).sort()[1];
  const victimPath = path.join(folder, "train", "ants", victim);
  const bytes = fs.readFileSync(victimPath);
  fs.writeFileSync(victimPath, bytes.subarray(0, Math.floor(bytes.length / 2)));
  // A complete JPEG with 2 KiB appended after its end marker (as cameras that append a video do) is kept.
  const appended = path.join(folder, "train", "bees", fs.readdirSync(path.join(folder, "train", "bees")).sort()[0]);
  fs.appendFileSync(appended, Buffer.alloc(2048, 0x20));
  const outputsRoot = path.join(root, "outputs");
  // Relative to the working folder, as typed on a command line.
  const config = { dataset: "folder" as const, folder: path.relative(process.cwd(), folder), model: "digits-mlp" as const, imageSize: 16, epochs: 1, batchSize: 2 };
  const options = { outputsRoot, runId: "r", backend: "wasm" as const, quiet: true };
  const truncated = new RegExp(`${victimPath}: expected a complete JPEG ending in the end-of-image marker FF D9, got ${Math.floor(bytes.length / 2)} bytes without it \\(truncated\\)`);
  await assert.rejects(train(config, options), isError(FileFormatError, truncated));
  assert.ok(!fs.existsSync(outputsRoot), "a run folder was created for a truncated image");

  const manifest = await train({ ...config, skipBadFiles: true }, options);
  assert.equal(manifest.status, "completed");
  assert.equal(manifest.dataset.nExamples, 3, "4 training images, 1 skipped (the truncated one, not the one with data appended)");
  assert.equal(manifest.config.folder, folder);
  const dataset = JSON.parse(fs.readFileSync(path.join(outputsRoot, "default", "r", "dataset.json"), "utf8")) as { skippedFiles: { file: string; reason: string }[] };
  assert.deepEqual(dataset.skippedFiles.map((s) => s.file), [path.join("train", "ants", victim)]);
});

test("an image that passes indexing but fails at its first decode: the run stops naming it, or with skipBadFiles it is left out, recorded in the manifest and never presented", async (t) => {
  if (skipIfMissing(t, missingShared("hymenoptera_data"))) return;
  const root = tempDir("forgetting-undecodable");
  const folder = smallHymenopteraCopy(root);
  // A PNG whose header is whole (indexing reads only headers) but whose image data is damaged.
  const first = fs.readdirSync(path.join(folder, "train", "bees")).sort()[0];
  const png = Buffer.from(await sharp(path.join(folder, "train", "bees", first)).png().toBuffer());
  for (let i = png.length >> 1; i < (png.length >> 1) + 64; i++) png[i] ^= 0xff;
  fs.rmSync(path.join(folder, "train", "bees", first));
  const damaged = path.join(folder, "train", "bees", "damaged.png");
  fs.writeFileSync(damaged, png);
  const config = { dataset: "folder" as const, folder, model: "digits-mlp" as const, imageSize: 16, epochs: 2, batchSize: 2 };
  const options = { outputsRoot: path.join(root, "outputs"), backend: "wasm" as const, quiet: true };
  await assert.rejects(train(config, { ...options, runId: "strict" }), isError(FileFormatError, new RegExp(`^${damaged}: expected a decodable image, got [^\\n]+$`)));

  const manifest = await train({ ...config, skipBadFiles: true }, { ...options, runId: "skip" });
  assert.equal(manifest.status, "completed");
  assert.equal(manifest.dataset.nExamples, 4, "indexing kept all four");
  // Ids follow class then file name: ants 0 and 1, then bees: the other bee (a name of digits) 2, damaged.png 3.
  const examples = fs.readFileSync(path.join(options.outputsRoot, "default", "skip", "examples.csv"), "utf8").trim().split("\n").slice(1);
  const damagedId = examples.findIndex((row) => row.includes("damaged.png"));
  assert.equal(damagedId, 3);
  assert.deepEqual(manifest.dataset.undecodable?.map((u) => [u.exampleId, u.file]), [[3, path.join("bees", "damaged.png")]]);
  assert.match(manifest.dataset.undecodable[0].reason, /expected a decodable image/);
  assert.deepEqual([...presentedMask(readManifest(path.join(options.outputsRoot, "default", "skip")))!], [1, 1, 1, 0]);
  // Never presented: its bit (bit 3 of each one-byte row) is 0 in both epochs, and stats.csv says it was not presented.
  const bits = fs.readFileSync(path.join(options.outputsRoot, "default", "skip", "correct.bits"));
  assert.deepEqual([bits[0] & 8, bits[1] & 8], [0, 0]);
  const stats = fs.readFileSync(path.join(options.outputsRoot, "default", "skip", "stats.csv"), "utf8").trim().split("\n");
  const presentedColumn = stats[0].split(",").indexOf("presented");
  assert.deepEqual(stats.slice(1).map((row) => row.split(",")[presentedColumn]), ["1", "1", "1", "0"]);
});
