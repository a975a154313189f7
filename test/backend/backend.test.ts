import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type BackendReport, VALID_BACKENDS, backendReport, initBackend, probeBackends } from "../../src/backend";
import { ValueError } from "../../src/core/errors";

const ROOT = path.resolve(__dirname, "../..");

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

test("VALID_BACKENDS lists the backends best first", () => {
  assert.deepEqual([...VALID_BACKENDS], ["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
});

test("importing src/backend has no side effects: no backend chosen, wasm not even loaded", () => {
  const script = [
    'require("./src/backend");',
    'const tf = require("@tensorflow/tfjs");',
    'console.log(JSON.stringify({ wasm: tf.findBackendFactory("wasm") !== null, active: tf.engine().backendInstance != null }));',
  ].join("\n");
  const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop() ?? ""), { wasm: false, active: false });
});

test("initBackend({backend: 'nope'}) throws a ValueError listing the valid names", async () => {
  await assert.rejects(
    initBackend({ backend: "nope" as never }),
    (err: unknown) =>
      err instanceof ValueError &&
      /^initBackend: option backend expected one of "tensorflow-gpu", "tensorflow", "wasm", "cpu", "auto", got "nope"$/.test(err.message),
  );
});

test("initBackend() with FORGETTING_BACKEND=gpu throws a ValueError naming the environment variable", async () => {
  const saved = process.env.FORGETTING_BACKEND;
  process.env.FORGETTING_BACKEND = "gpu";
  try {
    await assert.rejects(initBackend(), /^ValueError: initBackend: environment variable FORGETTING_BACKEND expected one of "tensorflow-gpu", .*"auto", got "gpu"$/);
  } finally {
    if (saved === undefined) delete process.env.FORGETTING_BACKEND;
    else process.env.FORGETTING_BACKEND = saved;
  }
});

test("initBackend({backend: 'tensorflow-gpu'}) where tfjs-node-gpu is missing: ValueError saying why and what is available", async (t) => {
  if (installed("@tensorflow/tfjs-node-gpu")) return t.skip("@tensorflow/tfjs-node-gpu is installed on this machine");
  await assert.rejects(initBackend({ backend: "tensorflow-gpu" }), (err: unknown) => {
    assert.ok(err instanceof ValueError);
    assert.match(err.message, /^initBackend: backend "tensorflow-gpu" \(from the backend option\) is not available here: @tensorflow\/tfjs-node-gpu is not installed/);
    assert.match(err.message, /Available: .*"wasm", "cpu"\./);
    assert.match(err.message, /\n {2}tensorflow-gpu: unavailable \(/);
    assert.match(err.message, /\n {2}wasm: available \(/);
    return true;
  });
});

test("initBackend({backend: 'wasm'}) is idempotent and reports backend, package, device and versions", async () => {
  const first = await initBackend({ backend: "wasm" });
  const second = await initBackend({ backend: "wasm" });
  assert.equal(first, second);
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(first.backend, "wasm");
  assert.equal(first.backendPackage, "@tensorflow/tfjs-backend-wasm");
  assert.equal(first.device, "CPU");
  assert.equal(first.versions.node, process.versions.node);
  assert.equal(first.versions["tfjs-core"], "4.22.0");
  assert.equal(first.versions["@tensorflow/tfjs-backend-wasm"], "4.22.0");
  assert.equal(first.platform, `${process.platform}-${process.arch}`);
});

test("initBackend() switches back when something else changed the tfjs backend", async () => {
  await initBackend({ backend: "wasm" });
  await tf.setBackend("cpu");
  await initBackend({ backend: "wasm" });
  assert.equal(tf.getBackend(), "wasm");
});

test("initBackend({backend}) wins over FORGETTING_BACKEND", async () => {
  const saved = process.env.FORGETTING_BACKEND;
  process.env.FORGETTING_BACKEND = "wasm";
  try {
    const info = await initBackend({ backend: "cpu" });
    assert.equal(info.backend, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.equal(backendReport().requestedBy, "option");
    assert.match(backendReport().reasons.wasm, /^not tried: the backend option asked for "cpu"$/);
  } finally {
    if (saved === undefined) delete process.env.FORGETTING_BACKEND;
    else process.env.FORGETTING_BACKEND = saved;
  }
});

test("probeBackends() and the automatic choice agree: the chosen backend is the first available one", () => {
  const probes = probeBackends();
  assert.equal(probes.cpu.available, true);
  assert.equal(probes.wasm.available, true);
  const expected = VALID_BACKENDS.find((name) => probes[name].available);
  // A fresh process, so no earlier choice is cached and FORGETTING_BACKEND is unset.
  const script = 'require("./src/backend").initBackend({ backend: "auto" }).then(() => console.log(JSON.stringify(require("./src/backend").backendReport())));';
  const env = { ...process.env };
  delete env.FORGETTING_BACKEND;
  const report = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8", env }).trim().split("\n").pop() ?? "") as BackendReport;
  assert.equal(report.chosen, expected);
  const rank = VALID_BACKENDS.indexOf(report.chosen);
  VALID_BACKENDS.forEach((name, i) => {
    if (i < rank) assert.match(report.reasons[name], /^unavailable: /);
    else if (i === rank) assert.match(report.reasons[name], /^chosen: /);
    else assert.match(report.reasons[name], /^not tried: /);
  });
});
