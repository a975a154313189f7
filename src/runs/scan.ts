/**
 * Scanning an experiment folder: which runs can be analysed together, and which are left
 * out and why. Analysis reads only run files, so runs made on another machine can be
 * dropped into outputs/<experiment>/ and are treated like local ones.
 *
 * A run is used only if its manifest reads, its status is "completed" with every epoch of
 * its budget done, its correctness record has exactly the expected size, it was trained on
 * the experiment's dataset (id, checksum and example count), with the experiment's tracking
 * mode, and its budget has the seeds asked for. Everything else is listed in `leftOut` with
 * a reason; incompatible runs are never mixed silently.
 *
 * Also the readers of a run's log.csv (strict for resume, lenient for analysis) and examples.csv.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError, ValueError, describeValue } from "../core/errors";
import { CORRECT_FILE, EXAMPLES_FILE, EXAMPLE_ID_COLUMNS, LOG_COLUMNS, LOG_FILE, MANIFEST_FILE, type LogRow, type RunManifest, correctRowBytes } from "./layout";
import { readManifest } from "./manifest";
import { type CorrectRecord, readCorrectRecord } from "./record";

/** Why a run was left out of an analysis. */
export const VALID_LEFT_OUT_REASONS = [
  "unreadable-manifest",
  "not-completed",
  "missing-record",
  "truncated-record",
  "dataset-mismatch",
  "tracking-mode-mismatch",
  "budget-not-asked",
  "seed-not-asked",
  "duplicate-seed",
  "too-few-seeds",
] as const;
export type LeftOutReason = (typeof VALID_LEFT_OUT_REASONS)[number];

/** A run folder that passed every check. */
export interface ScannedRun {
  runId: string;
  /** Absolute path of the run folder. */
  dir: string;
  manifest: RunManifest;
  /** config.epochs: the epoch budget of the run. */
  budget: number;
  seed: number;
}

export interface LeftOutRun {
  /** Folder name inside the experiment. */
  folder: string;
  dir: string;
  reason: LeftOutReason;
  /** One sentence naming the file, the field, what was expected and what was found. */
  detail: string;
  budget?: number;
  seed?: number;
}

/** The dataset every used run was trained on. */
export interface ScannedDataset {
  id: string;
  checksum: string;
  nExamples: number;
  nClasses: number;
  classNames: string[];
}

export interface ScannedBudget {
  budget: number;
  /** Used seeds, ascending. */
  seeds: number[];
  /** Used runs, in the order of `seeds`. */
  runs: ScannedRun[];
}

export interface ExperimentScan {
  experimentDir: string;
  /** Null when no run is usable. */
  dataset: ScannedDataset | null;
  trackingMode: string | null;
  /** Budgets with their used runs, ascending by budget. */
  budgets: ScannedBudget[];
  used: ScannedRun[];
  leftOut: LeftOutRun[];
}

export interface ScanOptions {
  /**
   * Seeds each budget must have: a count K (the K smallest seeds found are used, extra
   * runs are left out) or an explicit list. Absent: every completed seed is used.
   */
  seeds?: number | readonly number[];
  /** Only these budgets (config.epochs); others are left out. Absent: every budget found. */
  budgets?: readonly number[];
  /**
   * The dataset checksum runs must match. Absent: the checksum shared by most usable runs
   * (ties: the one of the earliest created run), so one stray run cannot take over.
   */
  datasetChecksum?: string;
}

/** Folders of `experimentDir` that look like runs (hold a manifest.json), sorted by name. */
export function listRunFolders(experimentDir: string): string[] {
  if (!fs.existsSync(experimentDir) || !fs.statSync(experimentDir).isDirectory()) {
    throw new ValueError(`scanExperiment: expected an experiment folder, got ${describeValue(experimentDir)} (not a folder)`);
  }
  return fs
    .readdirSync(experimentDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(experimentDir, entry.name, MANIFEST_FILE)))
    .map((entry) => entry.name)
    .sort();
}

function datasetKey(m: RunManifest): string {
  return `${m.dataset.id}|${m.dataset.checksum}|${m.dataset.nExamples}`;
}

