import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { QUANTITY_FORMATS, type Quantity, formatValue, hoverFormat } from "../../src/core/format";
import { skipIfMissing } from "../requirements";

// No exact binary halves: there Python rounds to even and JavaScript (and d3-format) away from zero.
const VALUES = [0, 3, 1234.4, 3395, 5965, 1281167, 0.4, 0.123456, 97.5349, 12.3851, -0.0004, -3.14159, 2.6751];

test("formatValue(quantity, value) prints what Python's format() prints for the quantity's d3-format spec (the hover labels' format)", (t) => {
  const python = spawnSync("/usr/bin/python3", ["--version"]);
  if (skipIfMissing(t, python.status === 0 ? null : "/usr/bin/python3 is absent")) return;
  // d3-format follows Python's format-spec mini-language: the spec a hover label uses must
  // print exactly what the tables print.
  const cases = (Object.keys(QUANTITY_FORMATS) as Quantity[]).flatMap((quantity) => VALUES.map((value) => ({ quantity, value, spec: QUANTITY_FORMATS[quantity].d3, suffix: QUANTITY_FORMATS[quantity].suffix })));
  const script = `import json, sys\nfor c in json.load(sys.stdin): print(format(float(c["value"]), c["spec"]) + c["suffix"])`;
  const result = spawnSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(cases), encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  // A value that rounds to zero is printed unsigned ("0.000", not Python's "-0.000").
  const expected = result.stdout.trim().split("\n").map((line) => line.replace(/^-([0.,]+(%| s)?)$/, "$1"));
  assert.deepEqual(cases.map((c) => formatValue(c.quantity, c.value)), expected);
});

test("formatValue(quantity, value) is n/a for missing and non-finite values", () => {
  for (const value of [NaN, Infinity, null, undefined]) assert.equal(formatValue("percent", value), "n/a");
  assert.equal(formatValue("count", 3395), "3,395");
  assert.equal(formatValue("percent", 12.3851), "12.39%");
});

test("hoverFormat(quantity, field) is the plotly hovertemplate field of the quantity's format", () => {
  assert.equal(hoverFormat("count", "y"), "%{y:,.0f}");
  assert.equal(hoverFormat("percent", "z"), "%{z:.2f}%");
  assert.equal(hoverFormat("ratio", "customdata"), "%{customdata:.3f}");
});
