/**
 * Small HTML building blocks shared by the notebook display helpers and the report index.
 * Everything here is pure and returns strings.
 */

/** Escapes text for use inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Formats a table cell: integers as is, other numbers to `digits` significant digits. */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (Number.isInteger(value)) return String(value);
    return String(Number(value.toPrecision(digits)));
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- cells are strings or booleans besides numbers; anything else shows as String() shows it
  return String(value);
}

/** Numbers, and numbers already formatted as text ("3,395", "97.53%", "n/a"), are right-aligned. */
const isNumeric = (v: unknown) => typeof v === "number" || (typeof v === "string" && /^(-?[\d,]+(\.\d+)?( ?%| s)?|n\/a)$/.test(v));

export interface HtmlTableOptions {
  /** Class attribute of the <table>. */
  className?: string;
  /** Caption shown above the table. */
  caption?: string;
  /** Significant digits of non-integer numbers. */
  digits?: number;
}

/** An HTML table from column names and rows of values ([nRows][nColumns]). */
export function htmlTable(columns: readonly string[], rows: readonly (readonly unknown[])[], options: HtmlTableOptions = {}): string {
  const { className = "forgetting-table", caption, digits = 4 } = options;
  // A key-value table passes empty column names: then it has no header row.
  const head = columns.some((c) => c !== "") ? `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>` : "";
  const body = rows
    .map((row) => `<tr>${row.map((v) => `<td${isNumeric(v) ? ' class="num"' : ""}>${escapeHtml(formatCell(v, digits))}</td>`).join("")}</tr>`)
    .join("\n");
  return [
    `<table class="${escapeHtml(className)}">`,
    caption ? `<caption>${escapeHtml(caption)}</caption>` : "",
    head,
    `<tbody>\n${body}\n</tbody>`,
    "</table>",
  ].join("");
}

/**
 * CSS for tables and image grids, scoped by class names so it cannot restyle Jupyter's own
 * page. Shown once per notebook by `notebookSetup`, and inlined in the report index.
 */
export const NOTEBOOK_CSS = `
table.forgetting-table { border-collapse: collapse; font: 13px/1.35 system-ui, sans-serif; margin: 4px 0 10px; }
table.forgetting-table caption { text-align: left; font-weight: 600; padding: 2px 0 6px; }
table.forgetting-table th, table.forgetting-table td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
table.forgetting-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.forgetting-table thead th { border-bottom: 2px solid #999; }
.forgetting-grid { display: flex; flex-wrap: wrap; gap: 6px; font: 11px/1.25 system-ui, sans-serif; margin: 4px 0 10px; }
.forgetting-grid figure { margin: 0; text-align: center; width: var(--cell-width, 72px); }
.forgetting-grid img { image-rendering: pixelated; display: block; margin: 0 auto 2px; border: 1px solid #ccc; }
.forgetting-grid figcaption { color: #333; overflow-wrap: anywhere; }
.forgetting-grid-title { font: 600 13px system-ui, sans-serif; margin: 8px 0 2px; }
.forgetting-progress { font: 12px/1.4 ui-monospace, monospace; white-space: pre; }
`;
