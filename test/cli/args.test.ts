/**
 * `@path` option values: list and JSON options read from a file (no argv or environment size
 * limit), with one-line errors naming the option, the file and the line or item.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { commandHelp, jsonObjectOption, parseArgs } from "../../src/cli/args";
import { command as trainCommand } from "../../src/cli/train";
import { command as sweepCommand } from "../../src/cli/sweep";
import { command as studyCommand } from "../../src/cli/study";
import { command as noiseCommand } from "../../src/cli/noise";
import { tempDir } from "../data/shared";

const dir = tempDir("args");
function file(name: string, text: string): string {
  const full = path.join(dir, name);
  fs.writeFileSync(full, text);
  return full;
}

/** The message parseArgs throws for `argv`. */
function parseError(command: typeof trainCommand, argv: string[]): string {
  try {
    parseArgs(command, argv);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`expected ${argv.join(" ")} to be refused`);
}

test("--remove-ids @path reads ids one a line (blank lines and # comments skipped) or a JSON list", () => {
  const lines = file("ids.txt", "# least forgotten\n3\n\n  17  \r\n5 # a comment\n");
  const json = file("ids.json", " [3, 17, 5]\n");
  for (const arg of [`@${lines}`, `@${json}`]) {
    assert.deepEqual(parseArgs(trainCommand, ["--remove-ids", arg]).options["remove-ids"], [3, 17, 5]);
    assert.deepEqual(parseArgs(trainCommand, [`--remove-ids=${arg}`]).options["remove-ids"], [3, 17, 5]);
  }
  assert.deepEqual(parseArgs(trainCommand, ["--remove-ids", `@${file("empty.txt", "\n# none\n")}`]).options["remove-ids"], []);
  // Every list option takes a file, e.g. milestones and per-channel means.
  assert.deepEqual(parseArgs(trainCommand, ["--milestones", `@${file("m.txt", "60\n120\n")}`, "--normalize-mean", `@${file("mean.json", "[0.5, 0.25]")}`]).options.milestones, [60, 120]);
});

test("a relative @path is read from the working directory", () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    file("relative.txt", "1\n2\n");
    assert.deepEqual(parseArgs(trainCommand, ["--remove-ids", "@relative.txt"]).options["remove-ids"], [1, 2]);
  } finally {
    process.chdir(cwd);
  }
});

test("a bad @path list is one line naming the option, the file and the line or item", () => {
  const ids = ["0", ...Array.from({ length: 15 }, (_, i) => String(i + 1)), "12a"].join("\n");
  const bad = file("bad.txt", ids);
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${bad}`]), `train --remove-ids @${bad}: line 17: expected an integer, got "12a"`);
  const negative = file("negative.txt", "4\n-1\n");
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${negative}`]), `train --remove-ids @${negative}: line 2: expected an integer >= 0, got "-1"`);
  const fraction = file("fraction.json", "[1, 2.5]");
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${fraction}`]), `train --remove-ids @${fraction}: item 1: expected an integer, got "2.5"`);
  const quoted = file("quoted.json", '[1, "2"]');
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${quoted}`]), `train --remove-ids @${quoted}: item 1: expected an integer, got "2"`);
  const broken = file("broken.json", "[1,\n2,,3]");
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${broken}`]), `train --remove-ids @${broken}: expected a JSON list, got a parse error: Unexpected token ','`);
  const unclosed = file("unclosed.json", "[1,\n2");
  assert.match(parseError(trainCommand, ["--remove-ids", `@${unclosed}`]), new RegExp(`^train --remove-ids @${unclosed}: expected a JSON list, got a parse error: line 2 column 2: [^\n]+$`));
  const missing = path.join(dir, "missing.txt");
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${missing}`]), `train --remove-ids @${missing}: ${missing}: no such file or folder (ENOENT from open)`);
  assert.equal(parseError(trainCommand, ["--remove-ids", `@${dir}`]), `train --remove-ids @${dir}: it is a folder, not a file (EISDIR from read)`);
  // A value that is not a list or JSON option is taken as given.
  assert.equal(parseArgs(trainCommand, ["--experiment", "@home"]).options.experiment, "@home");
});

test("--base-json takes a JSON object inline or from @path, for every command that has it", () => {
  const base = file("base.json", '{\n  "lr": 0.05,\n  "trainFirst": 1000\n}\n');
  for (const [command, required] of [[sweepCommand, []], [studyCommand, []], [noiseCommand, ["--fractions", "0.1", "--epochs", "1"]]] as const) {
    assert.deepEqual(jsonObjectOption(parseArgs(command, [...required, "--base-json", `@${base}`]).options, "base-json"), { lr: 0.05, trainFirst: 1000 });
    assert.deepEqual(jsonObjectOption(parseArgs(command, [...required, "--base-json", '{"lr":0.05}']).options, "base-json"), { lr: 0.05 });
  }
  const broken = file("broken-base.json", '{\n  "lr": 0.05,\n  "trainFirst" 1000\n}\n');
  assert.match(parseError(sweepCommand, ["--base-json", `@${broken}`]), new RegExp(`^sweep --base-json @${broken}: expected a JSON object, got a parse error: line 3 column 16: `));
  assert.equal(parseError(sweepCommand, ["--base-json", `@${file("list.json", "[1]")}`]), `sweep --base-json @${path.join(dir, "list.json")}: expected a JSON object, got [1]`);
  assert.match(parseError(sweepCommand, ["--base-json", "{lr: 1}"]), /^sweep --base-json: expected a JSON object, got a parse error: line 1 column 2: /);
});

test("--help says which options take @file", () => {
  const train = commandHelp("forgetting", trainCommand);
  assert.match(train, /--remove-ids +comma-separated exampleIds left out of training \[default: none\] \(or @file: one a line, or a JSON list\)/);
  assert.match(train, /--train-first +train on the first N training examples/);
  assert.match(commandHelp("forgetting", sweepCommand), /--base-json .* \(or @file holding the JSON\)/);
});
