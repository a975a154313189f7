/**
 * The reports' index.html: the experiment's summary and a link to each notebook report.
 * Pure: data in, HTML out.
 */
import { NOTEBOOK_CSS, escapeHtml, htmlTable } from "../notebook/html";

/** One executed notebook, as listed in the index. */
export interface ReportEntry {
  /** Title from the notebook's first heading. */
  title: string;
  /** File names relative to the reports folder. */
  html: string;
  /** The report without code cells, when both forms were exported. */
  htmlWithoutCode?: string;
  ipynb: string;
  /** "earlier run": not executed this time, its report is from a previous run. */
  status: "ok" | "failed" | "not run" | "earlier run";
  /** Wall time of execution plus export, seconds. */
  seconds?: number;
  /** Message of the failing cell when status is "failed". */
  error?: string;
}

/** A table of the experiment's summary: column names and rows. */
export interface SummaryTable {
  caption: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface ReportIndexInput {
  experiment: string;
  /** Absolute or project-relative experiment folder, shown for orientation. */
  experimentDir: string;
  entries: ReportEntry[];
  /** Summary tables (e.g. never learned per budget, results per budget). */
  summary: SummaryTable[];
  /** Free-text lines shown under the title (e.g. which runs the analysis left out). */
  notes?: string[];
  /** Other files to link (e.g. the analysis exports), hrefs relative to the reports folder. */
  links?: { title: string; href: string }[];
  /** ISO time of generation. */
  generatedAt: string;
}

/** Builds index.html. */
export function reportIndexHtml(input: ReportIndexInput): string {
  const rows = input.entries.map((entry, i) => {
    const withoutCode = entry.htmlWithoutCode ? ` (<a href="${escapeHtml(entry.htmlWithoutCode)}">without code</a>)` : "";
    const link = entry.status === "not run" ? escapeHtml(entry.title) : `<a href="${escapeHtml(entry.html)}">${escapeHtml(entry.title)}</a>${withoutCode}`;
    const notebook = entry.status === "not run" ? "" : `<a href="${escapeHtml(entry.ipynb)}">.ipynb</a>`;
    const seconds = entry.seconds === undefined ? "" : `${entry.seconds.toFixed(1)} s`;
    const error = entry.error ? `<pre class="error">${escapeHtml(entry.error)}</pre>` : "";
    return `<tr class="${entry.status.replace(" ", "-")}"><td>${i + 1}</td><td>${link}${error}</td><td>${escapeHtml(entry.status)}</td><td class="num">${seconds}</td><td>${notebook}</td></tr>`;
  });
  const summary = input.summary.map((table) => htmlTable(table.columns, table.rows, { caption: table.caption })).join("\n");
  const notes = (input.notes ?? []).map((line) => `<li>${escapeHtml(line)}</li>`).join("");
  const links = (input.links ?? []).map((link) => `<li><a href="${escapeHtml(link.href)}">${escapeHtml(link.title)}</a></li>`).join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(input.experiment)}: forgetting study reports</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta { color: #555; margin-top: 0; }
table.reports { border-collapse: collapse; margin: 1em 0 2em; }
table.reports th, table.reports td { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: left; vertical-align: top; }
table.reports td.num { text-align: right; }
tr.failed td { background: #fff0f0; }
tr.not-run td, tr.earlier-run td { color: #888; }
pre.error { white-space: pre-wrap; color: #a00; font-size: 12px; margin: 4px 0 0; }
${NOTEBOOK_CSS}
</style>
</head>
<body>
<h1>${escapeHtml(input.experiment)}: forgetting study reports</h1>
<p class="meta">Experiment folder <code>${escapeHtml(input.experimentDir)}</code>; generated ${escapeHtml(input.generatedAt)}.</p>
${notes ? `<ul class="notes">${notes}</ul>` : ""}
<h2>Notebooks</h2>
<table class="reports">
<thead><tr><th>#</th><th>Report</th><th>Status</th><th>Time</th><th>Notebook</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<h2>Summary</h2>
${summary || "<p>No summary: the experiment has no analysable runs.</p>"}
${links ? `<h2>Analysis files</h2>\n<ul class="links">${links}</ul>` : ""}
</body>
</html>
`;
}
