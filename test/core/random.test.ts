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

// Known answers from test/core/random_reference.py, an independent Python implementation of
// sfc32 and murmur3's finalizer written from the published algorithms (run once; its printed
// output is pasted below).
const hex = (values: number[]) => values.map((v) => `0x${v.toString(16).padStart(8, "0")}`);

test("deriveSeed(seed) with no keys is murmur3's finalizer of seed ^ 0x9e3779b9: MurmurHash3_x86_32's published vectors", () => {
  // MurmurHash3_x86_32 of the empty input is the finalizer of its seed: 0x514e28b7 for seed 1,
  // 0x81f16f39 for seed 0xffffffff (the published test vectors).
  assert.deepEqual(hex([deriveSeed((1 ^ 0x9e3779b9) >>> 0), deriveSeed((0xffffffff ^ 0x9e3779b9) >>> 0)]), ["0x514e28b7", "0x81f16f39"]);
  assert.deepEqual(hex([deriveSeed(0)]), ["0x92ca2f0e"]);
});

test("deriveSeed(seed, ...keys) known answers: each key character, then a key separator, so 'ab' differs from 'a', 'b'", () => {
  assert.deepEqual(hex([deriveSeed(7, "shuffle", 3), deriveSeed(3, "augment", 12)]), ["0x532d7d17", "0x51387e09"]);
  assert.deepEqual(hex([deriveSeed(1, "init"), deriveSeed(2, "init")]), ["0x4dbf8b68", "0xfffaa8a5"]);
  assert.deepEqual(hex([deriveSeed(1, "ab"), deriveSeed(1, "a", "b")]), ["0xc614da4b", "0xf0f5106e"]);
  // An integer key is hashed as its decimal text.
  assert.equal(deriveSeed(7, "shuffle", 3), deriveSeed(7, "shuffle", "3"));
});

test("Random(seed, ...keys).nextUint32() known answers: sfc32 from the derived seed after 15 discarded outputs", () => {
  const draw = (r: Random, n: number) => Array.from({ length: n }, () => r.nextUint32());
  assert.deepEqual(hex(draw(new Random(0), 8)), ["0xc25b9164", "0x7e0a9f0e", "0xb1f6e343", "0xadddaa7d", "0xeffdc79e", "0xfb2dd1aa", "0xdc1b2928", "0xc8ec9ec9"]);
  assert.deepEqual(hex(draw(new Random(7, "shuffle", 3), 8)), ["0xf838be92", "0xc6d95b79", "0xd46037c7", "0xb0dae648", "0x9c2e5cad", "0x762db6c0", "0xa1913db1", "0x412f18cd"]);
});

test("Random.next(), uniform(low, high), int(n) known answers (exact: each is one or two IEEE operations on a 32-bit draw)", () => {
  const r = new Random(42);
  assert.deepEqual([r.next(), r.next(), r.next(), r.next()], [0.9781065923161805, 0.12559402640908957, 0.1684975977987051, 0.05393579229712486]);
  const u = new Random(42, "uniform");
  assert.deepEqual([u.uniform(-1, 3), u.uniform(-1, 3), u.uniform(-1, 3), u.uniform(-1, 3)], [1.2539970790967345, 0.7915683882310987, 0.7967171976342797, 2.877340537495911]);
  const ints = (n: number, count: number) => {
    const g = new Random(5, "int");
    return Array.from({ length: count }, () => g.int(n));
  };
  assert.deepEqual(ints(10, 12), [4, 0, 2, 9, 6, 1, 6, 2, 6, 2, 8, 0]);
  assert.deepEqual(ints(1438, 6), [590, 77, 368, 1333, 982, 264]);
  assert.deepEqual(ints(2 ** 31 - 1, 3), [882016783, 116312515, 549929181]);
});

test("Random.normal() known answers (Box-Muller), to 1e-15: log and cos may differ in the last bit between math libraries", () => {
  const r = new Random(9, "normal");
  const expected = [-0.0875301144668793, -0.8388065031881604, 0.9832503611947878, -1.6000601583637097];
  for (const want of expected) {
    const got = r.normal();
    assert.ok(Math.abs(got - want) <= 1e-15 * Math.max(1, Math.abs(want)), `${got} vs ${want}`);
  }
});

test("Random.permutation(n) and shuffle(items) known answers (Fisher-Yates from the end, j = int(i + 1))", () => {
  assert.deepEqual(Array.from(new Random(1, "epoch", 2).permutation(10)), [8, 9, 0, 1, 4, 3, 7, 5, 6, 2]);
  const digitsEpoch = Array.from(new Random(0, "epoch", 0).permutation(1438));
  assert.deepEqual([digitsEpoch.slice(0, 8), digitsEpoch.slice(-4)], [[201, 1276, 555, 101, 1091, 556, 406, 145], [1255, 211, 153, 388]]);
  const names = ["a", "b", "c", "d", "e", "f"];
  assert.equal(new Random(11, "names").shuffle(names), names, "shuffles in place");
  assert.deepEqual(names, ["c", "a", "d", "b", "e", "f"]);
});
