import { test } from "node:test";
import assert from "node:assert/strict";
import type { DurationExpr, Expr } from "../promql/index.js";
import { children, fillSelectorHints, fromAst, mergeSelects, plan, planType, subquerySpan, wrapStepInvariant } from "./index.js";
import { functions, parse } from "../promql/index.js";
import type { PlanContext, PlanNode } from "./index.js";

const P = { start: 0, end: 1 };
const ctx: PlanContext = { startMs: 0, endMs: 3_600_000, stepMs: 60_000, lookbackDeltaMs: 300_000, defaultEvaluationIntervalMs: 60_000 };
const lit = (seconds: number): DurationExpr => ({ type: "DurationLiteral", seconds, isNumber: false, pos: P });

function sel(name: string, atMs?: number, offsetS?: number): Expr {
  return {
    type: "VectorSelector",
    name,
    matchers: [{ name: "__name__", op: "=", value: name }],
    at: atMs === undefined ? undefined : { kind: "timestamp", ms: atMs },
    offset: offsetS === undefined ? undefined : lit(offsetS),
    anchored: false,
    smoothed: false,
    pos: P,
  };
}

test("durations resolve step() and range() against the query", () => {
  const e: Expr = {
    type: "MatrixSelector",
    vectorSelector: sel("x") as never,
    range: { type: "DurationBinary", op: "+", lhs: { type: "DurationCall", func: "step", args: [], pos: P }, rhs: { type: "DurationCall", func: "range", args: [], pos: P }, pos: P },
    pos: P,
  };
  const n = fromAst(e, ctx);
  assert.equal(n.type === "MatrixSelector" && n.rangeMs, 60_000 + 3_600_000);
});

test("@ start() and end() resolve to the query's bounds", () => {
  const e: Expr = { ...(sel("x") as object), at: { kind: "end" } } as Expr;
  const n = fromAst(e, ctx);
  assert.equal(n.type === "VectorSelector" && n.atMs, 3_600_000);
});

test("step-invariant subtrees are wrapped, step-dependent ones are not", () => {
  const e: Expr = { type: "BinaryExpr", op: "+", lhs: sel("x", 100_000), rhs: sel("y"), returnBool: false, pos: P };
  const n = wrapStepInvariant(fromAst(e, ctx)) as Extract<PlanNode, { type: "Binary" }>;
  assert.equal(n.type, "Binary");
  assert.equal(n.lhs.type, "StepInvariant");
  assert.equal(n.rhs.type, "VectorSelector");
  const whole = wrapStepInvariant(fromAst({ type: "Call", func: "abs", args: [sel("x", 5)], pos: P }, ctx));
  assert.equal(whole.type, "StepInvariant");
  const timeDep = wrapStepInvariant(fromAst({ type: "Call", func: "timestamp", args: [sel("x", 5)], pos: P }, ctx));
  assert.equal(timeDep.type, "Call");
});

test("identical selectors share one fetch over the union of their ranges", () => {
  const e: Expr = { type: "BinaryExpr", op: "/", lhs: sel("x"), rhs: sel("x", undefined, 3600), returnBool: false, pos: P };
  const n = mergeSelects(fromAst(e, ctx), ctx) as Extract<PlanNode, { type: "Binary" }>;
  const a = n.lhs.type === "VectorSelector" ? n.lhs.fetch : undefined;
  const b = n.rhs.type === "VectorSelector" ? n.rhs.fetch : undefined;
  assert.ok(a && b);
  assert.deepEqual(a, b);
  assert.equal(a.minTime, -3_600_000 - 300_000 + 1);
  assert.equal(a.maxTime, 3_600_000);
});

test("selectors whose matchers differ are never merged, whatever characters they hold", () => {
  // Joined with separator characters, {a="x\xfeb\xff=\xff"} and {a="x", b=""} would be one key.
  const withMatchers = (ms: { name: string; op: "="; value: string }[]): Expr => ({ ...sel("x"), matchers: [{ name: "__name__", op: "=", value: "x" }, ...ms] }) as Expr;
  const lhs = withMatchers([{ name: "a", op: "=", value: "x\xfeb\xff=\xff" }]);
  const rhs = withMatchers([{ name: "a", op: "=", value: "x" }, { name: "b", op: "=", value: "" }]);
  const e: Expr = { type: "BinaryExpr", op: "/", lhs, rhs, returnBool: false, pos: P };
  const n = mergeSelects(fromAst(e, ctx), ctx) as Extract<PlanNode, { type: "Binary" }>;
  const a = n.lhs.type === "VectorSelector" ? n.lhs.fetch : undefined;
  const b = n.rhs.type === "VectorSelector" ? n.rhs.fetch : undefined;
  assert.ok(a && b);
  assert.notEqual(a.key, b.key);
});

