import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { reportIndexHtml } from "../../src/report/indexPage";
import { type NotebookCell, type NotebookDocument, cellErrorMessage, injectParameters, joinLines, notebookTitle, readNotebook } from "../../src/report/notebookFile";
import { listNotebooks, reportStylesheet } from "../../src/report/runNotebooks";
import { summaryTables } from "../../src/report/summary";
import { projectRoot } from "../../src/core/paths";

test("cellErrorMessage(cell) takes tslab's stderr output and keeps the first 4 stack frames", () => {
  // The shape tslab gives a failing cell: the message only in a stderr stream.
  const cell: NotebookCell = {
    cell_type: "code",
    id: "boom",
    source: "throw new Error('boom here')",
    outputs: [
      { output_type: "stream", name: "stdout", text: ["before\n"] },
      {
        output_type: "stream",
        name: "stderr",
        text: ["evalmachine.<anonymous>:2\n", "throw new Error('boom here');\n", "^\n", "\n", "Error: boom here\n", "    at a (x:1)\n", "    at b (x:2)\n", "    at c (x:3)\n", "    at d (x:4)\n", "    at e (x:5)\n", "    at f (x:6)\n"],
      },
    ],
  };
  assert.equal(cellErrorMessage(cell), "evalmachine.<anonymous>:2\nthrow new Error('boom here');\n^\n\nError: boom here\n    at a (x:1)\n    at b (x:2)\n    at c (x:3)\n    at d (x:4)");
});

test("cellErrorMessage(cell) also reads error outputs, without colour codes; empty for a clean cell", () => {
  const cell: NotebookCell = { cell_type: "code", source: "", outputs: [{ output_type: "error", ename: "TypeError", evalue: "x is undefined", traceback: ["\x1b[31mTypeError\x1b[0m: x is undefined"] }] };
  assert.equal(cellErrorMessage(cell), "TypeError: x is undefined\nTypeError: x is undefined");
  assert.equal(cellErrorMessage({ cell_type: "code", source: "", outputs: [{ output_type: "stream", name: "stdout", text: "fine" }] }), "");
});

test("notebookTitle(notebook, fallback) is the first markdown heading; joinLines joins nbformat lines", () => {
  const notebook = { cells: [{ cell_type: "code" as const, source: "# not a title" }, { cell_type: "markdown" as const, source: ["Intro\n", "## 2. Training one run\n"] }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
  assert.equal(notebookTitle(notebook, "x"), "2. Training one run");
  assert.equal(notebookTitle({ ...notebook, cells: [] }, "fallback"), "fallback");
  assert.equal(joinLines(["a\n", "b"]), "a\nb");
  assert.equal(joinLines(undefined), "");
});

test("readNotebook(file) and listNotebooks(dir) check the format and keep NN-*.ipynb in order", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "notebooks-"));
  for (const name of ["10-last.ipynb", "02-b.ipynb", "01-a.ipynb", "scratch.ipynb", "03-c.txt"]) fs.writeFileSync(path.join(dir, name), "{}");
  assert.deepEqual(listNotebooks(dir).map((f) => path.basename(f)), ["01-a.ipynb", "02-b.ipynb", "10-last.ipynb"]);
  assert.throws(() => readNotebook(path.join(dir, "01-a.ipynb")), { name: "FileFormatError", message: `${path.join(dir, "01-a.ipynb")}: expected an nbformat 4 notebook with a "cells" list, got nbformat undefined` });
  fs.writeFileSync(path.join(dir, "bad.ipynb"), "{");
  assert.throws(() => readNotebook(path.join(dir, "bad.ipynb")), /bad\.ipynb: expected notebook JSON, got a parse error/);
  assert.throws(() => listNotebooks(path.join(dir, "absent")), { name: "ValueError", message: `listNotebooks: expected a notebooks folder at ${path.join(dir, "absent")}, got none` });
  fs.rmSync(dir, { recursive: true });
});

