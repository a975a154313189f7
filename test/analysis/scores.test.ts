/**
 * The training-dynamics scores against slow, straightforward references (per-example loops
 * over epochs, pairwise counts for ROC AUC) and against pandas' Spearman correlation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Random } from "../../src/core/random";
import { recordFromRows } from "../../src/runs/record";
import { exampleStats } from "../../src/runs/stats";
import {
  SCORE_HARDNESS,
  VALID_SCORES,
  areaUnderMargin,
  confusionCounts,
  easiestFirst,
  meanOverEpochs,
  meanScores,
  mostFrequentWrongClass,
  noiseAuc,
  runScores,
  scoreStability,
} from "../../src/analysis/scores";
import { skipIfMissing } from "../requirements";

const close = (a: number, b: number, tolerance = 1e-6) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tolerance;

/** A random run: logits [nEpochs][nExamples][nClasses], labels, and the records the tracker would write from them. */
function randomRun(seed: number, nEpochs: number, nExamples: number, nClasses: number) {
  const random = new Random(seed, "scores-test");
  const labels = Array.from({ length: nExamples }, () => random.int(nClasses));
  const logits = Array.from({ length: nEpochs }, (_, e) => labels.map((y) => Array.from({ length: nClasses }, (_, c) => random.normal() + (c === y ? e * 0.4 : 0))));
  const margin = new Float32Array(nEpochs * nExamples);
  const prob = new Float32Array(nEpochs * nExamples);
  const loss = new Float32Array(nEpochs * nExamples);
  const el2n = new Float32Array(nEpochs * nExamples);
  const predicted = new Uint8Array(nEpochs * nExamples);
  const correctRows: number[][] = [];
  for (let e = 0; e < nEpochs; e++) {
    const row: number[] = [];
    for (let i = 0; i < nExamples; i++) {
      const z = logits[e][i];
      const y = labels[i];
      const exps = z.map(Math.exp);
      const total = exps.reduce((a, b) => a + b, 0);
      const p = exps.map((v) => v / total);
      const argmax = z.indexOf(Math.max(...z));
      margin[e * nExamples + i] = z[y] - Math.max(...z.filter((_, c) => c !== y));
      prob[e * nExamples + i] = p[y];
      loss[e * nExamples + i] = -Math.log(p[y]);
      el2n[e * nExamples + i] = Math.sqrt(p.reduce((s, v, c) => s + (v - (c === y ? 1 : 0)) ** 2, 0));
      predicted[e * nExamples + i] = argmax;
      row.push(argmax === y ? 1 : 0);
    }
    correctRows.push(row);
  }
  return { labels, logits, margin, prob, loss, el2n, predicted, correctRows, record: recordFromRows(correctRows, nExamples) };
}

test("areaUnderMargin(margin, nExamples) is the mean over epochs of true logit minus the largest other (Pleiss et al. 2020), from the logits", () => {
  const run = randomRun(1, 6, 40, 5);
  const aum = areaUnderMargin(run.margin, 40);
  for (let i = 0; i < 40; i++) {
    let sum = 0;
    for (let e = 0; e < 6; e++) {
      const z = run.logits[e][i];
      const y = run.labels[i];
      let other = -Infinity;
      for (let c = 0; c < z.length; c++) if (c !== y && z[c] > other) other = z[c];
      sum += z[y] - other;
    }
    assert.ok(close(aum[i], sum / 6, 1e-5), `example ${i}: ${aum[i]} vs ${sum / 6}`);
  }
  const presented = Uint8Array.from({ length: 40 }, (_, i) => (i % 3 ? 1 : 0));
  const masked = areaUnderMargin(run.margin, 40, { presented });
  for (let i = 0; i < 40; i++) assert.equal(Number.isNaN(masked[i]), !presented[i]);
});

