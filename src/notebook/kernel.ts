/**
 * The project's Jupyter kernel: finding a Python that has Jupyter, installing Jupyter where
 * it is missing, and registering the tslab kernel "forgetting-tslab".
 *
 * Why a project kernel and not plain `tslab install`: tslab sets TypeScript's rootDir to
 * the kernel's working directory and Jupyter starts kernels in the notebook's folder, so a
 * notebook could not import "../src/...". The project kernel starts through
 * scripts/tslab-kernel.js, which changes to the project root first, so every notebook
 * finds the library as "./dist/..." and experiments as "outputs/<name>", in Jupyter
 * Notebook, JupyterLab and headless alike.
 *
 * Notebooks import the compiled library (dist/, built from src/ by `npm run build`) rather
 * than src/ itself: tslab compiles imported .ts files with its own TypeScript 5.0 and cannot
 * resolve directory imports ("../models" for models/index.ts) among them, and type-checking
 * the whole src/ tree took 45 s per notebook here; with dist/ the first cell takes seconds
 * and runs exactly the code the CLI runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ValueError } from "../errors";

/** Name of the kernelspec; notebooks record it in metadata.kernelspec.name. */
export const KERNEL_NAME = "forgetting-tslab";
export const KERNEL_DISPLAY_NAME = "TypeScript (forgetting, tslab)";
/** The kernel launcher, relative to the project root. */
export const KERNEL_LAUNCHER = "scripts/tslab-kernel.js";
/** Python modules the notebooks need: kernel registry, notebook format, execution, export. */
export const JUPYTER_PYTHON_MODULES = ["jupyter_client", "nbformat", "nbclient", "nbconvert"] as const;
/** Debian packages that provide them (and the Notebook UI), as verified in TOOLCHAIN.md. */
export const DEBIAN_JUPYTER_PACKAGES = [
  "jupyter-notebook",
  "jupyter-nbconvert",
  "python3-nbclient",
  "python3-ipykernel",
  "jupyter-client",
] as const;
/**
 * Pythons tried in order. Debian's Jupyter lives in /usr/bin/python3, which is not always
 * the first python3 on PATH (pyenv, conda).
 */
export const PYTHON_CANDIDATES = ["/usr/bin/python3", "python3", "python"] as const;

/** The project root (the folder holding package.json), from this file's place in src/ or dist/. */
export function projectRoot(): string {
  return path.resolve(__dirname, "..", "..");
}

/** The kernel.json of the project kernel (pure). */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  metadata: { forgettingProjectRoot: string };
}

/**
 * The kernelspec that starts tslab in `root` with the node binary `nodePath` (absolute, so
 * Jupyter finds it even when its PATH lacks node, as with nvm).
 */
