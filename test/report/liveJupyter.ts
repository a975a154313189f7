/**
 * A live Jupyter Notebook 6 server for the browser tests: Debian's `notebook` on
 * /usr/bin/python3, on a free localhost port, with a token and fresh config, data and
 * runtime folders (so no notebook is trusted and no user setting applies). Its only
 * kernelspec besides the system ones is this project's kernel (the launcher of this
 * checkout), so a test does not depend on what `forgetting setup` registered.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { KERNEL_NAME, kernelSpec, runPython } from "../../src/report/jupyter";
import { projectRoot } from "../../src/core/paths";

const PYTHON = "/usr/bin/python3";

/** Why a classic Jupyter Notebook 6 cannot be started here, or null. */
export function jupyterNotebookMissing(): string | null {
  const probe = runPython(PYTHON, "import notebook; print(notebook.__version__)");
  if (probe.status !== 0) return `Jupyter Notebook is not installed for ${PYTHON} (apt-get install jupyter-notebook)`;
  const version = probe.stdout.trim().split("\n").pop() ?? "";
  if (!version.startsWith("6.")) return `the live-notebook test drives Jupyter Notebook 6's page, got notebook ${version}`;
  return null;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface LiveJupyter {
  /** URL of a notebook file of the served folder, token included. */
  notebookUrl(name: string): string;
  /** Origin of the server, e.g. http://127.0.0.1:40123 */
  origin: string;
  stop(): Promise<void>;
}

/** Starts the server on `notebookDir` and waits until its API answers. */
export async function startJupyter(notebookDir: string, timeoutMs = 60_000): Promise<LiveJupyter> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-jupyter-"));
  const dirs = { config: path.join(home, "config"), data: path.join(home, "data"), runtime: path.join(home, "runtime"), kernels: path.join(home, "path") };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  const kernelDir = path.join(dirs.kernels, "kernels", KERNEL_NAME);
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(path.join(kernelDir, "kernel.json"), JSON.stringify(kernelSpec(projectRoot(), process.execPath)));
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const child: ChildProcess = spawn(
    PYTHON,
    ["-m", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`, `--notebook-dir=${notebookDir}`],
    {
      env: { ...process.env, JUPYTER_CONFIG_DIR: dirs.config, JUPYTER_DATA_DIR: dirs.data, JUPYTER_RUNTIME_DIR: dirs.runtime, JUPYTER_PATH: dirs.kernels, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`jupyter notebook exited with status ${child.exitCode}:\n${log.slice(-2000)}`);
    }
    const ok = await fetch(`${origin}/api/status?token=${token}`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jupyter notebook did not answer on ${origin} within ${timeoutMs} ms:\n${log.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { origin, notebookUrl: (name) => `${origin}/notebooks/${encodeURIComponent(name)}?token=${token}`, stop };
}
