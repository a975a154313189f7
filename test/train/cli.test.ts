import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli";
import { parseArgs } from "../../src/cli/args";
import { command as trainCommand } from "../../src/cli/train";

/** Runs the CLI in-process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void (out += a.join(" ") + "\n");
  console.error = (...a: unknown[]) => void (err += a.join(" ") + "\n");
  process.stderr.write = ((chunk: string) => ((err += chunk), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

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
    [["train", "--record-floats", "loss,entropy"], /train --record-floats: expected items from loss, margin, prob, got "entropy"/],
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

