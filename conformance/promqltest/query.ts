// What the runner needs to know about an eval's query from its AST: the
// `@`-pinned variants the reference runner also evaluates for instant queries.
import type { Expr } from "../../promql/index.js";

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
