import assert from "node:assert/strict";
import { test } from "node:test";
import type { Expr, LabelMatcher, MatrixSelector, VectorSelector } from "../../promql/index.js";
import { atModifierVariants } from "./query.js";

// ASTs are built by hand so these tests do not depend on the parser.
function vs(name: string, start: number, extra: LabelMatcher[] = [], at?: VectorSelector["at"]): VectorSelector {
  return {
    type: "VectorSelector",
    name,
    matchers: [{ name: "__name__", op: "=", value: name }, ...extra],
    at,
    anchored: false,
    smoothed: false,
    pos: { start, end: start + name.length },
  };
}

function ms(sel: VectorSelector, end: number): MatrixSelector {
  return { type: "MatrixSelector", vectorSelector: sel, range: { type: "DurationLiteral", seconds: 300, isNumber: false, pos: { start: 0, end: 0 } }, pos: { start: sel.pos.start, end } };
}

function call(func: string, args: Expr[], start: number, end: number): Expr {
  return { type: "Call", func, args, pos: { start, end } };
}

test("@ variants pin every selector at its end and run at the reference's times", () => {
  // sum(foo) + rate(bar[5m])
  const q = "sum(foo) + rate(bar[5m])";
  const expr: Expr = {
    type: "BinaryExpr",
    op: "+",
    lhs: { type: "AggregateExpr", op: "sum", expr: vs("foo", 4), grouping: [], without: false, hasGrouping: false, pos: { start: 0, end: 8 } },
    rhs: call("rate", [ms(vs("bar", 16), 23)], 11, 24),
    returnBool: false,
    pos: { start: 0, end: 24 },
  };
  const variants = atModifierVariants(q, expr, 60_000);
  assert.deepEqual(
    variants.map((v) => v.timeMs),
    [-600_000, 0, 12_000, 60_000, 600_000],
  );
  assert.equal(variants[0].query, "sum(foo @ 60.000) + rate(bar[5m] @ 60.000)");
  assert.deepEqual(
    atModifierVariants(q, expr, 0).map((v) => [v.timeMs, v.query]),
    [-1000, 0, 1000].map((t) => [t, "sum(foo @ 0.000) + rate(bar[5m] @ 0.000)"]),
  );
});

test("@ variants pin a subquery, not the selectors inside it, and leave pinned selectors alone", () => {
  // max_over_time(foo[5m:1m]) + bar @ 10
  const q = "max_over_time(foo[5m:1m]) + bar @ 10";
  const sub: Expr = {
    type: "SubqueryExpr",
    expr: vs("foo", 14),
    range: { type: "DurationLiteral", seconds: 300, isNumber: false, pos: { start: 18, end: 20 } },
    pos: { start: 14, end: 24 },
  };
  const expr: Expr = {
    type: "BinaryExpr",
    op: "+",
    lhs: call("max_over_time", [sub], 0, 25),
    rhs: { ...vs("bar", 28, [], { kind: "timestamp", ms: 10_000 }), pos: { start: 28, end: 36 } },
    returnBool: false,
    pos: { start: 0, end: 36 },
  };
  assert.equal(atModifierVariants(q, expr, 120_000)[0].query, "max_over_time(foo[5m:1m] @ 120.000) + bar @ 10");
});

test("no @ variants for functions that depend on the evaluation time", () => {
  for (const f of ["time", "timestamp", "hour", "predict_linear", "day_of_year", "start", "end", "step", "range"]) {
    assert.deepEqual(atModifierVariants(`${f}(foo)`, call(f, [vs("foo", f.length + 1)], 0, f.length + 5), 60_000), [], f);
  }
});
