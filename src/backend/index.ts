/**
 * Chooses the tfjs backend once per process, best first:
 *
 *   1. "tensorflow-gpu"  @tensorflow/tfjs-node-gpu (libtensorflow with CUDA)
 *   2. "tensorflow"      tfjs-node-cpu, the npm alias of @tensorflow/tfjs-node (libtensorflow, CPU)
 *   3. "wasm"            @tensorflow/tfjs-backend-wasm plus this project's training kernels
 *   4. "cpu"             tfjs' pure-JavaScript kernels (correct, far too slow to train conv nets)
 *
 * Both native packages register a tfjs backend called "tensorflow". The project's package.json
 * aliases the name "@tensorflow/tfjs-node" to plain tfjs (danfo needs that), so `require`
 * succeeding proves nothing: a native backend counts only if it registered a "tensorflow"
 * backend factory on our tfjs-core.
 *
 * The choice can be forced with the FORGETTING_BACKEND environment variable or the `backend`
 * option (the option wins). Importing this module does nothing; `initBackend()` does the work.
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs";
import { ValueError, describeValue } from "../core/errors";
import type { EnvironmentInfo } from "../runs/layout";
import { THREADS_ENV_VAR, findSharedLibrary, installedPackageVersion, listNvidiaGpus } from "./system";
import { onednnStatus, registerOnednnKernels } from "./onednn";
import { registerWasmTrainingKernels } from "./wasm_gradients";

/** Backends in order of preference. */
export const VALID_BACKENDS = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof VALID_BACKENDS)[number];

/** Environment variable that forces a backend (same names as VALID_BACKENDS, or "auto"). */
const BACKEND_ENV_VAR = "FORGETTING_BACKEND";

/** npm package that provides each backend. */
export const BACKEND_PACKAGES: Record<BackendName, string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "tfjs-node-cpu",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

/** The tfjs backend name each of ours registers under. */
const TFJS_BACKEND_NAMES: Record<BackendName, string> = {
  "tensorflow-gpu": "tensorflow",
  tensorflow: "tensorflow",
  wasm: "wasm",
  cpu: "cpu",
};

/** Shared libraries libtensorflow 2.9.1 (downloaded by tfjs-node-gpu 4.22) loads for the GPU. */
export const GPU_RUNTIME_LIBRARIES = ["libcudart.so.11.0", "libcudnn.so.8"] as const;

export interface InitBackendOptions {
  /** Force a backend; "auto" (the default) takes the best available one. Overrides FORGETTING_BACKEND. */
  backend?: BackendName | "auto";
  /** CPU threads of the native kernels (integer > 0). Default: defaultThreads(). */
  threads?: number;
}

/**
 * Threads a run uses when its config sets none: FORGETTING_THREADS (a sweep worker's share of
 * the cores), else SLURM_CPUS_PER_TASK (a Slurm task's --cpus-per-task), else every core of
 * the machine (os.availableParallelism()).
 */
function defaultThreads(): number {
  for (const name of [THREADS_ENV_VAR, "SLURM_CPUS_PER_TASK"]) {
    const value = process.env[name];
    if (value === undefined || value === "") continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new ValueError(`initBackend: environment variable ${name} expected an integer > 0, got ${describeValue(value)}`);
    return n;
  }
  return os.availableParallelism();
}

/** Kernel path names as manifests record them. */
const WASM_SIMD_KERNELS = "wasm-simd";

/** Why each backend was or was not chosen, for the doctor and for error messages. */
export interface BackendReport {
  /** What was asked for and where the request came from. */
  requested: BackendName | "auto";
  requestedBy: "option" | "environment" | "default";
  /** The backend in use, or null before `initBackend()` ran. */
  chosen: BackendName | null;
  /** One sentence per backend: "chosen", why it is unavailable, or why it was not tried. */
  reasons: Record<BackendName, string>;
}

interface ProbeResult {
  available: boolean;
  reason: string;
}

interface BackendState {
  name: BackendName;
  info: EnvironmentInfo;
  report: BackendReport;
}

let state: BackendState | null = null;
/** Probe results are kept: a native package that failed to load will not load on a second try. */
const probes = new Map<BackendName, ProbeResult>();

function notProbedReasons(): Record<BackendName, string> {
  return { "tensorflow-gpu": "not probed yet", tensorflow: "not probed yet", wasm: "not probed yet", cpu: "not probed yet" };
}

/** First line of an error, without the require stack that node appends. */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0] ?? text;
}