test("meanOverEpochs(values, nExamples, {epochs}) averages the chosen 1-based epochs only (EL2N at early epochs)", () => {
  const run = randomRun(2, 8, 30, 4);
  const got = meanOverEpochs(run.el2n, 30, { epochs: [2, 3] });
  for (let i = 0; i < 30; i++) assert.ok(close(got[i], (run.el2n[30 + i] + run.el2n[60 + i]) / 2, 1e-6));
  assert.throws(() => meanOverEpochs(run.el2n, 30, { epochs: [0] }), /expected epochs in \[1, 8\], got 0/);
  assert.throws(() => meanOverEpochs(run.el2n, 7), /expected nEpochs x 7 values, got 240/);
});

test("runScores(run) gives forgetting, first-learned, data map, AUM, EL2N and mean loss per example (per-example reference loops)", () => {
  const nEpochs = 10;
  const n = 50;
  const run = randomRun(3, nEpochs, n, 3);
  const stats = exampleStats(run.record);
  const scores = runScores({ stats, record: run.record, loss: run.loss, margin: run.margin, prob: run.prob, el2n: run.el2n }, { el2nEpochs: [1, 2] });
  assert.deepEqual(Object.keys(scores).sort(), [...VALID_SCORES].sort());
  for (let i = 0; i < n; i++) {
    const acc = run.correctRows.map((r) => r[i]);
    let forgotten = 0;
    for (let e = 1; e < nEpochs; e++) if (acc[e - 1] === 1 && acc[e] === 0) forgotten++;
    const first = acc.indexOf(1);
    assert.equal(scores.forgetting![i], first < 0 ? nEpochs : forgotten, `forgetting ${i}`);
    assert.equal(scores["first-learned"]![i], first < 0 ? nEpochs + 1 : first + 1, `first-learned ${i}`);
    const probs = Array.from({ length: nEpochs }, (_, e) => run.prob[e * n + i]);
    const mean = probs.reduce((a, b) => a + b, 0) / nEpochs;
    const std = Math.sqrt(probs.reduce((s, p) => s + (p - mean) ** 2, 0) / nEpochs);
    assert.ok(close(scores.confidence![i], mean, 1e-6));
    assert.ok(close(scores.variability![i], std, 1e-5));
    assert.ok(close(scores.correctness![i], acc.reduce((a, b) => a + b, 0) / nEpochs));
    assert.ok(close(scores.el2n![i], (run.el2n[i] + run.el2n[n + i]) / 2, 1e-6));
    assert.ok(close(scores.loss![i], Array.from({ length: nEpochs }, (_, e) => run.loss[e * n + i]).reduce((a, b) => a + b, 0) / nEpochs, 1e-5));
  }
  // Only what the records allow: no prob, no data map.
  assert.deepEqual(Object.keys(runScores({ stats, record: run.record, margin: run.margin })).sort(), ["aum", "first-learned", "forgetting"]);
});

test("meanScores(perSeed) averages each score over seeds; scores a seed lacks are left out", () => {
  const a = { aum: Float32Array.from([1, 2, NaN]), loss: Float32Array.from([1, 1, 1]) };
  const b = { aum: Float32Array.from([3, 4, 5]) };
  const mean = meanScores([a, b]);
  assert.deepEqual(Object.keys(mean), ["aum"]);
  assert.deepEqual(Array.from(mean.aum!).slice(0, 2), [2, 3]);
  assert.ok(Number.isNaN(mean.aum![2]));
});

test("scoreStability(perSeed, mask) is the mean pairwise Spearman of each score over seeds (pandas' corr(method='spearman'))", (t) => {
  let hasPandas = true;
  try {
    execFileSync("/usr/bin/python3", ["-c", "import pandas"], { stdio: "ignore" });
  } catch {
    hasPandas = false;
  }
  if (skipIfMissing(t, hasPandas ? undefined : "pandas is not installed for /usr/bin/python3 (apt-get install python3-pandas)")) return;
  const runs = [4, 5, 6].map((seed) => randomRun(seed, 6, 80, 4));
  const perSeed = runs.map((run) => runScores({ stats: exampleStats(run.record), record: run.record, margin: run.margin, prob: run.prob, loss: run.loss }));
  const mask = Uint8Array.from({ length: 80 }, (_, i) => (i % 5 === 0 ? 0 : 1));
  const stability = scoreStability(perSeed, mask);
  for (const name of ["aum", "confidence", "forgetting", "loss"] as const) {
    const columns = perSeed.map((s) => Array.from(s[name]!).filter((_, i) => mask[i]));
    const script = "import sys, json, numpy as np, pandas as pd; c = pd.DataFrame(json.loads(sys.argv[1])).T.corr(method='spearman').values; print(repr(float(c[np.triu_indices(len(c), 1)].mean())))";
    const expected = Number(execFileSync("/usr/bin/python3", ["-c", script, JSON.stringify(columns)], { encoding: "utf8" }).trim());
    assert.ok(close(stability[name]!, expected, 1e-9), `${name}: ${stability[name]} vs pandas ${expected}`);
  }
});

