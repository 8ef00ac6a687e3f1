// AST → logical plan: resolve durations (with the query's step and range) and `@`, drop parentheses.
import { DurationEvalError, evalDurationSeconds, type AtModifier, type DurationExpr, type Expr } from "../promql/index.js";
import type { PlanContext, PlanNode, SelectorNode } from "./plan.js";
import { PlanError } from "./errors.js";

export function fromAst(e: Expr, ctx: PlanContext): PlanNode {
  switch (e.type) {
    case "NumberLiteral":
    case "StringLiteral":
      return { ...e };
    case "ParenExpr":
      return fromAst(e.expr, ctx);
    case "VectorSelector":
      return {
        type: "VectorSelector",
        name: e.name,
        matchers: e.matchers,
        offsetMs: e.offset ? durationMs(e.offset, ctx) : 0,
        atMs: resolveAt(e.at, ctx),
        anchored: e.anchored,
        smoothed: e.smoothed,
        pos: e.pos,
        hints: {},
      };
    case "MatrixSelector": {
      const rangeMs = durationMs(e.range, ctx);
      if (rangeMs <= 0) throw new PlanError(`duration must be greater than 0`, e.range.pos);
      return { type: "MatrixSelector", selector: fromAst(e.vectorSelector, ctx) as SelectorNode, rangeMs, pos: e.pos };
    }
    case "SubqueryExpr": {
      const rangeMs = durationMs(e.range, ctx);
      if (rangeMs <= 0) throw new PlanError(`duration must be greater than 0`, e.range.pos);
      const stepMs = e.step ? durationMs(e.step, ctx) : ctx.defaultEvaluationIntervalMs;
      if (stepMs <= 0) throw new PlanError(`duration must be greater than 0`, e.step?.pos ?? e.pos);
      return {
        type: "Subquery",
        expr: fromAst(e.expr, ctx),
        rangeMs,
        stepMs,
        offsetMs: e.offset ? durationMs(e.offset, ctx) : 0,
        atMs: resolveAt(e.at, ctx),
        pos: e.pos,
      };
    }
    case "Call": {
      // step(), range(), start() and end() are constants of the query: fold them here.
      const folded = e.args.length === 0 ? queryConstant(e.func, ctx) : undefined;
      if (folded !== undefined) return { type: "NumberLiteral", value: folded, pos: e.pos };
      return { type: "Call", func: e.func, args: e.args.map((a) => fromAst(a, ctx)), pos: e.pos };
    }
    case "AggregateExpr":
      return {
        type: "Aggregate",
        op: e.op,
        expr: fromAst(e.expr, ctx),
        param: e.param ? fromAst(e.param, ctx) : undefined,
        grouping: e.grouping,
        without: e.without,
        pos: e.pos,
      };
    case "BinaryExpr":
      return {
        type: "Binary",
        op: e.op,
        lhs: fromAst(e.lhs, ctx),
        rhs: fromAst(e.rhs, ctx),
        matching: e.matching,
        returnBool: e.returnBool,
        pos: e.pos,
      };
    case "UnaryExpr":
      return { type: "Unary", op: e.op, expr: fromAst(e.expr, ctx), pos: e.pos };
  }
}

function queryConstant(func: string, ctx: PlanContext): number | undefined {
  switch (func) {
    case "step":
      return ctx.stepMs / 1000;
    case "range":
      return (ctx.endMs - ctx.startMs) / 1000;
    case "start":
      return ctx.startMs / 1000;
    case "end":
      return ctx.endMs / 1000;
    default:
      return undefined;
  }
}

function resolveAt(at: AtModifier | undefined, ctx: PlanContext): number | undefined {
  if (at === undefined) return undefined;
  if (at.kind === "start") return ctx.startMs;
  if (at.kind === "end") return ctx.endMs;
  return at.ms;
}

/** A duration expression in ms; `step()` is the query step and `range()` its end − start. */
export function durationMs(d: DurationExpr, ctx: PlanContext): number {
  try {
    return Math.round(evalDurationSeconds(d, { stepMs: ctx.stepMs, rangeMs: ctx.endMs - ctx.startMs }) * 1000);
  } catch (err) {
    if (err instanceof DurationEvalError) throw new PlanError(err.message, err.pos ?? d.pos);
    throw err;
  }
}
