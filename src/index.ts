/**
 * The library's public surface. Importing it has no side effects: no backend is chosen
 * and no model is built until a function is called.
 */
export * from "./errors";
export * from "./random";
export * from "./data/types";
export * from "./runs/layout";
export * from "./runs/atomic";
export * from "./runs/record";
export * from "./runs/manifest";
export * from "./forgetting/exampleStats";
export * from "./forgetting/statsToCsv";
export * from "./forgetting/writeStatsCsv";
export * from "./forgetting/csvField";
export * from "./data/index";
export * from "./runs/scan";
export * from "./backend/index";
export * from "./analysis/intersection";
export * from "./analysis/union";
export * from "./analysis/countMembers";
export * from "./analysis/countCommon";
export * from "./analysis/membersOf";
export * from "./analysis/perClassCounts";
export * from "./analysis/nestingMatrix";
export * from "./analysis/consistentlyNeverLearned";
export * from "./analysis/forgettingRanking";
export * from "./analysis/averageRanks";
export * from "./analysis/spearman";
export * from "./analysis/jaccard";
export * from "./analysis/pairwiseMatrix";
export * from "./analysis/integerHistogram";
export * from "./analysis/dataMap";
export * from "./analysis/resultsTable";
export * from "./analysis/analyzeBudget";
export * from "./analysis/analyzeExperiment";
export * from "./analysis/summarizeAnalysis";
export * from "./analysis/formatSummary";
export * from "./models/index";
export * from "./analysis/neverLearnedByClass";
export * from "./analysis/neverLearnedBudgetsByExample";
export * from "./analysis/exampleTableCsv";
export * from "./analysis/writeExports";
export * from "./runs/experiment";
export * from "./runs/sweep";
