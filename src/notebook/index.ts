/**
 * Everything a notebook imports, in one place: `import { ... } from "./src/notebook"`.
 * Display helpers, parameters, figure and frame builders, and the library calls the
 * notebooks make (data, training, per-run statistics, the multi-seed analysis).
 */
export * from "./display";
export * from "./experiment";
export * from "./followUps";
export * from "./images";
export * from "./params";
export * from "../figures/data";
export * from "../figures/followUps";
export * from "../figures/forgetting";
export * from "../figures/seeds";
export * from "../figures/training";
export * from "../frames/frames";
export * from "../frames/pixelStatistics";
export { analyzeBudget } from "../analysis/analyzeBudget";
export { analyzeExperiment } from "../analysis/analyzeExperiment";
export { summarizeAnalysis } from "../analysis/summarizeAnalysis";
export { countMembers } from "../analysis/countMembers";
export { membersOf } from "../analysis/membersOf";
export { perClassCounts } from "../analysis/perClassCounts";
export { neverLearnedBudgetsByExample } from "../analysis/neverLearnedBudgetsByExample";
export { noiseResults } from "../analysis/noiseStudy";
export { removalResults } from "../analysis/removalStudy";
export { exampleStats } from "../forgetting/exampleStats";
export { describeScan, loadRunRecord, presentedMask, readLogColumns, readRunExamples, scanExperiment } from "../runs/scan";
export { TRAIN_CONFIG_KEYS, resolveTrainConfig } from "../train/config";
export { train } from "../train/train";
