/**
 * The library's public surface. Importing it has no side effects: no backend is chosen
 * and no model is built until a function is called.
 */

// errors and seeded randomness
export * from "./core/errors";
export * from "./core/random";

// backend -> data -> models -> train (+ tracker) -> run files
export * from "./backend/index";
export * from "./setup/doctor";
export * from "./data/types";
export * from "./data/index";
export * from "./models/index";
export * from "./config/train";
export * from "./train/sgd";
export * from "./train/schedules";
export * from "./train/loop";
export * from "./train/train";
export * from "./runs/exampleStats";
export * from "./runs/statsToCsv";
export * from "./runs/writeStatsCsv";
export * from "./core/csv";
export * from "./train/tracker";
export * from "./runs/exampleStatsFromFile";
export * from "./runs/layout";
export * from "./core/atomic";
export * from "./runs/record";
export * from "./runs/manifest";
export * from "./runs/scan";
export * from "./config/experiment";
export * from "./experiments/sweep";
export * from "./runs/store";
export * from "./runs/checkpoint";

// analysis (reads run files only) -> frames/figures -> notebooks/reports
export * from "./analysis/sets";
export * from "./analysis/ranks";
export * from "./analysis/histograms";
export * from "./analysis/dataMap";
export * from "./analysis/results";
export * from "./analysis/experiment";
export * from "./analysis/summary";
export * from "./analysis/exports";
export * from "./analysis/followUps";
export * from "./experiments/removal";
export * from "./experiments/noise";
export * from "./frames/pixelStatistics";
export * from "./frames/frames";
export * from "./figures/types";
export * from "./figures/data";
export * from "./figures/training";
export * from "./figures/forgetting";
export * from "./figures/seeds";
export * from "./figures/followUps";
export * from "./setup/kernel";
export * from "./notebook/params";
export * from "./notebook/html";
export * from "./notebook/plotly";
export * from "./notebook/images";
export * from "./notebook/display";

export * from "./report/notebookFile";
export * from "./report/indexPage";
export * from "./report/runNotebooks";
export * from "./report/summary";
