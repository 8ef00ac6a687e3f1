// Prints the AST back to PromQL. Single-line output follows Prometheus's String()
// spelling; `pretty` follows the layout of `promtool promql format` (lines of at most
// 100 characters, two-space indent). Parentheses are added only where a hand-built
// tree would otherwise read back differently; a parsed tree keeps its own ParenExprs.
import type { AggregateExpr, AtModifier, BinaryExpr, DurationExpr, Expr, LabelMatcher, VectorMatching, VectorSelector } from "./ast.js";
import { formatDurationMs } from "./duration.js";
import { compareUtf8, isLegacyLabelName, isLegacyMetricName, quote } from "./strings.js";

export interface FormatOptions {
  pretty?: boolean;
}

const maxLineLength = 100;

const binaryPrecedence: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  "==": 3,
  "!=": 3,
  "<=": 3,
  "<": 3,
  ">=": 3,
  ">": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
  atan2: 5,
  "</": 5,
  ">/": 5,
  "^": 7,
};
const unaryPrecedence = 6;
const atomPrecedence = 10;

/** Words that cannot be written bare as a metric name (they lex as something else). */
const notMetricWords = new Set(["bool", "on", "ignoring", "group_left", "group_right", "atan2", "inf", "nan"]);

function exprPrecedence(e: Expr): number {
  if (e.type === "BinaryExpr") return binaryPrecedence[e.op] ?? atomPrecedence;
  if (e.type === "UnaryExpr") return unaryPrecedence;
  if (e.type === "NumberLiteral" && (e.value < 0 || Object.is(e.value, -0))) return unaryPrecedence;
  return atomPrecedence;
}

function durPrecedence(d: DurationExpr): number {
  if (d.type === "DurationBinary") return d.op === "^" ? 7 : d.op === "+" || d.op === "-" ? 4 : 5;
  if (d.type === "DurationUnary") return unaryPrecedence;
  if (d.type === "DurationLiteral" && (d.seconds < 0 || Object.is(d.seconds, -0))) return unaryPrecedence;
  return atomPrecedence;
}

