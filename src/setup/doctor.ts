/**
 * The doctor: what this machine can run and what to do about what it cannot. Checks the tfjs
 * backends (and why the better ones are unavailable), the GPU stack that tfjs-node-gpu needs,
 * Node/npm/tfjs versions, the native JPEG decoder, Jupyter and the project's tslab kernel. Each failed check carries the
 * command or step that fixes it. `doctor()` returns data (a notebook can show it);
 * `formatDoctorReport()` renders the text the CLI prints.
 */
import * as tf from "@tensorflow/tfjs";
import * as path from "node:path";
import type { EnvironmentInfo } from "../runs/layout";
import { jupyterInstallPlan, machineFacts } from "./kernel";
import { type BackendName, BACKEND_PACKAGES, GPU_RUNTIME_LIBRARIES, VALID_BACKENDS, backendReport, initBackend, probeBackends } from "../backend/index";
import { commandOutput, findExecutable, findSharedLibrary, installedPackageVersion, listNvidiaGpus } from "../backend/system";
import { ONEDNN_KERNELS, onednnStatus } from "../backend/onednn";
import { WASM_TRAINING_KERNELS } from "../backend/wasm_gradients";
import { jpegDecoderDescription, nativeJpegBuilt } from "../data/jpegTurbo";
import { projectRoot } from "../core/paths";
import { KERNEL_LAUNCHER, KERNEL_NAME, findJupyterPython, registeredKernelSpec } from "../report/jupyter";

/** libtensorflow that tfjs-node(-gpu) 4.22 downloads, and the CUDA stack its GPU build was made for. */
const LIBTENSORFLOW_VERSION = "2.9.1";
const REQUIRED_CUDA = "11.2";
const REQUIRED_CUDNN = "8.1";

export interface DoctorCheck {
  /** Short name, e.g. "backend", "gpu-driver", "libcudnn.so.8", "jupyter". */
  name: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** What to run or do when not ok (absent when ok). */
  fix?: string;
}

export interface DoctorReport {
  /** What runs record: chosen backend, device, versions. */
  environment: EnvironmentInfo;
  chosen: BackendName;
  /** Per backend: available or not, and why; "chosen" marks the one in use. */
  backends: Record<BackendName, { available: boolean; reason: string }>;
  gpu: { devices: string[]; driver: string | null; libraries: Record<string, string | null> };
  versions: Record<string, string>;
  jupyter: { python: string | null; kernel: string | null; kernelForThisProject: boolean };
  checks: DoctorCheck[];
}

const NPM_INSTALL_NATIVE =
  "run `npm install` on a machine that can reach libtensorflow's download host (the optional dependencies download it during install)";

function fixFor(name: BackendName, available: Record<BackendName, { available: boolean }>): string {
  switch (name) {
    case "tensorflow-gpu":
      return (
        `${NPM_INSTALL_NATIVE}; ${BACKEND_PACKAGES["tensorflow-gpu"]} 4.22 loads libtensorflow ${LIBTENSORFLOW_VERSION} (GPU), which needs an NVIDIA driver, ` +
        `the CUDA ${REQUIRED_CUDA} runtime (libcudart.so.11.0) and cuDNN ${REQUIRED_CUDNN} (libcudnn.so.8) on the loader path`
      );
    case "tensorflow":
      return available["tensorflow-gpu"].available ? "nothing to do: tensorflow-gpu provides the same backend" : `${NPM_INSTALL_NATIVE} (tfjs-node-cpu is the alias of @tensorflow/tfjs-node 4.22.0)`;
    case "wasm":
      return "run `npm ci` in the project (it installs @tensorflow/tfjs-backend-wasm)";
    case "cpu":
      return "run `npm ci` in the project";
  }
}

