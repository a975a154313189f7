/**
 * The training-dynamics figures: what each trace plots and what its tooltip says (series, x
 * and y with units), the data map's exampleId in customdata[0], and the score comparison
 * built from hand-made rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type DataMapPoint, dataMapFigure, scoreComparisonFigure } from "../../src/figures/dynamics";
import { scoreComparison } from "../../src/analysis/dynamics";
import type { RemovalResultRow } from "../../src/analysis/followUps";

const points: DataMapPoint[] = Array.from({ length: 40 }, (_, i) => ({
  exampleId: 100 + i,
  label: i % 2 ? "one" : "zero",
  confidence: (i % 10) / 10,
  variability: (i % 7) / 20,
  correctness: (i % 11) / 10,
  scores: { forgetting: i % 3, aum: i / 10 },
}));

test("dataMapFigure(points) plots (variability, confidence) per correctness group with exampleId in customdata[0] and a tooltip naming series, x and y", () => {
  const figure = dataMapFigure(points);
  const plotted = figure.data.flatMap((trace) => (trace.customdata as unknown[][]).map((c, k) => [c[0], (trace.x as number[])[k], (trace.y as number[])[k], trace.name]));
  assert.equal(plotted.length, points.length);
  for (const p of points) {
    const row = plotted.find((r) => r[0] === p.exampleId)!;
    assert.deepEqual(row.slice(1, 3), [p.variability, p.confidence]);
    assert.match(String(row[3]), new RegExp(`^correctness ${(Math.round(p.correctness * 10) / 10).toFixed(1)} \\(\\d+\\)$`));
  }
  for (const trace of figure.data) {
    const hover = String(trace.hovertemplate);
    assert.ok(hover.startsWith(`<b>${String(trace.name).replace(/ \(\d+\)$/, "")}</b><br>`), `tooltip names its series: ${hover}`);
    assert.match(hover, /example %\{customdata\[0\]\} \(label %\{customdata\[1\]\}\)/);
    assert.match(hover, /variability \(x\) %\{x:\.3f\} \(std of the true-class probability\)/);
    assert.match(hover, /confidence \(y\) %\{y:\.3f\} \(mean true-class probability\)/);
    assert.match(hover, /forgetting %\{customdata\[3\]/);
    assert.match(hover, /aum %\{customdata\[4\]/);
  }
  const sampled = dataMapFigure(points, { maxPoints: 10 });
  assert.equal(sampled.data.reduce((n, t) => n + (t.x as number[]).length, 0), 10);
  assert.match(String((sampled.layout.title as { text: string }).text), /10 of 40 examples, sampled/);
});

test("scoreComparison(stability, {noise, removal}) pairs each score's removal rows with the random control of the same n; the chart plots them", () => {
  const row = (variant: string, method: string, score: string, removed: number, mean: number): RemovalResultRow => ({ variant, method, score, removed, fraction: removed / 100, seeds: [0, 1], best: [mean, mean], mean, std: 0, missingSeeds: [] });
  const removal = [row("full", "none", "", 0, 0.9), row("least-forgotten-n25", "least-forgotten", "", 25, 0.89), row("random-n25", "random", "", 25, 0.85), row("easiest-aum-n25", "easiest", "aum", 25, 0.8)];
  const noise = [{ labelNoise: 0.2, auc: { forgetting: 0.9, aum: 0.95 }, seeds: 2 }];
  const rows = scoreComparison({ forgetting: 0.6, aum: 0.8, loss: 0.7 }, { noise, removal });
  assert.deepEqual(rows.map((r) => [r.score, r.stability, r.noise.map((n) => n.auc), r.removal.map((m) => [m.removed, m.acc, m.randomAcc])]), [
    ["forgetting", 0.6, [0.9], [[25, 0.89, 0.85]]],
    ["aum", 0.8, [0.95], [[25, 0.8, 0.85]]],
    ["loss", 0.7, [NaN], []],
  ]);
  const figure = scoreComparisonFigure(rows);
  assert.deepEqual(figure.data.map((t) => t.name), ["stability (mean Spearman over seed pairs)", "noise AUC, 20% labels flipped", "removal: 25 easiest (25%) minus 25 random"]);
  assert.deepEqual(figure.data[2].y, [(0.89 - 0.85) * 100, (0.8 - 0.85) * 100, null]);
  for (const trace of figure.data) {
    const hover = String(trace.hovertemplate);
    assert.ok(hover.startsWith(`<b>${String(trace.name)}</b><br>`), hover);
    assert.match(hover, /score \(x\) %\{x\}/);
    assert.match(hover, /\(y\) %\{y[^}]*\} ?(\(0\.5 = chance\)|percentage points|<extra>)/);
  }
});
