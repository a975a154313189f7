/**
 * The commands that make an experiment's follow-up studies (removal and label noise) when
 * they are absent, written for that experiment: its name, its base config and its largest
 * budget, so a Fashion-MNIST study is not told to run the digits study.
 */
import * as path from "node:path";
import type { ExperimentConfig } from "../config/experiment";
import { NOISE_SUFFIX, REMOVAL_SUFFIX } from "../runs/layout";
import { projectRoot } from "../core/paths";

/** `forgetting study`'s defaults for the follow-ups. */
const REMOVE_FRACTIONS = "0.25,0.5";
const NOISE_FRACTIONS = "0.1,0.2";
const FOLLOW_UP_SEEDS = 2;

/** A value quoted for a POSIX shell. */
const shellQuote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`);

/**
 * @param experimentDir the main experiment's folder.
 * @param config its experiment.json.
 * @returns the two commands, run from the project root; `--outputs` names the experiment's
 *   parent folder relative to the project root, or is left out when it is the default outputs/.
 */
export function followUpCommands(experimentDir: string, config: Pick<ExperimentConfig, "name" | "base" | "budgets">, root: string = projectRoot()): { removal: string; noise: string } {
  const parent = path.dirname(path.resolve(experimentDir));
  const relative = path.relative(root, parent);
  const outputs = relative === "outputs" ? [] : ["--outputs", relative && !relative.startsWith("..") ? relative : "<folder holding the experiment>"];
  const largest = Math.max(...config.budgets);
  const removal = ["npx forgetting removal", `${config.name}${REMOVAL_SUFFIX}`, "--from", config.name, "--source-budget", String(largest), "--fractions", REMOVE_FRACTIONS, "--seeds", String(FOLLOW_UP_SEEDS), ...outputs];
  const noise = ["npx forgetting noise", `${config.name}${NOISE_SUFFIX}`, "--fractions", NOISE_FRACTIONS, "--epochs", String(largest), "--seeds", String(FOLLOW_UP_SEEDS), "--base-json", JSON.stringify(config.base), ...outputs];
  return { removal: removal.map((part, i) => (i === 0 ? part : shellQuote(part))).join(" "), noise: noise.map((part, i) => (i === 0 ? part : shellQuote(part))).join(" ") };
}
