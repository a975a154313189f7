import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEBIAN_JUPYTER_PACKAGES, jupyterInstallPlan } from "../../src/setup/kernel";
import { listNotebooks } from "../../src/report/runNotebooks";
import { readNotebook } from "../../src/report/notebookFile";
import { projectRoot } from "../../src/core/paths";
import { KERNEL_DISPLAY_NAME, KERNEL_NAME, kernelSpec, notebookKernelMetadata } from "../../src/report/jupyter";

test("kernelSpec(root, nodePath) starts scripts/tslab-kernel.js with node and the connection file", () => {
  const spec = kernelSpec("/home/me/forgetting", "/usr/local/bin/node");
  assert.deepEqual(spec.argv, ["/usr/local/bin/node", "/home/me/forgetting/scripts/tslab-kernel.js", "{connection_file}"]);
  assert.equal(spec.display_name, "TypeScript (forgetting, tslab)");
  assert.equal(spec.language, "typescript");
  assert.deepEqual(spec.metadata, { forgettingProjectRoot: "/home/me/forgetting" });
});

test("projectRoot() is the folder holding package.json and the kernel launcher", () => {
  const root = projectRoot();
  assert.equal((JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { name: string }).name, "forgetting-lab");
  assert.ok(fs.existsSync(path.join(root, "scripts", "tslab-kernel.js")));
});

test("jupyterInstallPlan(facts) uses apt-get only as root on Debian, else prints what to install", () => {
  assert.deepEqual(jupyterInstallPlan({ isRoot: true, isDebian: true, hasAptGet: true }), {
    kind: "apt",
    command: ["apt-get", "install", "-y", "--no-install-recommends", "jupyter-notebook", "jupyter-nbconvert", "python3-nbclient", "python3-ipykernel", "jupyter-client"],
  });
  const user = jupyterInstallPlan({ isRoot: false, isDebian: true, hasAptGet: true });
  assert.equal(user.kind, "manual");
  assert.match(user.kind === "manual" ? user.instructions : "", /sudo apt-get update && sudo apt-get install -y --no-install-recommends jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client/);
  const other = jupyterInstallPlan({ isRoot: true, isDebian: false, hasAptGet: false });
  assert.equal(other.kind, "manual");
  assert.match(other.kind === "manual" ? other.instructions : "", /python3 -m pip install --user notebook nbconvert nbclient jupyter_client/);
  assert.equal(DEBIAN_JUPYTER_PACKAGES.length, 5);
});

test("notebooks/NN-*.ipynb: six notebooks in order, each on the project kernel, every cell with a unique id", () => {
  const files = listNotebooks(path.join(projectRoot(), "notebooks")).map((f) => path.basename(f));
  assert.deepEqual(files, ["01-data-eda.ipynb", "02-train-one-run.ipynb", "03-forgetting-one-run.ipynb", "04-seed-intersection.ipynb", "05-follow-ups.ipynb", "06-training-dynamics.ipynb"]);
  for (const file of files) {
    const notebook = readNotebook(path.join(projectRoot(), "notebooks", file));
    assert.deepEqual(notebook.metadata.kernelspec, notebookKernelMetadata(), file);
    assert.deepEqual(notebookKernelMetadata(), { name: KERNEL_NAME, display_name: KERNEL_DISPLAY_NAME, language: "typescript" });
    assert.ok(notebook.nbformat === 4 && notebook.nbformat_minor >= 5, `${file}: nbformat 4.5 or later (cell ids)`);
    const ids = notebook.cells.map((c) => c.id);
    assert.ok(ids.every((id) => typeof id === "string" && id.length > 0), `${file}: every cell has an id`);
    assert.equal(new Set(ids).size, ids.length, `${file}: cell ids are unique`);
    assert.equal(notebook.cells[0].cell_type, "markdown", `${file}: opens with its narrative`);
    // Notebooks are committed without outputs: the reports hold the executed copies.
    assert.ok(notebook.cells.every((c) => (c.outputs ?? []).length === 0), `${file}: no stored outputs`);
  }
});
