// Pass: mark the selectors whose histograms only feed histogram_count/sum/avg, as Prometheus's
// detectHistogramStatsDecoding does. Prometheus reads those through its HistogramStatsIterator,
// which sets counter-reset hints by detecting resets on the fly, and the hints it gives decide
// which "conflicting counter resets" warnings sum/avg raise; the engine reproduces that read.
import type { PlanNode, SelectorNode } from "./plan.js";
import { children } from "./plan.js";

/** Functions that need only a histogram's count and sum. */
const STATS_FUNCTIONS = new Set(["histogram_count", "histogram_sum", "histogram_avg"]);
/** Functions that need the buckets, whatever encloses them. */
const BUCKET_FUNCTIONS = new Set(["histogram_quantile", "histogram_quantiles", "histogram_fraction"]);

export function markHistogramStatsReads(root: PlanNode): PlanNode {
  visit(root, false);
  return root;
}

/**
 * `stats`: a stats function encloses n. A subquery, a bucket function or a trim anywhere above a
 * selector keeps its buckets (Prometheus walks the whole path up and stops at the first of them),
 * so the walk down does not pass them.
 */
function visit(n: PlanNode, stats: boolean): void {
  switch (n.type) {
    case "VectorSelector":
      if (stats) n.histogramStats = true;
      return;
    case "MatrixSelector":
      if (stats) n.selector.histogramStats = true;
      return;
    case "Subquery":
      return;
    case "Call":
      if (BUCKET_FUNCTIONS.has(n.func)) return;
      for (const a of n.args) visit(a, stats || STATS_FUNCTIONS.has(n.func));
      return;
    case "Binary":
      if (n.op === "</" || n.op === ">/") return;
      break;
  }
  for (const c of children(n)) visit(c, stats);
}

/**
 * How far left of its window a selector reads: a stats read starts at the window's first
 * millisecond, as Prometheus's seek does, so a sample there can be the one a reset is detected against.
 */
export function statsReadExtension(sel: SelectorNode): number {
  return sel.histogramStats ? 1 : 0;
}
