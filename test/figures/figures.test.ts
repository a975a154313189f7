import { test } from "node:test";
import * as assert from "node:assert/strict";
import { classDistributionFigure, meanImagesFigure, pixelValueFigure } from "../../src/figures/data";
import { labelNoiseFigure, removalCurveFigure } from "../../src/figures/followUps";
import { firstLearnedFigure, forgettingEventsFigure } from "../../src/figures/forgetting";
import { nestingFigure, neverLearnedPerBudgetFigure, pairwiseStabilityFigure, perClassFigure, seedMatrixFigure } from "../../src/figures/seeds";
import { trainingCurvesFigure } from "../../src/figures/training";
import type { PlotlyFigure } from "../../src/figures/types";

/** A figure must survive JSON (what figureHtml embeds) unchanged: no NaN, no typed arrays. */
function assertPlainJson(figure: PlotlyFigure): void {
  assert.deepEqual(JSON.parse(JSON.stringify(figure)), figure);
}

test("classDistributionFigure(classNames, splits) draws one bar trace per split over the classes", () => {
  const figure = classDistributionFigure(["a", "b"], [{ name: "train", counts: Int32Array.from([3, 5]) }, { name: "test", counts: [1, 2] }]);
  assert.deepEqual(figure.data.map((t) => [t.type, t.name, t.x, t.y]), [["bar", "train", ["a", "b"], [3, 5]], ["bar", "test", ["a", "b"], [1, 2]]]);
  assert.equal(figure.layout.barmode, "group");
  assertPlainJson(figure);
  assert.throws(() => classDistributionFigure(["a", "b"], [{ name: "test", counts: [1] }]), { message: 'classDistributionFigure: expected 2 counts (one per class) for split "test", got 1' });
});

test("meanImagesFigure(images, shape, classNames) makes one heatmap panel per class, rows top-down", () => {
  const figure = meanImagesFigure([Float32Array.from([0, 0.5, 1, 0.25]), Float32Array.from([1, 1, 0, 0])], { height: 2, width: 2 }, ["x", "y"], { columns: 2 });
  assert.deepEqual(figure.data[0].z, [[0, 0.5], [1, 0.25]]);
  assert.deepEqual(figure.data.map((t) => [t.xaxis, t.yaxis]), [["x", "y"], ["x2", "y2"]]);
  assert.deepEqual(figure.layout.grid, { rows: 1, columns: 2, pattern: "independent", xgap: 0.08, ygap: 0.18 });
  assert.deepEqual((figure.layout.yaxis2 as Record<string, unknown>).autorange, "reversed");
  assertPlainJson(figure);
  assert.throws(() => meanImagesFigure([Float32Array.from([0])], { height: 2, width: 2 }, ["x"]), { message: "meanImagesFigure: expected 4 values for class 0, got 1" });
});

test("pixelValueFigure(counts) puts value v at x = v on a log axis", () => {
  const figure = pixelValueFigure([10, 0, 3]);
  assert.deepEqual([figure.data[0].x, figure.data[0].y], [[0, 1, 2], [10, 0, 3]]);
  assert.equal((figure.layout.yaxis as Record<string, unknown>).type, "log");
  assert.deepEqual((figure.layout.yaxis as { title: unknown }).title, { text: "pixels (log scale)" });
});

test("trainingCurvesFigure(runs) draws loss on panel 1 and accuracy in % on panel 2, skipping empty columns", () => {
  const figure = trainingCurvesFigure([{ name: "seed 0", columns: { epoch: [1, 2], train_loss: [0.9, 0.5], val_loss: [NaN, NaN], train_acc: [0.5, 0.75], acc: [0.6, NaN] } }]);
  assert.deepEqual(
    figure.data.map((t) => [t.name, t.showlegend, t.xaxis, t.y, (t.line as { dash: string }).dash]),
    [
      ["seed 0", true, "x", [0.9, 0.5], "solid"],
      ["seed 0", false, "x2", [50, 75], "solid"],
      ["seed 0", false, "x2", [60, null], "dash"],
    ],
  );
  assert.equal(figure.data[2].hovertemplate, "<b>seed 0, test accuracy</b><br>epoch: %{x}<br>accuracy: %{y:.2f}%<extra></extra>");
  assert.equal(figure.data[0].hovertemplate, "<b>seed 0, training loss</b><br>epoch: %{x}<br>loss: %{y:.4f} nats<extra></extra>");
  assertPlainJson(figure);
});

