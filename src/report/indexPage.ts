/**
 * The reports' index.html, the page to open first: the headline chart (never learned in
 * all seeds against the budget, with each seed's own share), the experiment's config, a key
 * number beside each notebook report, which follow-up studies are absent (with the command
 * that makes them), and the summary tables. Pure: data in, HTML out. The headline is an
 * inline SVG, so the index needs no script and no plotly bundle.
 */
import * as path from "node:path";
import { formatValue } from "../core/format";
import type { BudgetSetSizes } from "../figures/seeds";
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

/** The index's overview (see experimentOverview in ./overview.ts). */
export interface IndexOverview {
  /** Per-budget set sizes of the headline chart, ascending by budget. */
  headline?: readonly BudgetSetSizes[];
  /** The experiment's config as [key, value] rows. */
  config?: [string, string][];
  /** Key numbers per report, by the report's file stem (e.g. "04-seed-intersection"). */
  keyNumbers: Record<string, string[]>;
  /** The follow-up studies: present or absent, and the command that makes each for this experiment. */
  followUps?: { name: string; present: boolean; command: string }[];
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
  /** Headline, config, key numbers and follow-ups; absent: the index lists reports and tables only. */
  overview?: IndexOverview;
}

/** The report of the follow-up studies: "absent", not "ok", when it had no study to show. */
const FOLLOW_UPS_REPORT = "05-follow-ups";

const SVG_WIDTH = 560;
const SVG_HEIGHT = 260;

/**
 * The headline as an inline SVG: the share of the training set never learned in all seeds
 * per budget (a line), each seed's own share (open circles) and the share never learned in
 * any seed (dashed), on linear axes from 0. Each mark's <title> is its tooltip.
 */
export function headlineSvg(budgets: readonly BudgetSetSizes[]): string {
  if (budgets.length === 0) return "";
  const margin = { l: 86, r: 16, t: 14, b: 42 };
  const share = (n: number, of: number) => (of > 0 ? (100 * n) / of : 0);
  const shares = budgets.flatMap((b) => [share(b.neverLearnedAny, b.presentedAll), ...b.neverLearnedPerSeed.map((n) => share(n, b.presentedAll))]);
  const yMax = niceCeiling(Math.max(0.1, ...shares));
  const xMax = Math.max(...budgets.map((b) => b.budget));
  const px = (budget: number) => margin.l + (budget / xMax) * (SVG_WIDTH - margin.l - margin.r);
  const py = (value: number) => SVG_HEIGHT - margin.b - (value / yMax) * (SVG_HEIGHT - margin.t - margin.b);
  const k = Math.max(...budgets.map((b) => b.seeds.length));
  const series = (name: string, counts: number[], color: string, dash: string) => {
    const points = budgets.map((b, i) => [px(b.budget), py(share(counts[i], b.presentedAll))]);
    const marks = budgets
      .map((b, i) => `<circle cx="${points[i][0].toFixed(1)}" cy="${points[i][1].toFixed(1)}" r="4" fill="${color}"><title>${escapeHtml(`${name}\nepoch budget: ${b.budget} epochs\nshare of the training set: ${formatValue("percent", share(counts[i], b.presentedAll))}\nexamples: ${formatValue("count", counts[i])}`)}</title></circle>`)
      .join("");
    return `<g class="series" data-name="${escapeHtml(name)}"><polyline fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}" points="${points.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" ")}"/>${marks}</g>`;
  };
  const seedMarks = budgets
    .flatMap((b) =>
      b.neverLearnedPerSeed.map(
        (n, i) =>
          `<circle cx="${px(b.budget).toFixed(1)}" cy="${py(share(n, b.presentedAll)).toFixed(1)}" r="3.5" fill="none" stroke="#222"><title>${escapeHtml(`never learned in one seed\nseed ${b.seeds[i]}, epoch budget ${b.budget} epochs\nshare of the training set: ${formatValue("percent", share(n, b.presentedAll))}\nexamples: ${formatValue("count", n)}`)}</title></circle>`,
      ),
    )
    .join("");
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const grid = yTicks
    .map((v) => `<line x1="${margin.l}" x2="${SVG_WIDTH - margin.r}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${margin.l - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(formatValue("percent", v))}</text>`)
    .join("");
  const xTicks = budgets.map((b) => `<text x="${px(b.budget).toFixed(1)}" y="${SVG_HEIGHT - margin.b + 16}" text-anchor="middle">${b.budget}</text>`).join("");
  return [
    `<svg class="headline" role="img" viewBox="0 0 ${SVG_WIDTH} ${SVG_HEIGHT}" width="${SVG_WIDTH}" height="${SVG_HEIGHT}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>Share of the training set never learned, per epoch budget</title>`,
    grid,
    `<line x1="${margin.l}" x2="${SVG_WIDTH - margin.r}" y1="${py(0)}" y2="${py(0)}" stroke="#888"/>`,
    xTicks,
    `<text x="${(margin.l + SVG_WIDTH - margin.r) / 2}" y="${SVG_HEIGHT - 6}" text-anchor="middle">epoch budget (epochs, linear)</text>`,
    `<text transform="translate(14 ${(margin.t + SVG_HEIGHT - margin.b) / 2}) rotate(-90)" text-anchor="middle">never learned (% of training set)</text>`,
    series("never learned in any seed", budgets.map((b) => b.neverLearnedAny), "#4c72b0", "5 4"),
    `<g class="series" data-name="never learned in one seed">${seedMarks}</g>`,
    series(`never learned in all ${k} seeds`, budgets.map((b) => b.neverLearnedAll), "#c44e52", "none"),
    "</svg>",
    `<p class="legend"><span style="color:#c44e52">&#9679;&#8212;</span> never learned in all ${k} seeds &nbsp; <span>&#9675;</span> one seed (each seed a point) &nbsp; <span style="color:#4c72b0">- - -</span> never learned in any seed; linear axes from 0</p>`,
  ].join("\n");
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= value) ?? 10 * power;
}

