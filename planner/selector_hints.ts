// Pass: tell each selector's store request what encloses it (function, range, grouping, step),
// as Thanos query hints, so stores can pick a resolution or push an aggregation down.
import type { PlanContext, PlanNode } from "./plan.js";
import { children } from "./plan.js";

interface Enclosing {
  func?: string;
  grouping?: { by: boolean; labels: readonly string[] };
}

export function fillSelectorHints(root: PlanNode, ctx: PlanContext): PlanNode {
  visit(root, {}, ctx);
  return root;
}

function visit(n: PlanNode, enc: Enclosing, ctx: PlanContext): void {
  switch (n.type) {
    case "VectorSelector":
      n.hints = { stepMillis: ctx.stepMs, func: enc.func, grouping: enc.grouping };
      return;
    case "MatrixSelector":
      n.selector.hints = { stepMillis: ctx.stepMs, func: enc.func, grouping: enc.grouping, rangeMillis: n.rangeMs };
      return;
    case "Call":
      for (const a of n.args) visit(a, { func: n.func, grouping: enc.grouping }, ctx);
      return;
    case "Aggregate":
      if (n.param) visit(n.param, {}, ctx);
      visit(n.expr, { grouping: { by: !n.without, labels: n.grouping } }, ctx);
      return;
    default:
      for (const c of children(n)) visit(c, {}, ctx);
  }
}
