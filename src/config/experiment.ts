/**
 * An experiment: one base training config run over a grid of epoch budgets x seeds (the
 * reference study: budgets 40, 60, 90, 120, 180, 270, 450 with 8 seeds each). Its
 * definition lives in outputs/<experiment>/experiment.json:
 *
 *   { "name": "digits-budgets",
 *     "base": { "dataset": "digits", "model": "digits-mlp", "lr": 0.05 },   // Partial<TrainConfig>
 *     "budgets": [2, 3],                                                    // config.epochs of each run
 *     "seeds": 3 }                                                          // a count (0..K-1) or a list
 *
 * Every run of the grid gets config = { ...base, epochs: budget, seed } and the run id
 * `b<budget>-s<seed>`, so the same grid always maps to the same folders.
 *
 * Optional `variants` add a third axis for the paper's follow-up studies: each variant
 * overrides part of the base config (e.g. removeIds, labelNoise) and carries `meta` that
 * the study's analysis reads back (method, n removed, noise fraction), so run identity is
 * never parsed out of folder names. Run ids become `<variant>-b<budget>-s<seed>`.
 */
import { ValueError, describeValue } from "../core/errors";
import { deepFreeze } from "../core/freeze";
import { type ResolvedTrainConfig, type TrainConfig, resolveTrainConfig } from "./train";
import { checkFolderName } from "../core/paths";

export interface ExperimentConfig {
  /** Experiment name: the folder name under outputs/. */
  name: string;
  /** Training config shared by every run; epochs and seed are set per run. */
  base: Partial<TrainConfig>;
  /** Epoch budgets (config.epochs), integers > 0, distinct. */
  budgets: number[];
  /** Number of seeds K (seeds 0..K-1) or the explicit list of seeds. */
  seeds: number | number[];
  /** Optional third axis: each variant's config overrides the base for its runs. */
  variants?: ExperimentVariant[];
}

export interface ExperimentVariant {
  /** Folder-safe name, unique in the experiment, e.g. "least-n200". */
  name: string;
  /** Overrides of the base config (never epochs or seed). */
  config: Partial<TrainConfig>;
  /** Facts about the variant for its analysis, e.g. { method: "random", removed: 200 }. */
  meta?: Record<string, string | number>;
}

/** One cell of the grid. */
export interface PlannedRun {
  budget: number;
  seed: number;
  runId: string;
  /** The variant of the run, when the experiment has variants. */
  variant?: ExperimentVariant;
  /** The resolved config of the run. */
  config: ResolvedTrainConfig;
}

declare const checkedBrand: unique symbol;
/** An experiment checkExperimentConfig returned: frozen, every run's config resolved once there. */
export type CheckedExperimentConfig = Readonly<ExperimentConfig> & { readonly [checkedBrand]: true };

/** The runs of each checked experiment, with the configs checkExperimentConfig resolved. */
const checkedPlans = new WeakMap<object, readonly PlannedRun[]>();

/** The seeds of an experiment as a sorted list. */
export function experimentSeeds(experiment: ExperimentConfig): number[] {
  return typeof experiment.seeds === "number" ? Array.from({ length: experiment.seeds }, (_, i) => i) : [...experiment.seeds].sort((a, b) => a - b);
}

/** The run id of a grid cell. */
function plannedRunId(budget: number, seed: number, variant?: string): string {
  return `${variant ? `${variant}-` : ""}b${budget}-s${seed}`;
}

/**
 * Checks an experiment definition, including every run's resolved config, which planRuns
 * then hands out without resolving it again.
 * @param who prefix of error messages (a function or file name).
 * @returns a frozen copy, budgets sorted.
 * @throws ValueError naming the field, what was expected and what arrived.
 */