test("selector hints carry the enclosing function, range and grouping", () => {
  const e: Expr = {
    type: "AggregateExpr",
    op: "sum",
    expr: { type: "Call", func: "rate", args: [{ type: "MatrixSelector", vectorSelector: sel("x") as never, range: lit(300), pos: P }], pos: P },
    grouping: ["job"],
    without: false,
    hasGrouping: true,
    pos: P,
  };
  const n = fillSelectorHints(fromAst(e, ctx), ctx);
  const m = n.type === "Aggregate" && n.expr.type === "Call" ? n.expr.args[0] : undefined;
  assert.ok(m && m.type === "MatrixSelector");
  assert.deepEqual(m.selector.hints, { stepMillis: 60_000, func: "rate", grouping: { by: true, labels: ["job"] }, rangeMillis: 300_000 });
});

test("subquery steps align to multiples of the subquery step", () => {
  const s = subquerySpan({ start: 95_000, end: 95_000, step: 1 }, 60_000, 20_000, 0);
  assert.deepEqual(s, { start: 40_000, end: 95_000, step: 20_000 });
});

test("plan does not wrap anything for instant queries", () => {
  const n = plan(sel("x", 100), { ...ctx, endMs: 0, stepMs: 0 });
  assert.equal(n.type, "VectorSelector");
});

test("a call's type and step dependence come from the function catalog, for every function", () => {
  for (const f of Object.values(functions)) {
    const n = fromAst({ type: "Call", func: f.name, args: [], pos: P }, ctx);
    assert.equal(planType(n), f.returnType === "scalar" ? "scalar" : "vector", f.name);
  }
  // start(), end(), range() and step() are scalars, like time().
  assert.equal(planType(fromAst({ type: "Call", func: "step", args: [], pos: P }, ctx)), "scalar");
  const stepDependent = Object.values(functions).filter((f) => f.stepDependent && f.argTypes[0] === "vector");
  assert.ok(stepDependent.length > 0);
  for (const f of stepDependent) {
    const n = wrapStepInvariant(fromAst({ type: "Call", func: f.name, args: [sel("x", 5)], pos: P }, ctx));
    assert.equal(n.type, "Call", `${f.name}(x @ 5) is evaluated at every step`);
  }
  const unknown = wrapStepInvariant(fromAst({ type: "Call", func: "no_such_function", args: [sel("x", 5)], pos: P }, ctx));
  assert.equal(unknown.type, "Call", "an unknown function is never taken as step invariant");
});

/** The fetches of a query's selectors, in plan order: whether each reads only the newest samples. */
function newestOnly(query: string, at: PlanContext): boolean[] {
  const out: boolean[] = [];
  const walk = (n: PlanNode): void => {
    if (n.type === "VectorSelector") out.push(n.fetch?.latest === true);
    for (const c of children(n)) walk(c);
  };
  walk(plan(parse(query), at));
  return out;
}

test("a fetch reads only the newest samples when every read of it is a vector selector at one time over one range", () => {
  const instant: PlanContext = { ...ctx, startMs: 3_600_000, endMs: 3_600_000, stepMs: 0 };
  assert.deepEqual(newestOnly("x", instant), [true]);
  assert.deepEqual(newestOnly("sum by (a) (x) / y", instant), [true, true]);
  assert.deepEqual(newestOnly("x offset 5m", instant), [true]);
  assert.deepEqual(newestOnly("x @ 100", ctx), [true], "pinned by @, every step reads one time");
  assert.deepEqual(newestOnly("x", ctx), [false], "a range query's steps read many times");
  assert.deepEqual(newestOnly("x + x offset 1m", instant), [false, false], "one fetch over two ranges");
  assert.deepEqual(newestOnly("rate(x[5m]) + x", instant), [false, false], "shared with a range selector");
  assert.deepEqual(newestOnly("max_over_time(x[10m:1m])", instant), [false], "a subquery's steps");
  assert.deepEqual(newestOnly("x + max_over_time(y[5m:1m] @ 100)", instant), [true, false], "a subquery pinned by @ still has steps");
});
