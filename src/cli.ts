/**
 * The command-line interface: every operation of the library without Jupyter.
 * Each command lives in src/cli/<name>.ts; this file only dispatches.
 */
import { ValueError, FileFormatError, describeSystemError } from "./core/errors";
import { type CliCommand, commandHelp, parseArgs } from "./cli/args";
import { command as setupCommand } from "./cli/setup";
import { command as doctorCommand } from "./cli/doctor";
import { command as studyCommand } from "./cli/study";
import { command as notebooksCommand } from "./cli/notebooks";
import { command as dataCommand } from "./cli/data";
import { command as trainCommand } from "./cli/train";
import { command as sweepCommand } from "./cli/sweep";
import { command as statusCommand } from "./cli/status";
import { command as analyzeCommand } from "./cli/analyze";
import { command as exportCommand } from "./cli/export";
import { command as removalCommand } from "./cli/removal";
import { command as noiseCommand } from "./cli/noise";
import { command as slurmTaskCommand } from "./cli/slurmTask";
import { RESUMABLE_EXIT_CODE, StoppedError } from "./train/stop";

const PROGRAM = "forgetting";

/** Commands in the order they are listed in --help. */
const COMMANDS: CliCommand[] = [setupCommand, doctorCommand, studyCommand, notebooksCommand, dataCommand, trainCommand, sweepCommand, statusCommand, analyzeCommand, exportCommand, removalCommand, noiseCommand, slurmTaskCommand];

function programHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  return [
    `Usage: ${PROGRAM} <command> [options]      (${PROGRAM} <command> --help for its options)`,
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(programHelp());
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`${PROGRAM}: unknown command "${name}"; valid commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
    return 2;
  }
  try {
    const { options, positionals, help } = parseArgs(command, rest);
    if (help) {
      console.log(commandHelp(PROGRAM, command));
      return 0;
    }
    await command.run(options, positionals);
    return 0;
  } catch (err) {
    // SIGTERM/SIGINT: the checkpoint is written; the exit code asks a batch system to requeue.
    if (err instanceof StoppedError) {
      console.error(`${PROGRAM} ${name}: ${err.message}; resume with: ${err.resumeCommand}`);
      return RESUMABLE_EXIT_CODE;
    }
    // Expected problems (bad options, bad files) get one clear line, not a stack trace.
    if (err instanceof ValueError || err instanceof FileFormatError) {
      console.error(`${PROGRAM} ${name}: ${err.message}`);
      return 2;
    }
    // A full disk, a read-only folder, a path through a file: the environment, not a bug.
    const systemError = describeSystemError(err);
    if (systemError) {
      console.error(`${PROGRAM} ${name}: ${systemError}`);
      return 2;
    }
    throw err;
  }
}
