/**
 * The parts of the .ipynb format (nbformat 4) the runner reads: titles, cells, and the
 * error message of a failed cell. tslab reports a failing cell through the cell's stderr
 * stream output (the kernel's error reply carries no message), so that is where it is read.
 */
import * as fs from "node:fs";
import { FileFormatError } from "../core/errors";

export interface NotebookOutput {
  /** "stream", "display_data", "execute_result", "error", or a kind of a later nbformat. */
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
  /** MIME type -> content: text as a string or lines, JSON types (plotly's) as objects. */
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  outputs?: NotebookOutput[];
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
}

export interface NotebookDocument {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Joins nbformat's multi-line strings (a string or a list of lines). */
export function joinLines(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

/** Reads and checks a notebook file. */
export function readNotebook(file: string): NotebookDocument {
  if (!fs.existsSync(file)) throw new FileFormatError(file, "notebook is missing");
  let value: NotebookDocument;
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8")) as NotebookDocument;
  } catch (err) {
    throw new FileFormatError(file, `expected notebook JSON, got a parse error: ${(err as Error).message}`);
  }
  if (!value || !Array.isArray(value.cells) || value.nbformat !== 4) {
    throw new FileFormatError(file, `expected an nbformat 4 notebook with a "cells" list, got nbformat ${JSON.stringify(value?.nbformat)}`);
  }
  return value;
}

/** The notebook's title: the first markdown heading, else `fallback`. */
export function notebookTitle(notebook: NotebookDocument, fallback: string): string {
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "markdown") continue;
    const heading = joinLines(cell.source).split("\n").find((line) => /^#+\s/.test(line));
    if (heading) return heading.replace(/^#+\s*/, "").trim();
  }
  return fallback;
}

/** Stack frames kept in an error message; the rest are node and tslab internals. */
const KEPT_FRAMES = 4;

/**
 * The error message of a failed cell: its stderr stream and any error output, with the
 * stack cut to its first few frames. Empty if the cell shows no error.
 */
export function cellErrorMessage(cell: NotebookCell): string {
  const parts: string[] = [];
  for (const output of cell.outputs ?? []) {
    if (output.output_type === "stream" && output.name === "stderr") parts.push(joinLines(output.text));
    if (output.output_type === "error") parts.push([`${output.ename ?? "Error"}: ${output.evalue ?? ""}`, ...(output.traceback ?? [])].join("\n"));
  }
  let frames = 0;
  const kept = parts
    .join("")
    // eslint-disable-next-line no-control-regex -- ANSI colour codes start with the ESC control character
    .replace(/\x1b\[[0-9;]*m/g, "") // colour codes of tracebacks
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) || ++frames <= KEPT_FRAMES);
  return kept.join("\n").trim();
}

/** Tag of the cell that sets a notebook's parameters (papermill's convention). */
const PARAMETERS_TAG = "parameters";
/** Tag of the cell the runner inserts after it, overriding them for one run. */
const INJECTED_PARAMETERS_TAG = "injected-parameters";

/** A notebook parameter's value, written into the injected cell as a JSON literal. */
export type ParameterValue = string | number | boolean;

function cellTags(cell: NotebookCell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/**
 * A parameter declaration of the parameters cell: `const name = <literal>;` on one line, the
 * literal a JSON string, number or boolean (a trailing // comment allowed).
 */
const PARAMETER_LINE = /^const ([A-Za-z_$][\w$]*)\s*=\s*("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)\s*;\s*(\/\/.*)?$/;

/**
 * The notebook with a cell tagged `injected-parameters` right after the first cell tagged
 * `parameters` (pure; papermill's convention). The injected cell declares again, with the
 * given values, each parameter that the parameters cell declares (one `const name = <literal>;`
 * line each; tslab lets a later cell redeclare a const), then repeats the parameters cell's
 * lines after its last parameter (what derives from them, e.g. the notebookParams call), so
 * everything below sees the run's values. Values for names the cell does not declare are
 * left out. An injected cell of an earlier run is replaced. Without a parameters cell the
 * notebook is returned unchanged.
 */
export function injectParameters(notebook: NotebookDocument, values: Record<string, ParameterValue>): NotebookDocument {
  const cells = notebook.cells.filter((cell) => !cellTags(cell).includes(INJECTED_PARAMETERS_TAG));
  const at = cells.findIndex((cell) => cell.cell_type === "code" && cellTags(cell).includes(PARAMETERS_TAG));
  if (at < 0) return { ...notebook, cells };
  const lines = joinLines(cells[at].source).split("\n");
  const declared = lines.map((line) => PARAMETER_LINE.exec(line.trim())?.[1]);
  const last = declared.reduce((found, name, i) => (name ? i : found), -1);
  const overrides = Object.entries(values).filter(([name]) => declared.includes(name));
  const source = [
    "// Injected by the headless runner (`forgetting notebooks`): this run's parameters.",
    ...overrides.map(([name, value]) => `const ${name} = ${JSON.stringify(value)};`),
    ...lines.slice(last + 1).filter((line) => line.trim() !== ""),
  ].join("\n");
  const injected: NotebookCell = { cell_type: "code", id: INJECTED_PARAMETERS_TAG, metadata: { tags: [INJECTED_PARAMETERS_TAG] }, source, outputs: [], execution_count: null };
  return { ...notebook, cells: [...cells.slice(0, at + 1), injected, ...cells.slice(at + 1)] };
}
