// Logical plan → operator tree, one operator family per folder.
import type { AggregateNode, BinaryNode, CallNode, PlanNode, SelectorNode } from "../../planner/index.js";
import { planType, subquerySpan } from "../../planner/index.js";
import { lookupFunction, type VectorMatching } from "../../promql/index.js";
import { extendedRangeModifierError, instantFunctions, rangeFunctions, doubleExponentialSmoothingArgsError } from "../functions/index.js";
import { badData, execution } from "../errors.js";
import { invalidQuantileWarning, sortIneffectiveWarning } from "../annotations.js";
import { CountValuesOperator } from "../aggregate/count_values.js";
import { HashAggregateOperator } from "../aggregate/hash_aggregate.js";
import { KAggregateOperator } from "../aggregate/k_aggregate.js";
import { isComparison, isSetOp, isTrim } from "../binary/arith.js";
import { ScalarBinaryOperator } from "../binary/scalar_binary.js";
import { SetOperator } from "../binary/set_operator.js";
import { VectorBinaryOperator } from "../binary/vector_binary.js";
import { AbsentOperator, absentLabels } from "../function/absent.js";
import { HistogramQuantileOperator } from "../function/histogram_quantile.js";
import { InstantFunctionOperator, TimeFunctionOperator } from "../function/instant_function.js";
import { checkLabelName, labelJoin, labelReplace } from "../function/label_functions.js";
import { RangeFunctionOperator } from "../function/range_function.js";
import type { RangeSource } from "../function/range_source.js";
import { SortOperator } from "../function/sort.js";
import { NoStartTimestampsOperator, TimestampOperator } from "../function/timestamp.js";
import { HistogramStatOperator, isHistogramStat } from "../function/histogram_stats.js";
import { InfoOperator } from "../function/info.js";
import { ScalarOfVectorOperator, ScalarOperator, VectorOfScalarOperator } from "../literal/literal.js";
import { type Operator, type Timeline, timeline } from "../model.js";
import { MatrixSelectorSource } from "../scan/matrix_selector.js";
import { VectorSelectorOperator } from "../scan/vector_selector.js";
import { StepInvariantOperator } from "../step-invariant/step_invariant.js";
import { SubquerySource } from "../subquery/subquery.js";
import { AnalyzedOperator } from "./analyze.js";
import type { QueryContext } from "./context.js";
import { materializeScalar } from "./scalars.js";

const DEFAULT_MATCHING: VectorMatching = {
  card: "one-to-one",
  on: false,
  hasMatchingClause: false,
  matchingLabels: [],
  include: [],
};

export async function build(ctx: QueryContext, n: PlanNode, tl: Timeline): Promise<Operator> {
  const op = await buildOperator(ctx, n, tl);
  return ctx.analyze === true ? new AnalyzedOperator(op) : op;
}

async function buildOperator(ctx: QueryContext, n: PlanNode, tl: Timeline): Promise<Operator> {
  switch (n.type) {
    case "NumberLiteral":
      return new ScalarOperator(ctx, tl, n.value);
    case "VectorSelector":
      return new VectorSelectorOperator(ctx, n, tl);
    case "StepInvariant":
      return new StepInvariantOperator(ctx, await build(ctx, n.expr, timeline(tl.start, tl.start, tl.step)), tl);
    case "Unary":
      if (n.op === "+") return buildOperator(ctx, n.expr, tl);
      return new ScalarBinaryOperator(ctx, "*", await build(ctx, n.expr, tl), new Float64Array(tl.steps).fill(-1), false, false, n.pos);
    case "Binary":
      return buildBinary(ctx, n, tl);
    case "Aggregate":
      return buildAggregate(ctx, n, tl);
    case "Call":
      return buildCall(ctx, n, tl);
    case "StringLiteral":
    case "MatrixSelector":
    case "Subquery":
      throw badData(`unexpected ${planType(n)} expression here`, n.pos);
  }
}

/** A scalar-valued expression's value at every step. */
export async function scalarArg(ctx: QueryContext, n: PlanNode, tl: Timeline): Promise<Float64Array> {
  return materializeScalar(ctx, await build(ctx, n, tl), tl.steps);
}

