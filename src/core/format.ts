/**
 * One number format per quantity, shared by tables (frames, the report index) and figures
 * (hover labels, axis ticks), so a count, an accuracy or a correlation reads the same
 * everywhere: `formatValue` for text, `hoverFormat` for plotly's d3-format specifiers.
 */

/** The quantities the notebooks show, each with one format. */
export const QUANTITY_FORMATS = {
  /** Examples, pixels, (example, seed) pairs: integers with thousands separators, "3,395". */
  count: { digits: 0, d3: ",.0f", suffix: "" },
  /** Percentages (accuracy, share of a set) given in percent units: "97.53%". */
  percent: { digits: 2, d3: ".2f", suffix: "%" },
  /** Correlations, Jaccard overlaps, ROC AUC, shares in [0, 1]: "0.912". */
  ratio: { digits: 3, d3: ".3f", suffix: "" },
  /** Losses in nats: "0.4123". */
  loss: { digits: 4, d3: ".4f", suffix: "" },
  /** Durations in seconds: "12.3 s". */
  seconds: { digits: 1, d3: ".1f", suffix: " s" },
} as const;

export type Quantity = keyof typeof QUANTITY_FORMATS;

/**
 * `value` in the quantity's format; "n/a" for null, undefined, NaN or infinities. Halves
 * round away from zero, as plotly's d3-format does (JavaScript's toFixed).
 */
export function formatValue(quantity: Quantity, value: number | null | undefined): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "n/a";
  const { digits, suffix } = QUANTITY_FORMATS[quantity];
  const text = value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: quantity === "count" });
  // A value that rounds to zero prints without a sign ("-0.000" says nothing a reader needs).
  return `${/^-[0.,]+$/.test(text) ? text.slice(1) : text}${suffix}`;
}

/**
 * A plotly hovertemplate field in the quantity's format, e.g. hoverFormat("count", "y") ->
 * "%{y:,.0f}", hoverFormat("percent", "y") -> "%{y:.2f}%".
 */
export function hoverFormat(quantity: Quantity, field: string): string {
  const { d3, suffix } = QUANTITY_FORMATS[quantity];
  return `%{${field}:${d3}}${suffix}`;
}