export function checkExperimentConfig(value: unknown, who = "checkExperimentConfig"): CheckedExperimentConfig {
  const e = value as ExperimentConfig;
  if (typeof e !== "object" || e === null || Array.isArray(e)) throw new ValueError(`${who}: expected an object, got ${describeValue(value)}`);
  const known = ["name", "base", "budgets", "seeds", "variants"];
  const unknown = Object.keys(e).filter((k) => !known.includes(k));
  if (unknown.length) throw new ValueError(`${who}: unknown field(s) ${unknown.join(", ")}; valid fields: ${known.join(", ")}`);
  checkFolderName(`${who}: field "name"`, e.name);
  if (typeof e.base !== "object" || e.base === null || Array.isArray(e.base)) throw new ValueError(`${who}: field "base": expected a config object, got ${describeValue(e.base)}`);
  for (const key of ["epochs", "seed"]) {
    if (key in e.base) throw new ValueError(`${who}: field "base": expected no "${key}" (set per run by budgets and seeds), got ${describeValue((e.base as Record<string, unknown>)[key])}`);
  }
  if (!Array.isArray(e.budgets) || e.budgets.length === 0 || e.budgets.some((b) => !Number.isInteger(b) || b <= 0) || new Set(e.budgets).size !== e.budgets.length) {
    throw new ValueError(`${who}: field "budgets": expected a non-empty list of distinct integers > 0, got ${describeValue(e.budgets)}`);
  }
  const seedsOk =
    (typeof e.seeds === "number" && Number.isInteger(e.seeds) && e.seeds > 0) ||
    (Array.isArray(e.seeds) && e.seeds.length > 0 && e.seeds.every((s) => Number.isInteger(s) && s >= 0) && new Set(e.seeds).size === e.seeds.length);
  if (!seedsOk) throw new ValueError(`${who}: field "seeds": expected a count > 0 or a list of distinct integers >= 0, got ${describeValue(e.seeds)}`);
  if (e.variants !== undefined) {
    if (!Array.isArray(e.variants) || e.variants.length === 0) throw new ValueError(`${who}: field "variants": expected a non-empty list, got ${describeValue(e.variants)}`);
    e.variants.forEach((v, i) => {
      checkFolderName(`${who}: variants[${i}].name`, v?.name);
      if (typeof v.config !== "object" || v.config === null || "epochs" in v.config || "seed" in v.config) {
        throw new ValueError(`${who}: variants[${i}].config: expected a config object without epochs or seed, got ${describeValue(v.config)}`);
      }
    });
    const names = e.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) throw new ValueError(`${who}: field "variants": expected distinct names, got ${describeValue(names)}`);
  }
  // A copy, so freezing it leaves the caller's objects alone.
  const checked = deepFreeze(
    structuredClone({ name: e.name, base: e.base, budgets: [...e.budgets].sort((a, b) => a - b), seeds: e.seeds, ...(e.variants ? { variants: e.variants } : {}) }),
  ) as CheckedExperimentConfig;
  const plan = (checked.variants ?? [undefined]).flatMap((variant) =>
    checked.budgets.flatMap((budget) =>
      experimentSeeds(checked).map((seed): PlannedRun => {
        let config: ResolvedTrainConfig;
        try {
          config = resolveTrainConfig({ ...checked.base, ...variant?.config, epochs: budget, seed });
        } catch (err) {
          const where = variant ? `variant "${variant.name}"` : `field "base"`;
          throw new ValueError(`${who}: ${where} with budget ${budget}: ${(err as Error).message}`);
        }
        return deepFreeze({ budget, seed, runId: plannedRunId(budget, seed, variant?.name), ...(variant ? { variant } : {}), config });
      }),
    ),
  );
  checkedPlans.set(checked, plan);
  return checked;
}

/**
 * Every run of the grid: variants in their order, then budgets ascending, then seeds
 * ascending. A checked experiment's runs come with the configs resolved by
 * checkExperimentConfig; any other experiment is checked here first.
 * @throws ValueError for an unchecked experiment that is invalid.
 */
export function planRuns(experiment: CheckedExperimentConfig | ExperimentConfig): PlannedRun[] {
  const plan = checkedPlans.get(experiment) ?? checkedPlans.get(checkExperimentConfig(experiment, "planRuns"))!;
  return [...plan];
}
