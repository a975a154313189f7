/**
 * Compact storages of a float record row (see FLOAT_STORAGE in ./layout.ts): IEEE 754 half
 * precision, and 8-bit quantization with a per-row offset and scale. Pure functions: a row
 * of float32 values in, its bytes out, and back.
 */
import { ValueError } from "../core/errors";
import type { FloatStorage } from "../config/train";
import { FLOAT_STORAGE } from "./layout";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bits of `value` (float32 rounded to nearest even; NaN stays NaN, overflow is Infinity). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Infinity or NaN
  const e = exponent - 127 + 15; // the half exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: Infinity
  if (e <= 0) {
    // Subnormal half (or zero): the mantissa with its implicit 1, shifted right, rounded to nearest even.
    if (e < -10) return sign;
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && out & 1)) out++;
    return sign | out;
  }
  let out = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves into the exponent, which is exactly the rounded value (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out++;
  return sign | out;
}

/** The value of half-precision bits `h`. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The q8 code of "not presented". */
const Q8_MISSING = 255;
const Q8_LEVELS = 254;

/**
 * The bytes of one row in `storage`.
 * @param row [nExamples] float32 values, NaN where not presented.
 * @returns FLOAT_STORAGE[storage].rowBytes(nExamples) bytes.
 */
export function encodeFloatRow(row: Float32Array, storage: FloatStorage): Uint8Array {
  const n = row.length;
  if (storage === "float32") return new Uint8Array(row.buffer.slice(row.byteOffset, row.byteOffset + row.byteLength));
  const bytes = new Uint8Array(FLOAT_STORAGE[storage].rowBytes(n));
  const view = new DataView(bytes.buffer);
  if (storage === "float16") {
    for (let i = 0; i < n; i++) view.setUint16(2 * i, toFloat16Bits(row[i]), true);
    return bytes;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = row[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) min = max = 0; // no finite value
  // The offset and scale as stored (float32), so encoding and decoding use the same numbers.
  f32[0] = min;
  const offset = f32[0];
  f32[0] = (max - offset) / Q8_LEVELS;
  const scale = f32[0];
  view.setFloat32(0, offset, true);
  view.setFloat32(4, scale, true);
  for (let i = 0; i < n; i++) {
    const v = row[i];
    if (Number.isNaN(v)) bytes[8 + i] = Q8_MISSING;
    else bytes[8 + i] = scale > 0 ? Math.min(Q8_LEVELS, Math.max(0, Math.round((v - offset) / scale))) : 0;
  }
  return bytes;
}

/**
 * Decodes `nRows` rows of `storage` into float32.
 * @param bytes nRows x FLOAT_STORAGE[storage].rowBytes(nExamples) bytes.
 * @returns [nRows, nExamples] float32 (NaN where not presented).
 * @throws ValueError if the byte count is not nRows whole rows.
 */
export function decodeFloatRows(bytes: Uint8Array, storage: FloatStorage, nExamples: number): Float32Array {
  const rowBytes = FLOAT_STORAGE[storage].rowBytes(nExamples);
  if (bytes.length % rowBytes !== 0) throw new ValueError(`decodeFloatRows: expected whole rows of ${rowBytes} bytes (${storage}, ${nExamples} examples), got ${bytes.length} bytes`);
  const nRows = bytes.length / rowBytes;
  if (storage === "float32") return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const out = new Float32Array(nRows * nExamples);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let r = 0; r < nRows; r++) {
    const base = r * rowBytes;
    if (storage === "float16") {
      for (let i = 0; i < nExamples; i++) out[r * nExamples + i] = fromFloat16Bits(view.getUint16(base + 2 * i, true));
      continue;
    }
    const offset = view.getFloat32(base, true);
    const scale = view.getFloat32(base + 4, true);
    for (let i = 0; i < nExamples; i++) {
      const q = bytes[base + 8 + i];
      out[r * nExamples + i] = q === Q8_MISSING ? NaN : offset + q * scale;
    }
  }
  return out;
}