/**
 * Reads every run folder of `experimentDir` and decides which runs can be analysed together.
 * Pure reading: nothing is written. Records are only size-checked here; load them with
 * `loadRunRecord`.
 * @throws ValueError if `experimentDir` is not a folder.
 */
export function scanExperiment(experimentDir: string, options: ScanOptions = {}): ExperimentScan {
  const dir = path.resolve(experimentDir);
  const leftOut: LeftOutRun[] = [];
  const candidates: ScannedRun[] = [];
  const leave = (folder: string, reason: LeftOutReason, detail: string, m?: RunManifest) =>
    leftOut.push({ folder, dir: path.join(dir, folder), reason, detail, budget: m?.config.epochs, seed: m?.config.seed });

  // 1. Each run on its own: manifest, status, record size.
  for (const folder of listRunFolders(dir)) {
    const runDir = path.join(dir, folder);
    let m: RunManifest;
    try {
      m = readManifest(runDir);
    } catch (err) {
      leave(folder, "unreadable-manifest", (err as Error).message);
      continue;
    }
    if (m.status !== "completed" || m.epochsCompleted !== m.config.epochs) {
      leave(folder, "not-completed", `${MANIFEST_FILE}: expected status "completed" with ${m.config.epochs} epochs, got status "${m.status}" with ${m.epochsCompleted} epochs`, m);
      continue;
    }
    const recordFile = path.join(runDir, CORRECT_FILE);
    const expectedBytes = m.config.epochs * correctRowBytes(m.dataset.nExamples);
    if (!fs.existsSync(recordFile)) {
      leave(folder, "missing-record", `${recordFile}: correctness record is missing`, m);
      continue;
    }
    const size = fs.statSync(recordFile).size;
    if (size !== expectedBytes) {
      leave(
        folder,
        "truncated-record",
        `${recordFile}: expected ${expectedBytes} bytes (${m.config.epochs} epochs x ${correctRowBytes(m.dataset.nExamples)} bytes), found ${size}`,
        m,
      );
      continue;
    }
    candidates.push({ runId: m.runId, dir: runDir, manifest: m, budget: m.config.epochs, seed: m.config.seed });
  }

  // 2. One dataset and one tracking mode for the whole experiment.
  let reference: RunManifest | null = null;
  if (options.datasetChecksum !== undefined) {
    reference = candidates.find((r) => r.manifest.dataset.checksum === options.datasetChecksum)?.manifest ?? null;
  } else if (candidates.length) {
    const groups = new Map<string, ScannedRun[]>();
    for (const run of candidates) groups.set(datasetKey(run.manifest), [...(groups.get(datasetKey(run.manifest)) ?? []), run]);
    const earliest = (runs: ScannedRun[]) => runs.map((r) => r.manifest.createdAt).sort()[0];
    const best = [...groups.values()].sort((a, b) => b.length - a.length || earliest(a).localeCompare(earliest(b)))[0];
    reference = best.slice().sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt))[0].manifest;
  }
  const sameDataset: ScannedRun[] = [];
  for (const run of candidates) {
    const d = run.manifest.dataset;
    if (!reference) {
      leave(path.basename(run.dir), "dataset-mismatch", `${MANIFEST_FILE} dataset.checksum: expected ${options.datasetChecksum}, got ${d.checksum}`, run.manifest);
    } else if (datasetKey(run.manifest) !== datasetKey(reference)) {
      const r = reference.dataset;
      leave(
        path.basename(run.dir),
        "dataset-mismatch",
        `${MANIFEST_FILE} dataset: expected ${r.id} (checksum ${r.checksum.slice(0, 12)}, ${r.nExamples} examples), got ${d.id} (checksum ${d.checksum.slice(0, 12)}, ${d.nExamples} examples)`,
        run.manifest,
      );
    } else if (run.manifest.config.trackingMode !== reference.config.trackingMode) {
      leave(
        path.basename(run.dir),
        "tracking-mode-mismatch",
        `${MANIFEST_FILE} config.trackingMode: expected "${reference.config.trackingMode}", got "${run.manifest.config.trackingMode}"`,
        run.manifest,
      );
    } else {
      sameDataset.push(run);
    }
  }

  // 3. Budgets and seeds: the ones asked for, one run per (budget, seed).
  const byBudget = new Map<number, ScannedRun[]>();
  for (const run of sameDataset) {
    if (options.budgets && !options.budgets.includes(run.budget)) {
      leave(path.basename(run.dir), "budget-not-asked", `budget ${run.budget} epochs is not among the budgets asked (${options.budgets.join(", ")})`, run.manifest);
      continue;
    }
    byBudget.set(run.budget, [...(byBudget.get(run.budget) ?? []), run]);
  }
  const budgets: ScannedBudget[] = [];
  for (const budget of [...byBudget.keys()].sort((a, b) => a - b)) {
    // Earliest created run first, so a duplicate dropped in later never replaces the original.
    const runs = byBudget.get(budget)!.sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt) || a.runId.localeCompare(b.runId));
    const bySeed = new Map<number, ScannedRun>();
    for (const run of runs) {
      const first = bySeed.get(run.seed);
      if (first) {
        leave(path.basename(run.dir), "duplicate-seed", `budget ${budget} seed ${run.seed} already has run ${first.runId} (created earlier)`, run.manifest);
      } else {
        bySeed.set(run.seed, run);
      }
    }
    let seeds = [...bySeed.keys()].sort((a, b) => a - b);
    const asked = options.seeds;
    // An explicit list of seeds, or a count of the smallest ones (typeof narrows a readonly list, Array.isArray does not).
    const askedList = typeof asked === "number" ? null : asked;
    let wanted: number[] | null = null;
    if (askedList) wanted = [...askedList].sort((a, b) => a - b);
    else if (typeof asked === "number") wanted = seeds.slice(0, asked);
    if (wanted) {
      for (const seed of seeds.filter((s) => !wanted.includes(s))) {
        const what = askedList ? `seeds ${askedList.join(", ")}` : `the ${asked} smallest seeds`;
        leave(path.basename(bySeed.get(seed)!.dir), "seed-not-asked", `seed ${seed} is not among ${what} asked for budget ${budget}`, bySeed.get(seed)!.manifest);
      }
      seeds = seeds.filter((s) => wanted.includes(s));
      const needed = typeof asked === "number" ? asked : wanted.length;
      if (seeds.length < needed) {
        const missing = askedList ? ` (missing seeds ${askedList.filter((s) => !seeds.includes(s)).join(", ")})` : "";
        for (const seed of seeds) {
          leave(
            path.basename(bySeed.get(seed)!.dir),
            "too-few-seeds",
            `budget ${budget} has ${seeds.length} usable seed(s) (${seeds.join(", ")}), expected ${needed}${missing}`,
            bySeed.get(seed)!.manifest,
          );
        }
        continue;
      }
    }
    budgets.push({ budget, seeds, runs: seeds.map((s) => bySeed.get(s)!) });
  }
  const used = budgets.flatMap((b) => b.runs);
  const d = reference?.dataset;
  return {
    experimentDir: dir,
    dataset: d && used.length ? { id: d.id, checksum: d.checksum, nExamples: d.nExamples, nClasses: d.nClasses, classNames: d.classNames } : null,
    trackingMode: used.length && reference ? reference.config.trackingMode : null,
    budgets,
    used,
    leftOut: leftOut.sort((a, b) => a.folder.localeCompare(b.folder)),
  };
}

