/**
 * oneDNN kernels for tfjs' wasm backend (native/onednn_kernels.c, built by `npm run build`
 * where Debian's libdnnl-dev is installed): convolution forward (with bias and relu fused) and
 * both gradients, matMul with fused bias and relu, training-mode batch norm forward and
 * backward, max pool and its gradient, relu and its gradient, same-shape add, add + relu, the
 * CIFAR ResNets' option-A shortcut and its gradient, the mean cross-entropy loss and its
 * gradient, and an SGD step. They run on the wasm backend's own tensors: the addon gets the
 * wasm memory's ArrayBuffer and byte offsets and writes each output, allocated by
 * backend.makeOutput, in place, so there is no copy per op and no second tensor world. The
 * addon uses `threads` OpenMP threads; tfjs keeps every other kernel.
 *
 * Where the addon is not built (or oneDNN refuses a geometry), the kernels registered before
 * (stock wasm or ./wasm_gradients.ts) run instead; `kernelPath()` says which path is active.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { convGeometry } from "./wasm_gradients";
import {
  ADD_RELU_KERNEL,
  BATCH_NORM_TRAINING_GRAD_KERNEL,
  BATCH_NORM_TRAINING_KERNEL,
  CROSS_ENTROPY_GRAD_KERNEL,
  CROSS_ENTROPY_KERNEL,
  RELU_GRAD_KERNEL,
  SGD_STEP_KERNEL,
  SUBSAMPLE_PAD_GRAD_KERNEL,
  SUBSAMPLE_PAD_KERNEL,
} from "../core/kernelNames";

type TensorInfo = tf.TensorInfo;
type NamedAttrMap = tf.NamedAttrMap;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

interface OnednnAddon {
  conv2dForward(heap: ArrayBuffer, x: number, w: number, b: number, y: number, ...geometryAndRelu: number[]): boolean;
  conv2dBackwardData(heap: ArrayBuffer, dy: number, w: number, dx: number, ...geometry: number[]): boolean;
  conv2dBackwardWeights(heap: ArrayBuffer, x: number, dy: number, dw: number, db: number, ...geometry: number[]): boolean;
  matmul(heap: ArrayBuffer, a: number, b: number, bias: number, c: number, m: number, k: number, n: number, transA: number, transB: number, relu: number): boolean;
  batchNormForward(
    heap: ArrayBuffer,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    workspace: number,
    rows: number,
    channels: number,
    epsilon: number,
    relu: number,
  ): boolean;
  batchNormWorkspaceBytes(rows: number, channels: number, epsilon: number): number;
  batchNormBackward(
    heap: ArrayBuffer,
    x: number,
    dy: number,
    mean: number,
    variance: number,
    gamma: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    workspace: number,
    rows: number,
    channels: number,
    epsilon: number,
    relu: number,
  ): boolean;
  sgdStep(
    heap: ArrayBuffer,
    p: number,
    grad: number,
    buffer: number,
    pOut: number,
    bufferOut: number,
    n: number,
    lr: number,
    momentum: number,
    weightDecay: number,
    nesterov: number,
    decay: number,
  ): boolean;
  /** op: see BINARY_OPS. */
  binary(heap: ArrayBuffer, op: number, a: number, b: number, y: number, n: number): boolean;
  subsamplePad(heap: ArrayBuffer, from: number, to: number, n: number, h: number, w: number, c: number, stride: number, before: number, after: number, grad: number): boolean;
  crossEntropy(heap: ArrayBuffer, logits: number, labels: number, loss: number, probs: number, rows: number, classes: number): boolean;
  crossEntropyGrad(heap: ArrayBuffer, probs: number, labels: number, dy: number, dlogits: number, rows: number, classes: number): boolean;
  relu(heap: ArrayBuffer, x: number, y: number, n: number): boolean;
  maxPool(heap: ArrayBuffer, x: number, y: number, ...geometry: number[]): boolean;
  maxPoolGrad(heap: ArrayBuffer, x: number, dy: number, dx: number, ...geometry: number[]): boolean;
  setThreads(n: number): void;
  lastError(): string;
  plans(): string[];
  version: string;
}

