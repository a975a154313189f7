/**
 * Exports other tools read, checked by their readers: a real digits run written in
 * allenai/cartography's layout and read back by a Python reimplementation of cartography's
 * read_training_dynamics + compute_train_dy_metrics (numpy in place of torch, same formulas),
 * and the per-example scores CSV read by pandas.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { train } from "../../src/train/train";
import { TRAIN_PRESETS } from "../../src/config/train";
import { readManifest } from "../../src/runs/manifest";
import { standInLogits, writeCartography } from "../../src/analysis/cartography";
import { analyzeExperiment } from "../../src/analysis/experiment";
import { scoresTableCsv } from "../../src/analysis/exports";
import { scanExperiment } from "../../src/runs/scan";
import { skipIfMissing } from "../requirements";

function hasPandas(): boolean {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import pandas, numpy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("standInLogits(prob, predicted, gold, nClasses): softmax gives prob on gold and argmax the predicted class", () => {
  for (const [p, predicted, gold, k] of [[0.9, 1, 1, 10], [0.2, 3, 1, 10], [0.45, 0, 1, 2], [1, 2, 2, 3], [0, 0, 2, 3], [0.1, 4, 4, 10]] as const) {
    const z = standInLogits(p, predicted, gold, k);
    const max = Math.max(...z);
    const exps = z.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(exps[gold] / total - p) < 1e-6, `p=${p}: got ${exps[gold] / total}`);
    assert.equal(z.indexOf(max), predicted, `p=${p} predicted ${predicted}: argmax ${z.indexOf(max)}`);
  }
});

test("writeCartography(run) files are read by cartography's reader logic and give the run's own data map; scores CSV reads in pandas", async (t) => {
  if (skipIfMissing(t, hasPandas() ? undefined : "pandas/numpy are not installed for /usr/bin/python3 (apt-get install python3-pandas)")) return;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cartography-"));
  try {
    for (const seed of [0, 1]) {
      await train({ ...TRAIN_PRESETS.digits, epochs: 4, seed }, { outputsRoot: root, experiment: "carto", runId: `s${seed}`, backend: "wasm", quiet: true });
    }
    const runDir = path.join(root, "carto", "s0");
    const out = path.join(root, "export");
    const files = writeCartography(runDir, readManifest(runDir), out);
    assert.deepEqual(fs.readdirSync(path.join(out, "training_dynamics")).sort(), [0, 1, 2, 3].map((e) => `dynamics_epoch_${e}.jsonl`));
    assert.equal(files.length, 5);
    // Cartography's reading and metrics (selection_utils.read_training_dynamics, train_dy_filtering.compute_train_dy_metrics at 3df3438), restated.
    const script = `
import json, os, sys
import numpy as np, pandas as pd
model_dir = sys.argv[1]
td_dir = os.path.join(model_dir, "training_dynamics")
num_epochs = len([f for f in os.listdir(td_dir) if os.path.isfile(os.path.join(td_dir, f))])
dyn = {}
for epoch in range(num_epochs):
    with open(os.path.join(td_dir, f"dynamics_epoch_{epoch}.jsonl")) as f:
        for line in f:
            r = json.loads(line.strip())
            if r["guid"] not in dyn:
                assert epoch == 0
                dyn[r["guid"]] = {"gold": r["gold"], "logits": []}
            dyn[r["guid"]]["logits"].append(r[f"logits_epoch_{epoch}"])
def forgetfulness(trend):
    if not any(trend): return 1000
    learnt, times = False, 0
    for c in trend:
        if learnt and not c: learnt, times = False, times + 1
        elif not learnt and c: learnt = True
    return times
rows = []
for guid, rec in dyn.items():
    probs, correct = [], []
    for z in rec["logits"]:
        z = np.array(z, dtype=np.float32); e = np.exp(z - z.max()); p = e / e.sum()
        probs.append(float(p[rec["gold"]])); correct.append(bool(np.argmax(z) == rec["gold"]))
    rows.append(dict(guid=guid, confidence=np.mean(probs), variability=np.std(probs), correctness=sum(correct), forgetfulness=forgetfulness(correct)))
ref = pd.DataFrame(rows).set_index("guid")
ours = pd.read_json(os.path.join(model_dir, "td_metrics.jsonl"), lines=True).set_index("guid")
assert list(ours.columns) == ["index", "threshold_closeness", "confidence", "variability", "correctness", "forgetfulness"], list(ours.columns)
assert len(ref) == len(ours) == ${1438}, (len(ref), len(ours))
print(float((ref.confidence - ours.confidence).abs().max()), float((ref.variability - ours.variability).abs().max()), int((ref.correctness != ours.correctness).sum()), int((ref.forgetfulness != ours.forgetfulness).sum()))
`;
    const [confidence, variability, correctness, forgetfulness] = execFileSync("/usr/bin/python3", ["-c", script, out], { encoding: "utf8" }).trim().split(" ").map(Number);
    assert.ok(confidence < 1e-5 && variability < 1e-5, `confidence ${confidence}, variability ${variability}`);
    assert.equal(correctness, 0);
    assert.equal(forgetfulness, 0);

    // The scores CSV of the two seeds, in pandas.
    const analysis = analyzeExperiment(scanExperiment(path.join(root, "carto")));
    const csv = path.join(root, "scores.csv");
    fs.writeFileSync(csv, scoresTableCsv(analysis, 0));
    const printed = execFileSync(
      "/usr/bin/python3",
      ["-c", "import pandas as pd, sys; df = pd.read_csv(sys.argv[1]); print(df.shape[0], ' '.join(df.columns[4:12]), df['most_frequent_wrong_class'].dtype, int(df['forgetting'].isna().sum()), bool(((df['aum_s0'] + df['aum_s1']) / 2 - df['aum']).abs().max() < 1e-4))", csv],
      { encoding: "utf8" },
    ).trim();
    assert.equal(printed, "1438 forgetting first_learned aum confidence variability correctness el2n loss int64 0 True");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
