// Element-wise arithmetic and comparison with Go float semantics where JS differs (pow).
import type { BinaryOp } from "../../promql/index.js";

export function isComparison(op: ArithOp): boolean {
  return op === "==" || op === "!=" || op === ">" || op === "<" || op === ">=" || op === "<=";
}

/** The native histogram trim operators `</` and `>/`: histogram on the left, float bound on the right. */
export function isTrim(op: ArithOp): boolean {
  return op === "</" || op === ">/";
}

/**
 * Whether the result keeps the left side's metric name: comparisons without `bool` and the trims
 * keep it (Prometheus's changesMetricSchema is false for them); arithmetic drops it.
 */
export function keepsMetricName(op: ArithOp, returnBool: boolean): boolean {
  return (isComparison(op) || isTrim(op)) && !returnBool;
}

export function isSetOp(op: BinaryOp): boolean {
  return op === "and" || op === "or" || op === "unless";
}

/** Go's math.Pow: x^0 and 1^y are 1 (even for NaN), (−1)^±Inf is 1. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Operators of two floats: PromQL's binary operators plus the scalar functions min_of/max_of. */
export type ArithOp = BinaryOp | "min_of" | "max_of";

export function arith(op: ArithOp, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "%":
      return a % b;
    case "^":
      return goPow(a, b);
    case "atan2":
      return Math.atan2(a, b);
    // The scalar functions min_of/max_of reuse this path; NaN in either gives NaN.
    case "min_of":
      return Math.min(a, b);
    case "max_of":
      return Math.max(a, b);
    default:
      return NaN;
  }
}

export function compare(op: ArithOp, a: number, b: number): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case ">":
      return a > b;
    case "<":
      return a < b;
    case ">=":
      return a >= b;
    case "<=":
      return a <= b;
    default:
      return false;
  }
}
