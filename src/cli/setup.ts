/**
 * `forgetting setup`: makes the notebooks runnable. Installs Jupyter where it is missing
 * (Debian's packages when root on Debian; otherwise says exactly what to install), registers
 * the project's tslab kernel "forgetting-tslab", and proves it by executing a one-cell
 * notebook that imports the library. Safe to run again.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ValueError } from "../core/errors";
import type { CliCommand } from "./args";
import { aptInstallJupyter, jupyterInstallPlan, machineFacts, registerKernel } from "../setup/kernel";
import { plotlyBundle } from "../notebook/plotly";
import { NotebookCellError, runNotebooks } from "../report/runNotebooks";
import { projectRoot } from "../core/paths";
import { KERNEL_NAME, findJupyterPython, notebookKernelMetadata } from "../report/jupyter";

/** A one-cell notebook that fails unless the kernel can import the compiled library from ./dist. */
function smokeNotebook(): object {
  return {
    cells: [
      { cell_type: "markdown", id: "smoke-title", metadata: {}, source: "# Kernel check" },
      {
        cell_type: "code",
        id: "smoke-import",
        metadata: {},
        execution_count: null,
        outputs: [],
        source: 'import { Random } from "./dist/index";\nconsole.log("kernel ok", new Random(1, "setup").nextUint32());',
      },
    ],
    metadata: { kernelspec: notebookKernelMetadata() },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export const command: CliCommand = {
  name: "setup",
  summary: "install Jupyter if missing and register the project's tslab kernel (forgetting-tslab)",
  options: {
    "install-jupyter": { type: "boolean", help: "install Debian's Jupyter packages with apt-get when missing (root on Debian only)", default: true },
    check: { type: "boolean", help: "execute a one-cell notebook on the kernel to prove it works (about 5 s)", default: true },
  },
  async run(options) {
    let probe = findJupyterPython();
    if (!probe.python) {
      const plan = jupyterInstallPlan(machineFacts());
      const lacking = probe.tried.map((t) => `${t.python} lacks ${t.missing.join(", ")}`).join("; ") || "no python3 found";
      if (plan.kind === "apt" && options["install-jupyter"]) {
        console.log(`setup: Jupyter not found (${lacking}); installing: ${plan.command.join(" ")}`);
        aptInstallJupyter(plan.command);
        probe = findJupyterPython();
      }
      if (!probe.python) {
        const how = plan.kind === "manual" ? plan.instructions : `run as root: ${plan.command.join(" ")}`;
        throw new ValueError(`setup: expected a Python with Jupyter, got none (${lacking}); ${how}`);
      }
    }
    console.log(`setup: Jupyter found in ${probe.python}`);
    const root = projectRoot();
    const kernel = registerKernel(probe.python, root);
    console.log(`setup: kernel "${KERNEL_NAME}" ${kernel.status} (${kernel.resourceDir}); it starts tslab in ${root}`);
    // Minifies and caches the plotly bundle now rather than in the first notebook.
    console.log(`setup: plotly.js bundle ready (${(plotlyBundle(root).length / 1e6).toFixed(1)} MB, one copy per reports folder, never stored in a notebook)`);
    if (!options.check) return;

    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-setup-"));
    try {
      const notebooks = path.join(scratch, "notebooks");
      fs.mkdirSync(notebooks);
      fs.writeFileSync(path.join(notebooks, "00-kernel-check.ipynb"), JSON.stringify(smokeNotebook(), null, 1));
      const result = await runNotebooks(scratch, { notebooksDir: notebooks, python: probe.python, cellTimeoutSeconds: 120, log: () => {} });
      console.log(`setup: kernel check passed (a notebook importing the library ran in ${result.seconds.toFixed(1)} s)`);
    } catch (err) {
      if (err instanceof NotebookCellError) throw new ValueError(`setup: expected the kernel check notebook to run, got: ${err.message}`);
      throw err;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    console.log("setup: ready. Interactive: jupyter notebook notebooks/ (pick the kernel \"TypeScript (forgetting, tslab)\"); headless: forgetting notebooks --experiment <dir>");
  },
};