async function buildBinary(ctx: QueryContext, n: BinaryNode, tl: Timeline): Promise<Operator> {
  const lt = planType(n.lhs);
  const rt = planType(n.rhs);
  if (lt === "scalar" && rt === "scalar") {
    if (isTrim(n.op)) throw execution(`operator ${JSON.stringify(n.op)} not allowed for scalar operations: trimming needs a histogram on the left`, n.pos);
    return new ScalarBinaryOperator(ctx, n.op, await build(ctx, n.lhs, tl), await scalarArg(ctx, n.rhs, tl), false, n.returnBool || isComparison(n.op));
  }
  if (rt === "scalar") {
    return new ScalarBinaryOperator(ctx, n.op, await build(ctx, n.lhs, tl), await scalarArg(ctx, n.rhs, tl), false, n.returnBool, n.pos);
  }
  if (lt === "scalar") {
    return new ScalarBinaryOperator(ctx, n.op, await build(ctx, n.rhs, tl), await scalarArg(ctx, n.lhs, tl), true, n.returnBool, n.pos);
  }
  const [l, r] = [await build(ctx, n.lhs, tl), await build(ctx, n.rhs, tl)];
  if (isSetOp(n.op)) return new SetOperator(ctx, n.op as "and" | "or" | "unless", l, r, n.matching);
  return new VectorBinaryOperator(ctx, n.op, l, r, n.matching ?? DEFAULT_MATCHING, n.returnBool, n.pos);
}

async function buildAggregate(ctx: QueryContext, n: AggregateNode, tl: Timeline): Promise<Operator> {
  const input = await build(ctx, n.expr, tl);
  switch (n.op) {
    case "topk":
    case "bottomk":
    case "limitk":
    case "limit_ratio":
      return new KAggregateOperator(ctx, n.op, input, n.grouping, n.without, await scalarArg(ctx, n.param!, tl), n.param?.pos, n.pos);
    case "count_values": {
      if (n.param?.type !== "StringLiteral") throw badData("count_values: label must be a string", n.pos);
      checkLabelName(n.param.value, "");
      return new CountValuesOperator(ctx, input, n.param.value, n.grouping, n.without);
    }
    case "quantile":
      return new HashAggregateOperator(ctx, n.op, input, n.grouping, n.without, await scalarArg(ctx, n.param!, tl), n.param?.pos, n.expr.pos);
    default:
      return new HashAggregateOperator(ctx, n.op, input, n.grouping, n.without, undefined, undefined, n.expr.pos);
  }
}

function stringArg(n: PlanNode | undefined, fn: string): string {
  if (n?.type !== "StringLiteral") throw badData(`expected a string argument to ${fn}()`, n?.pos);
  return n.value;
}

/** Strips step-invariant wrappers to see what an argument really is. */
function unwrap(n: PlanNode): PlanNode {
  return n.type === "StepInvariant" ? unwrap(n.expr) : n;
}

