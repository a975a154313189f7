/**
 * A small, strict command-line parser. Each command declares its options with a type,
 * a default and help text; `--key=value` and `--key value` are accepted, kebab-case only.
 * An unknown option, a missing value or a wrong type is an error that lists what is valid.
 */
import { ValueError, describeValue } from "../core/errors";
import { type ParsedValue, type ValueRules, type ValueType, parseValue } from "../core/values";

/** An option's value type, parsed by core/values; `choices` and `min` are checked there too. */
export interface OptionSpec extends ValueRules {
  type: ValueType;
  help: string;
  /** Shown in --help and used when the option is absent. */
  default?: ParsedValue;
  required?: boolean;
}

export type ParsedOptions = Record<string, ParsedValue | undefined>;

export interface CliCommand {
  name: string;
  summary: string;
  /** Positional arguments, shown in usage, e.g. ["<name>"]. */
  positionals?: string[];
  options: Record<string, OptionSpec>;
  run(options: ParsedOptions, positionals: string[]): Promise<void>;
}

/** The one positional argument of a command that takes exactly one (an experiment or study name). */
export function onePositional(who: string, what: string, positionals: string[]): string {
  const [name] = positionals;
  if (!name || positionals.length > 1) throw new ValueError(`${who}: expected one ${what}, got ${describeValue(positionals)}`);
  return name;
}

/** Parses argv (after the command name) against the command's option specs. */
export function parseArgs(command: CliCommand, argv: string[]): { options: ParsedOptions; positionals: string[]; help: boolean } {
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = command.options[key];
    if (!spec) {
      const valid = Object.keys(command.options).map((k) => `--${k}`).join(", ") || "(none)";
      throw new ValueError(`${command.name}: unknown option --${key}; valid options: ${valid}`);
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.type === "boolean" && (i + 1 >= argv.length || argv[i + 1].startsWith("--"))) raw = "true";
    else if (i + 1 < argv.length) raw = argv[++i];
    else throw new ValueError(`${command.name} --${key}: expected a value after the option`);
    options[key] = parseValue(`${command.name} --${key}`, spec.type, raw, spec);
  }
  for (const [key, spec] of Object.entries(command.options)) {
    if (options[key] === undefined) {
      if (spec.required && !help) throw new ValueError(`${command.name}: option --${key} is required (${spec.help})`);
      options[key] = spec.default;
    }
  }
  return { options, positionals, help };
}

/** The --help text of one command. */
export function commandHelp(program: string, command: CliCommand): string {
  const lines = [`Usage: ${program} ${command.name} ${(command.positionals ?? []).join(" ")} [options]`.replace(/\s+/g, " ").trim(), "", command.summary, ""];
  const entries = Object.entries(command.options);
  if (entries.length) lines.push("Options:");
  const width = Math.max(20, ...entries.map(([key]) => key.length + 1));
  for (const [key, spec] of entries) {
    const choices = spec.choices ? ` (one of: ${spec.choices.join(", ")})` : "";
    const def = spec.default !== undefined ? ` [default: ${Array.isArray(spec.default) ? spec.default.join(",") : spec.default}]` : spec.required ? " [required]" : "";
    lines.push(`  --${key.padEnd(width)} ${spec.help}${choices}${def}`);
  }
  lines.push(`  --${"help".padEnd(width)} show this help`);
  return lines.join("\n");
}
