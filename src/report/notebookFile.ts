/**
 * The parts of the .ipynb format (nbformat 4) the runner reads: titles, cells, and the
 * error message of a failed cell. tslab reports a failing cell through the cell's stderr
 * stream output (the kernel's error reply carries no message), so that is where it is read.
 */
import * as fs from "node:fs";
import { FileFormatError } from "../core/errors";

interface NotebookOutput {
  /** "stream", "display_data", "execute_result", "error", or a kind of a later nbformat. */
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
  data?: Record<string, string | string[]>;
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  outputs?: NotebookOutput[];
  metadata?: Record<string, unknown>;
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