/** Whether a child printed at `side` of a binary operator needs parentheses to read back the same. */
function needsParens(childPrec: number, opPrec: number, side: "lhs" | "rhs"): boolean {
  if (childPrec === unaryPrecedence) return side === "lhs" && opPrec === 7;
  if (opPrec === 7) return side === "lhs" ? childPrec <= 7 : childPrec < 7;
  return side === "lhs" ? childPrec < opPrec : childPrec <= opPrec;
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Inf";
  if (v === -Infinity) return "-Inf";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

function formatLabelName(name: string): string {
  const lower = name.toLowerCase();
  return isLegacyLabelName(name) && lower !== "inf" && lower !== "nan" ? name : quote(name);
}

function formatMatcher(m: LabelMatcher): string {
  return `${formatLabelName(m.name)}${m.op}${quote(m.value)}`;
}

export function formatDurationExpr(d: DurationExpr): string {
  switch (d.type) {
    case "DurationLiteral":
      return d.isNumber ? formatNumber(d.seconds) : formatDurationMs(Math.round(d.seconds * 1000));
    case "DurationParen":
      return `(${formatDurationExpr(d.expr)})`;
    case "DurationUnary": {
      const inner = formatDurationExpr(d.expr);
      return durPrecedence(d.expr) < 7 && d.expr.type !== "DurationUnary" && d.expr.type !== "DurationLiteral" ? `${d.op}(${inner})` : `${d.op}${inner}`;
    }
    case "DurationCall":
      return `${d.func}(${d.args.map(formatDurationExpr).join(", ")})`;
    case "DurationBinary": {
      const p = durPrecedence(d);
      const wrap = (c: DurationExpr, side: "lhs" | "rhs"): string => {
        const s = formatDurationExpr(c);
        return needsParens(durPrecedence(c), p, side) ? `(${s})` : s;
      };
      return `${wrap(d.lhs, "lhs")} ${d.op} ${wrap(d.rhs, "rhs")}`;
    }
  }
}

/** An offset reads back only as a signed atom, so anything else goes in parentheses. */
function formatOffset(d: DurationExpr): string {
  const s = formatDurationExpr(d);
  return d.type === "DurationBinary" ? ` offset (${s})` : ` offset ${s}`;
}

function formatAt(at: AtModifier): string {
  if (at.kind === "start") return " @ start()";
  if (at.kind === "end") return " @ end()";
  return ` @ ${(at.ms / 1000).toFixed(3)}`;
}

function selectorModifiers(vs: VectorSelector): string {
  let s = "";
  if (vs.at !== undefined) s += formatAt(vs.at);
  if (vs.offset !== undefined) s += formatOffset(vs.offset);
  if (vs.anchored) s += " anchored";
  if (vs.smoothed) s += " smoothed";
  return s;
}

function formatSelectorBody(vs: VectorSelector): string {
  const rest: string[] = [];
  let skipped = false;
  // The matcher implied by the name (the last matching one) is not printed.
  let implied = -1;
  if (vs.name !== "") {
    for (let i = vs.matchers.length - 1; i >= 0; i--) {
      const m = vs.matchers[i]!;
      if (m.name === "__name__" && m.op === "=" && m.value === vs.name) {
        implied = i;
        break;
      }
    }
  }
  vs.matchers.forEach((m, i) => {
    if (i === implied && !skipped) {
      skipped = true;
      return;
    }
    rest.push(formatMatcher(m));
  });
  // Prometheus's printer sorts the matchers' text (Go byte order) and joins them with ",".
  rest.sort(compareUtf8);
  if (vs.name === "") return `{${rest.join(",")}}`;
  const bare = isLegacyMetricName(vs.name) && !notMetricWords.has(vs.name.toLowerCase());
  if (bare) return rest.length === 0 ? vs.name : `${vs.name}{${rest.join(",")}}`;
  return `{${[quote(vs.name), ...rest].join(",")}}`;
}

function matchingString(e: BinaryExpr): string {
  const m: VectorMatching | undefined = e.matching;
  if (m === undefined) return "";
  let s = "";
  if (m.hasMatchingClause) {
    s += ` ${m.on ? "on" : "ignoring"} (${m.matchingLabels.map(formatLabelName).join(", ")})`;
    if (m.card === "many-to-one" || m.card === "one-to-many") {
      s += ` ${m.card === "many-to-one" ? "group_left" : "group_right"} (${m.include.map(formatLabelName).join(", ")})`;
    }
  }
  if (m.fillLeft !== undefined && m.fillRight !== undefined && Object.is(m.fillLeft, m.fillRight)) {
    s += ` fill(${formatNumber(m.fillLeft)})`;
  } else {
    if (m.fillLeft !== undefined) s += ` fill_left(${formatNumber(m.fillLeft)})`;
    if (m.fillRight !== undefined) s += ` fill_right(${formatNumber(m.fillRight)})`;
  }
  return s;
}

function binaryOpString(e: BinaryExpr): string {
  return `${e.op}${e.returnBool ? " bool" : ""}${matchingString(e)}`;
}

function aggOpString(e: AggregateExpr): string {
  if (e.without) return `${e.op} without (${e.grouping.map(formatLabelName).join(", ")}) `;
  if (e.hasGrouping || e.grouping.length > 0) return `${e.op} by (${e.grouping.map(formatLabelName).join(", ")}) `;
  return e.op;
}

function wrapChild(c: Expr, parentPrec: number, side: "lhs" | "rhs"): string {
  const s = formatExpr(c);
  return needsParens(exprPrecedence(c), parentPrec, side) ? `(${s})` : s;
}

function subqueryTail(e: Extract<Expr, { type: "SubqueryExpr" }>): string {
  let s = `[${formatDurationExpr(e.range)}:${e.step !== undefined ? formatDurationExpr(e.step) : ""}]`;
  if (e.at !== undefined) s += formatAt(e.at);
  if (e.offset !== undefined) s += formatOffset(e.offset);
  return s;
}

/** Canonical single-line PromQL. */
export function formatExpr(e: Expr): string {
  switch (e.type) {
    case "NumberLiteral":
      return formatNumber(e.value);
    case "StringLiteral":
      return quote(e.value);
    case "VectorSelector":
      return formatSelectorBody(e) + selectorModifiers(e);
    case "MatrixSelector":
      return `${formatSelectorBody(e.vectorSelector)}[${formatDurationExpr(e.range)}]${selectorModifiers(e.vectorSelector)}`;
    case "SubqueryExpr": {
      const inner = formatExpr(e.expr);
      return (exprPrecedence(e.expr) < atomPrecedence ? `(${inner})` : inner) + subqueryTail(e);
    }
    case "Call":
      return `${e.func}(${e.args.map(formatExpr).join(", ")})`;
    case "AggregateExpr": {
      const args = e.param !== undefined ? `${formatExpr(e.param)}, ${formatExpr(e.expr)}` : formatExpr(e.expr);
      return `${aggOpString(e)}(${args})`;
    }
    case "ParenExpr":
      return `(${formatExpr(e.expr)})`;
    case "UnaryExpr": {
      const inner = formatExpr(e.expr);
      const p = exprPrecedence(e.expr);
      return p < 7 && p !== unaryPrecedence ? `${e.op}(${inner})` : `${e.op}${inner}`;
    }
    case "BinaryExpr": {
      const p = binaryPrecedence[e.op] ?? 0;
      return `${wrapChild(e.lhs, p, "lhs")} ${binaryOpString(e)} ${wrapChild(e.rhs, p, "rhs")}`;
    }
  }
}

function indent(level: number): string {
  return "  ".repeat(level);
}

function fits(e: Expr): boolean {
  return formatExpr(e).length <= maxLineLength;
}

/** The multi-line layout of `promtool promql format`. */
export function prettyExpr(e: Expr, level = 0): string {
  const pad = indent(level);
  if (fits(e)) return pad + formatExpr(e);
  switch (e.type) {
    case "AggregateExpr": {
      let s = `${pad}${aggOpString(e)}(\n`;
      if (e.param !== undefined) s += `${prettyExpr(e.param, level + 1)},\n`;
      return `${s}${prettyExpr(e.expr, level + 1)}\n${pad})`;
    }
    case "BinaryExpr": {
      const p = binaryPrecedence[e.op] ?? 0;
      const side = (c: Expr, which: "lhs" | "rhs"): string =>
        needsParens(exprPrecedence(c), p, which) ? `${indent(level + 1)}(\n${prettyExpr(c, level + 2)}\n${indent(level + 1)})` : prettyExpr(c, level + 1);
      return `${side(e.lhs, "lhs")}\n${pad}${binaryOpString(e)}\n${side(e.rhs, "rhs")}`;
    }
    case "Call":
      if (e.args.length === 0) return pad + formatExpr(e);
      return `${pad}${e.func}(\n${e.args.map((a) => prettyExpr(a, level + 1)).join(",\n")}\n${pad})`;
    case "ParenExpr":
      return `${pad}(\n${prettyExpr(e.expr, level + 1)}\n${pad})`;
    case "SubqueryExpr": {
      const inner = exprPrecedence(e.expr) < atomPrecedence ? `${pad}(\n${prettyExpr(e.expr, level + 1)}\n${pad})` : prettyExpr(e.expr, level);
      return inner + subqueryTail(e);
    }
    case "UnaryExpr": {
      const p = exprPrecedence(e.expr);
      if (p < 7 && p !== unaryPrecedence) return `${pad}${e.op}(\n${prettyExpr(e.expr, level + 1)}\n${pad})`;
      return `${pad}${e.op}${prettyExpr(e.expr, level).trimStart()}`;
    }
    default:
      return pad + formatExpr(e);
  }
}

export function format(e: Expr, options?: FormatOptions): string {
  return options?.pretty === true ? prettyExpr(e) : formatExpr(e);
}
