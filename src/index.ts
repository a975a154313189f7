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
