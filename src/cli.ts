/**
 * The command-line interface: every operation of the library without Jupyter.
 * Each command lives in src/cli/<name>.ts; this file only dispatches.
 */
import { ValueError, FileFormatError } from "./core/errors";
import { type CliCommand, commandHelp, parseArgs } from "./cli/args";

const PROGRAM = "forgetting";

/** Commands in the order they are listed in --help. */
function loadCommands(): CliCommand[] {
  return [
    // Each entry: require("./cli/<name>").command. Lazy so that `--help` stays fast.
    require("./cli/setup").command,
    require("./cli/doctor").command,
    require("./cli/study").command,
    require("./cli/notebooks").command,
    require("./cli/data").command,
    require("./cli/train").command,
    require("./cli/sweep").command,
    require("./cli/status").command,
    require("./cli/analyze").command,
    require("./cli/export").command,
    require("./cli/removal").command,
    require("./cli/noise").command,
  ];
}

function programHelp(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    `Usage: ${PROGRAM} <command> [options]      (${PROGRAM} <command> --help for its options)`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const commands = loadCommands();
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(programHelp(commands));
    return name ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`${PROGRAM}: unknown command "${name}"; valid commands: ${commands.map((c) => c.name).join(", ")}`);
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
    // Expected problems (bad options, bad files) get one clear line, not a stack trace.
    if (err instanceof ValueError || err instanceof FileFormatError) {
      console.error(`${PROGRAM} ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
