// The PromQL abstract syntax tree. One node type per construct, each with its
// position range in the input. This file is the contract between the parser,
// the printer, the planner and the engine.

/** Offsets into the query string, in UTF-16 code units: [start, end). */
export interface PosRange {
  start: number;
  end: number;
}

export type ValueType = "scalar" | "vector" | "matrix" | "string";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2";
export type ComparisonOp = "==" | "!=" | ">" | "<" | ">=" | "<=";
export type SetOp = "and" | "or" | "unless";
/** Native histogram trim operators (Prometheus 3.x): `h </ x` keeps observations below x, `h >/ x` above. */
export type TrimOp = "</" | ">/";
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;

export type AggregateOp =
  | "sum"
  | "avg"
  | "min"
  | "max"
  | "count"
  | "stddev"
  | "stdvar"
  | "group"
  | "topk"
  | "bottomk"
  | "quantile"
  | "count_values"
  | "limitk"
  | "limit_ratio";

/**
 * A duration in a range, offset, subquery range or subquery step.
 * Values are evaluated in seconds (a plain number counts as seconds, `1ms` is
 * 0.001), as Prometheus does, and converted to milliseconds at the end.
 */
export type DurationExpr = DurationLiteral | DurationBinary | DurationUnary | DurationParen | DurationCall;

export interface DurationLiteral {
  type: "DurationLiteral";
  /** The value in seconds. */
  seconds: number;
  /** True when written as a plain number (`[300]`) rather than with units (`[5m]`). */
  isNumber: boolean;
  pos: PosRange;
}

export interface DurationBinary {
  type: "DurationBinary";
  op: "+" | "-" | "*" | "/" | "%" | "^";
  lhs: DurationExpr;
  rhs: DurationExpr;
  pos: PosRange;
}

export interface DurationUnary {
  type: "DurationUnary";
  op: "+" | "-";
  expr: DurationExpr;
  pos: PosRange;
}

export interface DurationParen {
  type: "DurationParen";
  expr: DurationExpr;
  pos: PosRange;
}

/** `step()`, `range()` (no args), `min_of(a, b)`, `max_of(a, b)`. */
export interface DurationCall {
  type: "DurationCall";
  func: "step" | "range" | "min_of" | "max_of";
  args: DurationExpr[];
  pos: PosRange;
}

/** `@ <timestamp>`, `@ start()`, `@ end()`. A timestamp is in milliseconds. */
export type AtModifier = { kind: "timestamp"; ms: number } | { kind: "start" } | { kind: "end" };

export interface NumberLiteral {
  type: "NumberLiteral";
  value: number;
  pos: PosRange;
}

export interface StringLiteral {
  type: "StringLiteral";
  value: string;
  pos: PosRange;
}

export interface VectorSelector {
  type: "VectorSelector";
  /** The metric name when given (outside braces, or as a lone quoted name inside them); "" otherwise. */
  name: string;
  /** Every matcher, including the `__name__` equality matcher implied by `name`. */
  matchers: LabelMatcher[];
  /** `offset <duration>`; positive looks back. Absent when not written. */
  offset?: DurationExpr;
  at?: AtModifier;
  /** Experimental `anchored` / `smoothed` modifiers (on instant selectors only `smoothed` is meaningful). */
  anchored: boolean;
  smoothed: boolean;
  pos: PosRange;
}

export interface MatrixSelector {
  type: "MatrixSelector";
  /** The selector inside; its offset/@/anchored/smoothed apply to the range. */
  vectorSelector: VectorSelector;
  range: DurationExpr;
  pos: PosRange;
}

export interface SubqueryExpr {
  type: "SubqueryExpr";
  expr: Expr;
  range: DurationExpr;
  /** Absent for `[range:]`: the engine uses its default evaluation interval. */
  step?: DurationExpr;
  offset?: DurationExpr;
  at?: AtModifier;
  pos: PosRange;
}

export interface Call {
  type: "Call";
  /** Function name as written; its catalog entry is `functions[name]`. */
  func: string;
  args: Expr[];
  pos: PosRange;
}

export interface AggregateExpr {
  type: "AggregateExpr";
  op: AggregateOp;
  expr: Expr;
  /** The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio. */
  param?: Expr;
  grouping: string[];
  /** True for `without (...)`; false for `by (...)` or no grouping clause. */
  without: boolean;
  /** True when a `by`/`without` clause was written (even if empty: `sum by () (x)`). */
  hasGrouping: boolean;
  pos: PosRange;
}

export interface VectorMatching {
  card: "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";
  /** True for `on(...)`, false for `ignoring(...)` or no clause. */
  on: boolean;
  /** True when `on`/`ignoring` was written. */
  hasMatchingClause: boolean;
  matchingLabels: string[];
  /** Labels listed in `group_left(...)` / `group_right(...)`. */
  include: string[];
  /** Experimental `fill(v)`, `fill_left(v)`, `fill_right(v)`: the value used when that side has no match. */
  fillLeft?: number;
  fillRight?: number;
}

export interface BinaryExpr {
  type: "BinaryExpr";
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** Present when both sides are vectors, or when a modifier was written. */
  matching?: VectorMatching;
  /** `bool` modifier on a comparison. */
  returnBool: boolean;
  pos: PosRange;
}

export interface UnaryExpr {
  type: "UnaryExpr";
  op: "+" | "-";
  expr: Expr;
  pos: PosRange;
}

export interface ParenExpr {
  type: "ParenExpr";
  expr: Expr;
  pos: PosRange;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export type Node = Expr | DurationExpr;
