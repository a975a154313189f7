/**
 * Two `forgetting sweep` processes started together on one experiment (a fresh digits grid
 * of 2 budgets x 2 seeds each time), 20 times: every planned run is trained exactly once.
 * Both sweeps append their workers' output to <experiment>/.sweep/logs/<runId>.log, where
 * train() prints one line per epoch it trains, so a run trained twice (at once or one after
 * the other) shows more epoch lines than its budget.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { planRuns } from "../../src/config/experiment";
import { readExperimentConfig } from "../../src/runs/experiment";
import { readManifest } from "../../src/runs/manifest";
import { listRunFolders, readLog } from "../../src/runs/scan";
import { makeTempDir } from "../analysis/fakeRuns";
import { skipIfMissing } from "../requirements";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "forgetting.js");
const RACES = 20;
/** Races run at once (each on its own experiment): the processes spend much of their time loading. */
const AT_ONCE = 4;

const distMissing = (): string | undefined =>
  fs.existsSync(path.join(ROOT, "dist", "cli.js")) ? undefined : "dist/ is not built: run `npm run build` (npm test builds it before the tests)";

function sweepProcess(outputs: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [BIN, "sweep", "race", "--outputs", outputs, "--budgets", "1,2", "--seeds", "2", "--preset", "digits", "--base-json", '{"batchSize":256}', "--workers", "1"];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface RaceOutcome {
  trainedTwice: string[];
  notCompleted: string[];
  /** Workers that found the lock taken at their start (exit RUN_LOCKED_EXIT). */
  lostAtStart: number;
  /** Runs a sweep counted as locked elsewhere: skipped at its look at the lock, or lost at the worker's start. */
  lockedElsewhere: number;
}

async function race(): Promise<RaceOutcome> {
  const outputs = makeTempDir("sweep-race-");
  try {
    const results = await Promise.all([sweepProcess(outputs), sweepProcess(outputs)]);
    let lockedElsewhere = 0;
    for (const { code, stdout, stderr } of results) {
      assert.equal(code, 0, `a sweep failed:\n${stdout}\n${stderr}`);
      const summary = /completed now: \d+; already done: \d+; locked by another process: (\d+); failed: 0/.exec(stdout);
      assert.ok(summary, stdout);
      lockedElsewhere += Number(summary[1]);
    }
    const dir = path.join(outputs, "race");
    const plan = planRuns(readExperimentConfig(dir));
    assert.deepEqual(listRunFolders(dir).sort(), plan.map((r) => r.runId).sort(), "one run folder per planned run");
    const outcome: RaceOutcome = { trainedTwice: [], notCompleted: [], lostAtStart: 0, lockedElsewhere };
    for (const run of plan) {
      const runDir = path.join(dir, run.runId);
      const manifest = readManifest(runDir);
      if (manifest.status !== "completed" || manifest.epochsCompleted !== run.budget || readLog(runDir).length !== run.budget) outcome.notCompleted.push(run.runId);
      const log = fs.readFileSync(path.join(dir, ".sweep", "logs", `${run.runId}.log`), "utf8").trim().split("\n");
      if (log.filter((line) => /^epoch \d+\/\d+ /.test(line)).length !== run.budget) outcome.trainedTwice.push(run.runId);
      outcome.lostAtStart += log.filter((line) => /^run .* is being trained by another process \(pid \d+@/.test(line)).length;
      // A lost race is one line, no stack trace; every other line is an epoch line.
      assert.deepEqual(log.filter((line) => !/^epoch \d+\/\d+ |^run .* is being trained by another process/.test(line)), [], log.join("\n"));
    }
    assert.deepEqual(fs.readdirSync(path.join(dir, ".sweep", "locks")), [], "every lock released");
    return outcome;
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
}

test(`two forgetting sweep processes raced on one experiment ${RACES} times train every run exactly once`, async (t) => {
  if (skipIfMissing(t, distMissing())) return;
  const started = Date.now();
  const outcomes: RaceOutcome[] = [];
  for (let i = 0; i < RACES; i += AT_ONCE) outcomes.push(...(await Promise.all(Array.from({ length: Math.min(AT_ONCE, RACES - i) }, race))));
  const sum = (f: (o: RaceOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  console.log(
    `races ${outcomes.length}, runs trained twice ${sum((o) => o.trainedTwice.length)}, runs not completed ${sum((o) => o.notCompleted.length)}; ` +
      `workers that lost the lock at their start ${sum((o) => o.lostAtStart)}, runs a sweep skipped as locked ${sum((o) => o.lockedElsewhere - o.lostAtStart)}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.deepEqual(outcomes.flatMap((o) => o.trainedTwice), []);
  assert.deepEqual(outcomes.flatMap((o) => o.notCompleted), []);
});