async function buildCall(ctx: QueryContext, n: CallNode, tl: Timeline): Promise<Operator> {
  const f = n.func;
  const matrixAt = n.args.findIndex((a) => planType(a) === "matrix");
  if (matrixAt >= 0) return buildRangeCall(ctx, n, tl, matrixAt);
  switch (f) {
    case "time":
      return new ScalarOperator(ctx, tl, "time");
    case "pi":
      return new ScalarOperator(ctx, tl, Math.PI);
    case "min_of":
    case "max_of":
      return new ScalarBinaryOperator(ctx, f, await build(ctx, n.args[0]!, tl), await scalarArg(ctx, n.args[1]!, tl), false, false);
    case "scalar":
      return new ScalarOfVectorOperator(ctx, await build(ctx, n.args[0]!, tl));
    case "vector":
      return new VectorOfScalarOperator(await build(ctx, n.args[0]!, tl));
    case "timestamp": {
      const arg = unwrap(n.args[0]!);
      if (arg.type === "VectorSelector") return new VectorSelectorOperator(ctx, arg, tl, { timestampValues: true });
      return new TimestampOperator(await build(ctx, n.args[0]!, tl));
    }
    case "start_timestamp": {
      const arg = unwrap(n.args[0]!);
      if (arg.type === "VectorSelector") return new VectorSelectorOperator(ctx, arg, tl, { startTimestampValues: true });
      return new NoStartTimestampsOperator(await build(ctx, n.args[0]!, tl));
    }
    case "absent": {
      const arg = unwrap(n.args[0]!);
      return new AbsentOperator(ctx, await build(ctx, n.args[0]!, tl), absentLabels(arg.type === "VectorSelector" ? arg : undefined), f);
    }
    case "label_replace":
      return labelReplace(
        await build(ctx, n.args[0]!, tl),
        stringArg(n.args[1], f),
        stringArg(n.args[2], f),
        stringArg(n.args[3], f),
        stringArg(n.args[4], f),
      );
    case "label_join":
      return labelJoin(
        await build(ctx, n.args[0]!, tl),
        stringArg(n.args[1], f),
        stringArg(n.args[2], f),
        n.args.slice(3).map((a) => stringArg(a, f)),
      );
    case "sort":
    case "sort_desc":
    case "sort_by_label":
    case "sort_by_label_desc": {
      if (ctx.isRangeQuery && tl.steps > 1) {
        ctx.annotations.report(sortIneffectiveWarning(), n.pos);
      }
      const labels = n.args.slice(1).map((a) => stringArg(a, f));
      return new SortOperator(ctx, f, await build(ctx, n.args[0]!, tl), labels);
    }
    case "histogram_quantile":
      return new HistogramQuantileOperator(ctx, f, await build(ctx, n.args[1]!, tl), [await scalarArg(ctx, n.args[0]!, tl)], n.args[0]!.pos, n.args[1]!.pos);
    case "histogram_quantiles": {
      const qs: Float64Array[] = [];
      for (const a of n.args.slice(2)) qs.push(await scalarArg(ctx, a, tl));
      const label = stringArg(n.args[1], f);
      checkLabelName(label, f);
      return new HistogramQuantileOperator(ctx, f, await build(ctx, n.args[0]!, tl), qs, n.args[2]?.pos, n.args[0]!.pos, label);
    }
    case "histogram_fraction":
      return new HistogramQuantileOperator(
        ctx,
        f,
        await build(ctx, n.args[2]!, tl),
        [await scalarArg(ctx, n.args[0]!, tl), await scalarArg(ctx, n.args[1]!, tl)],
        n.args[0]!.pos,
        n.args[2]!.pos,
      );
    case "info":
      return new InfoOperator(ctx, n, tl, await build(ctx, n.args[0]!, tl));
  }
  if (isHistogramStat(f)) return new HistogramStatOperator(await build(ctx, n.args[0]!, tl), f);
  if (instantFunctions[f] !== undefined) {
    if (n.args.length === 0) return new TimeFunctionOperator(ctx, f, tl);
    const input = await build(ctx, n.args[0]!, tl);
    const args: Float64Array[] = [];
    for (const a of n.args.slice(1)) args.push(await scalarArg(ctx, a, tl));
    return new InstantFunctionOperator(ctx, f, input, args);
  }
  throw badData(`unknown function with name ${JSON.stringify(f)}`, n.pos);
}

async function buildRangeCall(ctx: QueryContext, n: CallNode, tl: Timeline, matrixAt: number): Promise<Operator> {
  const f = n.func;
  const m = unwrap(n.args[matrixAt]!);
  const source = await rangeSource(ctx, m, tl);
  if (source.anchored || source.smoothed) {
    const err = extendedRangeModifierError(f, source.anchored, source.smoothed);
    if (err !== undefined) throw badData(err, n.pos);
  }
  const args: Float64Array[] = [];
  for (let i = 0; i < n.args.length; i++) if (i !== matrixAt) args.push(await scalarArg(ctx, n.args[i]!, tl));
  if (f === "absent_over_time") {
    const counted = new RangeFunctionOperator(ctx, "count_over_time", source, [], tl, m.pos);
    const sel: SelectorNode | undefined = m.type === "MatrixSelector" ? m.selector : undefined;
    return new AbsentOperator(ctx, counted, absentLabels(sel), f);
  }
  if (f === "double_exponential_smoothing") {
    const err = doubleExponentialSmoothingArgsError(args[0]?.[0] ?? NaN, args[1]?.[0] ?? NaN);
    if (err !== undefined) throw badData(err, n.pos);
  }
  if (f === "quantile_over_time") {
    const q = args[0]!;
    for (let i = 0; i < q.length; i++) {
      const invalid = invalidQuantileWarning(q[i]!);
      if (invalid !== undefined) {
        ctx.annotations.report(invalid, n.args[0]!.pos);
        break;
      }
    }
  }
  if (rangeFunctions[f] === undefined) throw badData(`unknown function with name ${JSON.stringify(f)}`, n.pos);
  return new RangeFunctionOperator(ctx, f, source, args, tl, m.pos);
}

async function rangeSource(ctx: QueryContext, m: PlanNode, tl: Timeline): Promise<RangeSource> {
  if (m.type === "MatrixSelector") return new MatrixSelectorSource(ctx, m, tl);
  if (m.type === "Subquery") {
    const span = subquerySpan(tl, m.rangeMs, m.stepMs, m.offsetMs, m.atMs);
    const inner = await build(ctx, m.expr, timeline(span.start, span.end, span.step));
    return new SubquerySource(ctx, m, inner);
  }
  throw badData(`expected a range vector`, m.pos);
}
