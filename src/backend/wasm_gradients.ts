/**
 * Training kernels for tfjs' wasm backend (4.22), which ships inference kernels only:
 *
 * - Conv2DBackpropFilter is missing, so no conv net can train. Ours builds the patches of x in
 *   the layout [kh * kw * inChannels, batch * outH * outW] (one transpose, one pad, one strided
 *   slice per filter tap, one concat) and multiplies them by dy [batch * outH * outW,
 *   outChannels] with XNNPACK's fully-connected GEMM, the fastest matrix product wasm has.
 * - Conv2DBackpropInput exists but is a plain C++ loop nest. Ours is a forward XNNPACK Conv2D of
 *   dy (zero-dilated for stride > 1) with the filter flipped and its channel axes swapped.
 * - BatchMatMul with a transposed operand falls back to a naive loop; ours transposes the
 *   operand explicitly (a copy) and then uses the XNNPACK GEMM. Dense-layer gradients need it.
 * - The FusedBatchNorm gradient tiles the per-channel scale to the full activation size; ours
 *   broadcasts it and reduces dy and dy * (x - mean) once each.
 *
 * DepthwiseConv2dNative backprops are not provided: no model in src/models uses depthwise
 * convolutions. Unusual configurations (NCHW, dilated filters) fall back to stock kernels or
 * throw the stock "not registered" error, as before.
 *
 * Every kernel here is composed of stock wasm kernels through their kernelFuncs, so the data
 * stays in wasm memory; intermediates are released with backend.disposeData.
 */
import * as tf from "@tensorflow/tfjs";

type TensorInfo = tf.TensorInfo;
type NamedAttrMap = tf.NamedAttrMap;

/** The parts of the wasm backend these kernels use. */
interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
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
  return stock(name)({ inputs, backend: backend as unknown as tf.KernelBackend, attrs }) as TensorInfo;
}

function reshape(backend: WasmBackendLike, x: TensorInfo, shape: number[]): TensorInfo {
  return run(backend, "Reshape", { x }, { shape });
}

function release(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Geometry of a 2-D convolution as tfjs computes it (NHWC). */
function convGeometry(xShape: number[], filterShape: number[], attrs: NamedAttrMap): tf.backend_util.Conv2DInfo {
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
 * dy [batch, outH, outW, outC]:  dFilter[i, j, c, o] = sum_{b, r, s} xPad[b, r*sh + i, s*sw + j, c] * dy[b, r, s, o].
 */
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs ?? {};
  const filterShape = attrs.filterShape as number[];
  const info = convGeometry(x.shape, filterShape, attrs);
  checkSupported("Conv2DBackpropFilter", info);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, bottom, left, right } = info.padInfo;
  const nPositions = batchSize * outHeight * outWidth;
  const temps: TensorInfo[] = [];

  // x as [inC, batch, inH, inW]: each tap's patch is then a strided slice whose rows are
  // exactly the rows of the patch matrix, so no transpose of the (large) patches is needed.
  let channelsFirst = run(backend, "Transpose", { x }, { perm: [3, 0, 1, 2] });
  temps.push(channelsFirst);
  if (top || bottom || left || right) {
    channelsFirst = run(backend, "PadV2", { x: channelsFirst }, { paddings: [[0, 0], [0, 0], [top, bottom], [left, right]], constantValue: 0 });
    temps.push(channelsFirst);
  }
  const taps: TensorInfo[] = [];
  for (let i = 0; i < filterHeight; i++) {
    for (let j = 0; j < filterWidth; j++) {
      const sliceEnd = [inChannels, batchSize, i + strideHeight * (outHeight - 1) + 1, j + strideWidth * (outWidth - 1) + 1];
      const whole = filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 && sliceEnd[2] === channelsFirst.shape[2] && sliceEnd[3] === channelsFirst.shape[3];
      if (whole) {
        taps.push(channelsFirst);
        continue;
      }
      const tap = run(backend, "StridedSlice", { x: channelsFirst }, {
        begin: [0, 0, i, j],
        end: sliceEnd,
        strides: [1, 1, strideHeight, strideWidth],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      });
      taps.push(tap);
      temps.push(tap);
    }
  }
  // patches: [kh * kw * inC, batch * outH * outW], rows ordered (i, j, c) like the filter.
  const flatTaps = taps.map((tap) => reshape(backend, tap, [inChannels, nPositions]));
  temps.push(...flatTaps);
  let patches: TensorInfo;
  if (flatTaps.length === 1) {
    patches = flatTaps[0];
  } else {
    patches = stock("Concat")({ inputs: flatTaps as unknown as tf.NamedTensorInfoMap, backend: backend as unknown as tf.KernelBackend, attrs: { axis: 0 } }) as TensorInfo;
    temps.push(patches);
  }
  void inHeight;
  void inWidth;
  const a = reshape(backend, patches, [1, filterHeight * filterWidth * inChannels, nPositions]);
  const b = reshape(backend, dy, [1, nPositions, outChannels]);
  const product = run(backend, "BatchMatMul", { a, b }, { transposeA: false, transposeB: false });
  temps.push(a, b, product);
  const result = reshape(backend, product, filterShape);
  release(backend, ...temps);
  return result;
}

/**
 * dx [batch, inH, inW, inC] of a conv2d, from dy [batch, outH, outW, outC] and the filter
 * [kh, kw, inC, outC]: a stride-1 forward conv of dy (with stride - 1 zeros between its
 * pixels) by the filter rotated 180 degrees with its channel axes swapped.
 */
function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
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

const OUR_KERNELS: Array<[string, tf.KernelFunc]> = [
  ["Conv2DBackpropFilter", conv2DBackpropFilter as unknown as tf.KernelFunc],
  ["Conv2DBackpropInput", conv2DBackpropInput as unknown as tf.KernelFunc],
  ["BatchMatMul", batchMatMul as unknown as tf.KernelFunc],
];

let registered = false;

/**
 * Registers the kernels above for the "wasm" backend and the FusedBatchNorm gradient.
 * Idempotent. The gradient registry of tfjs is global (not per backend); the replacement is
 * mathematically the same gradient, so other backends stay correct.
 */
export function registerWasmTrainingKernels(): void {
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