/** The report of a scan as text lines: one per used run, one per left-out run with its reason. */
export function describeScan(scan: ExperimentScan): string[] {
  const lines = [
    `experiment ${scan.experimentDir}: ${scan.used.length} run(s) used, ${scan.leftOut.length} left out`,
    scan.dataset ? `dataset ${scan.dataset.id} (${scan.dataset.nExamples} examples, ${scan.dataset.nClasses} classes, checksum ${scan.dataset.checksum.slice(0, 12)}), tracking ${scan.trackingMode}` : "no usable run",
  ];
  for (const b of scan.budgets) lines.push(`  budget ${b.budget}: seeds ${b.seeds.join(", ")} (runs ${b.runs.map((r) => r.runId).join(", ")})`);
  for (const l of scan.leftOut) lines.push(`  left out ${l.folder}: ${l.reason}: ${l.detail}`);
  return lines;
}

/**
 * The exampleIds presented in a run: all of them, unless the config left some out
 * (config.trainFirst, config.removeIds: the removal experiment) or an image failed at its
 * first decode (dataset.undecodable, image folders read with skipBadFiles).
 * @returns [nExamples] 1 if presented, or undefined when every example was presented.
 */
export function presentedMask(manifest: RunManifest): Uint8Array | undefined {
  const removeIds = [...(manifest.config.removeIds ?? []), ...(manifest.dataset.undecodable ?? []).map((u) => u.exampleId)];
  const { nExamples } = manifest.dataset;
  const first = Math.min(manifest.config.trainFirst ?? nExamples, nExamples);
  if (removeIds.length === 0 && first === nExamples) return undefined;
  const mask = new Uint8Array(nExamples);
  mask.fill(1, 0, first);
  for (const id of removeIds) {
    if (!Number.isInteger(id) || id < 0 || id >= mask.length) {
      throw new ValueError(`presentedMask: expected config.removeIds in [0, ${mask.length}), got ${describeValue(id)} in run ${manifest.runId}`);
    }
    mask[id] = 0;
  }
  return mask;
}

