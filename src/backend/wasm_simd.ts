/**
 * Hand-written WebAssembly SIMD loops that run on the wasm backend's own heap, for the
 * training kernels whose inner loop tfjs' wasm binary does not have and a JavaScript loop runs
 * slowly (the max-pool gradient's data-dependent branches mispredict on every window; col2im
 * adds one float at a time). The module imports the backend's WebAssembly.Memory, so its
 * functions take the tensors' heap byte offsets and read and write them in place, with no copy.
 *
 * The source is WebAssembly text below, assembled once per process by wabt (about 50 ms) when
 * the wasm backend is activated. Every function takes byte offsets (i32) and element counts.
 */
import { ValueError } from "../core/errors";

/** Filter columns the single-channel filter-gradient loop handles in one pass (widths 1..8). */
export const MAX_SINGLE_CHANNEL_FILTER_WIDTH = 8;
const TAPS = Array.from({ length: MAX_SINGLE_CHANNEL_FILTER_WIDTH }, (_, j) => j);

const SOURCE = String.raw`
(module
  ;; The tfjs wasm backend's heap.
  (import "env" "memory" (memory 1))

  ;; dx of a 2x2, stride-2, unpadded max pool, NHWC, channels >= 4. For each window the first
  ;; maximum in row-major order (strict >, starting from -Infinity, so a window of NaNs passes
  ;; nothing) receives dy; the other three entries get +0. Four channels per vector; the last
  ;; vector of a pixel starts at channels - 4 and may overlap the one before it (same values).
  ;; Rows and columns outside every window (odd heights or widths) are not written.
  (func (export "maxPool2x2Grad")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $outH i32) (param $outW i32) (param $channels i32)
    (local $pixelBytes i32) (local $rowBytes i32) (local $lastVector i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $d i32)
    (local $window i32) (local $at i32) (local $g i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $best v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $later v128) (local $grad v128)
    (local.set $pixelBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $inW) (local.get $pixelBytes)))
    (local.set $lastVector (i32.sub (local.get $pixelBytes) (i32.const 16)))
    (local.set $g (local.get $dy))
    (loop $batches
      (local.set $oh (i32.const 0))
      (loop $rows
        ;; Byte offset of the window's top-left pixel, relative to x and dx.
        (local.set $window (i32.mul (local.get $rowBytes)
          (i32.add (i32.mul (local.get $b) (local.get $inH)) (i32.shl (local.get $oh) (i32.const 1)))))
        (local.set $ow (i32.const 0))
        (loop $columns
          (local.set $d (i32.const 0))
          (loop $vectors
            (if (i32.gt_s (local.get $d) (local.get $lastVector)) (then (local.set $d (local.get $lastVector))))
            (local.set $at (i32.add (local.get $window) (local.get $d)))
            (local.set $v0 (v128.load (i32.add (local.get $x) (local.get $at))))
            (local.set $v1 (v128.load (i32.add (local.get $x) (i32.add (local.get $at) (local.get $pixelBytes)))))
            (local.set $v2 (v128.load (i32.add (local.get $x) (i32.add (local.get $at) (local.get $rowBytes)))))
            (local.set $v3 (v128.load (i32.add (local.get $x)
              (i32.add (local.get $at) (i32.add (local.get $rowBytes) (local.get $pixelBytes))))))
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $m0 (f32x4.gt (local.get $v0) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v0) (local.get $best) (local.get $m0)))
            (local.set $m1 (f32x4.gt (local.get $v1) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v1) (local.get $best) (local.get $m1)))
            (local.set $m2 (f32x4.gt (local.get $v2) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v2) (local.get $best) (local.get $m2)))
            (local.set $m3 (f32x4.gt (local.get $v3) (local.get $best)))
            ;; The last strict improvement wins: entry k wins if m_k and no later m.
            (local.set $grad (v128.load (i32.add (local.get $g) (local.get $d))))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $at) (i32.add (local.get $rowBytes) (local.get $pixelBytes))))
              (v128.and (local.get $grad) (local.get $m3)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $at) (local.get $rowBytes)))
              (v128.and (local.get $grad) (v128.andnot (local.get $m2) (local.get $m3))))
            (local.set $later (v128.or (local.get $m2) (local.get $m3)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $at) (local.get $pixelBytes)))
              (v128.and (local.get $grad) (v128.andnot (local.get $m1) (local.get $later))))
            (local.set $later (v128.or (local.get $m1) (local.get $later)))
            (v128.store (i32.add (local.get $dx) (local.get $at))
              (v128.and (local.get $grad) (v128.andnot (local.get $m0) (local.get $later))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br_if $vectors (i32.lt_s (local.get $d) (local.get $pixelBytes))))
          (local.set $window (i32.add (local.get $window) (i32.shl (local.get $pixelBytes) (i32.const 1))))
          (local.set $g (i32.add (local.get $g) (local.get $pixelBytes)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br_if $columns (i32.lt_s (local.get $ow) (local.get $outW))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br_if $rows (i32.lt_s (local.get $oh) (local.get $outH))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br_if $batches (i32.lt_s (local.get $b) (local.get $batch)))))

  ;; to[k] += from[k] for k < count (floats), four at a time, then one at a time.
  (func $addInto (param $to i32) (param $from i32) (param $count i32)
    (local $end i32) (local $vectorEnd i32)
    (local.set $end (i32.add (local.get $to) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.sub (local.get $end) (i32.const 12)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $to) (local.get $vectorEnd)))
        (v128.store (local.get $to) (f32x4.add (v128.load (local.get $to)) (v128.load (local.get $from))))
        (local.set $to (i32.add (local.get $to) (i32.const 16)))
        (local.set $from (i32.add (local.get $from) (i32.const 16)))
        (br $vectors)))
    (block $done
      (loop $scalars
        (br_if $done (i32.ge_u (local.get $to) (local.get $end)))
        (f32.store (local.get $to) (f32.add (f32.load (local.get $to)) (f32.load (local.get $from))))
        (local.set $to (i32.add (local.get $to) (i32.const 4)))
        (local.set $from (i32.add (local.get $from) (i32.const 4)))
        (br $scalars))))

  ;; Filter gradient of a single-input-channel, stride-1, unpadded conv2d (the MNIST CNN's
  ;; first layer), filter width <= 8: dW[i, j, 0, o] = sum over b, r, s of
  ;; x[b, r + i, s + j] * dyT[o, b, r, s], with dy given channel-major (dyT [outC, batch, outH,
  ;; outW]) so both operands are contiguous along s. One pass over dy per (o, i) feeds all
  ;; filter columns j at once (accumulators acc0..acc7, four positions per vector; the last
  ;; outW % 4 positions in tail0..tail7).
  (func (export "filterGradSingleChannel")
    (param $x i32) (param $dyT i32) (param $dW i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $outH i32) (param $outW i32)
    (param $kh i32) (param $kw i32) (param $outC i32)
    (local $o i32) (local $i i32) (local $b i32) (local $r i32) (local $s i32)
    (local $vectorEnd i32) (local $xAt i32) (local $dyRow i32) (local $d v128) (local $dScalar f32)
    ${TAPS.map((j) => `(local $acc${j} v128) (local $tail${j} f32)`).join(" ")}
    (local.set $vectorEnd (i32.and (local.get $outW) (i32.const -4)))
    (local.set $dyRow (local.get $dyT))
    (loop $outputs
      (local.set $i (i32.const 0))
      (loop $filterRows
        ${TAPS.map((j) => `(local.set $acc${j} (v128.const f32x4 0 0 0 0)) (local.set $tail${j} (f32.const 0))`).join("\n        ")}
        (local.set $dyRow (i32.add (local.get $dyT)
          (i32.shl (i32.mul (i32.mul (local.get $o) (local.get $batch)) (i32.mul (local.get $outH) (local.get $outW))) (i32.const 2))))
        (local.set $b (i32.const 0))
        (loop $images
          (local.set $r (i32.const 0))
          (loop $rows
            ;; x[b, r + i, 0]
            (local.set $xAt (i32.add (local.get $x) (i32.shl
              (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (i32.add (local.get $r) (local.get $i))) (local.get $inW)) (i32.const 2))))
            (local.set $s (i32.const 0))
            (block $vectorsDone
              (loop $vectors
                (br_if $vectorsDone (i32.ge_s (local.get $s) (local.get $vectorEnd)))
                (local.set $d (v128.load (i32.add (local.get $dyRow) (i32.shl (local.get $s) (i32.const 2)))))
                ${TAPS.map((j) => `(if (i32.gt_s (local.get $kw) (i32.const ${j})) (then (local.set $acc${j} (f32x4.add (local.get $acc${j})
                  (f32x4.mul (local.get $d) (v128.load offset=${4 * j} (local.get $xAt)))))))`).join("\n                ")}
                (local.set $xAt (i32.add (local.get $xAt) (i32.const 16)))
                (local.set $s (i32.add (local.get $s) (i32.const 4)))
                (br $vectors)))
            (block $done
              (loop $scalars
                (br_if $done (i32.ge_s (local.get $s) (local.get $outW)))
                (local.set $dScalar (f32.load (i32.add (local.get $dyRow) (i32.shl (local.get $s) (i32.const 2)))))
                ${TAPS.map((j) => `(if (i32.gt_s (local.get $kw) (i32.const ${j})) (then (local.set $tail${j} (f32.add (local.get $tail${j})
                  (f32.mul (local.get $dScalar) (f32.load offset=${4 * j} (local.get $xAt)))))))`).join("\n                ")}
                (local.set $xAt (i32.add (local.get $xAt) (i32.const 4)))
                (local.set $s (i32.add (local.get $s) (i32.const 1)))
                (br $scalars)))
            (local.set $dyRow (i32.add (local.get $dyRow) (i32.shl (local.get $outW) (i32.const 2))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br_if $rows (i32.lt_s (local.get $r) (local.get $outH))))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br_if $images (i32.lt_s (local.get $b) (local.get $batch))))
        ;; dW[i, j, 0, o] = the four lanes and the tail, added in a fixed order.
        ${TAPS.map((j) => `(if (i32.gt_s (local.get $kw) (i32.const ${j})) (then (f32.store
          (i32.add (local.get $dW) (i32.shl (i32.add (local.get $o) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (i32.const ${j})) (local.get $outC))) (i32.const 2)))
          (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc${j})) (f32x4.extract_lane 1 (local.get $acc${j})))
                            (f32.add (f32x4.extract_lane 2 (local.get $acc${j})) (f32x4.extract_lane 3 (local.get $acc${j}))))
                   (local.get $tail${j})))))`).join("\n        ")}
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $filterRows (i32.lt_s (local.get $i) (local.get $kh))))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br_if $outputs (i32.lt_s (local.get $o) (local.get $outC)))))

  ;; col2im of a conv2d input gradient, NHWC: every row of patches [positions, kh * kw * C]
  ;; (positions = batch * outH * outW, in order) is added onto the pixels of dx it was taken
  ;; from. dx must be zero on entry. For a patch row and a filter row i, the filter columns
  ;; that land inside the image form one contiguous run in both the patch row and dx.
  (func (export "col2im")
    (param $patches i32) (param $dx i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $channels i32)
    (param $outH i32) (param $outW i32) (param $kh i32) (param $kw i32)
    (param $strideH i32) (param $strideW i32) (param $top i32) (param $left i32)
    (local $n i32) (local $r i32) (local $c i32) (local $i i32) (local $h i32)
    (local $w0 i32) (local $jStart i32) (local $jEnd i32) (local $count i32) (local $source i32) (local $patchBytes i32)
    (local.set $patchBytes (i32.shl (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $channels)) (i32.const 2)))
    (local.set $source (local.get $patches))
    (loop $images
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $c (i32.const 0))
        (loop $columns
          (local.set $w0 (i32.sub (i32.mul (local.get $c) (local.get $strideW)) (local.get $left)))
          (local.set $jStart (select (i32.sub (i32.const 0) (local.get $w0)) (i32.const 0) (i32.lt_s (local.get $w0) (i32.const 0))))
          (local.set $jEnd (i32.sub (local.get $inW) (local.get $w0)))
          (if (i32.gt_s (local.get $jEnd) (local.get $kw)) (then (local.set $jEnd (local.get $kw))))
          (if (i32.gt_s (local.get $jEnd) (local.get $jStart))
            (then
              (local.set $count (i32.mul (i32.sub (local.get $jEnd) (local.get $jStart)) (local.get $channels)))
              (local.set $i (i32.const 0))
              (loop $filterRows
                (local.set $h (i32.sub (i32.add (i32.mul (local.get $r) (local.get $strideH)) (local.get $i)) (local.get $top)))
                ;; 0 <= h < inH, as one unsigned comparison.
                (if (i32.lt_u (local.get $h) (local.get $inH))
                  (then
                    (call $addInto
                      (i32.add (local.get $dx) (i32.shl (i32.mul (i32.add
                        (i32.mul (i32.add (i32.mul (local.get $n) (local.get $inH)) (local.get $h)) (local.get $inW))
                        (i32.add (local.get $w0) (local.get $jStart))) (local.get $channels)) (i32.const 2)))
                      (i32.add (local.get $source) (i32.shl (i32.mul
                        (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $jStart)) (local.get $channels)) (i32.const 2)))
                      (local.get $count))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $filterRows (i32.lt_s (local.get $i) (local.get $kh))))))
          (local.set $source (i32.add (local.get $source) (local.get $patchBytes)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $columns (i32.lt_s (local.get $c) (local.get $outW))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rows (i32.lt_s (local.get $r) (local.get $outH))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $images (i32.lt_s (local.get $n) (local.get $batch)))))
)
`;

