/**
 * Writes the study's exports into a folder (default outputs/<experiment>/analysis/), each
 * file atomically:
 * - never-learned-b<budget>.json: `{class_name: [example names or ids]}` (see neverLearnedByClass)
 * - never-learned-by-example.json: `{example: [budgets]}` (see neverLearnedBudgetsByExample)
 * - examples-b<budget>.csv: one row per example with every statistic (see exampleTableCsv)
 */
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import type { ExperimentAnalysis } from "./experiment";
import { exampleTableCsv } from "./exports";
import { neverLearnedBudgetsByExample } from "./neverLearnedBudgetsByExample";
import { neverLearnedByClass } from "./neverLearnedByClass";

/** @returns the paths written, in order. */
export function writeExports(analysis: ExperimentAnalysis, outDir: string): string[] {
  const written: string[] = [];
  analysis.budgets.forEach((b, k) => {
    const json = path.join(outDir, `never-learned-b${b.budget}.json`);
    writeJsonAtomic(json, neverLearnedByClass(analysis, k));
    const csv = path.join(outDir, `examples-b${b.budget}.csv`);
    writeFileAtomic(csv, exampleTableCsv(analysis, k));
    written.push(json, csv);
  });
  const merged = path.join(outDir, "never-learned-by-example.json");
  writeJsonAtomic(merged, neverLearnedBudgetsByExample(analysis));
  written.push(merged);
  return written;
}
