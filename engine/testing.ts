// Hand-built ASTs and a small store for the engine's unit tests (no parser needed).
import type { BinaryExpr, Expr, LabelMatcher, VectorMatching } from "../promql/index.js";
import { MemoryStore } from "../storeapi/index.js";
import type { Labels } from "../storeapi/index.js";

const P = { start: 0, end: 1 };

export function sel(name: string, extra: LabelMatcher[] = [], opts: { offsetS?: number; atMs?: number } = {}): Expr {
  return {
    type: "VectorSelector",
    name,
    matchers: [{ name: "__name__", op: "=", value: name }, ...extra],
    offset: opts.offsetS === undefined ? undefined : { type: "DurationLiteral", seconds: opts.offsetS, isNumber: false, pos: P },
    at: opts.atMs === undefined ? undefined : { kind: "timestamp", ms: opts.atMs },
    anchored: false,
    smoothed: false,
    pos: P,
  };
}

export function range(e: Expr, seconds: number): Expr {
  if (e.type !== "VectorSelector") throw new Error("range of a selector only");
  return { type: "MatrixSelector", vectorSelector: e, range: { type: "DurationLiteral", seconds, isNumber: false, pos: P }, pos: P };
}

export function subquery(e: Expr, rangeS: number, stepS: number): Expr {
  return {
    type: "SubqueryExpr",
    expr: e,
    range: { type: "DurationLiteral", seconds: rangeS, isNumber: false, pos: P },
    step: { type: "DurationLiteral", seconds: stepS, isNumber: false, pos: P },
    pos: P,
  };
}

export function call(func: string, ...args: Expr[]): Expr {
  return { type: "Call", func, args, pos: P };
}

export function num(value: number): Expr {
  return { type: "NumberLiteral", value, pos: P };
}

export function str(value: string): Expr {
  return { type: "StringLiteral", value, pos: P };
}

export function agg(op: string, expr: Expr, grouping: string[] = [], opts: { without?: boolean; param?: Expr } = {}): Expr {
  return {
    type: "AggregateExpr",
    op: op as never,
    expr,
    param: opts.param,
    grouping,
    without: !!opts.without,
    hasGrouping: grouping.length > 0,
    pos: P,
  };
}

export function bin(op: string, lhs: Expr, rhs: Expr, matching?: Partial<VectorMatching>, returnBool = false): BinaryExpr {
  return {
    type: "BinaryExpr",
    op: op as never,
    lhs,
    rhs,
    matching: matching
      ? { card: "one-to-one", on: false, hasMatchingClause: true, matchingLabels: [], include: [], ...matching }
      : undefined,
    returnBool,
    pos: P,
  };
}

export function labels(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}

/** A store with series sampled every `intervalMs` from 0: values given per point (undefined: no sample). */
export function storeWith(intervalMs: number, series: [Record<string, string>, (number | undefined)[]][]): MemoryStore {
  const s = new MemoryStore();
  for (const [ls, values] of series) {
    const t: number[] = [];
    const v: number[] = [];
    values.forEach((x, i) => {
      if (x === undefined) return;
      t.push(i * intervalMs);
      v.push(x);
    });
    s.add(labels(ls), t, v);
  }
  return s;
}
