// Prometheus durations: `1h30m`, `500ms`, `1y2w3d` (units in decreasing order, each once).
import type { DurationExpr, PosRange } from "./ast.js";

const unitMs: Readonly<Record<string, number>> = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
};
const unitOrder = ["y", "w", "d", "h", "m", "s", "ms"];

/** The largest duration Prometheus can hold (int64 nanoseconds), in ms. */
export const maxDurationMs = 9223372036854;

/** Milliseconds of a duration string, or undefined when it is not one. */
export function durationToMs(s: string): number | undefined {
  if (s === "0") return 0;
  if (s.length === 0) return undefined;
  let i = 0;
  let total = 0;
  let lastUnit = -1;
  while (i < s.length) {
    const digitsStart = i;
    let v = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    if (i === digitsStart) return undefined;
    let unit: string;
    const c = s[i];
    if (c === "m" && s[i + 1] === "s") unit = "ms";
    else if (c !== undefined && unitMs[c] !== undefined) unit = c;
    else return undefined;
    i += unit.length;
    const idx = unitOrder.indexOf(unit);
    if (idx <= lastUnit) return undefined;
    lastUnit = idx;
    total += v * unitMs[unit]!;
  }
  if (!(total <= maxDurationMs)) return undefined;
  return total;
}

/** Prometheus's spelling of a duration: 90000 → "1m30s", 0 → "0s"; negative gets a "-". */
export function formatDurationMs(ms: number): string {
  if (ms < 0) return "-" + formatDurationMs(-ms);
  let rest = Math.round(ms);
  if (rest === 0) return "0s";
  let out = "";
  for (const unit of unitOrder) {
    const mult = unitMs[unit]!;
    // Years and weeks only when exact, as Prometheus does (90d reads better than 12w6d).
    if ((unit === "y" || unit === "w") && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

/** Seconds (float) to ms the way Prometheus converts: via truncated nanoseconds. */
export function secondsToMs(seconds: number): number {
  const ns = Math.trunc(seconds * 1e9);
  return Math.trunc(ns / 1e6);
}

export class DurationEvalError extends Error {
  override name = "DurationEvalError";
  /** The offending sub-expression's position, when one is to blame. */
  readonly pos?: PosRange;

  constructor(message: string, pos?: PosRange) {
    super(message);
    this.pos = pos;
  }
}

/** Evaluates a duration expression in seconds, as Prometheus does. */
export function evalDurationSeconds(d: DurationExpr, ctx: { stepMs: number; rangeMs: number }): number {
  switch (d.type) {
    case "DurationLiteral":
      return d.seconds;
    case "DurationParen":
      return evalDurationSeconds(d.expr, ctx);
    case "DurationUnary": {
      const v = evalDurationSeconds(d.expr, ctx);
      return d.op === "-" ? -v : v;
    }
    case "DurationCall":
      switch (d.func) {
        case "step":
          return ctx.stepMs / 1000;
        case "range":
          return ctx.rangeMs / 1000;
        case "min_of":
        case "max_of": {
          const a = evalDurationSeconds(d.args[0]!, ctx);
          const b = evalDurationSeconds(d.args[1]!, ctx);
          return d.func === "min_of" ? Math.min(a, b) : Math.max(a, b);
        }
      }
      break;
    case "DurationBinary": {
      const a = evalDurationSeconds(d.lhs, ctx);
      const b = evalDurationSeconds(d.rhs, ctx);
      switch (d.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          if (b === 0) throw new DurationEvalError("division by zero in duration expression", d.pos);
          return a / b;
        case "%":
          if (b === 0) throw new DurationEvalError("modulo by zero in duration expression", d.pos);
          return a % b;
        case "^":
          return Math.pow(a, b);
      }
    }
  }
  throw new DurationEvalError("unknown duration expression");
}

/** Evaluates a duration expression to milliseconds (seconds arithmetic, then converted). */
export function evalDuration(d: DurationExpr, ctx: { stepMs: number; rangeMs: number }): number {
  const seconds = evalDurationSeconds(d, ctx);
  if (!Number.isFinite(seconds) || Math.abs(seconds * 1000) > maxDurationMs) {
    throw new DurationEvalError(`duration out of range: ${seconds}s`);
  }
  return secondsToMs(seconds);
}