/** The parts of the wasm backend these kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  getMemoryOffset(dataId: object): number;
  wasm: { asm: { memory: WebAssembly.Memory } };
}

/** Where node-gyp puts the addon (native/build), from src/backend or dist/backend. */
const ADDON_PATH = path.resolve(__dirname, "../../native/build/Release/onednn_kernels.node");

let addon: OnednnAddon | null | undefined;
let loadError = "";

function loadAddon(): OnednnAddon | null {
  if (addon === undefined) {
    // Idle OpenMP threads sleep instead of spinning (read once, when libgomp loads with the addon):
    // between oneDNN calls the JavaScript thread runs tfjs' own kernels, and spinning threads took
    // the cores from it whenever other processes shared the machine (MNIST CNN on 2 threads with
    // other jobs running: 300 img/s spinning, 2,600-3,400 sleeping). OMP_WAIT_POLICY=active overrides.
    process.env.OMP_WAIT_POLICY ??= "passive";
    try {
      addon = require(ADDON_PATH) as OnednnAddon;
    } catch (err) {
      addon = null;
      loadError = (err as Error).message.split("\n")[0];
    }
  }
  return addon;
}

/** Environment variable that turns the oneDNN path off ("0"): the wasm SIMD kernels run instead. */
const ONEDNN_ENV_VAR = "FORGETTING_ONEDNN";

/** Whether the oneDNN addon is built and loads (and is not turned off), and if not, why. */
export function onednnStatus(): { available: boolean; version: string | null; reason: string } {
  if (process.env[ONEDNN_ENV_VAR] === "0") return { available: false, version: null, reason: `turned off by ${ONEDNN_ENV_VAR}=0` };
  const native = loadAddon();
  if (native) return { available: true, version: native.version, reason: `native/onednn_kernels (oneDNN ${native.version}) loaded` };
  return { available: false, version: null, reason: `native/onednn_kernels not built or not loadable (${loadError}); npm run build builds it where libdnnl-dev is installed` };
}

/** One line per cached oneDNN primitive with the implementation oneDNN chose (for the profile). */
export function onednnPlans(): string[] {
  return loadAddon()?.plans() ?? [];
}

const WASM = "wasm";
/** The kernels that ran before ours, to fall back on. */
const previous = new Map<string, tf.KernelFunc>();
/** Geometries oneDNN refused, reported once each. */
const refused = new Set<string>();

