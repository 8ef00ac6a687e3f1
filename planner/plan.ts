// The logical plan: the AST with durations and `@` resolved to milliseconds, parentheses gone,
// step-invariant subtrees marked, and selector fetches/hints filled in by the passes.
import type { AggregateOp, BinaryOp, LabelMatcher, PosRange, ValueType, VectorMatching } from "../promql/index.js";
import { lookupFunction } from "../promql/index.js";
import type { QueryHints, ReadAggregate } from "../storeapi/index.js";

/** What a selector asks the store for; identical selectors share one fetch (merge_selects). */
export interface FetchSpec {
  key: string;
  minTime: number;
  maxTime: number;
  /** Every selector sharing the fetch reads only each series' newest sample in it (set by mergeSelects). */
  latest?: boolean;
}

export interface NumberNode {
  type: "NumberLiteral";
  value: number;
  pos: PosRange;
}
export interface StringNode {
  type: "StringLiteral";
  value: string;
  pos: PosRange;
}
export interface SelectorNode {
  type: "VectorSelector";
  name: string;
  matchers: LabelMatcher[];
  offsetMs: number;
  /** Resolved `@` time in ms. */
  atMs?: number;
  anchored: boolean;
  smoothed: boolean;
  pos: PosRange;
  hints: QueryHints;
  fetch?: FetchSpec;
  /** The aggregate read where data is downsampled (set only when the query allows downsampled data). */
  read?: ReadAggregate;
  /**
   * Only histogram_count/sum/avg use its histograms: read them as Prometheus's HistogramStatsIterator
   * does, detecting counter resets on the fly (histogram_stats.ts).
   */
  histogramStats?: boolean;
}
export interface MatrixNode {
  type: "MatrixSelector";
  selector: SelectorNode;
  rangeMs: number;
  pos: PosRange;
}
export interface SubqueryNode {
  type: "Subquery";
  expr: PlanNode;
  rangeMs: number;
  stepMs: number;
  offsetMs: number;
  atMs?: number;
  pos: PosRange;
}
export interface CallNode {
  type: "Call";
  func: string;
  args: PlanNode[];
  pos: PosRange;
}
export interface AggregateNode {
  type: "Aggregate";
  op: AggregateOp;
  expr: PlanNode;
  param?: PlanNode;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}
export interface BinaryNode {
  type: "Binary";
  op: BinaryOp;
  lhs: PlanNode;
  rhs: PlanNode;
  matching?: VectorMatching;
  returnBool: boolean;
  pos: PosRange;
}
export interface UnaryNode {
  type: "Unary";
  op: "+" | "-";
  expr: PlanNode;
  pos: PosRange;
}
/** A subtree whose value does not depend on the step: evaluated once, repeated for every step. */
export interface StepInvariantNode {
  type: "StepInvariant";
  expr: PlanNode;
  pos: PosRange;
}

export type PlanNode =
  | NumberNode
  | StringNode
  | SelectorNode
  | MatrixNode
  | SubqueryNode
  | CallNode
  | AggregateNode
  | BinaryNode
  | UnaryNode
  | StepInvariantNode;

/** The query's evaluation window, which durations (`step()`, `range()`) and `@ start()/end()` refer to. */
export interface PlanContext {
  startMs: number;
  endMs: number;
  /** 0 for an instant query. */
  stepMs: number;
  lookbackDeltaMs: number;
  defaultEvaluationIntervalMs: number;
  /** Coarsest downsampling resolution the query may read, ms (0 or absent: raw only). */
  maxResolutionMs?: number;
}

export function planType(n: PlanNode): ValueType {
  switch (n.type) {
    case "NumberLiteral":
      return "scalar";
    case "StringLiteral":
      return "string";
    case "VectorSelector":
    case "Aggregate":
      return "vector";
    case "MatrixSelector":
    case "Subquery":
      return "matrix";
    case "Call":
      return lookupFunction(n.func)?.returnType === "scalar" ? "scalar" : "vector";
    case "Binary":
      return planType(n.lhs) === "scalar" && planType(n.rhs) === "scalar" ? "scalar" : "vector";
    case "Unary":
    case "StepInvariant":
      return planType(n.expr);
  }
}

/** The children of a node, in evaluation order. */
export function children(n: PlanNode): PlanNode[] {
  switch (n.type) {
    case "MatrixSelector":
      return [n.selector];
    case "Subquery":
    case "Unary":
    case "StepInvariant":
      return [n.expr];
    case "Call":
      return n.args;
    case "Aggregate":
      return n.param ? [n.param, n.expr] : [n.expr];
    case "Binary":
      return [n.lhs, n.rhs];
    default:
      return [];
  }
}
