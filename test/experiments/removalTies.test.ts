/**
 * The removal study on a real image folder, whose exampleIds are sorted by class: when most
 * examples tie at the smallest forgetting score, "remove the n least forgotten" must draw
 * uniformly inside the tie block, not take the first classes' images first.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readImageSplits } from "../../src/data/index";
import { createRemovalStudy } from "../../src/experiments/removal";
import { readExperimentConfig } from "../../src/runs/experiment";
import { makeTempDir, writeFakeRun } from "../analysis/fakeRuns";
import { SHARED_DATA, missingShared } from "../data/shared";
import { skipIfMissing } from "../requirements";

test("createRemovalStudy on hymenoptera: the removed set's class shares follow the tie block's, not the folder order", async (t) => {
  if (skipIfMissing(t, missingShared("hymenoptera_data/train"))) return;
  const folder = path.join(SHARED_DATA, "hymenoptera_data");
  const { train } = await readImageSplits({ dataset: "folder", folder });
  const labels = Array.from(train.labels);
  const nExamples = labels.length;
  assert.deepEqual(train.classNames, ["ants", "bees"]);
  assert.ok(labels.every((c, i) => i === 0 || c >= labels[i - 1]), "exampleIds are sorted by class: the ants come first");
  const ants = labels.filter((c) => c === 0).length;

  // Two seeds over 2 epochs. Every bee and every other ant is learned and never forgotten
  // (score 0); the other ants are forgotten once in seed 0 (score 1). The tie block of
  // score 0 is then about a third ants, while the first ids of the folder are all ants.
  const forgotten = labels.map((c, i) => c === 0 && i % 2 === 1);
  const root = makeTempDir("removal-ties-");
  try {
    const source = path.join(root, "hymenoptera");
    const common = { datasetId: "folder/train", checksum: "hymenoptera-train", classNames: train.classNames, config: { dataset: "folder", folder, model: "resnet50" } };
    writeFakeRun(source, { runId: "b2-s0", seed: 0, sequences: forgotten.map((f) => (f ? [1, 0] : [1, 1])), ...common });
    writeFakeRun(source, { runId: "b2-s1", seed: 1, sequences: forgotten.map(() => [1, 1]), ...common });
    const block = labels.map((_, i) => i).filter((i) => !forgotten[i]);
    const blockAntShare = block.filter((i) => labels[i] === 0).length / block.length;
    const n = Math.round(0.3 * nExamples); // "remove the 30% least forgotten", inside the tie block
    assert.ok(n < block.length && block.length === nExamples - Math.floor(ants / 2));

    const removedIds = (name: string, randomSeed: number) => {
      const study = readExperimentConfig(createRemovalStudy({ outputsRoot: root, source: "hymenoptera", name, counts: [n], seeds: 1, randomSeed }));
      const variant = study.variants!.find((v) => v.name === `least-forgotten-n${n}`)!;
      assert.deepEqual(variant.meta, { method: "least-forgotten", removed: n, fraction: n / nExamples, tieSeed: randomSeed, tieScore: 0, tieBlock: block.length, tieDrawn: n });
      return variant.config.removeIds!;
    };
    const antShare = (ids: readonly number[]) => ids.filter((i) => labels[i] === 0).length / ids.length;

    // The removed set is a uniform draw of n from the block without replacement, so its ant
    // count is hypergeometric, and Hoeffding's bound holds for sampling without replacement
    // (Hoeffding 1963, section 6): P(|share - blockShare| >= t) <= 2 exp(-2 n t^2). With
    // n = 74 and t = 0.25 that is 2 exp(-9.25) < 2e-4: the fixed seeds below pass unless the
    // draw is not uniform. Taking the block in id order (the old tie break) gives its 62 ants
    // and 12 bees, an ant share of 0.84 against the block's 0.34: it fails the bound.
    const bound = 0.25;
    const firstByClass = block.slice(0, n);
    assert.ok(Math.abs(antShare(firstByClass) - blockAntShare) > bound, `the old order: ant share ${antShare(firstByClass)} vs the block's ${blockAntShare}`);
    for (const seed of [0, 5]) {
      const ids = removedIds(`removal-s${seed}`, seed);
      assert.equal(ids.length, n);
      assert.ok(ids.every((i) => !forgotten[i]), "only examples of the tie block of score 0 are removed");
      assert.ok(Math.abs(antShare(ids) - blockAntShare) < bound, `seed ${seed}: ant share ${antShare(ids)} vs the block's ${blockAntShare}`);
    }
    assert.deepEqual(removedIds("removal-again", 0), removedIds("removal-s0", 0), "the same seed gives the same removed set");
    assert.notDeepEqual(removedIds("removal-s5", 5), removedIds("removal-s0", 0), "another seed draws another set");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