function loadNativePackage(pkg: string): ProbeResult {
  if (tf.findBackendFactory("tensorflow")) {
    // Another native package already registered "tensorflow" in this process; loading a second
    // libtensorflow would clash, so only the package that registered first is usable.
    return { available: true, reason: `"tensorflow" backend already registered in this process` };
  }
  try {
    require(pkg);
  } catch (err) {
    const message = firstLine(err);
    if (/Cannot find module/.test(message)) {
      return { available: false, reason: `${pkg} is not installed (npm drops this optional dependency when its libtensorflow download fails)` };
    }
    return { available: false, reason: `${pkg} failed to load: ${message}` };
  }
  if (!tf.findBackendFactory("tensorflow")) {
    return {
      available: false,
      reason: `${pkg} loaded but registered no "tensorflow" backend on this tfjs-core (an alias of plain tfjs, or a second tfjs-core copy)`,
    };
  }
  return { available: true, reason: `${pkg} registered the "tensorflow" backend` };
}

function probeUncached(name: BackendName): ProbeResult {
  switch (name) {
    case "tensorflow-gpu":
      return loadNativePackage(BACKEND_PACKAGES["tensorflow-gpu"]);
    case "tensorflow":
      if (probes.get("tensorflow-gpu")?.available) {
        return { available: false, reason: `not loaded: ${BACKEND_PACKAGES["tensorflow-gpu"]} already provides the "tensorflow" backend` };
      }
      return loadNativePackage(BACKEND_PACKAGES.tensorflow);
    case "wasm":
      try {
        require(BACKEND_PACKAGES.wasm);
      } catch (err) {
        return { available: false, reason: `${BACKEND_PACKAGES.wasm} failed to load: ${firstLine(err)}` };
      }
      return tf.findBackendFactory("wasm")
        ? { available: true, reason: `${BACKEND_PACKAGES.wasm} registered the "wasm" backend` }
        : { available: false, reason: `${BACKEND_PACKAGES.wasm} loaded but registered no "wasm" backend` };
    case "cpu":
      return tf.findBackendFactory("cpu")
        ? { available: true, reason: "pure-JavaScript kernels, always present" }
        : { available: false, reason: "tfjs registered no cpu backend" };
  }
}

function probe(name: BackendName): ProbeResult {
  let result = probes.get(name);
  if (!result) {
    result = probeUncached(name);
    probes.set(name, result);
  }
  return result;
}

/** Where the request came from: the option wins over the environment variable. */
function resolveRequest(options: InitBackendOptions): Pick<BackendReport, "requested" | "requestedBy"> {
  const valid = [...VALID_BACKENDS, "auto"] as const;
  if (options.backend !== undefined) {
    if (!(valid as readonly string[]).includes(options.backend)) {
      throw new ValueError(`initBackend: option backend expected one of ${valid.map((v) => `"${v}"`).join(", ")}, got ${describeValue(options.backend)}`);
    }
    return { requested: options.backend, requestedBy: "option" };
  }
  const fromEnv = process.env[BACKEND_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!(valid as readonly string[]).includes(fromEnv)) {
      throw new ValueError(
        `initBackend: environment variable ${BACKEND_ENV_VAR} expected one of ${valid.map((v) => `"${v}"`).join(", ")}, got ${describeValue(fromEnv)}`,
      );
    }
    return { requested: fromEnv as BackendName | "auto", requestedBy: "environment" };
  }
  return { requested: "auto", requestedBy: "default" };
}

/** The device a backend computes on, e.g. "GPU: NVIDIA RTX A5000" or "CPU". */
function describeDevice(name: BackendName): string {
  if (name !== "tensorflow-gpu") return "CPU";
  const gpus = listNvidiaGpus().names;
  if (gpus.length === 0) return "CPU (tfjs-node-gpu loaded but nvidia-smi lists no GPU)";
  const missing = GPU_RUNTIME_LIBRARIES.filter((lib) => !findSharedLibrary(lib));
  if (missing.length > 0) return `CPU (GPU ${gpus[0]} present but ${missing.join(", ")} not found)`;
  return `GPU: ${gpus[0]}`;
}

function collectVersions(name: BackendName): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const [pkg, version] of Object.entries(tf.version)) versions[pkg] = version;
  const pkg = BACKEND_PACKAGES[name];
  versions[pkg] = installedPackageVersion(pkg) ?? "unknown";
  if (name === "tensorflow-gpu" || name === "tensorflow") {
    // tfjs-node exports `version` with the libtensorflow version under "tensorflow".
    const native = require(pkg) as { version?: Record<string, string> };
    if (native.version?.tensorflow) versions.libtensorflow = native.version.tensorflow;
  }
  if (name === "wasm") {
    versions["wasm-simd"] = String(tf.env().getBool("WASM_HAS_SIMD_SUPPORT"));
    versions["wasm-threads"] = String(tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") ? "multi" : "1");
    const onednn = onednnStatus();
    if (onednn.available) versions.onednn = onednn.version ?? "unknown";
  }
  return versions;
}

