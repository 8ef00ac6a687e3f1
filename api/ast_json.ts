// /api/v1/parse_query: the AST as the JSON tree Prometheus 3 returns (the
// shape its UI's tree view reads: "type" of camelCase node kinds, durations in ms).
import { DurationEvalError, evalDurationSeconds, type AtModifier, type DurationExpr, type Expr, type LabelMatcher } from "../promql/index.js";
import { formatFloatF } from "./format.js";

/** What the function catalog knows of a function, for the "func" object of a call. */
export interface FunctionSignature {
  argTypes: string[];
  variadic: number;
  returnType: string;
}

export type FunctionLookup = (name: string) => FunctionSignature | undefined;

export function astToJson(node: Expr | undefined, lookup?: FunctionLookup): unknown {
  if (node === undefined) return null;
  switch (node.type) {
    case "AggregateExpr":
      return {
        type: "aggregation",
        op: node.op,
        expr: astToJson(node.expr, lookup),
        param: astToJson(node.param, lookup),
        grouping: node.grouping,
        without: node.without,
      };
    case "BinaryExpr": {
      const m = node.matching;
      const matching =
        m === undefined
          ? null
          : {
              card: m.card,
              labels: m.matchingLabels,
              on: m.on,
              include: m.include,
              fillValues: { lhs: m.fillLeft ?? null, rhs: m.fillRight ?? null },
            };
      return {
        type: "binaryExpr",
        op: node.op,
        lhs: astToJson(node.lhs, lookup),
        rhs: astToJson(node.rhs, lookup),
        matching,
        bool: node.returnBool,
      };
    }
    case "Call": {
      const sig = lookup?.(node.func);
      return {
        type: "call",
        func: {
          name: node.func,
          argTypes: sig?.argTypes ?? [],
          variadic: sig?.variadic ?? 0,
          returnType: sig?.returnType ?? "",
        },
        args: node.args.map((a) => astToJson(a, lookup)),
      };
    }
    case "MatrixSelector": {
      const vs = node.vectorSelector;
      return {
        type: "matrixSelector",
        name: vs.name,
        range: durationMs(node.range),
        offset: durationMs(vs.offset),
        matchers: matchersJson(vs.matchers),
        timestamp: atTimestamp(vs.at),
        startOrEnd: atStartOrEnd(vs.at),
        anchored: vs.anchored,
        smoothed: vs.smoothed,
      };
    }
    case "SubqueryExpr":
      return {
        type: "subquery",
        expr: astToJson(node.expr, lookup),
        range: durationMs(node.range),
        offset: durationMs(node.offset),
        step: durationMs(node.step),
        timestamp: atTimestamp(node.at),
        startOrEnd: atStartOrEnd(node.at),
        alignEvalTime: false,
      };
    case "NumberLiteral":
      return { type: "numberLiteral", val: formatFloatF(node.value) };
    case "ParenExpr":
      return { type: "parenExpr", expr: astToJson(node.expr, lookup) };
    case "StringLiteral":
      return { type: "stringLiteral", val: node.value };
    case "UnaryExpr":
      return { type: "unaryExpr", op: node.op, expr: astToJson(node.expr, lookup) };
    case "VectorSelector":
      return {
        type: "vectorSelector",
        name: node.name,
        offset: durationMs(node.offset),
        matchers: matchersJson(node.matchers),
        timestamp: atTimestamp(node.at),
        startOrEnd: atStartOrEnd(node.at),
        anchored: node.anchored,
        smoothed: node.smoothed,
      };
  }
}

function matchersJson(matchers: readonly LabelMatcher[]): unknown[] {
  return matchers.map((m) => ({ name: m.name, value: m.value, type: m.op }));
}

function atTimestamp(at: AtModifier | undefined): number | null {
  return at?.kind === "timestamp" ? at.ms : null;
}

function atStartOrEnd(at: AtModifier | undefined): string | null {
  return at === undefined || at.kind === "timestamp" ? null : at.kind;
}

/**
 * A duration expression in ms for display; step() and range() have no value outside a
 * query, so 0, and an expression that cannot be evaluated (a division by zero) shows as 0.
 */
export function durationMs(d: DurationExpr | undefined): number {
  if (d === undefined) return 0;
  try {
    return Math.round(evalDurationSeconds(d, { stepMs: 0, rangeMs: 0 }) * 1000);
  } catch (err) {
    if (err instanceof DurationEvalError) return 0;
    throw err;
  }
}