/** Builds index.html. */
export function reportIndexHtml(input: ReportIndexInput): string {
  const overview = input.overview;
  const followUpsAbsent = overview?.followUps !== undefined && overview.followUps.every((f) => !f.present);
  const rows = input.entries.map((entry, i) => {
    const stem = path.basename(entry.html, ".html");
    const status = entry.status === "ok" && stem === FOLLOW_UPS_REPORT && followUpsAbsent ? "absent" : entry.status;
    const withoutCode = entry.htmlWithoutCode ? ` (<a href="${escapeHtml(entry.htmlWithoutCode)}">without code</a>)` : "";
    const link = entry.status === "not run" ? escapeHtml(entry.title) : `<a href="${escapeHtml(entry.html)}">${escapeHtml(entry.title)}</a>${withoutCode}`;
    const notebook = entry.status === "not run" ? "" : `<a href="${escapeHtml(entry.ipynb)}">.ipynb</a>`;
    const seconds = entry.seconds === undefined ? "" : escapeHtml(formatValue("seconds", entry.seconds));
    const error = entry.error ? `<pre class="error">${escapeHtml(entry.error)}</pre>` : "";
    const key = (overview?.keyNumbers[stem] ?? []).map((line) => `<div class="key">${escapeHtml(line)}</div>`).join("");
    return `<tr class="${status.replace(" ", "-")}"><td>${i + 1}</td><td>${link}${key}${error}</td><td>${escapeHtml(status)}</td><td class="num">${seconds}</td><td>${notebook}</td></tr>`;
  });
  const headline = overview?.headline?.length
    ? `<h2>Never learned in all seeds, per epoch budget</h2>\n<figure class="headline">${headlineSvg(overview.headline)}</figure>`
    : "";
  const config = overview?.config?.length ? htmlTable(["", ""], overview.config, { caption: "Experiment config (experiment.json)" }) : "";
  const followUps = overview?.followUps?.some((f) => !f.present)
    ? `<h2>Follow-up studies</h2>\n<ul class="follow-ups">${overview.followUps
        .map((f) => (f.present ? `<li>${escapeHtml(f.name)}: present</li>` : `<li>${escapeHtml(f.name)}: <b>absent</b>; make it with<br><code>${escapeHtml(f.command)}</code></li>`))
        .join("")}</ul>`
    : "";
  // Absolute folders of this machine are not printed: a copied reports folder names its experiment only.
  const folder = path.isAbsolute(input.experimentDir) ? "" : `Experiment folder <code>${escapeHtml(input.experimentDir)}</code>; `;
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
tr.not-run td, tr.earlier-run td, tr.absent td { color: #888; }
div.key { color: #444; font-size: 13px; }
svg.headline text { fill: #333; }
p.legend { font-size: 13px; color: #333; margin: 0 0 1em; }
ul.follow-ups code { font-size: 12px; overflow-wrap: anywhere; }
pre.error { white-space: pre-wrap; color: #a00; font-size: 12px; margin: 4px 0 0; }
${NOTEBOOK_CSS}
</style>
</head>
<body>
<h1>${escapeHtml(input.experiment)}: forgetting study reports</h1>
<p class="meta">${folder}generated ${escapeHtml(input.generatedAt)}.</p>
${notes ? `<ul class="notes">${notes}</ul>` : ""}
${headline}
${config}
<h2>Notebooks</h2>
<table class="reports">
<thead><tr><th>#</th><th>Report</th><th>Status</th><th>Time</th><th>Notebook</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
${followUps}
<h2>Summary</h2>
${summary || "<p>No summary: the experiment has no analysable runs.</p>"}
${links ? `<h2>Analysis files</h2>\n<ul class="links">${links}</ul>` : ""}
</body>
</html>
`;
}
