/**
 * Figures of training dynamics beyond forgetting: the data map (Swayamdipta et al. 2020:
 * variability on x, confidence on y, coloured by correctness) and the score comparison
 * (stability, label-noise ROC AUC, removal against random, per score).
 *
 * Every tooltip names its series, its x and its y with units; each data-map point carries
 * its exampleId as customdata[0], so a drill-down (an image viewer, a table filter) can
 * attach to a click.
 */
import { formatValue } from "../core/format";
import { Random } from "../core/random";
import type { ScoreComparisonRow } from "../analysis/dynamics";
import type { ExperimentAnalysis } from "../analysis/experiment";
import { VALID_SCORES } from "../analysis/scores";
import { PALETTE, type PlotlyFigure, type PlotlyTrace, axis, baseLayout, finiteOrNull } from "./types";

/** One example of a data map. */
export interface DataMapPoint {
  exampleId: number;
  /** Class name (or the label as a string). */
  label: string;
  /** Mean true-class probability over epochs, [0, 1]. */
  confidence: number;
  /** Its standard deviation over epochs, [0, 0.5]. */
  variability: number;
  /** Fraction of epochs classified correctly, [0, 1]. */
  correctness: number;
  /** Further scores shown on hover (name -> value), e.g. forgetting, aum, el2n. */
  scores?: Record<string, number>;
}

/**
 * The data-map points of one budget of an analysis (scores averaged over seeds), for the
 * examples presented in every seed; empty when the runs recorded no true-class probability.
 */
export function dataMapPointsOf(analysis: ExperimentAnalysis, budgetIndex: number): DataMapPoint[] {
  const budget = analysis.budgets[budgetIndex];
  const mean = analysis.dynamics[budgetIndex]?.mean;
  if (!budget || !mean?.confidence || !mean.variability || !mean.correctness) return [];
  const { labels, classNames } = analysis;
  const others = VALID_SCORES.filter((name) => mean[name] && !["confidence", "variability", "correctness"].includes(name));
  const points: DataMapPoint[] = [];
  for (let i = 0; i < budget.nExamples; i++) {
    if (!budget.presentedAll[i]) continue;
    points.push({
      exampleId: i,
      label: labels ? (classNames[labels[i]] ?? String(labels[i])) : "",
      confidence: mean.confidence[i],
      variability: mean.variability[i],
      correctness: mean.correctness[i],
      scores: Object.fromEntries(others.map((name) => [name, mean[name]![i]])),
    });
  }
  return points;
}

/** Cartography's colour groups: correctness rounded to one decimal (0.0 .. 1.0). */
const CORRECTNESS_GROUPS = Array.from({ length: 11 }, (_, k) => k / 10);

/** A diverging blue (never correct) to red (always correct) scale over the 11 groups. */
function correctnessColor(k: number): string {
  const t = k / 10;
  const blue = [59, 76, 192];
  const red = [180, 4, 38];
  const mid = [120, 120, 120];
  const mix = (a: number[], b: number[], s: number) => a.map((v, i) => Math.round(v + (b[i] - v) * s));
  const rgb = t < 0.5 ? mix(blue, mid, t * 2) : mix(mid, red, (t - 0.5) * 2);
  return `rgb(${rgb.join(",")})`;
}

/**
 * The data map: one marker per example at (variability, confidence), one trace per
 * correctness group (cartography's hue), hover with exampleId, label and every score.
 * @param options.maxPoints at most this many points (a seeded uniform sample, as cartography
 *   samples 25,000 for its plots); default 10,000, which an SVG chart draws smoothly.
 */
export function dataMapFigure(points: readonly DataMapPoint[], options: { title?: string; maxPoints?: number; seed?: number } = {}): PlotlyFigure {
  const maxPoints = options.maxPoints ?? 10_000;
  let shown = points.filter((p) => Number.isFinite(p.confidence) && Number.isFinite(p.variability));
  const total = shown.length;
  if (shown.length > maxPoints) {
    const order = new Random(options.seed ?? 0, "data-map-sample").permutation(shown.length).slice(0, maxPoints);
    shown = Array.from(order).sort((a, b) => a - b).map((k) => shown[k]);
  }
  const scoreNames = [...new Set(shown.flatMap((p) => Object.keys(p.scores ?? {})))];
  const scoreLines = scoreNames.map((name, k) => `${name} %{customdata[${k + 3}]:.3~f}`).join("<br>");
  const data: PlotlyTrace[] = [];
  CORRECTNESS_GROUPS.forEach((group, k) => {
    const members = shown.filter((p) => Math.round(p.correctness * 10) === k);
    if (members.length === 0) return;
    const series = `correctness ${group.toFixed(1)}`;
    data.push({
      // SVG ("scatter", not WebGL): drawn in every browser and headless renderer; the sample cap keeps it light.
      type: "scatter",
      mode: "markers",
      name: `${series} (${members.length})`,
      x: members.map((p) => p.variability),
      y: members.map((p) => p.confidence),
      customdata: members.map((p) => [p.exampleId, p.label, p.correctness, ...scoreNames.map((name) => (Number.isFinite(p.scores?.[name]) ? p.scores![name] : null))]),
      marker: { color: correctnessColor(k), size: 5, opacity: 0.75 },
      hovertemplate:
        `<b>${series}</b><br>example %{customdata[0]} (label %{customdata[1]})<br>` +
        "variability (x) %{x:.3f} (std of the true-class probability)<br>confidence (y) %{y:.3f} (mean true-class probability)<br>" +
        `correctness %{customdata[2]:.2f} (fraction of epochs correct)${scoreLines ? `<br>${scoreLines}` : ""}<extra></extra>`,
    });
  });
  const sampled = shown.length < total ? ` (${shown.length} of ${total} examples, sampled)` : ` (${total} examples)`;
  return {
    data,
    layout: baseLayout(options.title ?? `Data map${sampled}`, {
      height: 480,
      xaxis: axis("variability (std of the true-class probability over epochs)", { range: [0, 0.5] }),
      yaxis: axis("confidence (mean true-class probability)", { range: [0, 1.02] }),
      legend: { title: { text: "correctness" } },
      annotations: [
        { text: "easy-to-learn", x: 0.08, y: 0.97, showarrow: false, font: { color: "#555" } },
        { text: "hard-to-learn", x: 0.08, y: 0.05, showarrow: false, font: { color: "#555" } },
        { text: "ambiguous", x: 0.42, y: 0.5, showarrow: false, font: { color: "#555" } },
      ],
    }),
  };
}

