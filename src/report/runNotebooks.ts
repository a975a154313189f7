/**
 * Headless notebook execution and HTML export: runs the project's notebooks in order against
 * one experiment, stops at the first failing cell with that cell's error message, and writes
 * the executed .ipynb, an .html per notebook and an index.html into <experiment>/reports/.
 *
 * Execution uses nbclient, the engine of `jupyter nbconvert --execute`, through
 * scripts/execute_notebook.py, so that a failed notebook is still written and its failing
 * cell can be read (tslab puts the message in the cell's stderr output, not in the error
 * reply). Before execution the runner inserts a cell tagged `injected-parameters` after each
 * notebook's `parameters` cell (papermill's convention) that sets the experiment for this run.
 *
 * After execution every chart gets a static PNG rendered by plotly.js in a headless Chromium
 * (when one is installed): the saved .ipynb shows its charts in any viewer, trusted or not.
 * Export is `nbconvert --to html` with the project's template (scripts/nbconvert/report),
 * which drops the external require.js and MathJax scripts and loads the one plotly.js bundle
 * of the reports folder (PLOTLY_BUNDLE_FILE) by a relative path, so the pages stay light,
 * open offline and keep working when the folder is copied.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError } from "../core/errors";
import { makeDirectory, writeFileAtomic } from "../core/atomic";
import { REPORTS_DIR } from "../runs/layout";
import { NOTEBOOK_ENV } from "../notebook/params";
import { type IndexOverview, type ReportEntry, type SummaryTable, reportIndexHtml } from "./indexPage";
import { type NotebookDocument, type ParameterValue, cellErrorMessage, injectParameters, notebookTitle, readNotebook } from "./notebookFile";
import { projectRoot } from "../core/paths";
import { KERNEL_LAUNCHER, KERNEL_NAME, findJupyterPython, registeredKernelSpec } from "./jupyter";
import { PLOTLY_BUNDLE_FILE, plotlyBundle } from "../notebook/plotly";
import { addChartImages, chartOutputs, withoutChartImages } from "./chartImages";
import { type ChartImageRenderer, openChartImageRenderer } from "../notebook/chartImage";

const NOTEBOOKS_DIR = "notebooks";
const EXECUTE_SCRIPT = "scripts/execute_notebook.py";
const NBCONVERT_TEMPLATES = "scripts/nbconvert";
const NBCONVERT_TEMPLATE = "report";
const INDEX_FILE = "index.html";
/** Jupyter's stylesheet of the reports, one file per reports folder (see reportStylesheet). */
const REPORT_CSS_FILE = "jupyter-report.css";
/** Markers the report template puts around Jupyter's inline stylesheet. */
const CSS_START = "<!-- forgetting-report-css -->";
const CSS_END = "<!-- /forgetting-report-css -->";

/**
 * Moves the stylesheet the report template marks out of an exported page (pure): the page
 * links `cssFile` instead. It is the same for every page, so a reports folder holds it once.
 * A page without the markers is returned as is, with css null.
 */
export function reportStylesheet(html: string, cssFile = REPORT_CSS_FILE): { html: string; css: string | null } {
  const start = html.indexOf(CSS_START);
  const end = html.indexOf(CSS_END, start);
  if (start < 0 || end < 0) return { html, css: null };
  const css = html
    .slice(start + CSS_START.length, end)
    .replace(/<\/?style[^>]*>/gi, "")
    .trim();
  const link = `<link rel="stylesheet" type="text/css" href="${cssFile}">`;
  return { html: html.slice(0, start) + link + html.slice(end + CSS_END.length), css: `${css}\n` };
}

/** Suffix of a report exported without its code cells, when both forms are written. */
const WITHOUT_CODE_SUFFIX = ".no-code";

/** Which HTML reports hold the code cells: "shown" (with code), "hidden" (outputs and text only), "both" (one of each). */
export const VALID_REPORT_CODE = ["shown", "hidden", "both"] as const;
export type ReportCode = (typeof VALID_REPORT_CODE)[number];

/** Project notebooks are named NN-<topic>.ipynb and run in that order. */
const NOTEBOOK_NAME = /^\d\d-[\w.-]+\.ipynb$/;

