/**
 * `forgetting noise <study> --fractions 0.1,0.2 --epochs 20 --seeds 3 --preset digits`: the
 * paper's label-noise experiment. Trains with each fraction of labels flipped, then compares
 * forgetting of flipped and clean examples and the ROC AUC of the forgetting score as a
 * noisy-label detector; writes outputs/<study>/analysis/noise.json.
 */
import * as path from "node:path";
import { createNoiseStudy } from "../experiments/noise";
import { writeJsonAtomic } from "../core/atomic";
import { type CliCommand, onePositional } from "./args";
import { SWEEP_OPTIONS, baseConfigFromOptions, baseConfigOptions, parseFractionList, parseSeeds, sweepAndReport } from "./sweep";
import { noiseResults } from "../analysis/followUps";

const fixed = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");

export const command: CliCommand = {
  name: "noise",
  summary: "Label-noise experiment: flip a fraction of labels, compare forgetting of flipped vs clean examples (ROC AUC)",
  positionals: ["<study>"],
  options: {
    fractions: { type: "string-list", help: "fractions of training labels to flip, e.g. 0.1,0.2", required: true },
    epochs: { type: "integer", help: "epochs of each run", required: true, min: 1 },
    seeds: { type: "string", help: "seeds: a count or a list", default: "3" },
    ...baseConfigOptions("the train defaults, digits MLP"),
    "no-sweep": { type: "boolean", help: "only write the study and report what is finished", default: false },
    ...SWEEP_OPTIONS,
  },
  async run(options, positionals) {
    const name = onePositional("noise", "study name", positionals);
    const outputsRoot = path.resolve(String(options.outputs));
    const fractions = parseFractionList("noise --fractions", options.fractions as string[]);
    const dir = createNoiseStudy({
      outputsRoot,
      name,
      base: baseConfigFromOptions("noise", options),
      fractions,
      epochs: options.epochs as number,
      seeds: parseSeeds("noise", String(options.seeds)),
    });
    if (!options["no-sweep"]) await sweepAndReport("noise", dir, options);
    const results = noiseResults(dir);
    const file = path.join(dir, "analysis", "noise.json");
    writeJsonAtomic(file, results);
    console.log("noise   runs  mean AUC  mean forgetting score flipped / clean  never learned flipped / clean");
    for (const r of results) {
      const never = (key: "noisy" | "clean") => fixed(r.runs.reduce((s, run) => s + run[key].neverLearned, 0) / r.runs.length);
      console.log(`${String(r.labelNoise).padEnd(6)}  ${String(r.runs.length).padStart(4)}  ${fixed(r.meanAuc).padStart(8)}  ${fixed(r.meanScoreNoisy, 2).padStart(16)} / ${fixed(r.meanScoreClean, 2).padEnd(18)}  ${never("noisy")} / ${never("clean")}${r.missingSeeds.length ? `  missing seeds ${r.missingSeeds.join(",")}` : ""}`);
    }
    console.log(`wrote ${file}`);
  },
};
