/**
 * Seeded random numbers. Every random choice in a run (initialization, shuffling,
 * augmentation, label noise) comes from a `Random` derived from the run seed and a
 * purpose key, so a resumed run can rebuild the generator of epoch e from (seed, e)
 * alone, with no hidden global state.
 */

/** Mixes a 32-bit value (the finalizer of murmur3). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a seed and a list of keys (strings or integers) into one 32-bit seed. */
export function deriveSeed(seed: number, ...keys: Array<string | number>): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  for (const key of keys) {
    const text = String(key);
    for (let i = 0; i < text.length; i++) h = mix32(h ^ Math.imul(text.charCodeAt(i) + 1, 0x27d4eb2d));
    h = mix32(h ^ 0x165667b1);
  }
  return h;
}

/**
 * A small, fast, seeded generator (sfc32). Not cryptographic; period about 2^128.
 * `state()` and `Random.fromState()` copy a generator mid-stream; checkpoints need neither,
 * since every generator is rebuilt from the seed and its keys (see src/runs/checkpoint.ts).
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, ...keys: Array<string | number>) {
    const s = deriveSeed(seed, ...keys);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  static fromState(state: readonly number[]): Random {
    const r = new Random(0);
    [r.a, r.b, r.c, r.d] = state.map((v) => v >>> 0) as [number, number, number, number];
    return r;
  }

  state(): number[] {
    return [this.a, this.b, this.c, this.d];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
