/** Writes a run's stats.csv atomically (training calls this after each run or epoch). */
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic";
import { STATS_FILE } from "./layout";
import type { ExampleStats } from "./exampleStats";
import { type StatsToCsvOptions, statsToCsv } from "./statsToCsv";

/** Writes `<runDir>/stats.csv` from `stats`; see statsToCsv for the columns. */
export function writeStatsCsv(runDir: string, stats: ExampleStats, options: StatsToCsvOptions = {}): void {
  writeFileAtomic(path.join(runDir, STATS_FILE), statsToCsv(stats, options));
}
