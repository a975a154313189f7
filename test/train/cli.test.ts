import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { cli } from "../cli/inProcess";
import { describeSystemError } from "../../src/core/errors";
import { writeExperimentConfig } from "../../src/runs/experiment";
import { sweepStatus } from "../../src/runs/status";
import { parseArgs } from "../../src/cli/args";
import { command as trainCommand } from "../../src/cli/train";
import { skipIfMissing } from "../requirements";


test("forgetting train --help lists every config flag with its default", async () => {
  const { code, out } = await cli(["train", "--help"]);
  assert.equal(code, 0);
  for (const line of ["--batch-size", "[default: 32]", "--tracking-mode", "(one of: presentation, eval)", "--resume", "--run-id", "--preset", "--image-size", "[default: 224, tested on Resize 256 + CenterCrop 224]", "[default: none: start a new run]"]) {
    assert.ok(out.includes(line), `help lacks ${line}`);
  }
});

test("forgetting train's config flags arrive typed as their TrainConfig key (numbers, integer and number lists, booleans)", () => {
  const { options } = parseArgs(trainCommand, ["--lr=0.1", "--milestones", "60,120,160", "--nesterov", "--record-floats=loss,margin", "--image-size=64", "--normalize-mean=0.5,0.4,0.3"]);
  assert.deepEqual(
    [options.lr, options.milestones, options.nesterov, options["record-floats"], options["image-size"], options["normalize-mean"], options.epochs],
    [0.1, [60, 120, 160], true, ["loss", "margin"], 64, [0.5, 0.4, 0.3], undefined],
  );
});

test("forgetting train with bad values exits 2 with one clear line", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["train", "--epochs", "0"], /forgetting train: resolveTrainConfig: config\.epochs: expected an integer > 0, got 0/],
    [["train", "--batch-size", "-1"], /config\.batchSize: expected an integer > 0, got -1/],
    [["train", "--lr", "abc"], /train --lr: expected a finite number, got "abc"/],
    [["train", "--model", "vgg"], /train --model: expected one of mnist-cnn, digits-mlp.*got "vgg"/],
    [["train", "--tracking-mode", "always"], /train --tracking-mode: expected one of presentation, eval, got "always"/],
    [["train", "--epoch", "3"], /train: unknown option --epoch; valid options: --preset, --model/],
    [["train", "--stop-after-epochs", "0"], /train --stop-after-epochs: expected an integer >= 1, got "0"/],
    [["train", "--image-size", "64"], /config\.imageSize: expected dataset "folder" \(it sets how image folders are read\), got dataset "digits"/],
    [["train", "--milestones", "60,x"], /train --milestones: expected an integer, got "x"/],
    [["train", "--record-floats", "loss,entropy"], /train --record-floats: expected items from loss, margin, prob, el2n, got "entropy"/],
  ];
  for (const [args, re] of cases) {
    const { code, err } = await cli(args);
    assert.equal(code, 2, args.join(" "));
    assert.match(err, re);
  }
});

test("forgetting sweep/noise/removal with a value out of an option's range exit 2 with one line naming the option", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["sweep", "e", "--workers", "0"], /sweep --workers: expected an integer >= 1, got "0"/],
    [["sweep", "e", "--budgets", "2,0", "--seeds", "1"], /sweep --budgets: expected an integer >= 1, got "0"/],
    [["noise", "s", "--fractions", "0.1", "--epochs", "0"], /noise --epochs: expected an integer >= 1, got "0"/],
    [["noise", "s", "--fractions", "1.5", "--epochs", "2"], /noise --fractions: expected numbers in \(0, 1\), got "1\.5"/],
    [["removal", "s", "--from", "e", "--remove", "2", "--random-seed", "-1"], /removal --random-seed: expected an integer >= 0, got "-1"/],
    [["sweep", "e", "--budgets", "2", "--seeds", "0"], /sweep --seeds: expected a count > 0 \(one seed: 1\), got "0"/],
  ];
  for (const [args, re] of cases) {
    const { code, err } = await cli(args);
    assert.equal(code, 2, args.join(" "));
    assert.match(err, re);
    assert.equal(err.trim().split("\n").length, 1, args.join(" "));
  }
});