function fallback(name: string, args: KernelArgs): TensorInfo {
  const func = previous.get(name);
  if (!func) throw new Error(`oneDNN kernels: no kernel "${name}" to fall back on for the wasm backend`);
  return func(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

/** Runs the addon call; on a refusal (false), reports it once and returns false. */
function ran(name: string, ok: boolean, geometry: number[]): boolean {
  if (ok) return true;
  const key = `${name} ${geometry.join(",")}`;
  if (!refused.has(key)) {
    refused.add(key);
    if (process.env.FORGETTING_ONEDNN_VERBOSE) console.error(`oneDNN kernels: ${key} fell back to the wasm kernel: ${addon?.lastError()}`);
  }
  return false;
}

/** The wasm heap's current buffer: read at each call, after every makeOutput (memory may grow). */
function heap(backend: WasmBackendLike): ArrayBuffer {
  return backend.wasm.asm.memory.buffer;
}

function offset(backend: WasmBackendLike, info: TensorInfo): number {
  return backend.getMemoryOffset(info.dataId);
}


/**
 * [n, h, w, c, kh, kw, o, oh, ow, sh, sw, pt, pl, pb, pr] of an NHWC, undilated float32
 * convolution, or null for anything else (the fallback takes it).
 */
function onednnConvGeometry(xShape: number[], filterShape: number[], attrs: NamedAttrMap): number[] | null {
  if (((attrs.dataFormat as string | undefined) ?? "NHWC") !== "NHWC") return null;
  const info = convGeometry(xShape, filterShape, attrs);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const { top, left, bottom, right } = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    top,
    left,
    bottom,
    right,
  ];
}

function allFloat(...infos: Array<TensorInfo | undefined>): boolean {
  return infos.every((t) => t === undefined || t.dtype === "float32");
}

/** Conv2D and FusedConv2D (bias [outC] and relu or no activation fused; others fall back). */
function conv2d(name: "Conv2D" | "FusedConv2D") {
  return (args: KernelArgs): TensorInfo => {
    const backend = args.backend as WasmBackendLike;
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const attrs = args.attrs ?? {};
    const activation = (attrs.activation as string | undefined) ?? "linear";
    const g = onednnConvGeometry(x.shape, filter.shape, attrs);
    const biasOk = bias === undefined || bias === null || (bias.shape.length === 1 && bias.shape[0] === filter.shape[3]);
    if (!g || !allFloat(x, filter, bias ?? undefined) || preluActivationWeights || !biasOk || (activation !== "linear" && activation !== "relu")) return fallback(name, args);
    const out = backend.makeOutput([g[0], g[7], g[8], g[6]], "float32");
    const ok = addon!.conv2dForward(heap(backend), offset(backend, x), offset(backend, filter), bias ? offset(backend, bias) : -1, offset(backend, out), ...g, activation === "relu" ? 1 : 0);
    if (ran(name, ok, g)) return out;
    (backend as unknown as tf.KernelBackend).disposeData(out.dataId);
    return fallback(name, args);
  };
}

function conv2dBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs ?? {};
  const inputShape = attrs.inputShape as number[];
  const g = onednnConvGeometry(inputShape, filter.shape, attrs);
  if (!g || !allFloat(dy, filter)) return fallback("Conv2DBackpropInput", args);
  const out = backend.makeOutput(inputShape, "float32");
  if (ran("Conv2DBackpropInput", addon!.conv2dBackwardData(heap(backend), offset(backend, dy), offset(backend, filter), offset(backend, out), ...g), g)) return out;
  (backend as unknown as tf.KernelBackend).disposeData(out.dataId);
  return fallback("Conv2DBackpropInput", args);
}

function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs ?? {};
  const filterShape = attrs.filterShape as number[];
  const g = onednnConvGeometry(x.shape, filterShape, attrs);
  if (!g || !allFloat(x, dy)) return fallback("Conv2DBackpropFilter", args);
  const out = backend.makeOutput(filterShape, "float32");
  if (ran("Conv2DBackpropFilter", addon!.conv2dBackwardWeights(heap(backend), offset(backend, x), offset(backend, dy), offset(backend, out), -1, ...g), g)) return out;
  (backend as unknown as tf.KernelBackend).disposeData(out.dataId);
  return fallback("Conv2DBackpropFilter", args);
}

/** BatchMatMul and _FusedMatMul of single matrices (batch 1); batched products fall back. */
function matMul(name: "BatchMatMul" | "_FusedMatMul") {
  return (args: KernelArgs): TensorInfo => {
    const backend = args.backend as WasmBackendLike;
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const activation = attrs.activation ?? "linear";
    const single = (t: TensorInfo) => t.shape.length >= 2 && t.shape.slice(0, -2).every((n) => n === 1);
    if (!single(a) || !single(b) || !allFloat(a, b, bias ?? undefined) || preluActivationWeights || (activation !== "linear" && activation !== "relu")) return fallback(name, args);
    const [aRows, aCols] = a.shape.slice(-2);
    const [bRows, bCols] = b.shape.slice(-2);
    const m = attrs.transposeA ? aCols : aRows;
    const k = attrs.transposeA ? aRows : aCols;
    const n = attrs.transposeB ? bRows : bCols;
    if ((attrs.transposeB ? bCols : bRows) !== k || (bias && (bias.shape.length !== 1 || bias.shape[0] !== n))) return fallback(name, args);
    const rank = Math.max(a.shape.length, b.shape.length);
    const out = backend.makeOutput([...new Array<number>(rank - 2).fill(1), m, n], "float32");
    const ok = addon!.matmul(
      heap(backend),
      offset(backend, a),
      offset(backend, b),
      bias ? offset(backend, bias) : -1,
      offset(backend, out),
      m,
      k,
      n,
      attrs.transposeA ? 1 : 0,
      attrs.transposeB ? 1 : 0,
      activation === "relu" ? 1 : 0,
    );
    if (ran(name, ok, [m, k, n])) return out;
    (backend as unknown as tf.KernelBackend).disposeData(out.dataId);
    return fallback(name, args);
  };
}

