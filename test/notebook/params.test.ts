import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { notebookParams } from "../../src/notebook/params";

const root = "/projects/forgetting";

test("notebookParams(given, { env, root }) defaults to outputs/digits-study, digits and the demo run", () => {
  assert.deepEqual(notebookParams({}, { env: {}, root }), { experimentDir: "/projects/forgetting/outputs/digits-study", experiment: "digits-study", dataset: "digits", trainDemo: true });
});

test("notebookParams(given, { env, root }) takes FORGETTING_* variables; relative paths start at the project root", () => {
  const params = notebookParams({}, { env: { FORGETTING_EXPERIMENT: "outputs/mine", FORGETTING_DATASET: "mnist", FORGETTING_TRAIN_DEMO: "0" }, root });
  assert.deepEqual(params, { experimentDir: "/projects/forgetting/outputs/mine", experiment: "mine", dataset: "mnist", trainDemo: false });
  assert.equal(notebookParams({}, { env: { FORGETTING_EXPERIMENT: "/data/runs/x" }, root }).experimentDir, "/data/runs/x");
});

test("notebookParams(given, { env, root }) reads FORGETTING_PARAMS; variables win over the file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "params-"));
  const file = path.join(dir, "params.json");
  fs.writeFileSync(file, JSON.stringify({ experiment: "/data/e1", trainDemo: false }));
  assert.deepEqual(notebookParams({}, { env: { FORGETTING_PARAMS: file }, root }), { experimentDir: "/data/e1", experiment: "e1", dataset: "digits", trainDemo: false });
  assert.equal(notebookParams({}, { env: { FORGETTING_PARAMS: file, FORGETTING_EXPERIMENT: "/data/e2" }, root }).experimentDir, "/data/e2");
  fs.writeFileSync(file, JSON.stringify({ experimnet: "typo" }));
  assert.throws(() => notebookParams({}, { env: { FORGETTING_PARAMS: file }, root }), { name: "FileFormatError", message: `${file}: unknown key "experimnet"; valid keys: experiment, dataset, trainDemo` });
  fs.writeFileSync(file, JSON.stringify({ trainDemo: "yes" }));
  assert.throws(() => notebookParams({}, { env: { FORGETTING_PARAMS: file }, root }), { message: `${file}: field "trainDemo": expected true or false, got "yes"` });
  assert.throws(() => notebookParams({}, { env: { FORGETTING_PARAMS: path.join(dir, "absent.json") }, root }), { message: `${path.join(dir, "absent.json")}: parameters file is missing` });
  fs.rmSync(dir, { recursive: true });
});

test("notebookParams(given, { env, root }) rejects a FORGETTING_TRAIN_DEMO that is not a boolean", () => {
  assert.throws(() => notebookParams({}, { env: { FORGETTING_TRAIN_DEMO: "maybe" }, root }), { name: "ValueError", message: 'FORGETTING_TRAIN_DEMO: expected 1/0/true/false, got "maybe"' });
});

test("notebookParams(given, { env, root }) takes the parameters cell's values over variables and file", () => {
  const params = notebookParams({ experiment: "outputs/cell", dataset: "cifar10", trainDemo: false }, { env: { FORGETTING_EXPERIMENT: "/data/env", FORGETTING_DATASET: "mnist", FORGETTING_TRAIN_DEMO: "1" }, root });
  assert.deepEqual(params, { experimentDir: "/projects/forgetting/outputs/cell", experiment: "cell", dataset: "cifar10", trainDemo: false });
  assert.throws(() => notebookParams({ dataset: "digitz" }, { env: {}, root }), { name: "ValueError", message: /^notebookParams dataset: expected one of .*digits.*, got "digitz"$/ });
});
