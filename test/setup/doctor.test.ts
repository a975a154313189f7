import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { VALID_BACKENDS } from "../../src/backend";
import { doctor, formatDoctorReport } from "../../src/setup/doctor";
import { withFakeNvidiaSmi } from "../backend/fakeNvidiaSmi";

/** True if some folder of PATH holds an nvidia-smi (checked here without the doctor's helpers). */
function hasNvidiaSmi(): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => dir && fs.existsSync(`${dir}/nvidia-smi`));
}

test("doctor() reports the chosen backend, why better ones are unavailable, and a fix for every failed check", async () => {
  const saved = process.env.FORGETTING_BACKEND;
  delete process.env.FORGETTING_BACKEND;
  try {
    const report = await doctor();
    assert.ok(VALID_BACKENDS.includes(report.chosen));
    assert.equal(report.backends[report.chosen].available, true);
    assert.match(report.backends[report.chosen].reason, /^chosen: /);
    // Nothing was forced: every better backend is unavailable, with a reason and a failed check.
    for (const name of VALID_BACKENDS.slice(0, VALID_BACKENDS.indexOf(report.chosen))) {
      assert.equal(report.backends[name].available, false);
      const check = report.checks.find((c) => c.name === `backend ${name}`);
      assert.ok(check && !check.ok && check.detail === report.backends[name].reason);
    }
    for (const check of report.checks.filter((c) => !c.ok)) assert.ok(check.fix && check.fix.length > 10, `no fix for ${check.name}`);
    assert.deepEqual(Object.keys(report.gpu.libraries), ["libcudart.so.11.0", "libcudnn.so.8"]);
    assert.equal(report.versions.node, process.versions.node);
    assert.equal(report.versions["tfjs-core"], "4.22.0");
    assert.equal(report.versions["@tensorflow/tfjs-backend-wasm"], "4.22.0");
    if (!hasNvidiaSmi()) {
      assert.deepEqual(report.gpu.devices, []);
      const driver = report.checks.find((c) => c.name === "gpu-driver");
      assert.ok(driver && !driver.ok && /NVIDIA driver/.test(driver.fix ?? ""));
    }
    if (report.chosen === "wasm") assert.ok(report.checks.some((c) => c.name === "wasm training kernels" && c.ok && /Conv2DBackpropFilter/.test(c.detail)));
    const jupyter = report.checks.find((c) => c.name === "jupyter");
    assert.ok(jupyter);
    assert.equal(jupyter.ok, report.jupyter.python !== null);

    const text = formatDoctorReport(report);
    assert.match(text, new RegExp(`^Backend: ${report.chosen} `));
    for (const name of VALID_BACKENDS) assert.match(text, new RegExp(`\\n  [*+-] ${name} `));
    assert.match(text, /libcudnn\.so\.8/);
    assert.match(text, /libtensorflow 2\.9\.1: CUDA 11\.2 and cuDNN 8\.1/);
    assert.match(text, /kernel forgetting-tslab/);
    for (const check of report.checks.filter((c) => !c.ok)) assert.ok(text.includes(`fix: ${check.fix}`));
  } finally {
    if (saved !== undefined) process.env.FORGETTING_BACKEND = saved;
  }
});

test("doctor() with FORGETTING_BACKEND=cpu: cpu chosen, wasm still reported available, a slow-backend warning with a fix", async () => {
  const saved = process.env.FORGETTING_BACKEND;
  process.env.FORGETTING_BACKEND = "cpu";
  try {
    const report = await doctor();
    assert.equal(report.chosen, "cpu");
    assert.equal(report.environment.backend, "cpu");
    assert.equal(report.backends.wasm.available, true);
    const speed = report.checks.find((c) => c.name === "backend speed");
    assert.ok(speed && !speed.ok && /npm ci/.test(speed.fix ?? ""));
  } finally {
    if (saved === undefined) delete process.env.FORGETTING_BACKEND;
    else process.env.FORGETTING_BACKEND = saved;
  }
});

test("doctor() names the GPUs and driver nvidia-smi lists in its gpu-driver check", () =>
  withFakeNvidiaSmi(["NVIDIA RTX A5000, 535.104.05"], async () => {
    const report = await doctor();
    assert.deepEqual([report.gpu.devices, report.gpu.driver], [["NVIDIA RTX A5000"], "535.104.05"]);
    assert.deepEqual(report.checks.find((c) => c.name === "gpu-driver"), { name: "gpu-driver", ok: true, detail: "NVIDIA RTX A5000 (driver 535.104.05)", fix: undefined });
  }));
