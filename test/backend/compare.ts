/** Helpers shared by the tests that compare wasm kernels with the cpu backend. */
import assert from "node:assert/strict";
import { Random } from "../../src/core/random";

/** `size` seeded uniform values in [low, high). */
export function randomArray(size: number, seed: number, key: string, low = -1, high = 1): Float32Array {
  const rng = new Random(seed, key);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(low, high);
  return out;
}

/** max |actual - expected| / max |expected|: the relative error the tolerances refer to. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}