/**
 * The score comparison in one chart of two panels: left, per score, the cross-seed stability
 * (mean Spearman) and the ROC AUC of each noise fraction as a detector of flipped labels;
 * right, per score, the test accuracy with the n easiest removed minus with n random removed
 * (percentage points), one series per n.
 */
export function scoreComparisonFigure(rows: readonly ScoreComparisonRow[], options: { title?: string } = {}): PlotlyFigure {
  const scores = rows.map((r) => r.score);
  const data: PlotlyTrace[] = [
    {
      type: "bar",
      name: "stability (mean Spearman over seed pairs)",
      x: scores,
      y: finiteOrNull(rows.map((r) => r.stability)),
      marker: { color: PALETTE[0] },
      hovertemplate: "<b>stability (mean Spearman over seed pairs)</b><br>score (x) %{x}<br>Spearman rho (y) %{y:.3f}<extra></extra>",
    },
  ];
  const fractions = [...new Set(rows.flatMap((r) => r.noise.map((n) => n.labelNoise)))].sort((a, b) => a - b);
  fractions.forEach((f, k) => {
    const series = `noise AUC, ${Math.round(f * 100)}% labels flipped`;
    data.push({
      type: "bar",
      name: series,
      x: scores,
      y: finiteOrNull(rows.map((r) => r.noise.find((n) => n.labelNoise === f)?.auc ?? NaN)),
      marker: { color: PALETTE[(1 + k) % PALETTE.length] },
      hovertemplate: `<b>${series}</b><br>score (x) %{x}<br>ROC AUC (y) %{y:.3f} (0.5 = chance)<extra></extra>`,
    });
  });
  const counts = [...new Set(rows.flatMap((r) => r.removal.map((m) => m.removed)))].sort((a, b) => a - b);
  counts.forEach((n, k) => {
    const point = (r: ScoreComparisonRow) => r.removal.find((m) => m.removed === n);
    const fraction = rows.map(point).find((m) => m)?.fraction ?? NaN;
    const series = `removal: ${n} easiest (${(fraction * 100).toFixed(0)}%) minus ${n} random`;
    data.push({
      type: "bar",
      name: series,
      x: scores,
      y: finiteOrNull(rows.map((r) => {
        const m = point(r);
        return m ? (m.acc - m.randomAcc) * 100 : NaN;
      })),
      // In the hover text, not customdata: customdata names the examples behind a point (drill-down).
      hovertext: rows.map((r) => {
        const m = point(r);
        const percent = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? formatValue("percent", v * 100) : "n/a");
        return `easiest removed ${percent(m?.acc)}, random removed ${percent(m?.randomAcc)}`;
      }),
      xaxis: "x2",
      yaxis: "y2",
      marker: { color: PALETTE[(4 + k) % PALETTE.length] },
      hovertemplate: `<b>${series}</b><br>score (x) %{x}<br>accuracy difference (y) %{y:+.2f} percentage points<br>(%{hovertext})<extra></extra>`,
    });
  });
  return {
    data,
    layout: baseLayout(options.title ?? "Scores compared: stability, label-noise detection, removal", {
      height: 440,
      barmode: "group",
      xaxis: axis("score", { domain: [0, 0.55] }),
      yaxis: axis("Spearman rho / ROC AUC", { range: [0, 1] }),
      xaxis2: axis("score", { domain: [0.65, 1], anchor: "y2" }),
      yaxis2: axis("easiest minus random removed (pp)", { anchor: "x2" }),
      legend: { orientation: "h", y: -0.3 },
      margin: { l: 60, r: 20, t: 50, b: 120 },
    }),
  };
}
