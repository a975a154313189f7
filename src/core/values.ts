/**
 * Raw strings (command-line values, train-config flags) parsed by type: the one parser behind
 * the CLI options and the `--<config-key>` flags of `forgetting train`. Every mistake is one
 * line `<who>: expected <what>, got <value>`.
 */
import { ValueError, describeValue } from "./errors";

/** The types a raw string can be parsed as; lists are comma-separated. */
export type ValueType = "string" | "number" | "integer" | "boolean" | "string-list" | "number-list" | "integer-list";

export type ParsedValue = string | number | boolean | string[] | number[];

/** Checks on top of the type. */
export interface ValueRules {
  /** Allowed values of a string, or of each item of a string list. */
  choices?: readonly string[];
  /** Smallest allowed value of a number or integer, or of each item of a number or integer list. */
  min?: number;
}

function parseNumber(who: string, raw: string, integer: boolean, min: number | undefined): number {
  const what = integer ? "an integer" : "a finite number";
  const n = Number(raw);
  if (integer ? !/^-?\d+$/.test(raw.trim()) : raw.trim() === "" || !Number.isFinite(n)) throw new ValueError(`${who}: expected ${what}, got ${describeValue(raw)}`);
  if (min !== undefined && n < min) throw new ValueError(`${who}: expected ${integer ? "an integer" : "a number"} >= ${min}, got ${describeValue(raw)}`);
  return n;
}

function checkChoice(who: string, raw: string, choices: readonly string[] | undefined, what: string): string {
  if (choices && !choices.includes(raw)) throw new ValueError(`${who}: expected ${what} ${choices.join(", ")}, got ${describeValue(raw)}`);
  return raw;
}

/**
 * Parses one raw string as `type`. Booleans are true/1/yes or false/0/no; lists are split at
 * commas, items trimmed, empty items dropped ("" is the empty list).
 * @param who prefix of error messages, e.g. "train --lr".
 * @throws ValueError for a value not of the type, not among `rules.choices` or below `rules.min`.
 */
export function parseValue(who: string, type: ValueType, raw: string, rules: ValueRules = {}): ParsedValue {
  const items = () => raw.split(",").map((s) => s.trim()).filter(Boolean);
  switch (type) {
    case "string":
      return checkChoice(who, raw, rules.choices, "one of");
    case "number":
    case "integer":
      return parseNumber(who, raw, type === "integer", rules.min);
    case "boolean":
      if (["true", "1", "yes"].includes(raw)) return true;
      if (["false", "0", "no"].includes(raw)) return false;
      throw new ValueError(`${who}: expected true or false, got ${describeValue(raw)}`);
    case "string-list":
      return items().map((item) => checkChoice(who, item, rules.choices, "items from"));
    case "number-list":
    case "integer-list":
      return items().map((item) => parseNumber(who, item, type === "integer-list", rules.min));
  }
}