/** A cell of a notebook failed: which one, and its message. */
export class NotebookCellError extends Error {
  override name = "NotebookCellError";
  constructor(
    readonly notebook: string,
    readonly cellIndex: number | null,
    readonly cellId: string | null,
    readonly cellMessage: string,
  ) {
    super(`${notebook}: cell ${cellIndex === null ? "?" : cellIndex + 1}${cellId ? ` (id ${cellId})` : ""} failed:\n${cellMessage}`);
  }
}

/** The project notebooks in `dir`, in run order (NN-*.ipynb, sorted). */
export function listNotebooks(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new ValueError(`listNotebooks: expected a notebooks folder at ${dir}, got none`);
  return fs
    .readdirSync(dir)
    .filter((name) => NOTEBOOK_NAME.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

export interface RunNotebooksOptions {
  /** Folder holding the notebooks; default <project>/notebooks. */
  notebooksDir?: string;
  /** Where reports go; default <experimentDir>/reports. */
  reportsDir?: string;
  /** Run only notebooks whose file name starts with one of these (e.g. ["01", "03"]). */
  only?: string[];
  /** Python with Jupyter; default: the first found by findJupyterPython. */
  python?: string;
  /** Per-cell time limit, seconds (default 1800). */
  cellTimeoutSeconds?: number;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /**
   * Notebook parameters injected after each notebook's `parameters` cell, besides the
   * experiment (always set), e.g. { dataset: "mnist", trainDemo: false }. A notebook gets
   * those its parameters cell declares.
   */
  parameters?: Record<string, ParameterValue>;
  /** Code cells in the HTML reports (default "shown"); "both" adds <name>.no-code.html. */
  code?: ReportCode;
  /** Chromium for the charts' static images; default the first found (none: no images). */
  chromium?: string;
  /** Summary tables for index.html, computed when the notebooks are done. */
  summary?: (experimentDir: string) => { tables: SummaryTable[]; notes: string[] };
  /** The index's overview (headline, config, key numbers, absent follow-ups), read when the notebooks are done. */
  overview?: (experimentDir: string) => IndexOverview;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

export interface RunNotebooksResult {
  reportsDir: string;
  index: string;
  entries: ReportEntry[];
  seconds: number;
}

/** A notebook as nbformat writes it (one-space indent, a final newline). */
function notebookJson(notebook: NotebookDocument): string {
  return `${JSON.stringify(notebook, null, 1)}\n`;
}

/** Runs `python args...`, streaming stderr lines to `onLine`; resolves with stdout and the exit status. */
function runProcess(python: string, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      err += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line);
    });
    child.on("error", reject);
    child.on("close", (status) => {
      if (pending.trim()) onLine(pending);
      resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: err });
    });
  });
}

/** Throws unless the project kernel is registered for `python` and starts this project. */
function checkKernelRegistered(python: string, root = projectRoot()): void {
  const registered = registeredKernelSpec(python);
  const launcher = path.join(root, KERNEL_LAUNCHER);
  if (!registered) throw new ValueError(`notebooks: expected the Jupyter kernel "${KERNEL_NAME}", got none registered; run \`forgetting setup\` first`);
  if (!registered.spec.argv.includes(launcher)) {
    throw new ValueError(`notebooks: expected kernel "${KERNEL_NAME}" to start ${launcher}, got ${JSON.stringify(registered.spec.argv)}; run \`forgetting setup\` in this project`);
  }
}

/**
 * Executes the notebooks in order against `experimentDir` and writes the reports.
 * @throws NotebookCellError at the first failing cell (after writing that notebook's partial
 *   report and the index); ValueError if Jupyter or the kernel is missing.
 */
