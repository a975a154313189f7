"""Independent reference for src/core/random.ts, written from the published algorithms, not
from the TypeScript: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator, PractRand;
a, b, c and a counter d; shifts 9, 3, rotation 21) and murmur3's 32-bit finalizer (fmix32).
The project's choices on top: the seed derivation (fmix32 of seed ^ 0x9e3779b9, then of each
key character's code times 0x27d4eb2d, and of 0x165667b1 after each key), the initial state
(a, b, c = 0x9e3779b9, 0x243f6a88, 0xb7e15162, d = derived seed, 15 outputs discarded), and
floats, ranges, Fisher-Yates and Box-Muller as documented there.

Run once with `python3 test/core/random_reference.py`; test/core/random.test.ts holds its output.
"""
import math

M = 0xFFFFFFFF


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M
    h ^= h >> 16
    return h


def murmur3_x86_32_empty(seed):
    """MurmurHash3_x86_32 of the empty input: no blocks, no tail, h ^= length 0, then fmix32."""
    return fmix32(seed & M)


def derive_seed(seed, *keys):
    h = fmix32((seed & M) ^ 0x9E3779B9)
    for key in keys:
        for ch in str(key):
            h = fmix32(h ^ (((ord(ch) + 1) * 0x27D4EB2D) & M))
        h = fmix32(h ^ 0x165667B1)
    return h


class Sfc32:
    def __init__(self, seed, *keys):
        self.a, self.b, self.c, self.d = 0x9E3779B9, 0x243F6A88, 0xB7E15162, derive_seed(seed, *keys)
        for _ in range(15):
            self.next_uint32()

    def next_uint32(self):
        t = (self.a + self.b + self.d) & M
        self.d = (self.d + 1) & M
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M
        self.c = (((self.c << 21) | (self.c >> 11)) + t) & M
        return t

    def next(self):
        return self.next_uint32() / 4294967296

    def uniform(self, low, high):
        return low + (high - low) * self.next()

    def int(self, n):
        return math.floor(self.next() * n)

    def normal(self):
        u = 1 - self.next()
        v = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


hexes = lambda values: "[" + ", ".join(f"0x{v:08x}" for v in values) + "]"
print("murmur3 x86_32('', 1), ('', 0xffffffff):", hexes([murmur3_x86_32_empty(1), murmur3_x86_32_empty(0xFFFFFFFF)]))
print("deriveSeed(0):", hexes([derive_seed(0)]))
print('deriveSeed(7, "shuffle", 3):', hexes([derive_seed(7, "shuffle", 3)]))
print('deriveSeed(3, "augment", 12):', hexes([derive_seed(3, "augment", 12)]))
print('deriveSeed(1, "init"), deriveSeed(2, "init"):', hexes([derive_seed(1, "init"), derive_seed(2, "init")]))
print('deriveSeed(1, "ab"), deriveSeed(1, "a", "b"):', hexes([derive_seed(1, "ab"), derive_seed(1, "a", "b")]))
print("Random(0) nextUint32 x8:", hexes([r.next_uint32() for r in [Sfc32(0)] for _ in range(8)]))
print('Random(7, "shuffle", 3) nextUint32 x8:', hexes([r.next_uint32() for r in [Sfc32(7, "shuffle", 3)] for _ in range(8)]))
r = Sfc32(42)
print("Random(42) next x4:", [repr(r.next()) for _ in range(4)])
r = Sfc32(42, "uniform")
print('Random(42, "uniform") uniform(-1, 3) x4:', [repr(r.uniform(-1, 3)) for _ in range(4)])
r = Sfc32(5, "int")
print('Random(5, "int") int(10) x12:', [r.int(10) for _ in range(12)])
r = Sfc32(5, "int")
print('Random(5, "int") int(1438) x6:', [r.int(1438) for _ in range(6)])
r = Sfc32(5, "int")
print('Random(5, "int") int(2**31 - 1) x3:', [r.int(2**31 - 1) for _ in range(3)])
r = Sfc32(9, "normal")
print('Random(9, "normal") normal x4:', [repr(r.normal()) for _ in range(4)])
print('Random(1, "epoch", 2) permutation(10):', Sfc32(1, "epoch", 2).shuffle(list(range(10))))
print('Random(0, "epoch", 0) permutation(1438) first 8 / last 4:', (lambda p: (p[:8], p[-4:]))(Sfc32(0, "epoch", 0).shuffle(list(range(1438)))))
print('Random(11, "names") shuffle(["a".."f"]):', Sfc32(11, "names").shuffle(list("abcdef")))