test("forgetting train --remove-ids prints its summary over the presented examples: removed ones are not never learned", async () => {
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-cli-"));
  try {
    const removed = Array.from({ length: 100 }, (_, i) => i);
    const args = ["train", "--epochs", "1", "--batch-size", "64", "--seed", "4", "--remove-ids", removed.join(","), "--outputs", outputs, "--experiment", "cli", "--run-id", "sub", "--backend", "wasm"];
    const { code, out, err } = await cli(args);
    assert.equal(code, 0, err);
    const dir = path.join(outputs, "cli", "sub");
    const { nExamples } = (JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { dataset: { nExamples: number } }).dataset;
    // Never learned in one epoch: a presented example whose bit (LSB first within each byte) is 0.
    const bits = fs.readFileSync(path.join(dir, "correct.bits"));
    let never = 0;
    for (let i = 100; i < nExamples; i++) never += (bits[i >> 3] >> (i & 7)) & 1 ? 0 : 1;
    const line = out.split("\n").find((l) => l.includes("learned at end")) ?? "";
    // One epoch: every presented example is learned at the end and unforgettable, or never learned.
    const learned = nExamples - 100 - never;
    assert.equal(line, `  ${nExamples - 100} of ${nExamples} examples presented: learned at end ${learned}, forgotten at least once 0, unforgettable ${learned}, never learned ${never}`);
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});

test("forgetting train --epochs 2 --run-id r writes the run, prints its summary; --resume with another lr is refused", async () => {
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-cli-"));
  const args = ["train", "--epochs", "2", "--batch-size", "64", "--seed", "2", "--outputs", outputs, "--experiment", "cli", "--run-id", "r", "--backend", "wasm"];
  const first = await cli(args);
  assert.equal(first.code, 0, first.err);
  const dir = path.join(outputs, "cli", "r");
  assert.match(first.out, new RegExp(`run r completed after 2/2 epochs: ${dir.replace(/[/\\]/g, "\\$&")}`));
  assert.match(first.out, /\d+ examples: learned at end \d+, forgotten at least once \d+, unforgettable \d+, never learned \d+/);
  assert.match(first.err, /epoch 2\/2 {2}loss [\d.]+ {2}train acc [\d.]+ {2}test loss [\d.]+ {2}test acc [\d.]+/);
  for (const f of ["manifest.json", "log.csv", "correct.bits", "stats.csv", "examples.csv", "checkpoint/weights.bin"]) assert.ok(fs.existsSync(path.join(dir, f)), f);
  const refused = await cli(["train", "--resume", dir, "--lr", "0.3"]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /train --resume .*: the run was trained with another config \(lr: recorded 0\.05, given 0\.3\)/);
  fs.rmSync(outputs, { recursive: true, force: true });
});


/** Mounts a tmpfs of `size` at a new folder (options e.g. "ro"); undefined where mounting is not allowed. */
function tmpfs(size: string, extra = ""): { dir: string; unmount: () => void } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-mnt-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}${extra ? `,${extra}` : ""}`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return { dir, unmount: () => (execFileSync("umount", [dir]), fs.rmSync(dir, { recursive: true, force: true })) };
}

test("OS errors exit 2 with one line naming the path and what the error means, never a stack trace", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-os-"));
  const file = path.join(root, "a-file");
  fs.writeFileSync(file, "not a folder\n");
  const expectLine = async (args: string[], line: string) => {
    const { code, err } = await cli([...args, "--epochs", "1", "--quiet"]);
    assert.equal(code, 2, args.join(" "));
    assert.equal(err.trim(), line);
  };
  await expectLine(["train", "--outputs", path.join(file, "outputs")], `forgetting train: ${path.join(file, "outputs")}: a part of the path is a file, not a folder (ENOTDIR from mkdir)`);
  await expectLine(["train", "--outputs", "/sys/forgetting-outputs"], "forgetting train: /sys/forgetting-outputs: operation not permitted (EPERM from mkdir)");
  const readOnly = tmpfs("64k", "ro");
  if (skipIfMissing(t, readOnly ? null : "mount is not allowed here: EROFS and ENOSPC need a real tmpfs (run as root)")) return fs.rmSync(root, { recursive: true, force: true });
  try {
    // Node's recursive mkdir would say ENOENT here.
    await expectLine(["train", "--outputs", path.join(readOnly!.dir, "a", "b")], `forgetting train: ${path.join(readOnly!.dir, "a")}: the file system is read-only (EROFS from mkdir)`);
  } finally {
    readOnly!.unmount();
  }
  // 8 KiB: examples.csv of digits (1438 rows) fills it.
  const full = tmpfs("8k");
  if (full) {
    try {
      await expectLine(["train", "--outputs", full.dir, "--run-id", "r"], `forgetting train: ${path.join(full.dir, "default", "r", "examples.csv")}: no space left on the device (ENOSPC from write)`);
      assert.deepEqual(fs.readdirSync(path.join(full.dir, "default", "r")).filter((f) => f.endsWith(".tmp")), [], "a temporary file was left behind");
    } finally {
      full.unmount();
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
});

test("describeSystemError gives one line for real Node errors (EEXIST, EISDIR), the path pair of a rename, and undefined for other errors", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-syserr-"));
  const file = path.join(root, "f");
  fs.writeFileSync(file, "x");
  const caught = (fn: () => void): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    assert.fail("expected an error");
  };
  assert.equal(describeSystemError(caught(() => fs.mkdirSync(file))), `${file}: it already exists (EEXIST from mkdir)`);
  assert.equal(describeSystemError(caught(() => fs.readFileSync(root))), "it is a folder, not a file (EISDIR from read)");
  assert.equal(describeSystemError(caught(() => fs.renameSync(path.join(root, "missing"), file))), `${path.join(root, "missing")} -> ${file}: no such file or folder (ENOENT from rename)`);
  assert.equal(describeSystemError(new TypeError("a bug")), undefined);
  fs.rmSync(root, { recursive: true, force: true });
});

test("export --out naming a file, and sweep --base-json with epochs or seed, exit 2 naming the option before writing", async () => {
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-cli-out-"));
  const readme = path.join(outputs, "README.md");
  fs.writeFileSync(readme, "# notes\n");
  fs.mkdirSync(path.join(outputs, "e"));
  const exported = await cli(["export", "e", "--outputs", outputs, "--out", readme]);
  assert.equal(exported.code, 2);
  assert.equal(exported.err.trim(), `forgetting export: export --out: expected a folder (new or existing), got the file ${JSON.stringify(readme)}`);
  for (const [json, line] of [
    ['{"epochs":4}', 'forgetting sweep: sweep --base-json: expected no "epochs" (each run\'s epochs comes from --budgets), got 4'],
    ['{"lr":0.1,"seed":3}', 'forgetting sweep: sweep --base-json: expected no "seed" (each run\'s seed comes from --seeds), got 3'],
  ]) {
    const { code, err } = await cli(["sweep", "s", "--outputs", outputs, "--budgets", "1", "--seeds", "1", "--base-json", json]);
    assert.equal(code, 2, json);
    assert.equal(err.trim(), line);
  }
  assert.ok(!fs.existsSync(path.join(outputs, "s")), "sweep wrote an experiment");
  fs.rmSync(outputs, { recursive: true, force: true });
});

test("forgetting status shows a run whose manifest is corrupt as unreadable, with the reason", async () => {
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-cli-status-"));
  writeExperimentConfig(outputs, { name: "e", base: {}, budgets: [1], seeds: 1 });
  assert.equal((await cli(["train", "--epochs", "1", "--outputs", outputs, "--experiment", "e", "--run-id", "b1-s0", "--quiet"])).code, 0);
  const manifest = path.join(outputs, "e", "b1-s0", "manifest.json");
  fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").slice(0, 40));
  const [row] = sweepStatus(path.join(outputs, "e"));
  assert.equal(row.state, "unreadable");
  assert.match(row.error ?? "", new RegExp(`^${manifest}: `));
  const { code, out } = await cli(["status", "e", "--outputs", outputs]);
  assert.equal(code, 0);
  assert.match(out, /b1-s0\s+unreadable\s+0\/1 .* unreadable: .*manifest\.json: /);
  assert.match(out, /1 runs: 1 unreadable/);
  fs.rmSync(outputs, { recursive: true, force: true });
});