function gpuChecks(devices: string[], driver: string | null, libraries: Record<string, string | null>): DoctorCheck[] {
  const checks: DoctorCheck[] = [
    {
      name: "gpu-driver",
      ok: devices.length > 0,
      detail: devices.length > 0 ? `${devices.join(", ")} (driver ${driver ?? "unknown"})` : findExecutable("nvidia-smi") ? "nvidia-smi lists no GPU" : "no nvidia-smi on PATH: no NVIDIA driver",
      fix: devices.length > 0 ? undefined : "for GPU training: install the NVIDIA driver (>= 450.80.02 for CUDA 11.x); CPU training works without it",
    },
  ];
  const wanted: Record<string, string> = {
    "libcudart.so.11.0": `the CUDA ${REQUIRED_CUDA} runtime (e.g. NVIDIA's cuda-cudart-11-2 package or a CUDA 11.2 toolkit)`,
    "libcudnn.so.8": `cuDNN ${REQUIRED_CUDNN} for CUDA 11.x (NVIDIA's libcudnn8 package)`,
  };
  for (const lib of GPU_RUNTIME_LIBRARIES) {
    const found = libraries[lib];
    checks.push({
      name: lib,
      ok: found !== null,
      detail: found ?? "not found by ldconfig -p or in LD_LIBRARY_PATH",
      fix: found ? undefined : `for GPU training: install ${wanted[lib]} and add its lib folder to LD_LIBRARY_PATH`,
    });
  }
  return checks;
}

function jupyterState(): { python: string | null; kernel: string | null; kernelForThisProject: boolean; checks: DoctorCheck[] } {
  const probe = findJupyterPython();
  const checks: DoctorCheck[] = [];
  if (!probe.python) {
    const plan = jupyterInstallPlan(machineFacts());
    const tried = probe.tried.map((t) => `${t.python} lacks ${t.missing.join(", ")}`).join("; ") || "no python3 found";
    checks.push({
      name: "jupyter",
      ok: false,
      detail: `no Python with Jupyter (${tried})`,
      fix: plan.kind === "apt" ? `run \`forgetting setup\` (it runs ${plan.command.join(" ")}) or that command yourself` : plan.instructions,
    });
    checks.push({ name: `kernel ${KERNEL_NAME}`, ok: false, detail: "needs Jupyter first", fix: "install Jupyter, then run `forgetting setup`" });
    return { python: null, kernel: null, kernelForThisProject: false, checks };
  }
  const version = commandOutput(probe.python, ["-m", "jupyter", "--version"]);
  const notebook = version?.split("\n").find((line) => /^notebook\s*:/.test(line.trim()))?.trim();
  checks.push({ name: "jupyter", ok: true, detail: `${probe.python}${notebook ? ` (${notebook.replace(/\s+/g, " ")})` : ""}` });
  let kernel: { resourceDir: string; spec: { argv: string[] } } | null;
  try {
    kernel = registeredKernelSpec(probe.python);
  } catch {
    kernel = null;
  }
  const launcher = path.join(projectRoot(), KERNEL_LAUNCHER);
  const forThisProject = kernel !== null && kernel.spec.argv.includes(launcher);
  checks.push({
    name: `kernel ${KERNEL_NAME}`,
    ok: forThisProject,
    detail: kernel === null ? "not registered" : forThisProject ? kernel.resourceDir : `registered at ${kernel.resourceDir} but for another project folder (${kernel.spec.argv.join(" ")})`,
    fix: forThisProject ? undefined : "run `forgetting setup` (registers the tslab kernel for this project folder)",
  });
  return { python: probe.python, kernel: kernel?.resourceDir ?? null, kernelForThisProject: forThisProject, checks };
}

/**
 * Examines this machine. Initializes the backend as initBackend() would (honoring
 * FORGETTING_BACKEND), then probes every backend so the report can say why better ones are
 * unavailable. Runs a few external programs (nvidia-smi, ldconfig, npm, python); takes seconds.
 */
