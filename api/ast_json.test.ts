import assert from "node:assert/strict";
import test from "node:test";
import { parse, type MatrixSelector } from "../promql/index.js";
import { durationMs } from "./ast_json.js";

test("parse_query's durations: seconds arithmetic in ms; step(), range() and a division by zero show as 0", () => {
  const range = (q: string): number => durationMs((parse(q) as MatrixSelector).range);
  assert.equal(range("x[5m+1m]"), 360000);
  assert.equal(range("x[min_of(1h, 90s)]"), 90000);
  assert.equal(range("x[2^3]"), 8000);
  assert.equal(range("x[step()]"), 0);
  assert.equal(range("x[1h/0]"), 0);
  assert.equal(durationMs((parse("x[1m] offset -(2*30s)") as MatrixSelector).vectorSelector.offset), -60000);
  assert.equal(durationMs(undefined), 0);
});
