/**
 * The Slurm executor: the runs of an experiment grid that need work go to Slurm as ONE job
 * array (one task per budget x seed x variant), and the command returns at once.
 *
 * Every submission is a folder <experiment>/.sweep/slurm/<submission>/:
 *
 *   submit.sh        the sbatch script (inspectable; `sbatch submit.sh` resubmits it by hand:
 *                    the task of a run already completed returns at once)
 *   tasks.json       array task index -> run id and its job file (SlurmTaskMap)
 *   jobs/<run>.json  each run's job (its resolved config): jobs travel in files, never argv/env
 *   submission.json  the job id (from `sbatch --parsable`), the job name, the tasks
 *   logs/<job>_<task>.log  each task's output (appended across requeues)
 *
 * A run is submitted only when it is neither completed on disk nor in Slurm's queue
 * (squeue; sacct adds the end state of tasks that left the queue when accounting exists).
 * The queue is matched against the submissions recorded here, so a run is never
 * submitted twice, with or without accounting.
 *
 * Each task runs `forgetting slurm-task <submission>` (src/cli/slurmTask.ts): the project's
 * own train() on the run of SLURM_ARRAY_TASK_ID, resuming what was started. Slurm sets
 * CUDA_VISIBLE_DEVICES for --gpus-per-task; the script leaves it alone. Before the time
 * limit Slurm sends SIGUSR1 to the script (--signal=B:USR1@...), which sends SIGTERM to the
 * training process; a process that stopped to be requeued exits RESUMABLE_EXIT_CODE and the
 * script requeues its own task (--requeue), which then resumes from the checkpoint. USR1,
 * not TERM: scancel also sends TERM, and a cancelled task must not requeue itself.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeDirectory, writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import { FileFormatError, ValueError, describeValue } from "../core/errors";
import { projectRoot } from "../core/paths";
import { SWEEP_DIR, readLiveLock } from "../runs/lock";
import { RESUMABLE_EXIT_CODE } from "../train/stop";
import { planSweepWork } from "./workPlan";
import { writeWorkerJob } from "./worker";

/** The folder of an experiment's Slurm submissions, under its SWEEP_DIR. */
const SLURM_DIR = "slurm";

/** What every task of a submission asks of Slurm; unset fields are left to the cluster's defaults. */
export interface SlurmResources {
  partition?: string;
  account?: string;
  /** GPUs of each task (Slurm sets the task's CUDA_VISIBLE_DEVICES). */
  gpusPerTask?: number;
  cpusPerTask?: number;
  /** Memory per node as sbatch --mem takes it, e.g. "32G". */
  mem?: string;
  /** Time limit as given, e.g. "2-00:00:00", and in seconds. */
  time?: { text: string; seconds: number };
  /** Further sbatch options, each written as one #SBATCH line, e.g. ["--qos=long"]. */
  sbatchArgs: string[];
}

/** The raw values of the command-line options, before checkSlurmResources. */
export interface SlurmResourceOptions {
  partition?: string;
  account?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  mem?: string;
  time?: string;
  /** One string of sbatch options separated by spaces, e.g. "--qos=long --constraint=a5000". */
  sbatchArg?: string;
}

/** sbatch options the executor writes itself; --sbatch-arg must not set them. */
const MANAGED_SBATCH_OPTIONS = ["--array", "--output", "--error", "--open-mode", "--job-name", "--requeue", "--no-requeue", "--signal", "--parsable", "--wrap", "--dependency", "--ntasks"];

/**
 * A Slurm time limit in seconds. Slurm's forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
 * @throws ValueError naming `who` for any other text or a zero limit.
 */
export function parseSlurmTime(who: string, text: string): number {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text.trim());
  const bad = () => new ValueError(`${who}: expected a time limit like D-HH:MM:SS, HH:MM:SS or minutes (e.g. 2-00:00:00), got ${describeValue(text)}`);
  if (!match) throw bad();
  const [, d, a, b, c] = match;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  let seconds: number;
  if (d !== undefined) seconds = n(d) * 86400 + n(a) * 3600 + n(b) * 60 + n(c); // D-H[:M[:S]]
  else if (c !== undefined) seconds = n(a) * 3600 + n(b) * 60 + n(c); // H:M:S
  else seconds = n(a) * 60 + n(b); // M[:S]
  const hoursOfDay = d !== undefined && Number(a) >= 24;
  if (hoursOfDay || [b, c].some((part) => part !== undefined && Number(part) >= 60) || seconds <= 0) throw bad();
  return seconds;
}

