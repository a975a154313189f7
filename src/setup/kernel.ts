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
import { ValueError } from "../core/errors";
import { projectRoot } from "../core/paths";
import { JUPYTER_PYTHON_MODULES, KERNEL_LAUNCHER, KERNEL_NAME, type KernelSpec, kernelSpec, registeredKernelSpec, runPython } from "../report/jupyter";

/** Debian packages that provide them (and the Notebook UI); environment.md lists the versions tested. */
export const DEBIAN_JUPYTER_PACKAGES = [
  "jupyter-notebook",
  "jupyter-nbconvert",
  "python3-nbclient",
  "python3-ipykernel",
  "jupyter-client",
] as const;

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
