import { test } from "node:test";
import * as assert from "node:assert/strict";
import sharp from "sharp";
import { readImageSplits } from "../../src/data/index";
import type { InMemoryImages } from "../../src/data/types";
import { recordFromRows } from "../../src/runs/record";
import { chooseStoredIds, drillDownHtml, exampleStore, exampleStoreHtml, figureExampleLists } from "../../src/notebook/drilldown";
import type { PlotlyFigure } from "../../src/figures/types";

const figure = (customdata: unknown[], type = "bar"): PlotlyFigure => ({ data: [{ type, customdata }], layout: {} });

test("figureExampleLists(figures) reads picks, single ids, [id, ...] points and heatmap rows of picks", () => {
  const lists = figureExampleLists([
    figure([{ ids: [3, 1], total: 9 }, { ids: [], total: 0 }]),
    figure([7, [8, 0.5, 0.2]], "scatter"),
    figure([[{ ids: [4], total: 1 }, { ids: [5, 6], total: 2 }]], "heatmap"),
    { data: [{ type: "bar" }], layout: {} },
  ]);
  assert.deepEqual(lists, [[3, 1], [7], [8], [4], [5, 6]]);
});

test("chooseStoredIds(lists, max) keeps the same number from the head of every list, as many as fit", () => {
  const lists = [[1, 2, 3, 4], [5, 1, 6], [7]];
  assert.deepEqual(chooseStoredIds(lists, 100).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7]);
  // c = 2: {1, 2, 5, 7} fits 5; c = 3 gives {1, 2, 3, 5, 6, 7} = 6.
  assert.deepEqual(chooseStoredIds(lists, 5).sort((a, b) => a - b), [1, 2, 5, 7]);
  // Not even one of each fits: the first of the heads.
  assert.deepEqual(chooseStoredIds(lists, 2), [1, 5]);
  assert.deepEqual(chooseStoredIds([], 5), []);
});

test("exampleStore(input) holds the named examples' pictures in a sprite, their labels and each run's bits, packed", async () => {
  const split = (await readImageSplits({ dataset: "digits" })).train as InMemoryImages;
  const n = split.labels.length;
  // Two runs: 3 epochs with example e correct at epoch k when (e + k) % 3 === 0; 2 epochs all correct.
  const rowsA = [0, 1, 2].map((k) => Array.from({ length: n }, (_, e) => ((e + k) % 3 === 0 ? 1 : 0)));
  const rowsB = [0, 1].map(() => new Array<number>(n).fill(1));
  const store = await exampleStore({
    split,
    figures: [figure([{ ids: [10, 11, 12], total: 3 }]), figure([[{ ids: [12, 40], total: 2 }]], "heatmap")],
    runs: [{ budget: 3, seed: 0, record: recordFromRows(rowsA) }, { budget: 2, seed: 5, record: recordFromRows(rowsB) }],
    predictedClass: (id) => (id === 40 ? 3 : null),
  });
  assert.deepEqual(store.ids, [10, 11, 12, 40]);
  assert.deepEqual(store.labels, store.ids.map((id) => split.labels[id]));
  assert.deepEqual(store.predicted, [null, null, null, 3]);
  // Bits: example k's epoch e at bit k * epochs + e, LSB first.
  const unpack = (b64: string, epochs: number) => {
    const bytes = Buffer.from(b64, "base64");
    return store.ids.map((_, k) => Array.from({ length: epochs }, (_, e) => (bytes[(k * epochs + e) >> 3] >> ((k * epochs + e) & 7)) & 1));
  };
  assert.deepEqual(unpack(store.runs[0].bits, 3), store.ids.map((id) => [0, 1, 2].map((k) => rowsA[k][id])));
  assert.deepEqual(unpack(store.runs[1].bits, 2), store.ids.map(() => [1, 1]));
  assert.deepEqual(store.runs.map((r) => [r.budget, r.seed, r.epochs]), [[3, 0, 3], [2, 5, 2]]);
  // Sprite: tile k at column k, 8 x 8 grey pixels scaled from 0..16 to 0..255.
  assert.deepEqual([store.sprite.width, store.sprite.height, store.sprite.columns], [8, 8, 4]);
  const { data, info } = await sharp(Buffer.from(store.sprite.src.split(",")[1], "base64")).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [32, 8]);
  store.ids.forEach((id, k) => {
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      assert.equal(data[(y * 32 + k * 8 + x) * info.channels], Math.round((split.pixels[id * 64 + y * 8 + x] * 255) / 16));
    }
  });
});

test("exampleStoreHtml(store) and drillDownHtml(store, options) keep data from closing the script; ids are checked", () => {
  const html = exampleStoreHtml({ key: "k", classNames: ["</script>"], ids: [], labels: [], sprite: { src: "", width: 1, height: 1, columns: 1 }, runs: [] });
  assert.equal(html.match(/<\/script>/g)?.length, 1);
  assert.match(drillDownHtml({ key: "k" }, { id: "grid-1" }), /^<div id="grid-1" class="forgetting-drill" data-store="k">/);
  assert.throws(() => drillDownHtml({ key: "k" }, { id: "1 bad" }), { message: 'drillDownHtml: expected an id of letters, digits, _ and -, got "1 bad"' });
});