test("reportIndexHtml(input) links ok reports, shows a failure's message, lists summary tables", () => {
  const html = reportIndexHtml({
    experiment: "digits-study",
    experimentDir: "outputs/digits-study",
    entries: [
      { title: "1. The data", html: "01-data-eda.html", ipynb: "01-data-eda.ipynb", status: "ok", seconds: 9.25 },
      { title: "2. Training", html: "02-train.html", ipynb: "02-train.ipynb", status: "failed", seconds: 3, error: "Error: <boom>" },
      { title: "3. Forgetting", html: "03-f.html", ipynb: "03-f.ipynb", status: "not run" },
    ],
    summary: [{ caption: "Never learned", columns: ["budget", "all seeds"], rows: [[5, 12]] }],
    notes: ["Runs used: 16; left out: 0."],
    links: [{ title: "analysis/summary.json", href: "../analysis/summary.json" }],
    generatedAt: "2026-01-01T00:00:00.000Z",
  });
  assert.ok(html.includes('<tr class="ok"><td>1</td><td><a href="01-data-eda.html">1. The data</a></td><td>ok</td><td class="num">9.3 s</td><td><a href="01-data-eda.ipynb">.ipynb</a></td></tr>'));
  assert.ok(html.includes('<pre class="error">Error: &lt;boom&gt;</pre>'));
  assert.ok(html.includes('<tr class="not-run"><td>3</td><td>3. Forgetting</td><td>not run</td>'));
  assert.ok(html.includes("<caption>Never learned</caption>"));
  assert.ok(html.includes('<td class="num">12</td>'));
  assert.ok(html.includes("<li>Runs used: 16; left out: 0.</li>"));
  assert.ok(html.includes("<title>digits-study: forgetting study reports</title>"));
  assert.ok(html.includes('<li><a href="../analysis/summary.json">analysis/summary.json</a></li>'));
});

test("summaryTables(summary) turns the analysis summary into the index tables, accuracy in percent", () => {
  const { tables, notes } = summaryTables({
    experimentDir: "/x",
    dataset: { id: "digits/train", checksum: "c", nExamples: 1438, nClasses: 10, classNames: [] },
    trackingMode: "presentation",
    runsUsed: [{ runId: "b5-s0", budget: 5, seed: 0 }],
    leftOut: [{ folder: "b5-s9", reason: "not-completed", detail: "stopped", budget: 5, seed: 9 }],
    budgets: [{ budget: 5, seeds: [0], presentedAll: 1435, neverLearnedPerSeed: [3], neverLearnedAll: 3, neverLearnedAny: 3, unforgettableAll: 1400, consistentlyNeverLearned: 3, meanSpearman: NaN, meanJaccard: 0.51234 }],
    results: [{ budget: 5, seeds: [0], best: [0.96378], bestEpoch: [5], mean: 0.96378, std: NaN }],
  } as unknown as Parameters<typeof summaryTables>[0]);
  assert.deepEqual(tables[0].rows, [[5, 1, "1,435", "3", "3", "3", "1,400", "3", "n/a", "0.512"]]);
  assert.deepEqual(tables[1].rows, [[5, 1, "96.38%", "n/a", "96.38%"]]);
  assert.deepEqual(notes, [
    'Dataset digits/train: 1,438 training examples, 10 classes; correctness tracked in "presentation" mode.',
    "Runs used: 1; left out: 1.",
    "Left out b5-s9: not-completed: stopped",
  ]);
});