/**
 * Checks the resource options once, at the edge.
 * @param who prefix of error messages, e.g. "sweep".
 * @throws ValueError naming the option, what was expected and what arrived.
 */
export function checkSlurmResources(who: string, options: SlurmResourceOptions): SlurmResources {
  const name = /^[A-Za-z0-9_.,-]+$/;
  for (const [flag, value] of [
    ["--partition", options.partition],
    ["--account", options.account],
  ] as const) {
    if (value !== undefined && !name.test(value)) throw new ValueError(`${who} ${flag}: expected a Slurm name (letters, digits, "_", ".", "-", "," only), got ${describeValue(value)}`);
  }
  for (const [flag, value] of [
    ["--gpus-per-task", options.gpusPerTask],
    ["--cpus-per-task", options.cpusPerTask],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ValueError(`${who} ${flag}: expected an integer >= 1, got ${describeValue(value)}`);
  }
  if (options.mem !== undefined && !/^\d+[KMGT]?$/i.test(options.mem)) throw new ValueError(`${who} --mem: expected a size like 32G, 500M or 16000 (megabytes), got ${describeValue(options.mem)}`);
  const sbatchArgs = options.sbatchArg === undefined ? [] : options.sbatchArg.trim().split(/\s+/).filter(Boolean);
  for (const arg of sbatchArgs) {
    if (!/^--?[A-Za-z]/.test(arg) || /["'`$\\;|&<>]/.test(arg)) {
      throw new ValueError(`${who} --sbatch-arg: expected sbatch options separated by spaces, each starting with "-" and without quotes or shell characters, got ${describeValue(arg)}`);
    }
    const optionName = arg.split("=")[0];
    if (MANAGED_SBATCH_OPTIONS.includes(optionName)) throw new ValueError(`${who} --sbatch-arg: ${optionName} is set by the executor itself (one of ${MANAGED_SBATCH_OPTIONS.join(", ")}), got ${describeValue(arg)}`);
  }
  const time = options.time === undefined ? undefined : parseSlurmTime(`${who} --time`, options.time);
  // The task is signalled to checkpoint that long before its limit; a shorter limit would requeue it before any progress.
  if (time !== undefined && time < 2 * MIN_SIGNAL_LEAD_SECONDS) {
    throw new ValueError(`${who} --time: expected a time limit of at least ${(2 * MIN_SIGNAL_LEAD_SECONDS) / 60} minutes (the task is signalled ${MIN_SIGNAL_LEAD_SECONDS / 60} minutes before it to checkpoint), got ${describeValue(options.time)}`);
  }
  return {
    ...(options.partition !== undefined ? { partition: options.partition } : {}),
    ...(options.account !== undefined ? { account: options.account } : {}),
    ...(options.gpusPerTask !== undefined ? { gpusPerTask: options.gpusPerTask } : {}),
    ...(options.cpusPerTask !== undefined ? { cpusPerTask: options.cpusPerTask } : {}),
    ...(options.mem !== undefined ? { mem: options.mem } : {}),
    ...(time !== undefined ? { time: { text: options.time!, seconds: time } } : {}),
    sbatchArgs,
  };
}

/** One array task of a submission: what tasks.json maps its index to. */
export interface SlurmTask {
  /** SLURM_ARRAY_TASK_ID. */
  index: number;
  runId: string;
  /** The run's job file (absolute path). */
  jobFile: string;
}

/** tasks.json of a submission. */
interface SlurmTaskMap {
  tasks: SlurmTask[];
}

/** submission.json: what was submitted and, once sbatch answered, its job id. */
export interface SlurmSubmission {
  /** The submission folder's name. */
  name: string;
  /** "train": a job array of runs; "study": the dependent job that continues a study. */
  kind: "train" | "study";
  /** The Slurm job name, unique to the submission (how a job whose id was never recorded is found). */
  jobName: string;
  /** The (array) job id; null until sbatch answered. */
  jobId: string | null;
  submittedAt: string;
  /** The array tasks (none for a study job). */
  tasks: { index: number; runId: string }[];
  /** The jobs a study job waits for (afterok). */
  dependsOn?: string[];
}

/** One job or array task as squeue lists it. */
interface QueuedTask {
  /** PENDING, RUNNING, REQUEUED, COMPLETING, ... */
  state: string;
  /** Why a pending task waits, e.g. "BeginTime", "Resources", "DependencyNeverSatisfied"; "None" when running. */
  reason: string;
}

/** Slurm's queue as this user sees it, or why it cannot be read. */
export type SlurmQueue =
  | { available: true; /** By "<array job id>_<task>" (array tasks) or "<job id>" (single jobs). */ tasks: Map<string, QueuedTask>; /** Job ids by job name. */ jobNames: Map<string, string> }
  | { available: false; reason: string };

/** States of jobs that have left the queue for good (squeue still lists them for MinJobAge). */
const FINISHED_STATES = ["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY"];

function isActive(task: QueuedTask | undefined): boolean {
  return task !== undefined && !FINISHED_STATES.some((s) => task.state.startsWith(s));
}

/** Runs a Slurm client command; null when it is not on PATH. */
function runSlurmCommand(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } | null {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";

/** Reads this user's jobs from squeue, one line per array task (-r). */
export function readSlurmQueue(): SlurmQueue {
  const result = runSlurmCommand("squeue", ["--me", "--noheader", "--array", "--format=%F|%K|%T|%r|%j"]);
  if (!result) return { available: false, reason: "squeue is not on PATH (no Slurm client here)" };
  if (result.status !== 0) return { available: false, reason: `squeue failed (exit ${result.status}): ${firstLine(result.stderr)}` };
  const tasks = new Map<string, QueuedTask>();
  const jobNames = new Map<string, string>();
  for (const line of result.stdout.split("\n")) {
    const [jobId, taskId, state, reason, ...name] = line.trim().split("|");
    if (!jobId || !state) continue;
    tasks.set(/^\d+$/.test(taskId) ? `${jobId}_${taskId}` : jobId, { state, reason: reason ?? "" });
    jobNames.set(name.join("|"), jobId);
  }
  return { available: true, tasks, jobNames };
}

/**
 * End states (COMPLETED, FAILED, TIMEOUT, ...) of array tasks from sacct, by "<job>_<task>";
 * empty when accounting is off (AccountingStorageType=none) or sacct is absent.
 */
function readAccountingStates(jobIds: string[]): Map<string, string> {
  const states = new Map<string, string>();
  if (jobIds.length === 0) return states;
  const result = runSlurmCommand("sacct", ["--noheader", "--parsable2", "--allocations", `--jobs=${jobIds.join(",")}`, "--format=JobID,State"]);
  if (!result || result.status !== 0) return states;
  for (const line of result.stdout.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && state) states.set(id, state.split(" ")[0]);
  }
  return states;
}

/**
 * The queue, read to check that Slurm's client commands are here and answer.
 * @throws ValueError with squeue's reason when they are not.
 */
export function checkSlurmClient(who: string): SlurmQueue & { available: true } {
  const queue = readSlurmQueue();
  if (!queue.available) throw new ValueError(`${who}: expected Slurm's client commands (the Slurm executor asks squeue what is queued), got: ${queue.reason}`);
  return queue;
}

const slurmDir = (experimentDir: string) => path.join(experimentDir, SWEEP_DIR, SLURM_DIR);

/**
 * The submissions recorded for an experiment, oldest first. A submission whose job id was
 * never recorded (the process died between sbatch and the record) gets it from the queue
 * by its job name when `queue` is given.
 * @throws FileFormatError for an unreadable submission.json.
 */
export function readSlurmSubmissions(experimentDir: string, queue?: SlurmQueue): SlurmSubmission[] {
  const dir = slurmDir(path.resolve(experimentDir));
  if (!fs.existsSync(dir)) return [];
  const submissions: SlurmSubmission[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name, "submission.json");
    if (!fs.existsSync(file)) continue;
    let submission: SlurmSubmission;
    try {
      submission = JSON.parse(fs.readFileSync(file, "utf8")) as SlurmSubmission;
    } catch (err) {
      throw new FileFormatError(file, `expected a submission record (JSON), got ${(err as Error).message}`);
    }
    if (submission.jobId === null && queue?.available) {
      const adopted = queue.jobNames.get(submission.jobName);
      if (adopted) {
        submission = { ...submission, jobId: adopted };
        writeJsonAtomic(file, submission);
      }
    }
    submissions.push(submission);
  }
  return submissions;
}

/** A run's latest Slurm task and what Slurm says of it. */
export interface SlurmRunState {
  /** "<array job id>_<task>", or "(not recorded)" when sbatch's answer was lost. */
  task: string;
  /** The queue state (PENDING, RUNNING, REQUEUED, ...), sacct's end state, or null when neither knows it. */
  state: string | null;
  /** Why a pending task waits (squeue's reason). */
  reason?: string;
  /** True while the task is pending or running in Slurm. */
  active: boolean;
}

/**
 * The Slurm state of each run of the experiment that was ever submitted, by run id (its
 * latest submission wins).
 */
export function slurmRunStates(experimentDir: string, queue: SlurmQueue): Map<string, SlurmRunState> {
  const submissions = readSlurmSubmissions(experimentDir, queue).filter((s) => s.kind === "train");
  const accounting = queue.available ? readAccountingStates(submissions.flatMap((s) => (s.jobId ? [s.jobId] : []))) : new Map<string, string>();
  const states = new Map<string, SlurmRunState>();
  for (const submission of submissions) {
    for (const { index, runId } of submission.tasks) {
      const task = submission.jobId ? `${submission.jobId}_${index}` : "(not recorded)";
      const queued = queue.available ? queue.tasks.get(task) : undefined;
      const state = queued?.state ?? accounting.get(task) ?? null;
      states.set(runId, { task, state, ...(queued && queued.reason !== "None" ? { reason: queued.reason } : {}), active: isActive(queued) });
    }
  }
  return states;
}

/** One line of a run's Slurm state for `status`: "1234_5 PENDING (BeginTime)", "1234_5 submitted, not in queue". */
export function describeSlurmRunState(s: SlurmRunState | undefined): string {
  if (!s) return "-";
  if (s.state === null) return `${s.task} submitted, not in queue`;
  return `${s.task} ${s.state}${s.reason ? ` (${s.reason})` : ""}`;
}

/** Single-quotes a word for bash. */
const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The #SBATCH lines of the resources. */
function resourceLines(resources: SlurmResources, withGpus: boolean): string[] {
  return [
    ...(resources.partition ? [`--partition=${resources.partition}`] : []),
    ...(resources.account ? [`--account=${resources.account}`] : []),
    ...(withGpus && resources.gpusPerTask ? [`--gpus-per-task=${resources.gpusPerTask}`] : []),
    ...(resources.cpusPerTask ? [`--cpus-per-task=${resources.cpusPerTask}`] : []),
    ...(resources.mem ? [`--mem=${resources.mem}`] : []),
    ...(resources.time ? [`--time=${resources.time.text}`] : []),
    ...resources.sbatchArgs,
  ].map((option) => `#SBATCH ${option}`);
}

/**
 * Seconds before the time limit at which Slurm signals the script (--signal): a tenth of
 * the limit, from 2 to 5 minutes. Slurm checks time limits about once a minute and may
 * signal up to a minute early; a lead shorter than that check can miss the signal entirely.
 */
function signalLeadSeconds(timeSeconds: number | undefined): number {
  return timeSeconds === undefined ? MAX_SIGNAL_LEAD_SECONDS : Math.min(MAX_SIGNAL_LEAD_SECONDS, Math.max(MIN_SIGNAL_LEAD_SECONDS, Math.floor(timeSeconds / 10)));
}
const MIN_SIGNAL_LEAD_SECONDS = 120;
const MAX_SIGNAL_LEAD_SECONDS = 300;

/**
 * The place in every script where the GPU runtime goes on the loader path: the submitting
 * shell's LD_LIBRARY_PATH, written out so that a resubmission by hand gets it too.
 */
function gpuRuntimeLines(): string[] {
  const submitted = process.env.LD_LIBRARY_PATH;
  return [
    "# GPU runtime for @tensorflow/tfjs-node-gpu (libtensorflow 2.9.1): CUDA 11.2 and cuDNN 8.1",
    '# libraries on the loader path (README, "Running on a cluster"). The LD_LIBRARY_PATH of the',
    "# shell that submitted is written here; add yours below, e.g.:",
    "#   module load cuda/11.2 cudnn/8.1",
    '#   export LD_LIBRARY_PATH="$HOME/cuda11/lib:${LD_LIBRARY_PATH:-}"',
    "# Slurm sets CUDA_VISIBLE_DEVICES for --gpus-per-task; do not set it here.",
    submitted ? `export LD_LIBRARY_PATH=${shellQuote(submitted)}` : "# (LD_LIBRARY_PATH was not set at submission)",
  ];
}

/** Paths go into #SBATCH lines, which take no quoting. */
function checkScriptPath(who: string, dir: string): void {
  if (/[\s"'$`\\%]/.test(dir)) throw new ValueError(`${who}: expected an experiment folder path without spaces, quotes, "$", "%" or backslashes (it goes into #SBATCH lines), got ${describeValue(dir)}`);
}

/** The sbatch script of a training array. */
function trainScript(experimentDir: string, submissionDir: string, jobName: string, taskCount: number, resources: SlurmResources): string {
  const forgetting = path.join(projectRoot(), "bin", "forgetting.js");
  return [
    "#!/bin/bash",
    `# Written by \`forgetting sweep --executor slurm\`: one array task per run of ${experimentDir}`,
    "# (tasks.json maps SLURM_ARRAY_TASK_ID to its run). Resubmit by hand with `sbatch submit.sh`:",
    "# a task whose run is completed returns at once, an unfinished one resumes.",
    `#SBATCH --job-name=${jobName}`,
    `#SBATCH --array=0-${taskCount - 1}`,
    "#SBATCH --ntasks=1",
    `#SBATCH --output=${submissionDir}/logs/%A_%a.log`,
    `#SBATCH --error=${submissionDir}/logs/%A_%a.log`,
    "#SBATCH --open-mode=append",
    "#SBATCH --requeue",
    `#SBATCH --signal=B:USR1@${signalLeadSeconds(resources.time?.seconds)}`,
    ...resourceLines(resources, true),
    "set -u",
    "",
    ...gpuRuntimeLines(),
    "",
    `NODE=${shellQuote(process.execPath)}`,
    `FORGETTING=${shellQuote(forgetting)}`,
    `SUBMISSION=${shellQuote(submissionDir)}`,
    'TASK="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    'echo "== task $TASK (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ); CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset}"',
    "# What this node can run (backend, GPU, CUDA/cuDNN found), once per task, into this log.",
    'if [ "${SLURM_RESTART_COUNT:-0}" = 0 ]; then "$NODE" "$FORGETTING" doctor || true; fi',
    "",
    "# Training runs in the background so that signals reach this script. Either way training",
    "# gets SIGTERM: it finishes its step, writes a checkpoint and exits " + RESUMABLE_EXIT_CODE + ".",
    "# - USR1 (--signal, before the time limit): this script then requeues its own task.",
    "# - TERM/INT (scancel, an admin's requeue, preemption): Slurm itself decides what follows;",
    "#   a cancelled task stays cancelled.",
    '"$NODE" "$FORGETTING" slurm-task "$SUBMISSION" &',
    "child=$!",
    "time_limit=",
    "trap 'time_limit=1; kill -TERM \"$child\" 2>/dev/null' USR1",
    "trap 'kill -TERM \"$child\" 2>/dev/null' TERM INT",
    'wait "$child"',
    'while kill -0 "$child" 2>/dev/null; do wait "$child"; done',
    'wait "$child"; code=$?',
    "# " + RESUMABLE_EXIT_CODE + ": stopped at a checkpoint; 143: a training process without a TERM handler, killed",
    "# (it resumes from its last epoch's checkpoint).",
    `if [ -n "$time_limit" ] && { [ "$code" = ${RESUMABLE_EXIT_CODE} ] || [ "$code" = 143 ]; }; then`,
    '  echo "== task $TASK stopped before the time limit (exit $code); requeueing"',
    '  scontrol requeue "$TASK"',
    "fi",
    'echo "== task $TASK exit $code at $(date -u +%FT%TZ)"',
    'exit "$code"',
    "",
  ].join("\n");
}

/** What sbatch is run as (tests pass another SLURM_CONF through the environment, not here). */
function sbatch(who: string, script: string): string {
  const result = runSlurmCommand("sbatch", ["--parsable", script]);
  if (!result) throw new ValueError(`${who}: expected Slurm's sbatch on PATH (the Slurm executor submits with it), got none`);
  if (result.status !== 0) throw new ValueError(`${who}: sbatch refused ${script} (exit ${result.status}): ${firstLine(result.stderr)}`);
  // --parsable prints "<job id>" or "<job id>;<cluster>".
  const jobId = firstLine(result.stdout).split(";")[0];
  if (!/^\d+$/.test(jobId)) throw new ValueError(`${who}: expected sbatch --parsable to print a job id, got ${describeValue(result.stdout)}`);
  return jobId;
}

/** A new submission folder, named by the time (and a counter when two come in one second). */
function newSubmissionDir(experimentDir: string, kind: SlurmSubmission["kind"]): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  makeDirectory(slurmDir(experimentDir));
  for (let n = 0; ; n++) {
    const dir = path.join(slurmDir(experimentDir), `${stamp}-${kind}${n ? `-${n}` : ""}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/**
 * Writes the record, submits the script, records the job id. The record exists before
 * sbatch runs, so a job whose id is lost is still found (by its job name) and never submitted again.
 */
function submit(who: string, submissionDir: string, record: Omit<SlurmSubmission, "jobId" | "submittedAt">, script: string): SlurmSubmission {
  const scriptFile = path.join(submissionDir, "submit.sh");
  writeFileAtomic(scriptFile, script);
  fs.chmodSync(scriptFile, 0o755);
  const recordFile = path.join(submissionDir, "submission.json");
  const pending: SlurmSubmission = { ...record, jobId: null, submittedAt: new Date().toISOString() };
  writeJsonAtomic(recordFile, pending);
  let jobId: string;
  try {
    jobId = sbatch(who, scriptFile);
  } catch (err) {
    fs.rmSync(submissionDir, { recursive: true, force: true });
    throw err;
  }
  const submitted = { ...pending, jobId };
  writeJsonAtomic(recordFile, submitted);
  return submitted;
}

/**
 * Holds the experiment's submission lock while `body` runs, so two submitting commands never
 * both submit a run. proper-lockfile is loaded here, not at the top: loading it installs
 * signal-exit's SIGTERM listener, and a listener cannot run while training holds the event
 * loop, so a training process that loaded it (a Slurm task) would ignore Slurm's SIGTERM.
 */
async function withSubmissionLock<T>(who: string, experimentDir: string, body: () => T): Promise<T> {
  const lockfile = await import("proper-lockfile");
  const dir = slurmDir(experimentDir);
  makeDirectory(dir);
  let release: () => void;
  try {
    release = lockfile.lockSync(dir, { realpath: false, stale: 60_000 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOCKED") throw new ValueError(`${who}: another command is submitting runs of ${experimentDir} right now; try again in a minute`);
    throw err;
  }
  try {
    return body();
  } finally {
    release();
  }
}

/** What submitSlurmSweep did. */
export interface SlurmSweepResult {
  /** The new submission; null when nothing needed submitting. */
  submission: SlurmSubmission | null;
  /** Its folder (script, task map, logs); null with no submission. */
  submissionDir: string | null;
  /** Runs completed on disk. */
  completed: string[];
  /** Runs pending or running in Slurm from an earlier submission, with their task. */
  inQueue: { runId: string; task: string; state: string }[];
  /** Runs a live local process holds the lock of. */
  lockedElsewhere: string[];
}

/**
 * Submits one job array for the runs of the experiment at `experimentDir` that are neither
 * completed nor pending/running in Slurm, and returns without waiting.
 * @throws ValueError when Slurm's commands are missing or refuse; FileFormatError for a bad experiment.json.
 */
export async function submitSlurmSweep(experimentDir: string, resources: SlurmResources, who = "sweep"): Promise<SlurmSweepResult> {
  const dir = path.resolve(experimentDir);
  checkScriptPath(who, dir);
  return withSubmissionLock(who, dir, () => {
    const work = planSweepWork(dir);
    const queue = checkSlurmClient(who);
    const states = slurmRunStates(dir, queue);
    const result: SlurmSweepResult = { submission: null, submissionDir: null, completed: [], inQueue: [], lockedElsewhere: [] };
    const toSubmit = work.runs.filter((r) => {
      const inSlurm = states.get(r.runId);
      if (r.completed) result.completed.push(r.runId);
      else if (inSlurm?.active) result.inQueue.push({ runId: r.runId, task: inSlurm.task, state: inSlurm.state ?? "" });
      else if (readLiveLock(dir, r.runId)) result.lockedElsewhere.push(r.runId);
      else return true;
      return false;
    });
    if (toSubmit.length === 0) return result;

    const submissionDir = newSubmissionDir(dir, "train");
    const name = path.basename(submissionDir);
    makeDirectory(path.join(submissionDir, "logs"));
    const tasks: SlurmTask[] = toSubmit.map((r, index) => {
      const jobFile = path.join(submissionDir, "jobs", `${r.runId}.json`);
      writeWorkerJob(jobFile, { config: r.run.config, outputsRoot: path.dirname(dir), experiment: path.basename(dir), runId: r.runId });
      return { index, runId: r.runId, jobFile };
    });
    writeJsonAtomic(path.join(submissionDir, "tasks.json"), { tasks } satisfies SlurmTaskMap);
    const jobName = `forgetting-${work.experiment.name}-${name}`;
    const script = trainScript(dir, submissionDir, jobName, tasks.length, resources);
    const submission = submit(who, submissionDir, { name, kind: "train", jobName, tasks: tasks.map(({ index, runId }) => ({ index, runId })) }, script);
    return { ...result, submission, submissionDir };
  });
}

/**
 * The job file of one array task, from its submission's tasks.json.
 * @throws ValueError when the task index is not in the map.
 */
export function slurmTaskJob(submissionDir: string, taskIndex: number): SlurmTask {
  const file = path.join(submissionDir, "tasks.json");
  let map: SlurmTaskMap;
  try {
    map = JSON.parse(fs.readFileSync(file, "utf8")) as SlurmTaskMap;
  } catch (err) {
    throw new FileFormatError(file, `expected the task map of a Slurm submission, got ${(err as Error).message}`);
  }
  const task = map.tasks.find((t) => t.index === taskIndex);
  if (!task) throw new ValueError(`slurm-task: expected SLURM_ARRAY_TASK_ID to be one of 0..${map.tasks.length - 1} (${file}), got ${describeValue(taskIndex)}`);
  return task;
}

/** What submitSlurmStudyJob writes and submits. */
export interface SlurmStudyJob {
  /** The experiment whose .sweep/slurm holds the study job's record. */
  experimentDir: string;
  /** The jobs whose success the study job waits for. */
  dependsOn: string[];
  /** The study command's arguments after `forgetting` (the same command, given again by the job). */
  studyArgs: string[];
  /** The working folder of the command (relative paths in its arguments resolve from it). */
  cwd: string;
  resources: SlurmResources;
}

/**
 * Submits the job that continues a study once its training jobs succeeded
 * (--dependency=afterok: every task of each array must end COMPLETED). It runs the same
 * study command again; a pending study job submitted earlier is cancelled (the new one
 * waits for everything outstanding).
 * @returns the submission.
 */
export async function submitSlurmStudyJob(job: SlurmStudyJob, who = "study"): Promise<SlurmSubmission> {
  const dir = path.resolve(job.experimentDir);
  checkScriptPath(who, dir);
  return withSubmissionLock(who, dir, () => {
    const queue = readSlurmQueue();
    const ownJob = process.env.SLURM_JOB_ID;
    for (const earlier of readSlurmSubmissions(dir, queue).filter((s) => s.kind === "study" && s.jobId && s.jobId !== ownJob)) {
      const queued = queue.available ? queue.tasks.get(earlier.jobId!) : undefined;
      if (queued?.state === "PENDING") runSlurmCommand("scancel", [earlier.jobId!]);
    }
    const submissionDir = newSubmissionDir(dir, "study");
    const name = path.basename(submissionDir);
    const jobName = `forgetting-study-${path.basename(dir)}-${name}`;
    const forgetting = path.join(projectRoot(), "bin", "forgetting.js");
    const script = [
      "#!/bin/bash",
      "# Written by `forgetting study --executor slurm`: the same study command again, once the",
      "# training jobs it waits for all completed (afterok). It submits the next training, or",
      "# runs the analysis and the reports when every run is done.",
      `#SBATCH --job-name=${jobName}`,
      "#SBATCH --ntasks=1",
      `#SBATCH --dependency=afterok:${job.dependsOn.join(":")}`,
      `#SBATCH --output=${submissionDir}/study-%j.log`,
      `#SBATCH --error=${submissionDir}/study-%j.log`,
      ...resourceLines(job.resources, false),
      "set -u",
      `cd ${shellQuote(job.cwd)}`,
      `exec ${shellQuote(process.execPath)} ${shellQuote(forgetting)} ${job.studyArgs.map(shellQuote).join(" ")}`,
      "",
    ].join("\n");
    return submit(who, submissionDir, { name, kind: "study", jobName, tasks: [], dependsOn: job.dependsOn }, script);
  });
}
