/**
 * Where Jupyter is and how the project kernel looks: what the headless runner needs to
 * execute notebooks, and what `setup` registers (see src/setup/kernel.ts for why the project
 * has a kernel of its own and why notebooks import dist/).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ValueError } from "../core/errors";

/** Name of the kernelspec; notebooks record it in metadata.kernelspec.name. */
export const KERNEL_NAME = "forgetting-tslab";
export const KERNEL_DISPLAY_NAME = "TypeScript (forgetting, tslab)";
/** The kernel launcher, relative to the project root. */
export const KERNEL_LAUNCHER = "scripts/tslab-kernel.js";

/** Python modules the notebooks need: kernel registry, notebook format, execution, export. */
export const JUPYTER_PYTHON_MODULES = ["jupyter_client", "nbformat", "nbclient", "nbconvert"] as const;

/**
 * Pythons tried in order. Debian's Jupyter lives in /usr/bin/python3, which is not always
 * the first python3 on PATH (pyenv, conda).
 */
const PYTHON_CANDIDATES = ["/usr/bin/python3", "python3", "python"] as const;

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

export function runPython(python: string, code: string): { status: number | null; stdout: string; stderr: string } {
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
  return JSON.parse(result.stdout.trim().split("\n").pop() ?? "null") as { resourceDir: string; spec: KernelSpec } | null;
}
