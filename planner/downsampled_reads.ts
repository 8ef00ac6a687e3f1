// Pass: when a query may read downsampled data, tell each selector which aggregate to read (as
// Thanos's querier does from the enclosing function) and rewrite the two functions whose answer
// over windows needs more than one aggregate point per window:
//   count_over_time(x) → sum_over_time of the count aggregate (a window's count is many samples);
//   avg_over_time(x)   → sum_over_time of sums / sum_over_time of counts (the exact mean).
// Raw chunks read through the same aggregates give the raw answer, so mixed tiers stay exact.
import type { ReadAggregate } from "../storeapi/index.js";
import type { BinaryNode, CallNode, MatrixNode, PlanContext, PlanNode, SelectorNode } from "./plan.js";

/** The aggregate each enclosing function reads (Thanos's aggrsFromFunc); anything else reads the window average. */
const READ_BY_FUNCTION: Readonly<Record<string, ReadAggregate>> = {
  min_over_time: "min",
  max_over_time: "max",
  count_over_time: "count",
  sum_over_time: "sum",
  rate: "counter",
  increase: "counter",
  irate: "counter",
  resets: "counter",
};

export function planDownsampledReads(root: PlanNode, ctx: PlanContext): PlanNode {
  if (!((ctx.maxResolutionMs ?? 0) > 0)) return root;
  return visit(root);
}

function visit(n: PlanNode): PlanNode {
  switch (n.type) {
    case "VectorSelector":
      n.read ??= "avg";
      return n;
    case "MatrixSelector":
      n.selector.read ??= READ_BY_FUNCTION[n.selector.hints.func ?? ""] ?? "avg";
      return n;
    case "Call": {
      const arg = n.args[0];
      if (arg?.type === "MatrixSelector" && n.func === "count_over_time") {
        arg.selector.read = "count";
        return { ...n, func: "sum_over_time" };
      }
      if (arg?.type === "MatrixSelector" && n.func === "avg_over_time") return meanOfWindows(n, arg);
      n.args = n.args.map(visit);
      return n;
    }
    default:
      replaceChildren(n);
      return n;
  }
}

/** sum_over_time(x as sums) / sum_over_time(x as counts), matched on all labels. */
function meanOfWindows(call: CallNode, arg: MatrixNode): BinaryNode {
  const as = (read: ReadAggregate): CallNode => {
    const selector: SelectorNode = { ...arg.selector, matchers: [...arg.selector.matchers], read };
    return { type: "Call", func: "sum_over_time", args: [{ ...arg, selector }], pos: call.pos };
  };
  return {
    type: "Binary",
    op: "/",
    lhs: as("sum"),
    rhs: as("count"),
    matching: { card: "one-to-one", on: false, hasMatchingClause: false, matchingLabels: [], include: [] },
    returnBool: false,
    pos: call.pos,
  };
}

function replaceChildren(n: PlanNode): void {
  switch (n.type) {
    case "Subquery":
    case "Unary":
    case "StepInvariant":
      n.expr = visit(n.expr);
      return;
    case "Aggregate":
      n.expr = visit(n.expr);
      if (n.param) n.param = visit(n.param);
      return;
    case "Binary":
      n.lhs = visit(n.lhs);
      n.rhs = visit(n.rhs);
      return;
  }
}