/**
 * Training-mode batch norm of x [rows, C] (the channel axis last) with gamma, beta [C], and
 * relu after it if attr relu: outputs y [rows, C], the batch mean [C], the biased batch
 * variance [C] and, with relu, oneDNN's relu mask for the gradient (int32, opaque).
 */
function batchNormTraining(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const epsilon = args.attrs?.epsilon as number;
  const relu = args.attrs?.relu === true;
  const [rows, channels] = x.shape;
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([channels], "float32");
  const variance = backend.makeOutput([channels], "float32");
  const workspace = relu ? backend.makeOutput([Math.ceil(Math.max(addon!.batchNormWorkspaceBytes(rows, channels, epsilon), 1) / 4)], "int32") : null;
  const ok = addon!.batchNormForward(
    heap(backend),
    offset(backend, x),
    offset(backend, gamma),
    offset(backend, beta),
    offset(backend, y),
    offset(backend, mean),
    offset(backend, variance),
    workspace ? offset(backend, workspace) : -1,
    rows,
    channels,
    epsilon,
    relu ? 1 : 0,
  );
  if (!ok) throw new Error(`oneDNN kernels: batch norm forward of [${rows}, ${channels}] failed: ${addon!.lastError()}`);
  return workspace ? [y, mean, variance, workspace] : [y, mean, variance];
}

/**
 * Gradient of batchNormTraining: dx [rows, C], dGamma [C], dBeta [C] from x, dy (of the relu's
 * output with attr relu), the saved statistics and, with relu, the forward's workspace.
 */
function batchNormTrainingGrad(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, dy, mean, variance, gamma, workspace } = args.inputs as Record<string, TensorInfo | undefined> & Record<"x" | "dy" | "mean" | "variance" | "gamma", TensorInfo>;
  const epsilon = args.attrs?.epsilon as number;
  const relu = args.attrs?.relu === true;
  if (relu && !workspace) throw new Error("oneDNN kernels: batch norm + relu gradient needs the forward's workspace");
  const [rows, channels] = x.shape;
  const dx = backend.makeOutput(x.shape, "float32");
  const dGamma = backend.makeOutput([channels], "float32");
  const dBeta = backend.makeOutput([channels], "float32");
  const ok = addon!.batchNormBackward(
    heap(backend),
    offset(backend, x),
    offset(backend, dy),
    offset(backend, mean),
    offset(backend, variance),
    offset(backend, gamma),
    offset(backend, dx),
    offset(backend, dGamma),
    offset(backend, dBeta),
    workspace ? offset(backend, workspace) : -1,
    rows,
    channels,
    epsilon,
    relu ? 1 : 0,
  );
  if (!ok) throw new Error(`oneDNN kernels: batch norm backward of [${rows}, ${channels}] failed: ${addon!.lastError()}`);
  return [dx, dGamma, dBeta];
}

/** One SGD update (see SGD_STEP_KERNEL): four tfjs kernel calls per variable become one. */
function sgdStep(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { p, grad, buffer } = args.inputs as { p: TensorInfo; grad: TensorInfo; buffer?: TensorInfo };
  const { lr, momentum, weightDecay, nesterov, decay } = args.attrs as { lr: number; momentum: number; weightDecay: number; nesterov: boolean; decay: boolean };
  const pOut = backend.makeOutput(p.shape, "float32");
  const bufferOut = buffer ? backend.makeOutput(p.shape, "float32") : null;
  const n = tf.util.sizeFromShape(p.shape);
  addon!.sgdStep(
    heap(backend),
    offset(backend, p),
    offset(backend, grad),
    buffer ? offset(backend, buffer) : -1,
    offset(backend, pOut),
    bufferOut ? offset(backend, bufferOut) : -1,
    n,
    lr,
    momentum,
    weightDecay,
    nesterov ? 1 : 0,
    decay ? 1 : 0,
  );
  return bufferOut ? [pOut, bufferOut] : [pOut];
}

