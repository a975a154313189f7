import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { headlineSvg, reportIndexHtml } from "../../src/report/indexPage";
import { followUpCommands } from "../../src/notebook/followUpCommands";

const budgets = [
  { budget: 5, seeds: [0, 1], presentedAll: 2000, neverLearnedAll: 40, neverLearnedAny: 120, neverLearnedPerSeed: [70, 90] },
  { budget: 10, seeds: [0, 1], presentedAll: 2000, neverLearnedAll: 10, neverLearnedAny: 30, neverLearnedPerSeed: [15, 25] },
];

test("headlineSvg(budgets) draws shares of the training set on linear axes from 0, each mark's title naming series, budget and share", () => {
  const svg = headlineSvg(budgets);
  const titles = [...svg.matchAll(/<circle[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
  assert.equal(titles.length, 2 + 2 + 4, "all seeds, any seed, and one point per seed and budget");
  assert.ok(titles.includes("never learned in all 2 seeds\nepoch budget: 10 epochs\nshare of the training set: 0.50%\nexamples: 10"));
  assert.ok(titles.includes("never learned in one seed\nseed 1, epoch budget 5 epochs\nshare of the training set: 4.50%\nexamples: 90"));
  assert.match(svg, />0\.00%<\/text>/, "the axis starts at 0");
  assert.match(svg, /linear axes from 0/);
  // Heights are proportional: 6% (any seed at 5) is twice as high above the baseline as 3%... compare 120 vs 30.
  const cy = (name: string, budget: number) => Number(new RegExp(`cy="([\\d.]+)"[^>]*><title>${name}\\nepoch budget: ${budget} epochs`).exec(svg)![1]);
  const baseline = 260 - 42;
  assert.ok(Math.abs((baseline - cy("never learned in any seed", 5)) / (baseline - cy("never learned in any seed", 10)) - 4) < 0.01);
  assert.equal(headlineSvg([]), "");
});

test("reportIndexHtml(input) with an overview: headline, config, key numbers, follow-ups absent with their commands, no absolute folder", () => {
  const html = reportIndexHtml({
    experiment: "fashion-mnist-study",
    experimentDir: "/home/someone/outputs/fashion-mnist-study",
    entries: [
      { title: "4. Seeds", html: "04-seed-intersection.html", ipynb: "04-seed-intersection.ipynb", status: "ok", seconds: 3.21 },
      { title: "5. Follow-ups", html: "05-follow-ups.html", ipynb: "05-follow-ups.ipynb", status: "ok", seconds: 1 },
    ],
    summary: [],
    generatedAt: "2026-12-01T00:00:00Z",
    overview: {
      headline: budgets,
      config: [["dataset", "fashion-mnist"], ["lr", "0.01"]],
      keyNumbers: { "04-seed-intersection": ["never learned in all 2 seeds at 10 epochs: 10 (0.50% of the training set)"] },
      followUps: [{ name: "removal", present: false, command: "npx forgetting removal fashion-mnist-study-removal --from fashion-mnist-study" }, { name: "label noise", present: false, command: "npx forgetting noise x" }],
    },
  });
  assert.ok(!html.includes("/home/someone"), "no absolute machine path");
  assert.match(html, /<svg class="headline"/);
  assert.match(html, /<td>dataset<\/td><td>fashion-mnist<\/td>/);
  assert.match(html, /<div class="key">never learned in all 2 seeds at 10 epochs: 10 \(0\.50% of the training set\)<\/div>/);
  assert.match(html, /<tr class="absent"><td>2<\/td><td><a href="05-follow-ups.html">5\. Follow-ups<\/a><\/td><td>absent<\/td>/);
  assert.match(html, /<tr class="ok"><td>1<\/td>.*<td>ok<\/td><td class="num">3\.2 s<\/td>/);
  assert.match(html, /removal: <b>absent<\/b>; make it with<br><code>npx forgetting removal fashion-mnist-study-removal --from fashion-mnist-study<\/code>/);
});

test("followUpCommands(experimentDir, config) makes the follow-ups of that experiment: its name, base config and largest budget", () => {
  const root = "/project";
  const config = { name: "fashion-mnist-study", base: { dataset: "fashion-mnist" as const, model: "mnist-cnn" as const, lr: 0.01 }, budgets: [20, 5, 40] };
  const commands = followUpCommands(path.join(root, "outputs", "fashion-mnist-study"), config, root);
  assert.equal(commands.removal, "npx forgetting removal fashion-mnist-study-removal --from fashion-mnist-study --source-budget 40 --fractions 0.25,0.5 --seeds 2");
  assert.equal(commands.noise, `npx forgetting noise fashion-mnist-study-noise --fractions 0.1,0.2 --epochs 40 --seeds 2 --base-json '{"dataset":"fashion-mnist","model":"mnist-cnn","lr":0.01}'`);
  assert.match(followUpCommands("/project/runs/x", { ...config, name: "x" }, root).removal, / --outputs runs$/);
  assert.match(followUpCommands("/elsewhere/x", { ...config, name: "x" }, root).removal, / --outputs '<folder holding the experiment>'$/);
});