test("forgettingEventsFigure(series) bars counts 0..k then 'never learned'", () => {
  const figure = forgettingEventsFigure([{ name: "seed 0", counts: [1200, 40, 3], never: 21 }, { name: "seed 1", counts: [1190, 44], never: 25 }]);
  assert.deepEqual(figure.data[0].x, ["0", "1", "2", "never learned"]);
  assert.deepEqual(figure.data.map((t) => t.y), [[1200, 40, 3, 21], [1190, 44, 0, 25]]);
  assert.equal(figure.layout.showlegend, true);
  assert.deepEqual(forgettingEventsFigure([{ name: "a", counts: [5, 1] }]).data[0].x, ["0", "1"]);
  assert.deepEqual(figure.layout.yaxis, { title: { text: "examples (log scale)" }, gridcolor: "#e5e5e5", zeroline: false, type: "log" });
  const pairs = forgettingEventsFigure([{ name: "8 seeds pooled", counts: [5, 1] }], { unit: "(example, seed) pairs", logY: false });
  assert.equal((pairs.layout.yaxis as { title: { text: string }; type?: string }).title.text, "(example, seed) pairs");
  assert.equal((pairs.layout.yaxis as { type?: string }).type, undefined);
  assert.equal(pairs.data[0].hovertemplate, "<b>8 seeds pooled</b><br>forgetting events: %{x}<br>(example, seed) pairs: %{y:,.0f}<extra></extra>");
});

test("firstLearnedFigure(series) bars epochs 1..E then 'never learned'", () => {
  const figure = firstLearnedFigure([{ name: "seed 0", counts: [1000, 300, 40], never: 21 }]);
  assert.deepEqual([figure.data[0].x, figure.data[0].y], [["1", "2", "3", "never learned"], [1000, 300, 40, 21]]);
  assert.equal(figure.layout.showlegend, false);
});

test("neverLearnedPerBudgetFigure(budgets) draws shares of the training set: all seeds and any seed as lines, each seed a point, on linear axes", () => {
  const figure = neverLearnedPerBudgetFigure([
    { budget: 5, seeds: [0, 1], presentedAll: 200, neverLearnedAll: 12, neverLearnedAny: 34, neverLearnedPerSeed: [21, 25] },
    { budget: 10, seeds: [0, 1], presentedAll: 200, neverLearnedAll: 3, neverLearnedAny: 9, neverLearnedPerSeed: [5, 7] },
  ]);
  assert.deepEqual(figure.data.map((t) => t.name), ["never learned in all 2 seeds", "never learned in one seed (each seed a point)", "never learned in any seed"]);
  assert.deepEqual([figure.data[0].x, figure.data[0].y, figure.data[0].text], [[5, 10], [6, 1.5], ["12", "3"]]);
  assert.deepEqual(figure.data[2].y, [17, 4.5]);
  assert.deepEqual([figure.data[1].x, figure.data[1].y, figure.data[1].text], [[5, 5, 10, 10], [10.5, 12.5, 2.5, 3.5], ["seed 0: 21 examples", "seed 1: 25 examples", "seed 0: 5 examples", "seed 1: 7 examples"]]);
  const yaxis = figure.layout.yaxis as Record<string, unknown>;
  assert.equal(yaxis.type, undefined, "linear, not log");
  assert.equal(yaxis.rangemode, "tozero");
  for (const trace of figure.data) assert.match(String(trace.hovertemplate), /^<b>never learned in (all 2 seeds|one seed|any seed)<\/b><br>epoch budget: %\{x\} epochs<br>share of the training set: %\{y:\.2f\}%/);
  assertPlainJson(figure);
});

test("neverLearnedPerBudgetFigure(budgets, { picks }) puts the first 48 examples of each point and their total in customdata", () => {
  const many = Array.from({ length: 60 }, (_, i) => 100 - i);
  const figure = neverLearnedPerBudgetFigure([{ budget: 5, seeds: [0, 1], presentedAll: 200, neverLearnedAll: 2, neverLearnedAny: 60, neverLearnedPerSeed: [3, 4] }], {
    picks: [{ all: [7, 3], any: many, perSeed: [[1, 2, 3], [4, 5, 6, 7]] }],
  });
  assert.deepEqual(figure.data[0].customdata, [{ ids: [7, 3], total: 2 }]);
  assert.deepEqual(figure.data[1].customdata, [{ ids: [1, 2, 3], total: 3 }, { ids: [4, 5, 6, 7], total: 4 }]);
  assert.deepEqual(figure.data[2].customdata, [{ ids: many.slice(0, 48), total: 60 }]);
});