test("noiseAuc(name, score, noisy) equals the pairwise count P(flipped harder than clean) + ties / 2, in each score's direction", () => {
  const random = new Random(9, "auc-test");
  const n = 120;
  const noisy = Uint8Array.from({ length: n }, () => (random.next() < 0.2 ? 1 : 0));
  const score = Float32Array.from({ length: n }, (_, i) => (i === 7 ? NaN : Math.round(random.next() * 6 + noisy[i] * 2)));
  for (const name of ["forgetting", "aum"] as const) {
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (!noisy[i] || noisy[j] || Number.isNaN(score[i]) || Number.isNaN(score[j])) continue;
        const d = SCORE_HARDNESS[name] * (score[i] - score[j]);
        wins += d > 0 ? 1 : d === 0 ? 0.5 : 0;
        pairs++;
      }
    }
    assert.ok(close(noiseAuc(name, score, noisy), wins / pairs, 1e-12), name);
  }
  assert.ok(close(noiseAuc("forgetting", score, noisy) + noiseAuc("aum", score, noisy), 1, 1e-12), "opposite directions give 1 - AUC");
});

test("easiestFirst(name, score) orders by the score's easy end first, ties in the seeded order, NaN left out", () => {
  const score = Float32Array.from([3, 1, NaN, 1, 0, 5]);
  const order = Array.from(easiestFirst("loss", score));
  assert.deepEqual(order.filter((i) => i !== 1 && i !== 3), [4, 0, 5]);
  assert.deepEqual(order.slice(1, 3).sort(), [1, 3]);
  assert.deepEqual(Array.from(easiestFirst("aum", score)).filter((i) => i !== 1 && i !== 3), [5, 0, 4]);
  assert.deepEqual(Array.from(easiestFirst("loss", score, { tieSeed: 4 })), Array.from(easiestFirst("loss", score, { tieSeed: 4 })));
});

test("mostFrequentWrongClass(predictedPerSeed, labels) counts wrong predictions over seeds and epochs (reference: a count per class)", () => {
  const runs = [10, 11].map((seed) => randomRun(seed, 5, 60, 6));
  const labels = runs[0].labels;
  const { mostFrequent, count } = mostFrequentWrongClass(runs.map((r) => r.predicted), labels, 6);
  for (let i = 0; i < 60; i++) {
    const counts = new Map<number, number>();
    for (const r of runs) for (let e = 0; e < 5; e++) {
      const c = r.predicted[e * 60 + i];
      if (c !== labels[i]) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    let best = -1;
    let bestCount = 0;
    for (const [c, k] of [...counts].sort((a, b) => a[0] - b[0])) if (k > bestCount) [best, bestCount] = [c, k];
    assert.equal(mostFrequent[i], best, `example ${i}`);
    assert.equal(count[i], bestCount);
  }
  const set = Uint8Array.from({ length: 60 }, (_, i) => (i < 30 ? 1 : 0));
  const confusion = confusionCounts(set, labels, mostFrequent, 6);
  let members = 0;
  for (let i = 0; i < 30; i++) if (mostFrequent[i] >= 0) members++;
  assert.equal(confusion.flat().reduce((a, b) => a + b, 0), members);
  for (let i = 0; i < 30; i++) if (mostFrequent[i] >= 0) assert.ok(confusion[labels[i]][mostFrequent[i]] > 0);
});