/** The addon's element-wise operations of two float32 tensors of one shape (native binary()). */
const BINARY_OPS = { add: 0, addRelu: 1, reluGrad: 2 } as const;

/** y = op(a, b) of float32 a and b of one shape, into a new tensor of that shape. */
function binary(backend: WasmBackendLike, op: keyof typeof BINARY_OPS, a: TensorInfo, b: TensorInfo): TensorInfo {
  const out = backend.makeOutput(a.shape, "float32");
  addon!.binary(heap(backend), BINARY_OPS[op], offset(backend, a), offset(backend, b), offset(backend, out), tf.util.sizeFromShape(a.shape));
  return out;
}

/** Add of two float32 tensors of the same shape (the gradient sums of a residual network); broadcasts fall back. */
function add(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  if (!allFloat(a, b) || !tf.util.arraysEqual(a.shape, b.shape)) return fallback("Add", args);
  return binary(backend, "add", a, b);
}

/** See ADD_RELU_KERNEL. */
function addRelu(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  return binary(backend, "addRelu", a, b);
}

/** See SUBSAMPLE_PAD_KERNEL and SUBSAMPLE_PAD_GRAD_KERNEL: [n, h, w, c] is x's shape, the input of the forward. */
function subsamplePad(grad: boolean) {
  return (args: KernelArgs): TensorInfo => {
    const backend = args.backend as WasmBackendLike;
    const { x } = args.inputs as { x: TensorInfo };
    const { strides, before, after, inputShape } = args.attrs as { strides: number; before: number; after: number; inputShape?: number[] };
    const [n, h, w, c] = grad ? inputShape! : x.shape;
    const out = backend.makeOutput(grad ? [n, h, w, c] : [n, Math.ceil(h / strides), Math.ceil(w / strides), before + c + after], "float32");
    addon!.subsamplePad(heap(backend), offset(backend, x), offset(backend, out), n, h, w, c, strides, before, after, grad ? 1 : 0);
    return out;
  };
}

/** See CROSS_ENTROPY_KERNEL. */
function crossEntropy(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { logits, labels } = args.inputs as { logits: TensorInfo; labels: TensorInfo };
  const [rows, classes] = logits.shape;
  const loss = backend.makeOutput([], "float32");
  const probs = backend.makeOutput(logits.shape, "float32");
  if (!addon!.crossEntropy(heap(backend), offset(backend, logits), offset(backend, labels), offset(backend, loss), offset(backend, probs), rows, classes)) {
    throw new Error(`oneDNN kernels: cross-entropy of [${rows}, ${classes}] logits: ${addon!.lastError()}`);
  }
  return [loss, probs];
}

/** See CROSS_ENTROPY_GRAD_KERNEL. */
function crossEntropyGrad(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { probs, labels, dy } = args.inputs as { probs: TensorInfo; labels: TensorInfo; dy: TensorInfo };
  const [rows, classes] = probs.shape;
  const out = backend.makeOutput(probs.shape, "float32");
  addon!.crossEntropyGrad(heap(backend), offset(backend, probs), offset(backend, labels), offset(backend, dy), offset(backend, out), rows, classes);
  return out;
}

function relu(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: TensorInfo };
  if (!allFloat(x)) return fallback("Relu", args);
  const out = backend.makeOutput(x.shape, "float32");
  addon!.relu(heap(backend), offset(backend, x), offset(backend, out), tf.util.sizeFromShape(x.shape));
  return out;
}

/** See RELU_GRAD_KERNEL: dx = dy * step(x). */
function reluGrad(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
  return binary(backend, "reluGrad", dy, x);
}

/** [n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl] of an NHWC max pool (tfjs' MaxPool attrs). */
function poolGeometry(xShape: number[], attrs: NamedAttrMap): number[] {
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
}