test("nestingFigure(nesting) colours the share contained and writes the counts; NaN becomes null", () => {
  const figure = nestingFigure({ budgets: [5, 10], common: [[4, 2], [2, 2]], contained: [[1, 0.5], [1, 1]] });
  assert.deepEqual([figure.data[0].x, figure.data[0].z, figure.data[0].text], [["5 epochs", "10 epochs"], [[100, 50], [100, 100]], [["4", "2"], ["2", "2"]]]);
  assert.deepEqual(nestingFigure({ budgets: [5], common: [[0]], contained: [[NaN]] }).data[0].z, [[null]]);
  assert.throws(() => nestingFigure({ budgets: [5, 10], common: [[1]], contained: [[1]] }), { message: "nestingFigure: expected 2 x 2 matrices (one row per budget), got 1 and 1 rows" });
});

test("perClassFigure(classNames, budgets) draws one bar trace per budget", () => {
  const figure = perClassFigure(["0", "1"], [{ budget: 5, counts: Int32Array.from([2, 0]) }, { budget: 10, counts: [1, 0] }]);
  assert.deepEqual(figure.data.map((t) => [t.name, t.y]), [["5 epochs", [2, 0]], ["10 epochs", [1, 0]]]);
  assert.throws(() => perClassFigure(["0", "1"], [{ budget: 5, counts: [1] }]), { message: "perClassFigure: expected 2 counts for budget 5, got 1" });
});

test("seedMatrixFigure(matrix, seeds, options) labels seeds and checks the matrix is square", () => {
  const figure = seedMatrixFigure([[1, 0.25], [0.25, 1]], [3, 7], { valueName: "Spearman", zmin: -1 });
  assert.deepEqual([figure.data[0].x, figure.data[0].z, figure.data[0].zmin], [["seed 3", "seed 7"], [[1, 0.25], [0.25, 1]], -1]);
  assert.throws(() => seedMatrixFigure([[1, 0]], [3, 7]), { message: "seedMatrixFigure: expected a 2 x 2 matrix (one row and column per seed), got 1 rows" });
});

test("pairwiseStabilityFigure(budgets) plots each seed pair once (above the diagonal) and the given mean", () => {
  const figure = pairwiseStabilityFigure([
    { budget: 5, seeds: [0, 1, 2], matrix: [[1, 0.2, 0.4], [0.2, 1, NaN], [0.4, NaN, 1]], mean: 0.3 },
    { budget: 10, seeds: [3, 4], matrix: [[1, 0.6], [0.6, 1]], mean: 0.6 },
  ]);
  assert.deepEqual([figure.data[0].x, figure.data[0].y, figure.data[0].text], [[5, 5, 10], [0.2, 0.4, 0.6], ["seed 0 and seed 1", "seed 0 and seed 2", "seed 3 and seed 4"]]);
  assert.deepEqual(figure.data[1].y, [0.3, 0.6]);
});

test("removalCurveFigure(points) starts each method's line at the full-data baseline, in percent", () => {
  const figure = removalCurveFigure([
    { method: "none", fraction: 0, mean: 0.96, std: 0.01, seeds: [0, 1] },
    { method: "random", fraction: 0.3, mean: 0.93, std: NaN, seeds: [0] },
    { method: "least-forgotten", fraction: 0.3, mean: 0.955, std: 0.002, seeds: [0, 1] },
    { method: "least-forgotten", fraction: 0.1, mean: 0.96, std: 0.004, seeds: [0, 1] },
  ]);
  assert.deepEqual(figure.data.map((t) => t.name), ["random removed (control)", "least forgotten removed"]);
  assert.deepEqual([figure.data[1].x, figure.data[1].y], [[0, 10, 30], [96, 96, 95.5]]);
  assert.deepEqual((figure.data[0].error_y as { array: unknown }).array, [1, null]);
  assertPlainJson(figure);
});

test("labelNoiseFigure(groups, options) shows each group as shares of its own size, with the AUC", () => {
  const figure = labelNoiseFigure({ noisy: { counts: [10, 20, 10], never: 10 }, clean: { counts: [90, 10], never: 0 } }, { auc: 0.8123 });
  assert.deepEqual(figure.data[0].x, ["0", "1", "2", "never learned"]);
  assert.deepEqual(figure.data[0].y, [20, 40, 20, 20]);
  assert.deepEqual(figure.data[1].y, [90, 10, 0, 0]);
  assert.deepEqual(figure.data.map((t) => t.name), ["flipped labels (50 example x seed pairs)", "clean labels (100 example x seed pairs)"]);
  assert.match(String((figure.layout.title as { text: string }).text), /ROC AUC of forgetting as a noise detector: 0\.812/);
});