/**
 * Activates the backend. Returns the kernel path of the wasm backend ("onednn-<version>" with
 * the oneDNN addon, else "wasm-simd") or null for the others (they use their own kernels).
 */
async function activate(name: BackendName, threads: number): Promise<string | null> {
  const tfName = TFJS_BACKEND_NAMES[name];
  if (tf.getBackend() !== tfName) {
    const ok = await tf.setBackend(tfName);
    if (!ok) throw new ValueError(`initBackend: backend "${name}" is registered but failed to initialize`);
  }
  await tf.ready();
  if (name !== "wasm") return null;
  await registerWasmTrainingKernels(tf.backend());
  return registerOnednnKernels(threads) ? `onednn-${onednnStatus().version}` : WASM_SIMD_KERNELS;
}

function checkThreads(threads: number | undefined): number {
  if (threads === undefined) return defaultThreads();
  if (!Number.isInteger(threads) || threads <= 0) throw new ValueError(`initBackend: option threads expected an integer > 0, got ${describeValue(threads)}`);
  return threads;
}

function unavailableMessage(name: BackendName, requestedBy: string): string {
  const lines = VALID_BACKENDS.map((b) => {
    const result = probe(b);
    return `  ${b}: ${result.available ? "available" : "unavailable"} (${result.reason})`;
  });
  const available = VALID_BACKENDS.filter((b) => probe(b).available);
  return (
    `initBackend: backend "${name}" (from ${requestedBy}) is not available here: ${probe(name).reason}. ` +
    `Available: ${available.map((b) => `"${b}"`).join(", ") || "none"}.\n${lines.join("\n")}`
  );
}

/**
 * Chooses and initializes the backend, returning what runs store in their manifest.
 * Idempotent: a second call with the same request returns the same info without work.
 *
 * @throws ValueError for an unknown backend name, or when the requested one is not available
 *   (the message lists every backend and why it is or is not available).
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<EnvironmentInfo> {
  const { requested, requestedBy } = resolveRequest(options);
  const threads = checkThreads(options.threads);
  if (state && (requested === "auto" || requested === state.name)) {
    // Someone (a test, a notebook) may have switched tfjs' backend meanwhile: switch back.
    await activate(state.name, threads);
    if (state.info.kernels !== undefined && state.info.kernels !== WASM_SIMD_KERNELS && state.info.threads !== threads) state.info = { ...state.info, threads };
    return state.info;
  }

  const reasons = notProbedReasons();
  let chosen: BackendName | null = null;
  if (requested === "auto") {
    for (const name of VALID_BACKENDS) {
      const result = probe(name);
      if (result.available) {
        chosen = name;
        reasons[name] = `chosen: ${result.reason}`;
        break;
      }
      reasons[name] = `unavailable: ${result.reason}`;
    }
    for (const name of VALID_BACKENDS) {
      if (reasons[name] === "not probed yet") reasons[name] = `not tried: "${chosen}" ranks higher`;
    }
    if (!chosen) throw new ValueError(unavailableMessage("cpu", "auto"));
  } else {
    const source = requestedBy === "option" ? "the backend option" : `${BACKEND_ENV_VAR}`;
    if (!probe(requested).available) throw new ValueError(unavailableMessage(requested, source));
    chosen = requested;
    for (const name of VALID_BACKENDS) {
      reasons[name] = name === chosen ? `chosen: forced by ${source}` : `not tried: ${source} asked for "${requested}"`;
    }
  }

  const kernels = await activate(chosen, threads);
  const info: EnvironmentInfo = {
    backend: TFJS_BACKEND_NAMES[chosen],
    backendPackage: BACKEND_PACKAGES[chosen],
    // Results depend on the kernel path and, with oneDNN, on the thread count.
    ...(kernels ? { kernels, threads: kernels === WASM_SIMD_KERNELS ? 1 : threads } : {}),
    device: describeDevice(chosen),
    versions: collectVersions(chosen),
    platform: `${process.platform}-${process.arch}`,
    hostname: os.hostname(),
  };
  state = { name: chosen, info, report: { requested, requestedBy, chosen, reasons } };
  return info;
}

/**
 * Whether each backend could be used in this process and why (loads the native packages if
 * present; does not change the active backend). For the doctor: it explains the better
 * backends even when a worse one was forced.
 */
export function probeBackends(): Record<BackendName, { available: boolean; reason: string }> {
  const result = {} as Record<BackendName, { available: boolean; reason: string }>;
  for (const name of VALID_BACKENDS) result[name] = { ...probe(name) };
  return result;
}

/** Why each backend was or was not chosen by the last `initBackend()` (chosen is null before it). */
export function backendReport(): BackendReport {
  if (!state) return { requested: "auto", requestedBy: "default", chosen: null, reasons: notProbedReasons() };
  return { ...state.report, reasons: { ...state.report.reasons } };
}
