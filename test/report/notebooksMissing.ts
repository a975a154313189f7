/** Whether the project's notebooks can be executed here (Jupyter, this project's kernel, the build). */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../src/core/paths";
import { KERNEL_LAUNCHER, findJupyterPython, registeredKernelSpec } from "../../src/report/jupyter";

/** Why notebooks cannot run here, or null. */
export function notebooksMissing(): string | null {
  const root = projectRoot();
  const python = findJupyterPython().python;
  if (!python) return "Jupyter is not installed (forgetting setup installs it)";
  const kernel = registeredKernelSpec(python);
  if (!kernel || !kernel.spec.argv.includes(path.join(root, KERNEL_LAUNCHER))) return "the forgetting-tslab kernel is not registered for this project (run `forgetting setup`)";
  if (!fs.existsSync(path.join(root, "dist", "index.js"))) return "the library is not built (npm run build): notebooks import dist/";
  return null;
}
