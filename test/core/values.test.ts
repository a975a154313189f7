import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ValueError } from "../../src/core/errors";
import { parseValue } from "../../src/core/values";

const rejects = (fn: () => unknown, message: string) => assert.throws(fn, (e: Error) => e instanceof ValueError && e.message === message);

test("parseValue(who, type, raw) parses numbers, integers, booleans, strings and comma-separated lists", () => {
  assert.equal(parseValue("t --lr", "number", "0.1"), 0.1);
  assert.equal(parseValue("t --lr", "number", "-2e-3"), -0.002);
  assert.equal(parseValue("t --epochs", "integer", " 5 "), 5);
  assert.deepEqual(["true", "1", "yes", "false", "0", "no"].map((raw) => parseValue("t --nesterov", "boolean", raw)), [true, true, true, false, false, false]);
  assert.equal(parseValue("t --model", "string", "mnist-cnn", { choices: ["mnist-cnn"] }), "mnist-cnn");
  assert.deepEqual(parseValue("t --milestones", "integer-list", "60, 120,160,"), [60, 120, 160]);
  assert.deepEqual(parseValue("t --normalize-mean", "number-list", "0.5,0.4,0.3"), [0.5, 0.4, 0.3]);
  assert.deepEqual(parseValue("t --record-floats", "string-list", "loss,margin", { choices: ["loss", "margin", "prob"] }), ["loss", "margin"]);
  assert.deepEqual(parseValue("t --only", "string-list", ""), []);
});

test("parseValue(who, type, raw) rejects a wrong type, a value out of the choices or below min in one line naming who", () => {
  rejects(() => parseValue("t --lr", "number", "fast"), 't --lr: expected a finite number, got "fast"');
  rejects(() => parseValue("t --lr", "number", ""), 't --lr: expected a finite number, got ""');
  rejects(() => parseValue("t --lr", "number", "Infinity"), 't --lr: expected a finite number, got "Infinity"');
  rejects(() => parseValue("t --epochs", "integer", "2.5"), 't --epochs: expected an integer, got "2.5"');
  rejects(() => parseValue("t --epochs", "integer", "three"), 't --epochs: expected an integer, got "three"');
  rejects(() => parseValue("t --workers", "integer", "0", { min: 1 }), 't --workers: expected an integer >= 1, got "0"');
  rejects(() => parseValue("t --scale", "number", "-1", { min: 0 }), 't --scale: expected a number >= 0, got "-1"');
  rejects(() => parseValue("t --nesterov", "boolean", "maybe"), 't --nesterov: expected true or false, got "maybe"');
  rejects(() => parseValue("t --model", "string", "vgg", { choices: ["mnist-cnn", "digits-mlp"] }), 't --model: expected one of mnist-cnn, digits-mlp, got "vgg"');
  rejects(() => parseValue("t --milestones", "integer-list", "60,x"), 't --milestones: expected an integer, got "x"');
  rejects(() => parseValue("t --budgets", "integer-list", "5,0", { min: 1 }), 't --budgets: expected an integer >= 1, got "0"');
  rejects(() => parseValue("t --normalize-std", "number-list", "0.2,a"), 't --normalize-std: expected a finite number, got "a"');
  rejects(() => parseValue("t --record-floats", "string-list", "loss,entropy", { choices: ["loss", "margin"] }), 't --record-floats: expected items from loss, margin, got "entropy"');
});
