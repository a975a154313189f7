/**
 * `forgetting removal <study> --from <experiment> --remove 100,200 --seeds 3`: the paper's
 * removal experiment. Ranks examples by forgetting in the source experiment's runs, writes
 * the study (full data, n least forgotten removed, n random removed; with --rank-by, the n
 * easiest by each other score too), sweeps it, and writes
 * test accuracy vs fraction removed to outputs/<study>/analysis/removal.{json,csv}.
 */
import * as path from "node:path";
import { createRemovalStudy } from "../experiments/removal";
import { ValueError } from "../core/errors";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import { type CliCommand, onePositional } from "./args";
import { SWEEP_OPTIONS, parseFractionList, parseSeeds, sweepAndReport } from "./sweep";
import { type RemovalResultRow, removalResults } from "../analysis/followUps";
import { type ScoreName, VALID_SCORES } from "../analysis/scores";

const fixed = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(2) : "n/a");

function removalCsv(rows: RemovalResultRow[]): string {
  const lines = ["variant,method,score,removed,fraction,seeds,mean_best_acc,std_best_acc,best_acc_per_seed"];
  for (const r of rows) lines.push([r.variant, r.method, r.score, r.removed, r.fraction, r.seeds.length, r.mean, r.std, `"${r.best.join(";")}"`].map((v) => (typeof v === "number" && Number.isNaN(v) ? "" : v)).join(","));
  return lines.join("\n") + "\n";
}

export const command: CliCommand = {
  name: "removal",
  summary: "Removal experiment: retrain without the n least forgotten examples (and n random ones as control); accuracy vs fraction removed",
  positionals: ["<study>"],
  options: {
    from: { type: "string", help: "experiment whose completed runs give the forgetting ranking", required: true },
    remove: { type: "integer-list", min: 1, help: "numbers of examples to remove, e.g. 100,200,400 (this or --fractions is required)" },
    fractions: { type: "string-list", help: "or fractions of the source's training examples to remove, e.g. 0.1,0.2 (used without --remove)" },
    seeds: { type: "string", help: "retraining seeds: a count or a list", default: "3" },
    epochs: { type: "integer", help: "epochs of each retraining run [default: the source budget]", min: 1 },
    "source-budget": { type: "integer", help: "which budget of the source experiment to rank with [default: the largest]", min: 1 },
    "rank-by": { type: "string-list", help: "scores that rank the examples; each removes its n easiest (forgetting: the least forgotten)", choices: VALID_SCORES, default: ["forgetting"] },
    "random-seed": { type: "integer", help: "seed of the random control's draw and of the ranking's order inside forgetting ties", default: 0, min: 0 },
    "no-sweep": { type: "boolean", help: "only write the study (run it later with `forgetting sweep <study>`) and report what is finished", default: false },
    ...SWEEP_OPTIONS,
  },
  async run(options, positionals) {
    const name = onePositional("removal", "study name", positionals);
    const outputsRoot = path.resolve(String(options.outputs));
    const source = String(options.from);
    // Fractions become counts inside the study, of the examples the source runs were trained on.
    const removal =
      options.remove !== undefined
        ? { counts: options.remove as number[] }
        : options.fractions !== undefined
          ? { fractions: parseFractionList("removal --fractions", options.fractions as string[]) }
          : null;
    if (!removal) throw new ValueError("removal: expected --remove <counts> or --fractions <fractions>");
    const dir = createRemovalStudy({
      outputsRoot,
      source,
      sourceBudget: options["source-budget"] as number | undefined,
      name,
      ...removal,
      seeds: parseSeeds("removal", String(options.seeds)),
      epochs: options.epochs as number | undefined,
      randomSeed: options["random-seed"] as number,
      rankBy: options["rank-by"] as ScoreName[],
    });
    if (!options["no-sweep"]) await sweepAndReport("removal", dir, options);
    const rows = removalResults(dir);
    writeJsonAtomic(path.join(dir, "analysis", "removal.json"), rows);
    writeFileAtomic(path.join(dir, "analysis", "removal.csv"), removalCsv(rows));
    console.log("variant                     removed  fraction  seeds  best acc % mean (std)");
    for (const r of rows) {
      console.log(`${r.variant.padEnd(26)}  ${String(r.removed).padStart(7)}  ${r.fraction.toFixed(3).padStart(8)}  ${String(r.seeds.length).padStart(5)}  ${fixed(r.mean)} (${fixed(r.std)})${r.missingSeeds.length ? `  missing seeds ${r.missingSeeds.join(",")}` : ""}`);
    }
    console.log(`wrote ${path.join(dir, "analysis", "removal.json")} and removal.csv`);
  },
};