function maxPool(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: TensorInfo };
  if (!allFloat(x)) return fallback("MaxPool", args);
  const g = poolGeometry(x.shape, args.attrs ?? {});
  const out = backend.makeOutput([g[0], g[6], g[7], g[3]], "float32");
  addon!.maxPool(heap(backend), offset(backend, x), offset(backend, out), ...g);
  return out;
}

/** MaxPoolGrad: each window's dy goes to the first maximum of its input (tfjs' cpu backend's choice). */
function maxPoolGrad(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  if (!allFloat(dy, input)) return fallback("MaxPoolGrad", args);
  const g = poolGeometry(input.shape, args.attrs ?? {});
  const out = backend.makeOutput(input.shape, "float32");
  addon!.maxPoolGrad(heap(backend), offset(backend, input), offset(backend, dy), offset(backend, out), ...g);
  return out;
}

/**
 * Relu's gradient as one RELU_GRAD_KERNEL call where the active backend has it, instead of
 * tfjs' three (step, cast, multiply); elsewhere tfjs' own composition, so other backends are unchanged.
 */
const reluGradient: tf.GradConfig = {
  kernelName: "Relu",
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const gradient = dy as tf.Tensor;
    return {
      x: () => (tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) ? tf.engine().runKernel<tf.Tensor>(RELU_GRAD_KERNEL, { dy: gradient, x }) : tf.mul(gradient, tf.cast(tf.step(x), "float32"))),
    };
  },
};

const REPLACED: Array<[string, tf.KernelFunc]> = [
  ["Conv2D", conv2d("Conv2D")],
  ["FusedConv2D", conv2d("FusedConv2D")],
  ["Conv2DBackpropInput", conv2dBackpropInput],
  ["Conv2DBackpropFilter", conv2dBackpropFilter],
  ["BatchMatMul", matMul("BatchMatMul")],
  ["_FusedMatMul", matMul("_FusedMatMul")],
  ["Add", add],
  ["Relu", relu],
  ["MaxPool", maxPool],
  ["MaxPoolGrad", maxPoolGrad],
];
const ADDED: Array<[string, tf.KernelFunc]> = [
  [BATCH_NORM_TRAINING_KERNEL, batchNormTraining],
  [BATCH_NORM_TRAINING_GRAD_KERNEL, batchNormTrainingGrad],
  [SGD_STEP_KERNEL, sgdStep],
  [RELU_GRAD_KERNEL, reluGrad],
  [ADD_RELU_KERNEL, addRelu],
  [CROSS_ENTROPY_KERNEL, crossEntropy],
  [CROSS_ENTROPY_GRAD_KERNEL, crossEntropyGrad],
  [SUBSAMPLE_PAD_KERNEL, subsamplePad(false)],
  [SUBSAMPLE_PAD_GRAD_KERNEL, subsamplePad(true)],
];

/** Names of the wasm kernels the oneDNN path provides (for the doctor and tests). */
export const ONEDNN_KERNELS = [...REPLACED, ...ADDED].map(([name]) => name);

let registered = false;

/**
 * Registers the oneDNN kernels for the "wasm" backend over whatever is registered (keeping
 * that as the fallback) and sets oneDNN's thread count. Call after the project's wasm
 * training kernels are registered. Idempotent; a later call only changes the thread count.
 * @returns false (and registers nothing) where the addon is not built.
 */
export function registerOnednnKernels(threads: number): boolean {
  const native = onednnStatus().available ? loadAddon() : null;
  if (!native) return false;
  native.setThreads(threads);
  if (registered) return true;
  for (const [name, kernelFunc] of REPLACED) {
    const existing = tf.getKernel(name, WASM);
    if (!existing) continue;
    previous.set(name, existing.kernelFunc);
    tf.unregisterKernel(name, WASM);
    tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc, setupFunc: existing.setupFunc, disposeFunc: existing.disposeFunc });
  }
  for (const [name, kernelFunc] of ADDED) tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc });
  tf.registerGradient(reluGradient);
  registered = true;
  return true;
}
