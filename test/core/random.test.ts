import test from "node:test";
import assert from "node:assert/strict";
import { Random, deriveSeed } from "../../src/core/random";

test("Random(seed, key) gives the same stream for the same seed and key", () => {
  const a = new Random(7, "shuffle", 3);
  const b = new Random(7, "shuffle", 3);
  const c = new Random(7, "shuffle", 4);
  const seqA = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(seqA, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(seqA, Array.from({ length: 5 }, () => c.nextUint32()));
  assert.notEqual(deriveSeed(1, "a"), deriveSeed(2, "a"));
});

test("Random.fromState(r.state()) continues the same stream", () => {
  const r = new Random(11);
  r.next();
  const copy = Random.fromState(r.state());
  assert.equal(copy.nextUint32(), r.nextUint32());
});

test("Random.permutation(n) holds every index once", () => {
  const p = Array.from(new Random(3).permutation(100)).sort((x, y) => x - y);
  assert.deepEqual(p, Array.from({ length: 100 }, (_, i) => i));
});