export async function doctor(): Promise<DoctorReport> {
  const environment = await initBackend();
  const chosen = backendReport().chosen as BackendName;
  const backends = probeBackends();
  for (const name of VALID_BACKENDS) {
    if (name === chosen) backends[name] = { available: true, reason: `chosen: ${backendReport().reasons[name].replace(/^chosen: /, "")}` };
  }
  const checks: DoctorCheck[] = [];
  checks.push({ name: "backend", ok: true, detail: `${chosen} (${environment.backendPackage}) on ${environment.device}` });
  const rank = VALID_BACKENDS.indexOf(chosen);
  for (const name of VALID_BACKENDS.slice(0, rank)) {
    if (!backends[name].available) checks.push({ name: `backend ${name}`, ok: false, detail: backends[name].reason, fix: fixFor(name, backends) });
  }
  if (chosen === "wasm") {
    checks.push({ name: "wasm training kernels", ok: true, detail: `registered: ${WASM_TRAINING_KERNELS.join(", ")}` });
    const onednn = onednnStatus();
    checks.push({
      name: "kernel path",
      ok: onednn.available,
      detail: onednn.available
        ? `${environment.kernels} on ${environment.threads} threads (oneDNN: ${ONEDNN_KERNELS.join(", ")}; wasm SIMD for the rest)`
        : `wasm-simd on 1 thread: ${onednn.reason}`,
      fix: onednn.available ? undefined : "for oneDNN kernels on every core (about 2-3x faster conv nets): install a C compiler and oneDNN (Debian: apt-get install build-essential libdnnl-dev), then `npm run build`",
    });
  }
  if (chosen === "cpu") {
    checks.push({ name: "backend speed", ok: false, detail: "the pure-JavaScript cpu backend trains conv nets at a few images/s", fix: fixFor("wasm", backends) });
  }

  const { names: devices, driver } = listNvidiaGpus();
  const libraries: Record<string, string | null> = {};
  for (const lib of GPU_RUNTIME_LIBRARIES) libraries[lib] = findSharedLibrary(lib);
  checks.push(...gpuChecks(devices, driver, libraries));

  const versions: Record<string, string> = {
    node: process.versions.node,
    npm: commandOutput("npm", ["--version"]) ?? "not found",
    ...Object.fromEntries(Object.entries(tf.version)),
  };
  for (const name of VALID_BACKENDS) versions[BACKEND_PACKAGES[name]] = installedPackageVersion(BACKEND_PACKAGES[name]) ?? "not installed";
  if (environment.versions.libtensorflow) versions.libtensorflow = environment.versions.libtensorflow;
  checks.push({
    name: "node",
    ok: Number(process.versions.node.split(".")[0]) >= 20,
    detail: process.versions.node,
    fix: Number(process.versions.node.split(".")[0]) >= 20 ? undefined : "install Node.js 20 or newer",
  });

  const jpegDecoder = jpegDecoderDescription();
  const nativeJpeg = nativeJpegBuilt();
  versions["jpeg-decoder"] = jpegDecoder;
  checks.push({
    name: "jpeg decoder",
    ok: nativeJpeg,
    detail: jpegDecoder,
    fix: nativeJpeg
      ? undefined
      : "for image folders at full speed and PIL's exact pixels: install a C compiler and libjpeg-turbo's headers (Debian: apt-get install build-essential libjpeg62-turbo-dev), then `npm run build`",
  });

  const jupyter = jupyterState();
  checks.push(...jupyter.checks);
  return {
    environment,
    chosen,
    backends,
    gpu: { devices, driver, libraries },
    versions,
    jupyter: { python: jupyter.python, kernel: jupyter.kernel, kernelForThisProject: jupyter.kernelForThisProject },
    checks,
  };
}

/** The doctor's report as text: backends, GPU stack, versions, Jupyter, then what to fix. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  const kernels = report.environment.kernels ? `, kernels ${report.environment.kernels} on ${report.environment.threads} thread(s)` : "";
  lines.push(`Backend: ${report.chosen} (${report.environment.backendPackage})${kernels}, device ${report.environment.device}`);
  for (const name of VALID_BACKENDS) {
    const b = report.backends[name];
    lines.push(`  ${name === report.chosen ? "*" : b.available ? "+" : "-"} ${name.padEnd(15)} ${b.reason}`);
  }
  lines.push("", "GPU:");
  lines.push(`  devices: ${report.gpu.devices.length ? report.gpu.devices.join(", ") : "none"}${report.gpu.driver ? ` (driver ${report.gpu.driver})` : ""}`);
  for (const [lib, where] of Object.entries(report.gpu.libraries)) lines.push(`  ${lib.padEnd(18)} ${where ?? "missing"}`);
  lines.push(`  (tfjs-node-gpu 4.22 runs libtensorflow ${LIBTENSORFLOW_VERSION}: CUDA ${REQUIRED_CUDA} and cuDNN ${REQUIRED_CUDNN})`);
  lines.push("", "Versions:");
  for (const [name, version] of Object.entries(report.versions)) lines.push(`  ${name.padEnd(30)} ${version}`);
  lines.push("", "Jupyter:");
  lines.push(`  python with Jupyter: ${report.jupyter.python ?? "none"}`);
  lines.push(`  kernel ${KERNEL_NAME}: ${report.jupyter.kernel ?? "not registered"}${report.jupyter.kernel && !report.jupyter.kernelForThisProject ? " (another project folder)" : ""}`);
  lines.push("", "Checks:");
  for (const c of report.checks) {
    lines.push(`  [${c.ok ? "ok" : "--"}] ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`       fix: ${c.fix}`);
  }
  return lines.join("\n");
}
