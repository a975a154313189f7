/**
 * A small, strict command-line parser. Each command declares its options with a type,
 * a default and help text; `--key=value` and `--key value` are accepted, kebab-case only.
 * An unknown option, a missing value or a wrong type is an error that lists what is valid.
 *
 * A list or JSON option also takes `@path`: its value is then read from that file, so a list
 * of any length (30,000 removed exampleIds) passes no argv or environment size limit. A list
 * file holds one item a line (blank lines and `#` comments ignored) or a JSON array; a JSON
 * option's file holds the JSON. Mistakes name the option, the file and the line or item.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError, describeSystemError, describeValue } from "../core/errors";
import { type ParsedValue, type ValueRules, type ValueType, parseValue } from "../core/values";

/**
 * An option's value type: one of core/values (which checks `choices` and `min` too), or
 * "json-object": a JSON object (e.g. --base-json), checked here and given as its JSON text on
 * one line (so every option value stays a string, number, boolean or list).
 */
type OptionType = ValueType | "json-object";

export interface OptionSpec extends ValueRules {
  type: OptionType;
  help: string;
  /** Shown in --help and used when the option is absent. */
  default?: ParsedValue;
  required?: boolean;
}

export type ParsedOptions = Record<string, ParsedValue | undefined>;

/** The item type of each list type: what one line (or JSON item) of an `@path` list file is parsed as. */
const LIST_ITEM_TYPES: Partial<Record<OptionType, ValueType>> = { "integer-list": "integer", "number-list": "number", "string-list": "string" };

/** Types whose value may be `@path`: the lists and JSON. */
export const optionTakesFile = (type: OptionType): boolean => type === "json-object" || LIST_ITEM_TYPES[type] !== undefined;

/**
 * A JSON.parse message on one line: "at position 17" becomes the line and column it falls on,
 * and the excerpt of the text some messages quote (newlines and all) is dropped.
 */
function jsonErrorWhere(text: string, message: string): string {
  const oneLine = message.replace(/, ".*" is not valid JSON$/s, "");
  const position = /at position (\d+)/.exec(oneLine);
  if (!position) return oneLine;
  const before = text.slice(0, Number(position[1]));
  return `line ${before.split("\n").length} column ${before.length - before.lastIndexOf("\n")}: ${oneLine}`;
}

function parseJson(who: string, text: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValueError(`${who}: expected ${expected}, got a parse error: ${jsonErrorWhere(text, (err as Error).message)}`);
  }
}

/** The JSON text of an object, on one line; anything else is refused. */
function parseJsonObject(who: string, text: string): string {
  const value = parseJson(who, text, "a JSON object");
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ValueError(`${who}: expected a JSON object, got ${describeValue(value)}`);
  return JSON.stringify(value);
}

/** The object of a "json-object" option as parseArgs checked it, or undefined when absent. */
export function jsonObjectOption(options: ParsedOptions, key: string): Record<string, unknown> | undefined {
  const text = options[key];
  return typeof text === "string" ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

/** A list file: a JSON array (first non-blank character "[") or one item a line. */
function parseListFile(who: string, itemType: ValueType, text: string, rules: ValueRules): ParsedValue {
  if (text.trimStart().startsWith("[")) {
    const items = parseJson(who, text, "a JSON list");
    if (!Array.isArray(items)) throw new ValueError(`${who}: expected a JSON list, got ${describeValue(items)}`);
    const wanted = itemType === "string" ? "string" : "number";
    return items.map((item: unknown, index) => {
      const whoItem = `${who}: item ${index}`;
      if (typeof item !== wanted) throw new ValueError(`${whoItem}: expected ${itemType === "string" ? "a string" : itemType === "integer" ? "an integer" : "a finite number"}, got ${describeValue(item)}`);
      return parseValue(whoItem, itemType, String(item), rules);
    }) as ParsedValue;
  }
  const values: (string | number)[] = [];
  text.split("\n").forEach((line, index) => {
    const item = line.replace(/#.*/, "").trim();
    if (item) values.push(parseValue(`${who}: line ${index + 1}`, itemType, item, rules) as string | number);
  });
  return values as ParsedValue;
}

/**
 * One option's raw string as its type; `@path` for a list or JSON option reads the file
 * (relative to the working directory).
 * @param who the option as the user gave it, e.g. "train --remove-ids".
 */
function parseOptionValue(who: string, spec: OptionSpec, raw: string): ParsedValue {
  if (raw.startsWith("@") && optionTakesFile(spec.type)) {
    const file = raw.slice(1);
    const whoFile = `${who} ${raw}`;
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(file), "utf8");
    } catch (err) {
      throw new ValueError(`${whoFile}: ${describeSystemError(err) ?? (err as Error).message}`);
    }
    const itemType = LIST_ITEM_TYPES[spec.type];
    return itemType ? parseListFile(whoFile, itemType, text, spec) : parseJsonObject(whoFile, text);
  }
  return spec.type === "json-object" ? parseJsonObject(who, raw) : parseValue(who, spec.type, raw, spec);
}

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
    options[key] = parseOptionValue(`${command.name} --${key}`, spec, raw);
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
    const file = spec.type === "json-object" ? " (or @file holding the JSON)" : optionTakesFile(spec.type) ? " (or @file: one a line, or a JSON list)" : "";
    const def = spec.default !== undefined ? ` [default: ${Array.isArray(spec.default) ? spec.default.join(",") : spec.default}]` : spec.required ? " [required]" : "";
    lines.push(`  --${key.padEnd(width)} ${spec.help}${file}${choices}${def}`);
  }
  lines.push(`  --${"help".padEnd(width)} show this help`);
  return lines.join("\n");
}
