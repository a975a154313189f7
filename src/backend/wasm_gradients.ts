/**
 * Training kernels for tfjs' wasm backend (4.22), which ships inference kernels only:
 *
 * - Conv2DBackpropFilter is missing, so no conv net can train. Ours is one forward XNNPACK
 *   Conv2D (x with batch and channels swapped, convolved with dy, dilation = stride): XNNPACK's
 *   convolution is the fastest matrix product wasm has, and im2col patches built from slices
 *   were 10x slower (the wasm Slice kernel copies element by element).
 * - Conv2DBackpropInput exists but is a plain C++ loop nest. Ours is either a forward XNNPACK
 *   Conv2D of dy (zero-dilated for stride > 1) with the filter flipped and its channel axes
 *   swapped, or a GEMM to patches plus col2im (a SIMD loop), whichever does less work for
 *   the geometry.
 * - BatchMatMul with a transposed operand falls back to a naive loop; ours transposes the
 *   operand explicitly (a copy) and then uses the XNNPACK GEMM. Dense-layer gradients need it.
 * - Slice copies element by element; ours copies contiguous runs (see slice()).
 * - Multiply/Add/Sub of a tensor and a per-channel vector broadcast slowly; ours run as one
 *   XNNPACK depthwise 1x1 convolution (see channelBroadcast()).
 * - MaxPoolGrad: the stock kernel is slow; ours is a branch-free WebAssembly SIMD loop
 *   (wasm_simd.ts) for 2x2 stride-2 pools and a JavaScript loop over the heap otherwise.
 * - Sum and Mean over leading axes transpose first; ours are one XNNPACK average pooling.
 * - Identity (used by tf.clone, and so for every tensor the gradient tape saves) copies the
 *   data in wasm; ours shares it by reference count, as the cpu backend does. wasm tensors are
 *   never written in place (a variable's assign swaps its data), so sharing is safe. Cast to
 *   the same dtype goes through Identity likewise.
 * - The FusedBatchNorm gradient tiles the per-channel scale to the full activation size; ours
 *   broadcasts it and reduces dy and dy * (x - mean) once each.
 *
 * DepthwiseConv2dNative backprops are not provided: no model in src/models uses depthwise
 * convolutions. Unusual configurations (NCHW, dilated filters) fall back to stock kernels or
 * throw the stock "not registered" error, as before.
 *
 * Every kernel here is composed of stock wasm kernels through their kernelFuncs and the SIMD
 * loops, so the data stays in wasm memory; intermediates are released with backend.disposeData.
 */
import * as tf from "@tensorflow/tfjs";
import { MAX_SINGLE_CHANNEL_FILTER_WIDTH, type SimdKernels, loadSimdKernels } from "./wasm_simd";

type TensorInfo = tf.TensorInfo;
type NamedAttrMap = tf.NamedAttrMap;

/** The parts of the wasm backend these kernels use. */
interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  getMemoryOffset(dataId: object): number;
  wasm: { asm: { memory: WebAssembly.Memory } };
}

/** The SIMD loops of wasm_simd.ts, instantiated on each wasm backend's heap. */
const simdByBackend = new WeakMap<object, SimdKernels>();

/** Byte offset of a tensor's data in the wasm heap, as the SIMD loops take it. */
function heapOffset(backend: WasmBackendLike, info: TensorInfo): number {
  return backend.getMemoryOffset(info.dataId);
}

function simd(backend: WasmBackendLike): SimdKernels {
  const kernels = simdByBackend.get(backend);
  if (!kernels) throw new Error("wasm training kernels: the SIMD loops are not loaded for this wasm backend; call initBackend() after creating it");
  return kernels;
}

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

const WASM = "wasm";

/** Stock wasm kernel funcs, captured before any of ours replace them. */
const stockKernels = new Map<string, tf.KernelFunc>();

