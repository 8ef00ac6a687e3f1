// The planner: PromQL AST → logical plan, then optimisation passes (one per file).
import type { Expr } from "../promql/index.js";
import { fromAst } from "./from_ast.js";
import { mergeSelects } from "./merge_selects.js";
import type { PlanContext, PlanNode } from "./plan.js";
import { fillSelectorHints } from "./selector_hints.js";
import { planDownsampledReads } from "./downsampled_reads.js";
import { wrapStepInvariant } from "./step_invariant.js";
import { markHistogramStatsReads } from "./histogram_stats.js";

export type * from "./plan.js";
export { planType, children } from "./plan.js";
export { PlanError } from "./errors.js";
export { fromAst, durationMs } from "./from_ast.js";
export { wrapStepInvariant } from "./step_invariant.js";
export { mergeSelects, matchersKey } from "./merge_selects.js";
export { fillSelectorHints } from "./selector_hints.js";
export { markHistogramStatsReads, statsReadExtension } from "./histogram_stats.js";
export { planDownsampledReads } from "./downsampled_reads.js";
export { subquerySpan, selectorDataRange, type Span } from "./timelines.js";
export {
  estimateCost,
  checkQueryCost,
  STATISTICS_FACTOR,
  TOO_MANY_SAMPLES,
  type QueryCost,
  type SelectorCost,
  type CostLimit,
  type CostLimits,
  type CostRefusal,
} from "./estimate.js";

/** Builds the optimised logical plan for a parsed query. */
export function plan(expr: Expr, ctx: PlanContext): PlanNode {
  let root = fromAst(expr, ctx);
  // Only range queries gain from evaluating invariant subtrees once.
  if (ctx.stepMs > 0 && ctx.endMs > ctx.startMs) root = wrapStepInvariant(root);
  root = fillSelectorHints(root, ctx);
  root = markHistogramStatsReads(root);
  root = planDownsampledReads(root, ctx);
  root = mergeSelects(root, ctx);
  return root;
}
