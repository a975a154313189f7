import { test } from "node:test";
import * as assert from "node:assert/strict";
import { listNvidiaGpus } from "../../src/backend/system";
import { withFakeNvidiaSmi } from "./fakeNvidiaSmi";

test("listNvidiaGpus() gives the names and the driver version nvidia-smi lists, in its order", () =>
  withFakeNvidiaSmi(["NVIDIA RTX A5000, 535.104.05", "Tesla V100-SXM2-16GB, 535.104.05"], () => {
    assert.deepEqual(listNvidiaGpus(), { names: ["NVIDIA RTX A5000", "Tesla V100-SXM2-16GB"], driver: "535.104.05" });
  }));

test("listNvidiaGpus() is empty when nvidia-smi lists no GPU or is not on PATH", async () => {
  await withFakeNvidiaSmi([], () => assert.deepEqual(listNvidiaGpus(), { names: [], driver: null }));
  const original = process.env.PATH;
  process.env.PATH = "";
  try {
    assert.deepEqual(listNvidiaGpus(), { names: [], driver: null });
  } finally {
    process.env.PATH = original;
  }
});