function stock(name: string): tf.KernelFunc {
  let func = stockKernels.get(name);
  if (!func) {
    const config = tf.getKernel(name, WASM);
    if (!config) throw new Error(`wasm training kernels: stock wasm kernel "${name}" is not registered`);
    func = config.kernelFunc;
    stockKernels.set(name, func);
  }
  return func;
}

/** Runs a stock wasm kernel on tensor infos that live in the wasm backend. */
function run(backend: WasmBackendLike, name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  return stock(name)({ inputs, backend: backend, attrs }) as TensorInfo;
}

function reshape(backend: WasmBackendLike, x: TensorInfo, shape: number[]): TensorInfo {
  return run(backend, "Reshape", { x }, { shape });
}

function release(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Geometry of a 2-D convolution as tfjs computes it (NHWC). */
export function convGeometry(xShape: number[], filterShape: number[], attrs: NamedAttrMap): tf.backend_util.Conv2DInfo {
  const dataFormat = (attrs.dataFormat as "NHWC" | "NCHW" | undefined) ?? "NHWC";
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
}

function checkSupported(who: string, info: tf.backend_util.Conv2DInfo): void {
  if (info.dataFormat !== "channelsLast") throw new Error(`${who} (wasm training kernels): expected dataFormat NHWC, got NCHW`);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${who} (wasm training kernels): expected dilations 1, got ${info.dilationHeight}x${info.dilationWidth}`);
  }
}

/**
 * dFilter [kh, kw, inC, outC] of a conv2d, from x [batch, inH, inW, inC] and
 * dy [batch, outH, outW, outC]:
 *   dFilter[i, j, c, o] = sum_{b, r, s} xPad[b, r*sh + i, s*sw + j, c] * dy[b, r, s, o].
 * That is itself a convolution, run by XNNPACK's forward Conv2D: the input is x with batch and
 * channels swapped, [inC, inH, inW, batch]; the filter is dy as [outH, outW, batch, outC];
 * the dilation is the stride; the output [inC, kh, kw, outC] is transposed to the filter layout.
 */
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs ?? {};
  const filterShape = attrs.filterShape as number[];
  const info = convGeometry(x.shape, filterShape, attrs);
  checkSupported("Conv2DBackpropFilter", info);
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const unpadded = top === 0 && left === 0 && info.padInfo.bottom === 0 && info.padInfo.right === 0;
  if (info.inChannels === 1 && strideHeight === 1 && strideWidth === 1 && unpadded && filterWidth <= MAX_SINGLE_CHANNEL_FILTER_WIDTH) {
    return filterGradSingleChannel(backend, x, dy, info);
  }
  const temps: TensorInfo[] = [];

  const xSwapped = run(backend, "Transpose", { x }, { perm: [3, 1, 2, 0] }); // [inC, inH, inW, batch]
  const dySwapped = run(backend, "Transpose", { x: dy }, { perm: [1, 2, 0, 3] }); // [outH, outW, batch, outC]
  temps.push(xSwapped, dySwapped);
  // Bottom/right padding that makes the output exactly kh x kw; rows beyond the last window
  // the forward conv used (its floor division) are cut off instead.
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;
  let grad = run(backend, "Conv2D", { x: xSwapped, filter: dySwapped }, {
    strides: [1, 1],
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    dataFormat: "NHWC",
    dilations: [strideHeight, strideWidth],
  }); // [inC, >= kh, >= kw, outC]
  temps.push(grad);
  if (grad.shape[1] !== filterHeight || grad.shape[2] !== filterWidth) {
    grad = run(backend, "Slice", { x: grad }, { begin: [0, 0, 0, 0], size: [grad.shape[0], filterHeight, filterWidth, grad.shape[3]] });
    temps.push(grad);
  }
  const result = run(backend, "Transpose", { x: grad }, { perm: [1, 2, 0, 3] }); // [kh, kw, inC, outC]
  release(backend, ...temps);
  return result;
}

/**
 * The filter gradient of a first layer on grey images (one input channel, stride 1, no
 * padding) by the SIMD loop: XNNPACK's conv route runs it with a 25-row output and 10
 * columns padded to 16, at about half its usual rate (2.7 against 1.4 ms for the MNIST CNN's
 * conv1 at batch 64, the transpose of dy included).
 */
function filterGradSingleChannel(backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const dyT = run(backend, "Transpose", { x: dy }, { perm: [3, 0, 1, 2] }); // [outC, batch, outH, outW]
  const out = backend.makeOutput([info.filterHeight, info.filterWidth, 1, info.outChannels], "float32");
  simd(backend).filterGradSingleChannel(
    heapOffset(backend, x),
    heapOffset(backend, dyT),
    heapOffset(backend, out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
  );
  release(backend, dyT);
  return out;
}

/**
 * dx [batch, inH, inW, inC] of a conv2d, from dy [batch, outH, outW, outC] and the filter
 * [kh, kw, inC, outC]: a stride-1 forward conv of dy (with stride - 1 zeros between its
 * pixels) by the filter rotated 180 degrees with its channel axes swapped.
 */
function backpropInputByConv(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs ?? {};
  const inputShape = attrs.inputShape as number[];
  const info = convGeometry(inputShape, filter.shape, attrs);
  if (info.dataFormat !== "channelsLast" || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    return stock("Conv2DBackpropInput")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const temps: TensorInfo[] = [];

  // Filter [kh, kw, inC, outC] -> [kh, kw, outC, inC], flipped in both spatial axes.
  const swapped = run(backend, "Transpose", { x: filter }, { perm: [0, 1, 3, 2] });
  const flipped = run(backend, "Reverse", { x: swapped }, { dims: [0, 1] });
  temps.push(swapped, flipped);

  // dy with stride - 1 zeros after each pixel along H and W: [batch, outH * sh, outW * sw, outC].
  let spread = dy;
  if (strideHeight > 1 || strideWidth > 1) {
    const expanded = reshape(backend, dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
    const padded = run(backend, "PadV2", { x: expanded }, {
      paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]],
      constantValue: 0,
    });
    spread = reshape(backend, padded, [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels]);
    temps.push(expanded, padded, spread);
  }
  // Padding of the spread dy so the stride-1 conv yields exactly inH x inW. The trailing zeros
  // of the spread count as bottom/right padding; if they are too many, they are cut off.
  const padTop = filterHeight - 1 - top;
  const padLeft = filterWidth - 1 - left;
  let padBottom = inHeight + filterHeight - 1 - padTop - spread.shape[1];
  let padRight = inWidth + filterWidth - 1 - padLeft - spread.shape[2];
  if (padBottom < 0 || padRight < 0) {
    const keepH = spread.shape[1] + Math.min(padBottom, 0);
    const keepW = spread.shape[2] + Math.min(padRight, 0);
    const cut = run(backend, "Slice", { x: spread }, { begin: [0, 0, 0, 0], size: [batchSize, keepH, keepW, outChannels] });
    temps.push(cut);
    spread = cut;
    padBottom = Math.max(padBottom, 0);
    padRight = Math.max(padRight, 0);
  }
  if (padTop < 0 || padLeft < 0) {
    release(backend, ...temps);
    return stock("Conv2DBackpropInput")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const result = run(backend, "Conv2D", { x: spread, filter: flipped }, {
    strides: [1, 1],
    pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
    dataFormat: "NHWC",
    dilations: [1, 1],
  });
  release(backend, ...temps);
  return result;
}

/**
 * dx by GEMM + col2im: dPatches [positions, kh * kw * inC] = dy [positions, outC] x filter^T
 * on XNNPACK's GEMM, then each patch row is added back onto the pixels it came from (the
 * SIMD col2im loop). Does exactly the useful multiply-adds, so it wins where the
 * conv route computes mostly zeros: stride 2 (the spread dy is 3/4 zeros) and small images
 * with large kernels (the "full" padding of MNIST's 5x5 convs).
 */
function backpropInputByGemm(backend: WasmBackendLike, dy: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const patchSize = filterHeight * filterWidth * inChannels;
  const positions = batchSize * outHeight * outWidth;
  const filter2d = reshape(backend, filter, [patchSize, outChannels]);
  const filterT = run(backend, "Transpose", { x: filter2d }, { perm: [1, 0] }); // [outC, patch]
  const a = reshape(backend, dy, [1, positions, outChannels]);
  const b = reshape(backend, filterT, [1, outChannels, patchSize]);
  const patches = run(backend, "BatchMatMul", { a, b }, { transposeA: false, transposeB: false }); // [1, positions, patch]
  const out = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  simd(backend).col2im(
    heapOffset(backend, patches),
    heapOffset(backend, out),
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    top,
    left,
  );
  release(backend, filter2d, filterT, a, b, patches);
  return out;
}

/**
 * Cost of one col2im add in multiply-adds of XNNPACK's GEMM, measured here: the SIMD loop
 * takes about 0.2 ms per million adds against 2 ms for a 20M multiply-add GEMM, so about 2
 * (a JavaScript loop cost about 17). The MNIST CNN's second conv takes the GEMM route (2.3
 * ms at batch 64, against 4.8 ms by the conv route).
 */
const COL2IM_ADD_COST = 2;

/**
 * dx [batch, inH, inW, inC] of a conv2d, from dy and the filter, by whichever of the two routes
 * does less work for this geometry (see backpropInputByConv and backpropInputByGemm).
 */
function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs ?? {};
  const info = convGeometry(attrs.inputShape as number[], filter.shape, attrs);
  if (info.dataFormat !== "channelsLast" || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    return stock("Conv2DBackpropInput")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const taps = info.filterHeight * info.filterWidth;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  // The conv route runs a stride-1 conv producing dx, over the spread and padded dy.
  const convWork = info.batchSize * info.inHeight * info.inWidth * info.inChannels * taps * info.outChannels;
  const gemmWork = positions * taps * info.inChannels * (info.outChannels + COL2IM_ADD_COST);
  return gemmWork < convWork ? backpropInputByGemm(args.backend as WasmBackendLike, dy, filter, info) : backpropInputByConv(args);
}

/**
 * BatchMatMul that keeps to XNNPACK's GEMM: a transposed operand is transposed explicitly
 * first (a copy, cheap next to the product), since the stock kernel takes a naive loop then.
 * The GEMM path needs batch 1, so batched products go to the stock kernel unchanged.
 */
function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const batchA = a.shape.slice(0, -2).reduce((p, n) => p * n, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, n) => p * n, 1);
  if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1) {
    return stock("BatchMatMul")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const temps: TensorInfo[] = [];
  const matrix = (t: TensorInfo, transpose: boolean | undefined): TensorInfo => {
    const [rows, cols] = t.shape.slice(-2);
    const flat = reshape(backend, t, [rows, cols]);
    temps.push(flat);
    if (!transpose) return reshape(backend, flat, [1, rows, cols]);
    const transposed = run(backend, "Transpose", { x: flat }, { perm: [1, 0] });
    temps.push(transposed);
    return reshape(backend, transposed, [1, cols, rows]);
  };
  const a3 = matrix(a, transposeA);
  const b3 = matrix(b, transposeB);
  temps.push(a3, b3);
  const result = run(backend, "BatchMatMul", { a: a3, b: b3 }, { transposeA: false, transposeB: false });
  const outShape = [...(a.shape.length > b.shape.length ? a.shape : b.shape).slice(0, -2), result.shape[1], result.shape[2]];
  const shaped = reshape(backend, result, outShape);
  release(backend, ...temps, result);
  return shaped;
}

/**
 * Gradient of FusedBatchNorm (y = (x - mean) * scale / sqrt(variance + eps) + offset) that
 * broadcasts per-channel factors instead of tiling them to x's size. x may be [batch, C] or
 * [batch, H, W, C]; mean, variance, scale and offset are [C] or broadcastable to x.
 */
const fusedBatchNormGradient: tf.GradConfig = {
  kernelName: "FusedBatchNorm",
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: NamedAttrMap) => {
    const grad = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved;
    const epsilon = (attrs?.varianceEpsilon as number | undefined) ?? 0.001;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor): tf.Tensor => tf.reshape(axes.length ? tf.sum(t, axes) : t, mean.shape);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const scaledInvStd = scale == null ? invStd : tf.mul(scale, invStd);
    // sum(dy) and sum(dy * (x - mean)) per channel are shared by several input gradients.
    // Computed here, not inside the closures: tfjs runs each closure in its own tidy().
    const sumDy = reduce(grad);
    const sumDyCentered = reduce(tf.mul(grad, tf.sub(x, mean)));
    return {
      x: () => tf.mul(grad, scaledInvStd),
      mean: () => tf.neg(tf.mul(sumDy, scaledInvStd)),
      variance: () => tf.mul(tf.mul(sumDyCentered, tf.mul(scaledInvStd, tf.square(invStd))), -0.5),
      scale: () => tf.mul(sumDyCentered, invStd),
      offset: () => tf.clone(sumDy),
    };
  },
};

/**
 * Slice that copies contiguous runs with TypedArray.set (a memcpy) straight in the wasm heap.
 * The stock wasm Slice moves element by element and took 20-60 ms to cut a batch of CIFAR
 * activations in half; slices feed the gradients of pad and concat and the batch splits.
 */
function slice(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === "string") return stock("Slice")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs?.begin as number[], args.attrs?.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((n) => n === 0)) return out;
  // Views taken after makeOutput: growing the wasm memory detaches older views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  // Trailing axes taken whole are contiguous in both arrays: merge them into one run.
  let first = rank - 1;
  while (first > 0 && begin[first] === 0 && size[first] === x.shape[first]) first--;
  let run = 1;
  for (let d = first; d < rank; d++) run *= size[d];
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * x.shape[d + 1];
  // Odometer over the axes before `first`.
  const index = new Array<number>(first).fill(0);
  let written = 0;
  const total = dst.length;
  while (written < total) {
    let offset = begin[first] * strides[first];
    for (let d = 0; d < first; d++) offset += (begin[d] + index[d]) * strides[d];
    if (run >= 64) {
      dst.set(src.subarray(offset, offset + run), written);
    } else {
      // Short runs (a channel slice): a plain loop beats creating a subarray per run.
      for (let k = 0; k < run; k++) dst[written + k] = src[offset + k];
    }
    written += run;
    for (let d = first - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Sum and Mean over leading axes (a conv bias gradient, batch-norm statistics: everything but
 * the channel axis) as one XNNPACK average pooling of x viewed as [1, rows, 1, cols] with a
 * [rows, 1] window: a single streaming pass. The stock kernels transpose the whole tensor first
 * and took 10-15 ms per CIFAR activation (a GEMM with a row of ones took 5-14 ms, mostly to
 * pack x as its weights); this takes well under 1 ms. Other axis patterns go to the stock kernels.
 */
function leadingAxesReduction(kind: "Sum" | "Mean") {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo => {
    const backend = args.backend as WasmBackendLike;
    const { x } = args.inputs as { x: TensorInfo };
    const axes = tf.util.parseAxisParam(args.attrs?.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.every((axis, i) => axis === i);
    const rows = axes.reduce((p, axis) => p * x.shape[axis], 1);
    if (x.dtype !== "float32" || !leading || axes.length === 0 || rows < 64) {
      return stock(kind)(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    const cols = tf.util.sizeFromShape(x.shape) / rows;
    const image = reshape(backend, x, [1, rows, 1, cols]);
    const mean = run(backend, "AvgPool", { x: image }, { filterSize: [rows, 1], strides: [1, 1], pad: "valid" }); // [1, 1, 1, cols]
    const temps = [image, mean];
    let value = mean;
    if (kind === "Sum") {
      const count = backend.makeOutput([], "float32");
      backend.typedArrayFromHeap(count)[0] = rows;
      value = run(backend, "Multiply", { a: mean, b: count });
      temps.push(count, value);
    }
    const kept = x.shape.map((n, axis) => (axes.includes(axis) ? 1 : n));
    const result = reshape(backend, value, args.attrs?.keepDims ? kept : x.shape.slice(axes.length));
    release(backend, ...temps);
    return result;
  };
}

/**
 * MaxPoolGrad straight on the wasm heap: each window's first maximum (strict >, in row-major
 * window order, as the cpu backend and PyTorch choose) receives dy. The 2x2 stride-2 pools of
 * the CNNs take the SIMD loop (branch-free, 0.2 ms for the MNIST CNN's first pool at batch 64,
 * where a JavaScript loop took 1.9 ms and the stock wasm kernel 14 ms); other windows take the
 * JavaScript loop below.
 */
function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const attrs = args.attrs ?? {};
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const out = backend.makeOutput(input.shape, "float32");
  // Typed as Float32Array (not the union) so the loops below stay monomorphic and fast.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const grad = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  if (filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && top === 0 && left === 0 && inChannels >= 4) {
    // Rows and columns outside every window (odd sizes) get no gradient and are not written.
    if (2 * outHeight !== inHeight || 2 * outWidth !== inWidth) dx.fill(0);
    simd(backend).maxPool2x2Grad(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, out), batchSize, inHeight, inWidth, outHeight, outWidth, inChannels);
    return out;
  }
  dx.fill(0);
  let g = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = oh * strideHeight - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = ow * strideWidth - left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + filterWidth);
        for (let d = 0; d < inChannels; d++, g++) {
          let bestValue = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let r = rMin; r < rMax; r++) {
            const rowStart = ((b * inHeight + r) * inWidth) * inChannels + d;
            for (let c = cMin; c < cMax; c++) {
              const i = rowStart + c * inChannels;
              const v = x[i];
              if (v > bestValue) {
                bestValue = v;
                bestIndex = i;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += grad[g];
        }
      }
    }
  }
  return out;
}

/** Filters of ones, [1, 1, channels, 1], kept in the wasm heap outside tfjs' tensor count. */
const onesFilters = new Map<number, TensorInfo>();

function onesFilter(backend: WasmBackendLike, channels: number): TensorInfo {
  let filter = onesFilters.get(channels);
  if (!filter) {
    filter = backend.makeOutput([1, 1, channels, 1], "float32");
    backend.typedArrayFromHeap(filter).fill(1);
    onesFilters.set(channels, filter);
  }
  return filter;
}

/** True if `vector` holds one value per channel (last axis) of `full`: shape [C] or [1, ..., 1, C]. */
function isChannelVector(full: TensorInfo, vector: TensorInfo): boolean {
  const rank = full.shape.length;
  const channels = full.shape[rank - 1];
  return (
    rank >= 2 &&
    full.dtype === "float32" &&
    vector.dtype === "float32" &&
    vector.shape.length <= rank &&
    vector.shape[vector.shape.length - 1] === channels &&
    vector.shape.slice(0, -1).every((n) => n === 1) &&
    tf.util.sizeFromShape(full.shape) >= 4096
  );
}

/**
 * x * v, x + v and x - v with v one value per channel (batch-norm scale and shift, conv and
 * dense biases) as one XNNPACK depthwise 1x1 convolution (filter v, or ones with bias v) over x
 * viewed as [1, rows, 1, C]: the stock broadcasting kernels were 4-5x slower than same-shape
 * ones. The results are bit-identical (x * v, 1 * x + v). Other shapes go to the stock kernels.
 */
function channelBroadcast(kind: "Multiply" | "Add" | "Sub") {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo => {
    const backend = args.backend as WasmBackendLike;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    let full: TensorInfo;
    let vector: TensorInfo;
    if (isChannelVector(a, b)) {
      [full, vector] = [a, b];
    } else if (kind !== "Sub" && isChannelVector(b, a)) {
      [full, vector] = [b, a];
    } else {
      return stock(kind)(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    const channels = full.shape[full.shape.length - 1];
    const image = reshape(backend, full, [1, tf.util.sizeFromShape(full.shape) / channels, 1, channels]);
    const temps = [image];
    const conv = { strides: [1, 1], pad: "valid", dilations: [1, 1], dataFormat: "NHWC" };
    let out: TensorInfo;
    if (kind === "Multiply") {
      const filter = reshape(backend, vector, [1, 1, channels, 1]);
      temps.push(filter);
      out = run(backend, "DepthwiseConv2dNative", { x: image, filter }, conv);
    } else {
      // A fresh rank-1 copy: the stock kernel checks the rank the data was created with, which
      // a reshaped view does not change.
      let bias = run(backend, "Identity", { x: { ...vector, shape: [channels] } });
      temps.push(bias);
      if (kind === "Sub") {
        bias = run(backend, "Neg", { x: bias });
        temps.push(bias);
      }
      out = run(backend, "FusedDepthwiseConv2D", { x: image, filter: onesFilter(backend, channels), bias }, { ...conv, activation: "linear" });
    }
    temps.push(out);
    const result = reshape(backend, out, full.shape);
    release(backend, ...temps);
    return result;
  };
}

/** Shares x's data (reference count + 1) instead of copying it. */
function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === "string") return stock("Identity")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function cast(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (args.attrs?.dtype === x.dtype) return identity(args);
  return stock("Cast")(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

const OUR_KERNELS: Array<[string, tf.KernelFunc]> = [
  ["Conv2DBackpropFilter", conv2DBackpropFilter],
  ["Conv2DBackpropInput", conv2DBackpropInput],
  ["BatchMatMul", batchMatMul],
  ["Identity", identity],
  ["Multiply", channelBroadcast("Multiply")],
  ["Add", channelBroadcast("Add")],
  ["Sub", channelBroadcast("Sub")],
  ["Slice", slice],
  ["MaxPoolGrad", maxPoolGrad],
  ["Sum", leadingAxesReduction("Sum")],
  ["Mean", leadingAxesReduction("Mean")],
  ["Cast", cast],
];

let registered = false;

/**
 * Registers the kernels above for the "wasm" backend and the FusedBatchNorm gradient, and
 * loads the SIMD loops onto the heap of `backend` (the active wasm backend). Registration is
 * idempotent; the loops are loaded once per backend instance.
 * The gradient registry of tfjs is global (not per backend); the replacement is mathematically
 * the same gradient, so other backends stay correct.
 */
export async function registerWasmTrainingKernels(backend: tf.KernelBackend): Promise<void> {
  const wasmBackend = backend as unknown as WasmBackendLike;
  if (!simdByBackend.has(wasmBackend)) simdByBackend.set(wasmBackend, await loadSimdKernels(wasmBackend.wasm.asm.memory));
  if (registered) return;
  for (const [name, kernelFunc] of OUR_KERNELS) {
    const existing = tf.getKernel(name, WASM);
    if (existing) {
      stock(name);
      tf.unregisterKernel(name, WASM);
    }
    // Keep the stock setupFunc: the stock kernelFunc we delegate to needs it if the backend
    // is initialized (again) after this registration.
    tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc, setupFunc: existing?.setupFunc, disposeFunc: existing?.disposeFunc });
  }
  tf.registerGradient(fusedBatchNormGradient);
  registered = true;
}

/** Names of the wasm kernels this module provides or replaces (for the doctor and tests). */
export const WASM_TRAINING_KERNELS = [...OUR_KERNELS.map(([name]) => name), "FusedBatchNorm (gradient)"] as const;