export function kernelSpec(root: string, nodePath: string): KernelSpec {
  return {
    argv: [nodePath, path.join(root, KERNEL_LAUNCHER), "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
    metadata: { forgettingProjectRoot: root },
  };
}

/** The metadata.kernelspec block every project notebook carries. */
export function notebookKernelMetadata(): { name: string; display_name: string; language: string } {
  return { name: KERNEL_NAME, display_name: KERNEL_DISPLAY_NAME, language: "typescript" };
}

function runPython(python: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(python, ["-c", code], {
    encoding: "utf8",
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
  });
  if (result.error) return { status: null, stdout: "", stderr: result.error.message };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What was found when looking for Jupyter. */
export interface JupyterProbe {
  /** A Python with every module of JUPYTER_PYTHON_MODULES, or null. */
  python: string | null;
  /** For each candidate that runs: the modules it lacks. */
  tried: { python: string; missing: string[] }[];
}

/** Looks for a Python that has Jupyter's modules (see PYTHON_CANDIDATES). */
export function findJupyterPython(candidates: readonly string[] = PYTHON_CANDIDATES): JupyterProbe {
  const tried: JupyterProbe["tried"] = [];
  const check = `import importlib.util, json; print(json.dumps([m for m in ${JSON.stringify(JUPYTER_PYTHON_MODULES)} if importlib.util.find_spec(m) is None]))`;
  for (const python of candidates) {
    const result = runPython(python, check);
    if (result.status !== 0) continue;
    const missing = JSON.parse(result.stdout.trim().split("\n").pop() ?? "[]") as string[];
    tried.push({ python, missing });
    if (missing.length === 0) return { python, tried };
  }
  return { python: null, tried };
}

/** How Jupyter can be installed on this machine. */
export type JupyterInstallPlan =
  | { kind: "apt"; command: string[] }
  | { kind: "manual"; instructions: string };

/**
 * Decides how to install Jupyter (pure, given the facts): Debian's packages through apt-get
 * when running as root on Debian, otherwise instructions for the user.
 */
export function jupyterInstallPlan(facts: { isRoot: boolean; isDebian: boolean; hasAptGet: boolean }): JupyterInstallPlan {
  const packages = DEBIAN_JUPYTER_PACKAGES.join(" ");
  if (facts.isRoot && facts.isDebian && facts.hasAptGet) {
    return { kind: "apt", command: ["apt-get", "install", "-y", "--no-install-recommends", ...DEBIAN_JUPYTER_PACKAGES] };
  }
  const instructions = facts.isDebian
    ? `install Debian's Jupyter packages as root:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages}\nthen run this command again.`
    : `install Jupyter into a Python 3 (it needs the modules ${JUPYTER_PYTHON_MODULES.join(", ")}), e.g.\n  python3 -m pip install --user notebook nbconvert nbclient jupyter_client\nthen run this command again.`;
  return { kind: "manual", instructions };
}

/** Facts about this machine for jupyterInstallPlan. */
export function machineFacts(): { isRoot: boolean; isDebian: boolean; hasAptGet: boolean } {
  const hasAptGet = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  return {
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
    isDebian: fs.existsSync("/etc/debian_version"),
    hasAptGet,
  };
}

/**
 * Installs Debian's Jupyter packages with apt-get (root only), running `apt-get update`
 * first when the package lists are unknown. Output goes to this process's terminal.
 */
export function aptInstallJupyter(command: string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let result = spawnSync(command[0], command.slice(1), { stdio: "inherit", env });
  if (result.status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    result = spawnSync(command[0], command.slice(1), { stdio: "inherit", env });
  }
  if (result.status !== 0) {
    throw new ValueError(`setup: expected "${command.join(" ")}" to succeed, got exit status ${result.status}`);
  }
}

/** The kernelspec currently registered under `name` for `python`'s Jupyter, or null. */
export function registeredKernelSpec(python: string, name = KERNEL_NAME): { resourceDir: string; spec: KernelSpec } | null {
  const code = [
    "import json",
    "from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel",
    "try:",
    `    s = KernelSpecManager().get_kernel_spec(${JSON.stringify(name)})`,
    "    print(json.dumps({'resourceDir': s.resource_dir, 'spec': s.to_dict()}))",
    "except NoSuchKernel:",
    "    print('null')",
  ].join("\n");
  const result = runPython(python, code);
  if (result.status !== 0) throw new ValueError(`registeredKernelSpec: expected ${python} to list kernelspecs, got: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() ?? "null");
}

/** True if two kernelspecs start the same kernel the same way. */
function sameSpec(a: KernelSpec, b: KernelSpec): boolean {
  return JSON.stringify([a.argv, a.display_name, a.language, a.metadata]) === JSON.stringify([b.argv, b.display_name, b.language, b.metadata]);
}

/**
 * Registers (or refreshes) the project kernel in the user's Jupyter kernel folder.
 * Idempotent: returns "unchanged" when the same spec is already registered.
 * @throws ValueError if tslab or the launcher is missing, or Jupyter refuses the spec.
 */
export function registerKernel(python: string, root = projectRoot(), nodePath = process.execPath): { status: "installed" | "updated" | "unchanged"; resourceDir: string } {
  const launcher = path.join(root, KERNEL_LAUNCHER);
  if (!fs.existsSync(launcher)) throw new ValueError(`registerKernel: expected the kernel launcher at ${launcher}, got no such file`);
  try {
    require.resolve("tslab/dist/main.js", { paths: [root] });
  } catch {
    throw new ValueError(`registerKernel: expected tslab in ${path.join(root, "node_modules")}, got none (run npm install first)`);
  }
  const spec = kernelSpec(root, nodePath);
  const existing = registeredKernelSpec(python);
  if (existing && sameSpec(existing.spec, spec)) return { status: "unchanged", resourceDir: existing.resourceDir };
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-kernelspec-"));
  try {
    fs.writeFileSync(path.join(staging, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
    // user=True: the per-user kernel folder, no system-wide writes even as root.
    const code = [
      "from jupyter_client.kernelspec import KernelSpecManager",
      `print(KernelSpecManager().install_kernel_spec(${JSON.stringify(staging)}, ${JSON.stringify(KERNEL_NAME)}, user=True))`,
    ].join("\n");
    const result = runPython(python, code);
    if (result.status !== 0) throw new ValueError(`registerKernel: expected Jupyter to install the kernelspec, got: ${result.stderr.trim()}`);
    const resourceDir = result.stdout.trim().split("\n").pop() ?? "";
    return { status: existing ? "updated" : "installed", resourceDir };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