export async function runNotebooks(experimentDir: string, options: RunNotebooksOptions = {}): Promise<RunNotebooksResult> {
  const started = performance.now();
  const root = projectRoot();
  const log = options.log ?? ((line: string) => console.log(line));
  const absExperiment = path.resolve(experimentDir);
  if (!fs.existsSync(absExperiment)) throw new ValueError(`runNotebooks: expected an experiment folder at ${absExperiment}, got none`);
  const python = options.python ?? findJupyterPython().python;
  if (!python) throw new ValueError("runNotebooks: expected a Python with Jupyter (jupyter_client, nbformat, nbclient, nbconvert), got none; run `forgetting setup`");
  checkKernelRegistered(python, root);

  const reportsDir = options.reportsDir ?? path.join(absExperiment, REPORTS_DIR);
  makeDirectory(reportsDir);
  const only = options.only ?? [];
  const allNotebooks = listNotebooks(options.notebooksDir ?? path.join(root, NOTEBOOKS_DIR));
  const selected = (file: string) => only.length === 0 || only.some((prefix) => path.basename(file).startsWith(prefix));
  const notebooks = allNotebooks.filter(selected);
  if (notebooks.length === 0) throw new ValueError(`runNotebooks: expected notebooks matching ${JSON.stringify(only)}, got none`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    // For notebooks without a parameters cell; the injected cell wins where there is one.
    [NOTEBOOK_ENV.experiment]: absExperiment,
    // The runner draws the charts' images itself once a notebook is done (see addChartImages).
    [NOTEBOOK_ENV.chartImages]: "0",
    ...options.env,
  };
  // Project-relative where possible, so the reports print no path of this machine.
  const fromRoot = path.relative(root, absExperiment);
  const parameters: Record<string, ParameterValue> = { experiment: fromRoot && !fromRoot.startsWith("..") && !path.isAbsolute(fromRoot) ? fromRoot : absExperiment, ...options.parameters };
  const code = options.code ?? "shown";
  // One plotly.js bundle per reports folder, which every report loads by a relative path.
  const bundle = plotlyBundle(root);
  const bundleFile = path.join(reportsDir, PLOTLY_BUNDLE_FILE);
  if (!fs.existsSync(bundleFile) || fs.readFileSync(bundleFile, "utf8") !== bundle) writeFileAtomic(bundleFile, bundle);
  let renderer: ChartImageRenderer | null | undefined;
  // The index lists every notebook; one left out by `only` keeps its report of an earlier run.
  const allEntries: ReportEntry[] = allNotebooks.map((file) => {
    const base = path.basename(file, ".ipynb");
    const earlier = !selected(file) && fs.existsSync(path.join(reportsDir, `${base}.html`));
    const withoutCode = code === "both" ? { htmlWithoutCode: `${base}${WITHOUT_CODE_SUFFIX}.html` } : {};
    return { title: notebookTitle(readNotebook(file), base), html: `${base}.html`, ...withoutCode, ipynb: `${base}.ipynb`, status: earlier ? "earlier run" : "not run" };
  });
  const entries = allEntries.filter((_, i) => selected(allNotebooks[i]));
  const writeIndex = (): string => {
    let summary: { tables: SummaryTable[]; notes: string[] } = { tables: [], notes: [] };
    try {
      summary = options.summary?.(absExperiment) ?? summary;
    } catch (err) {
      // The index still links the reports when the experiment cannot be summarised.
      summary.notes.push(`No summary: ${(err as Error).message}`);
    }
    let overview: IndexOverview | undefined;
    try {
      overview = options.overview?.(absExperiment);
    } catch (err) {
      summary.notes.push(`No overview: ${(err as Error).message}`);
    }
    const index = path.join(reportsDir, INDEX_FILE);
    // The analysis exports (`forgetting analyze` / `study`), linked when present.
    const analysisDir = path.join(absExperiment, "analysis");
    const links = fs.existsSync(analysisDir)
      ? fs.readdirSync(analysisDir).sort().map((file) => ({ title: `analysis/${file}`, href: path.relative(reportsDir, path.join(analysisDir, file)) }))
      : [];
    const relative = path.relative(root, absExperiment);
    writeFileAtomic(
      index,
      reportIndexHtml({
        experiment: path.basename(absExperiment),
        experimentDir: relative && !relative.startsWith("..") ? relative : absExperiment,
        entries: allEntries,
        summary: summary.tables,
        notes: summary.notes,
        ...(overview ? { overview } : {}),
        links,
        generatedAt: new Date().toISOString(),
      }),
    );
    return index;
  };

  /** nbconvert's HTML of `notebook`, with or without its code cells. */
  const exportHtml = async (notebook: NotebookDocument, staging: string, withCode: boolean): Promise<string> => {
    writeFileAtomic(staging, notebookJson(notebook));
    const args = ["-m", "nbconvert", "--to", "html", `--TemplateExporter.extra_template_basedirs=${path.join(root, NBCONVERT_TEMPLATES)}`, "--template", NBCONVERT_TEMPLATE];
    const html = await runProcess(python, [...args, ...(withCode ? [] : ["--no-input"]), "--stdout", staging], env, () => {});
    fs.rmSync(staging, { force: true });
    if (html.status !== 0) throw new ValueError(`runNotebooks: expected nbconvert to export ${path.basename(staging)} to HTML, got exit status ${html.status}: ${html.stderr.trim().slice(-2000)}`);
    const page = reportStylesheet(html.stdout);
    const cssFile = path.join(reportsDir, REPORT_CSS_FILE);
    if (page.css !== null && (!fs.existsSync(cssFile) || fs.readFileSync(cssFile, "utf8") !== page.css)) writeFileAtomic(cssFile, page.css);
    return page.html;
  };

  let failure: NotebookCellError | null = null;
  try {
    for (const [i, file] of notebooks.entries()) {
      const entry = entries[i];
      const t0 = performance.now();
      log(`notebook ${i + 1}/${notebooks.length}: ${path.basename(file)} (${entry.title})`);
      const executed = path.join(reportsDir, entry.ipynb);
      const staging = `${executed}.${process.pid}.tmp`;
      const input = `${executed}.${process.pid}.in.tmp`;
      writeFileAtomic(input, notebookJson(injectParameters(readNotebook(file), parameters)));
      const run = await runProcess(python, [path.join(root, EXECUTE_SCRIPT), input, staging, KERNEL_NAME, String(options.cellTimeoutSeconds ?? 1800)], env, log);
      fs.rmSync(input, { force: true });
      const verdictLine = run.stdout.trim().split("\n").pop() ?? "";
      if (run.status !== 0 || !verdictLine.startsWith("{")) {
        fs.rmSync(staging, { force: true });
        throw new ValueError(`runNotebooks: expected ${EXECUTE_SCRIPT} to run ${path.basename(file)}, got exit status ${run.status}: ${run.stderr.trim().slice(-2000)}`);
      }
      const verdict = JSON.parse(verdictLine) as { ok: boolean; cellIndex?: number | null; cellId?: string | null; error?: string };

      const notebook = readNotebook(staging);
      fs.rmSync(staging, { force: true });
      if (chartOutputs(notebook).length > 0) {
        // Images are a convenience of the saved copies: a browser that fails only loses them.
        if (renderer === undefined) {
          renderer = await openChartImageRenderer(bundle, { chromium: options.chromium, log }).catch((err: Error) => {
            log(`  chart images skipped: Chromium did not start: ${err.message.split("\n")[0]}`);
            return null;
          });
        }
        if (renderer) await addChartImages(notebook, renderer).catch((err: Error) => log(`  chart images of ${entry.ipynb} incomplete: ${err.message.split("\n")[0]}`));
      }
      writeFileAtomic(executed, notebookJson(notebook));
      const shown = withoutChartImages(notebook);
      if (code !== "hidden") writeFileAtomic(path.join(reportsDir, entry.html), await exportHtml(shown, staging, true));
      if (code !== "shown") writeFileAtomic(path.join(reportsDir, code === "both" ? (entry.htmlWithoutCode as string) : entry.html), await exportHtml(shown, staging, false));
      entry.seconds = (performance.now() - t0) / 1000;

      if (!verdict.ok) {
        const cellIndex = verdict.cellIndex ?? null;
        const cell = cellIndex === null ? undefined : notebook.cells[cellIndex];
        const message = (cell && cellErrorMessage(cell)) || verdict.error || "unknown error";
        entry.status = "failed";
        entry.error = message;
        // Counted in the notebook as run, with the injected cell; the source has one cell fewer.
        failure = new NotebookCellError(path.basename(file), cellIndex, verdict.cellId ?? null, message);
        break;
      }
      entry.status = "ok";
      log(`  done in ${entry.seconds.toFixed(1)} s -> ${path.join(reportsDir, entry.html)}`);
    }
  } finally {
    await renderer?.close();
  }
  const index = writeIndex();
  if (failure) throw failure;
  return { reportsDir, index, entries, seconds: (performance.now() - started) / 1000 };
}