export interface SimdKernels {
  /** See the module source: byte offsets of x, dy, dx; sizes in pixels; channels >= 4. */
  maxPool2x2Grad(x: number, dy: number, dx: number, batch: number, inH: number, inW: number, outH: number, outW: number, channels: number): void;
  /** See the module source: byte offsets of x, dy channel-major and dW; geometry in pixels. */
  filterGradSingleChannel(x: number, dyT: number, dW: number, batch: number, inH: number, inW: number, outH: number, outW: number, kh: number, kw: number, outC: number): void;
  /** See the module source: byte offsets of patches and dx (zeroed); geometry in pixels. */
  col2im(
    patches: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
    kh: number,
    kw: number,
    strideH: number,
    strideW: number,
    top: number,
    left: number,
  ): void;
}

interface Wabt {
  parseWat(filename: string, text: string, features: Record<string, boolean>): { toBinary(options: object): { buffer: Uint8Array<ArrayBuffer> }; destroy(): void };
}

let compiled: Promise<WebAssembly.Module> | null = null;

/** Assembles the module once per process. */
function compileModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wabt = await (require("wabt") as () => Promise<Wabt>)();
    const parsed = wabt.parseWat("wasm_simd.wat", SOURCE, { simd: true });
    try {
      return await WebAssembly.compile(parsed.toBinary({}).buffer);
    } finally {
      parsed.destroy();
    }
  })();
  return compiled;
}

/** Instantiates the kernels on `memory`, the wasm backend's heap. */
export async function loadSimdKernels(memory: WebAssembly.Memory): Promise<SimdKernels> {
  if (!(memory instanceof WebAssembly.Memory)) throw new ValueError("loadSimdKernels: expected the wasm backend's WebAssembly.Memory");
  const instance = await WebAssembly.instantiate(await compileModule(), { env: { memory } });
  return instance.exports as unknown as SimdKernels;
}