/** A notebook of the project's shape: a title, the parameters cell, then a cell using the parameters. */
function parameterisedNotebook(): NotebookDocument {
  return {
    cells: [
      { cell_type: "markdown", id: "title", metadata: {}, source: "# T" },
      {
        cell_type: "code",
        id: "setup",
        metadata: { tags: ["parameters"] },
        outputs: [],
        source: 'import * as nb from "./dist/index";\nconst experiment = "outputs/digits-study"; // folder\nconst dataset = "digits";\nconst trainDemo = true;\nconst params = nb.notebookParams({ experiment: experiment, dataset: dataset, trainDemo: trainDemo });\n',
      },
      { cell_type: "code", id: "use", metadata: {}, outputs: [], source: "console.log(params.experiment);" },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

test("injectParameters(notebook, values) inserts an injected-parameters cell after the parameters cell, for the names it declares", () => {
  const injected = injectParameters(parameterisedNotebook(), { experiment: "outputs/other study", trainDemo: false, seeds: 3 });
  assert.deepEqual(injected.cells.map((c) => c.id), ["title", "setup", "injected-parameters", "use"]);
  const cell = injected.cells[2];
  assert.deepEqual(cell.metadata, { tags: ["injected-parameters"] });
  assert.equal(
    joinLines(cell.source),
    [
      "// Injected by the headless runner (`forgetting notebooks`): this run's parameters.",
      'const experiment = "outputs/other study";',
      "const trainDemo = false;",
      "const params = nb.notebookParams({ experiment: experiment, dataset: dataset, trainDemo: trainDemo });",
    ].join("\n"),
  );
  // Run again on its own output: the earlier injected cell is replaced, not stacked.
  const twice = injectParameters(injected, { experiment: "outputs/third" });
  assert.deepEqual(twice.cells.map((c) => c.id), ["title", "setup", "injected-parameters", "use"]);
  assert.match(joinLines(twice.cells[2].source), /const experiment = "outputs\/third";\nconst params = /);
});

test("injectParameters(notebook, values) leaves a notebook without a parameters cell as it is", () => {
  const notebook = parameterisedNotebook();
  notebook.cells[1].metadata = {};
  assert.deepEqual(injectParameters(notebook, { experiment: "x" }), notebook);
});

test("reportStylesheet(html) moves the marked stylesheet into a linked file; unmarked pages stay", () => {
  const page = '<head><!-- forgetting-report-css -->\n<style type="text/css">a { color: red }</style>\n<style>b { x: 1 }</style>\n<!-- /forgetting-report-css --><style>.mine{}</style></head>';
  assert.deepEqual(reportStylesheet(page, "s.css"), {
    html: '<head><link rel="stylesheet" type="text/css" href="s.css"><style>.mine{}</style></head>',
    css: "a { color: red }\nb { x: 1 }\n",
  });
  assert.deepEqual(reportStylesheet("<head></head>"), { html: "<head></head>", css: null });
});

test("notebooks/NN-*.ipynb: the first code cell is tagged parameters, declares experiment and dataset, and passes them to notebookParams", () => {
  for (const file of listNotebooks(path.join(projectRoot(), "notebooks"))) {
    const first = readNotebook(file).cells.find((c) => c.cell_type === "code");
    assert.deepEqual(first?.metadata?.tags, ["parameters"], `${path.basename(file)}: tagged parameters`);
    const source = joinLines(first?.source);
    assert.match(source, /^const experiment = "[^"]+";/m, `${path.basename(file)}: declares experiment`);
    assert.match(source, /^const dataset = "[^"]+";/m, `${path.basename(file)}: declares dataset`);
    // Spelt-out properties: tslab loses a shorthand property whose value a later cell redeclares.
    assert.match(source, /^const params = nb\.notebookParams\(\{ experiment: experiment, dataset: dataset[ ,}]/m, `${path.basename(file)}: passes them on`);
    // What the runner injects after it re-declares them and repeats the notebookParams line.
    const injected = injectParameters(readNotebook(file), { experiment: "outputs/x" });
    assert.match(joinLines(injected.cells[injected.cells.findIndex((c) => c.id === first?.id) + 1].source), /const experiment = "outputs\/x";\nconst params = nb\.notebookParams\(/);
  }
});