/** Reads a used run's whole correctness record ([budget, ceil(nExamples / 8)] bytes). */
export function loadRunRecord(run: ScannedRun): CorrectRecord {
  return readCorrectRecord(run.dir, run.manifest.dataset.nExamples, run.budget);
}

/** strict: the exact log.csv this project writes (resume); lenient: any columns (analysis). */
type LogReadMode = "strict" | "lenient";

/**
 * The one reader of `<runDir>/log.csv`: its header and one array of values per epoch line
 * (blank lines skipped).
 * - strict: the header must be LOG_COLUMNS and every line hold one cell per column, each a
 *   number or empty (null, not measured); anything else is a FileFormatError naming the file
 *   and the line.
 * - lenient: any header, since analysis only needs `acc` and a log written elsewhere (e.g. the
 *   reference study's epoch,acc,lr,... columns) must still read; an empty, missing or
 *   non-number cell is NaN.
 * @returns null when there is no log.csv (lenient: also when it is empty).
 */
function readLogTable(runDir: string, mode: LogReadMode): { columns: string[]; rows: (number | null)[][] } | null {
  const file = path.join(runDir, LOG_FILE);
  if (!fs.existsSync(file)) return null;
  const lines = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((text, i) => ({ text, line: i + 1 }))
    .filter((l) => l.text.trim() !== "");
  if (mode === "lenient" && lines.length === 0) return null;
  const columns = (lines[0]?.text ?? "").split(",").map((h) => h.trim());
  if (mode === "strict" && lines[0]?.text !== LOG_COLUMNS.join(",")) {
    throw new FileFormatError(file, `expected header "${LOG_COLUMNS.join(",")}", got "${lines[0]?.text ?? ""}"`);
  }
  const rows = lines.slice(1).map(({ text, line }) => {
    const cells = text.split(",");
    if (mode === "lenient") return columns.map((_, k) => (cells[k] === undefined || cells[k].trim() === "" ? NaN : Number(cells[k])));
    if (cells.length !== columns.length) throw new FileFormatError(file, `line ${line}: expected ${columns.length} cells, got ${cells.length}`);
    return cells.map((cell, k) => {
      const value = cell === "" ? null : Number(cell);
      if (value !== null && Number.isNaN(value)) throw new FileFormatError(file, `line ${line}, column ${columns[k]}: expected a number, got "${cell}"`);
      return value;
    });
  });
  return { columns, rows };
}

/**
 * Reads log.csv back for resume (strict: see readLogTable); empty cells are null.
 * @returns one row per logged epoch; [] if the file does not exist yet.
 * @throws FileFormatError naming the file and line if the header is not LOG_COLUMNS, a line
 *   has another number of cells or a cell is not a number.
 */
