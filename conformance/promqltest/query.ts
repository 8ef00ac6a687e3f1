// What the runner needs to know about an eval's query from its AST: which
// selectors it has (to tell whether it touches unsupported data), and the
// `@`-pinned variants the reference runner also evaluates for instant queries.
import type { Expr, LabelMatcher } from "../../promql/index.js";
import { compileMatcher } from "../../storeapi/index.js";
import type { ScriptLabel } from "./values.js";

/** The direct sub-expressions of a node. */
function children(e: Expr): Expr[] {
  switch (e.type) {
    case "NumberLiteral":
    case "StringLiteral":
    case "VectorSelector":
      return [];
    case "MatrixSelector":
      return [e.vectorSelector];
    case "SubqueryExpr":
    case "UnaryExpr":
    case "ParenExpr":
      return [e.expr];
    case "Call":
      return e.args;
    case "AggregateExpr":
      return e.param === undefined ? [e.expr] : [e.param, e.expr];
    case "BinaryExpr":
      return [e.lhs, e.rhs];
  }
}

/**
 * The matcher lists of every selector in the query, including the implicit
 * `target_info` selector of a one-argument `info()`.
 */
export function selectorMatchers(expr: Expr): LabelMatcher[][] {
  const out: LabelMatcher[][] = [];
  const visit = (e: Expr): void => {
    if (e.type === "VectorSelector") out.push(e.matchers);
    if (e.type === "Call" && e.func === "info" && e.args.length === 1) out.push([{ name: "__name__", op: "=", value: "target_info" }]);
    for (const c of children(e)) visit(c);
  };
  visit(expr);
  return out;
}

/**
 * Whether a label set satisfies all matchers, with Prometheus semantics (a
 * missing label is "", RE2 regexes fully anchored). A matcher that does not
 * compile counts as matching: the safe side for "touches unsupported data".
 */
export function matchesAll(matchers: readonly LabelMatcher[], labels: readonly ScriptLabel[]): boolean {
  return matchers.every((m) => {
    const value = labels.find((l) => l.name === m.name)?.value ?? "";
    try {
      return compileMatcher(m)(value);
    } catch {
      return true;
    }
  });
}

/** Functions whose result depends on the evaluation time even when their arguments are pinned with `@`. */
const AT_MODIFIER_UNSAFE_FUNCTIONS = new Set([
  "days_in_month",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "end",
  "hour",
  "minute",
  "month",
  "year",
  "predict_linear",
  "range",
  "start",
  "step",
  "time",
  "timestamp",
]);

export interface AtModifierVariant {
  query: string;
  timeMs: number;
}

/**
 * The reference runner re-runs an instant query with every selector and
 * subquery pinned to the evaluation time (`@ <t>`), at several other
 * evaluation times, expecting the same result. Selectors inside a subquery are
 * left alone (the subquery is pinned instead), as are those already pinned.
 * Returns [] when the query uses a function that is not step invariant.
 * The pins are inserted into the query text at each node's end, so the text
 * before the first selector keeps its positions.
 */
export function atModifierVariants(query: string, expr: Expr, evalTimeMs: number): AtModifierVariant[] {
  const inserts: number[] = [];
  let unsafe = false;
  const visit = (e: Expr): void => {
    switch (e.type) {
      case "VectorSelector":
        if (e.at === undefined) inserts.push(e.pos.end);
        return;
      case "MatrixSelector":
        if (e.vectorSelector.at === undefined) inserts.push(e.pos.end);
        return;
      case "SubqueryExpr":
        if (e.at === undefined) inserts.push(e.pos.end);
        return;
      case "Call":
        if (AT_MODIFIER_UNSAFE_FUNCTIONS.has(e.func)) unsafe = true;
        break;
    }
    for (const c of children(e)) visit(c);
  };
  visit(expr);
  if (unsafe) return [];
  const pin = ` @ ${(evalTimeMs / 1000).toFixed(3)}`;
  let pinned = query;
  for (const at of [...new Set(inserts)].sort((a, b) => b - a)) pinned = pinned.slice(0, at) + pin + pinned.slice(at);
  const ts = evalTimeMs;
  const times = ts === 0 ? [-1000, 0, 1000] : [-10 * ts, 0, Math.trunc(ts / 5), ts, 10 * ts];
  return times.map((timeMs) => ({ query: pinned, timeMs }));
}
