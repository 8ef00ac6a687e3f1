import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, type Expr } from "../promql/index.js";
import { ParsedQueries } from "./parsed_queries.js";

test("a repeated query is parsed once; the least recently used is dropped first; long texts and failures are not kept", () => {
  const kept = new ParsedQueries(2, 20);
  let parses = 0;
  const get = (q: string): Expr =>
    kept.get(q, () => {
      parses++;
      return parse(q);
    });
  const a = get("rate(a[5m])");
  assert.equal(get("rate(a[5m])"), a);
  assert.equal(parses, 1);
  get("b");
  get("rate(a[5m])"); // a is now the most recently used
  get("c"); // drops b
  assert.equal(parses, 3);
  assert.equal(get("rate(a[5m])"), a);
  get("b");
  assert.equal(parses, 4);
  assert.equal(kept.size, 2);
  get("sum by (job) (rate(long_metric_name[5m]))");
  get("sum by (job) (rate(long_metric_name[5m]))");
  assert.equal(parses, 6);
  assert.throws(() => get("rate(("));
  assert.throws(() => get("rate(("));
  assert.equal(parses, 8);
});