export function readLog(runDir: string): LogRow[] {
  const table = readLogTable(runDir, "strict");
  return (table?.rows ?? []).map((row) => Object.fromEntries(LOG_COLUMNS.map((c, k) => [c, row[k]])) as LogRow);
}

/**
 * Reads `<runDir>/log.csv` into columns by header name for analysis (lenient: see
 * readLogTable): any column set, NaN where a cell is empty or not a number.
 * @returns column name -> [nRows] values (empty when the file has only a header), or null
 *   when there is no log.csv (a run made elsewhere may come without one).
 */
export function readLogColumns(runDir: string): Record<string, number[]> | null {
  const table = readLogTable(runDir, "lenient");
  if (!table) return null;
  return Object.fromEntries(table.columns.map((c, k) => [c, table.rows.map((row) => row[k] as number)]));
}

/** Splits one CSV line into fields (RFC 4180 quotes; no line breaks inside fields). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** Labels (as trained) and names of a run's examples, from examples.csv. */
export interface RunExamples {
  /** [nExamples] class index per exampleId. */
  labels: Int32Array;
  /** [nExamples] name per exampleId (empty string when the file has none). */
  names: string[];
}

/**
 * Reads `<runDir>/examples.csv` (header `example_id,label,name`, or `exampleId` in runs
 * written before the column was renamed; one row per example).
 * @returns null when the run has no examples.csv.
 * @throws FileFormatError if a row's exampleId or label is not an integer in range.
 */
export function readRunExamples(runDir: string, nExamples: number): RunExamples | null {
  const file = path.join(runDir, EXAMPLES_FILE);
  if (!fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim());
  const idColumn = header.findIndex((h) => EXAMPLE_ID_COLUMNS.includes(h));
  const labelColumn = header.indexOf("label");
  const nameColumn = header.indexOf("name");
  if (idColumn < 0 || labelColumn < 0) throw new FileFormatError(file, `expected a header with one of ${EXAMPLE_ID_COLUMNS.join(", ")} and label, got ${describeValue(lines[0])}`);
  const labels = new Int32Array(nExamples).fill(-1);
  const names = new Array<string>(nExamples).fill("");
  for (let row = 1; row < lines.length; row++) {
    if (lines[row] === "") continue;
    const cells = splitCsvLine(lines[row]);
    const id = Number(cells[idColumn]);
    const label = Number(cells[labelColumn]);
    if (!Number.isInteger(id) || id < 0 || id >= nExamples || !Number.isInteger(label)) {
      throw new FileFormatError(file, `row ${row + 1}: expected an exampleId in [0, ${nExamples}) and an integer label, got ${describeValue(lines[row])}`);
    }
    labels[id] = label;
    if (nameColumn >= 0) names[id] = cells[nameColumn] ?? "";
  }
  const missing = labels.indexOf(-1);
  if (missing >= 0) throw new FileFormatError(file, `expected a row for each of ${nExamples} examples, exampleId ${missing} has none`);
  return { labels, names };
}

/**
 * The run a single-run notebook shows: the given budget and seed when present, otherwise
 * the smallest seed of the largest budget.
 * @throws ValueError when the scan has no usable run.
 */
export function chooseRun(scan: ExperimentScan, options: { budget?: number; seed?: number } = {}): ScannedRun {
  if (scan.budgets.length === 0) {
    throw new ValueError(`chooseRun: expected a usable run in ${scan.experimentDir}, got none (${scan.leftOut.length} left out); run \`forgetting study\` or a sweep first`);
  }
  const budget = scan.budgets.find((b) => b.budget === options.budget) ?? scan.budgets[scan.budgets.length - 1];
  return budget.runs.find((r) => r.seed === options.seed) ?? budget.runs[0];
}

/** scanExperiment of `experimentDir`, or null when the folder does not exist yet. */
export function scanIfPresent(experimentDir: string): ExperimentScan | null {
  return fs.existsSync(experimentDir) ? scanExperiment(experimentDir) : null;
}
