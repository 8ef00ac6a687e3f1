import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "../promql/index.js";
import { plan, type PlanContext, type PlanNode, type SelectorNode } from "./index.js";
import { children } from "./plan.js";

const ctx: PlanContext = { startMs: 0, endMs: 0, stepMs: 0, lookbackDeltaMs: 300_000, defaultEvaluationIntervalMs: 60_000 };

/** Metric name → whether its selector is marked for a stats read. */
function marks(q: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const visit = (n: PlanNode): void => {
    const s: SelectorNode | undefined = n.type === "VectorSelector" ? n : n.type === "MatrixSelector" ? n.selector : undefined;
    if (s !== undefined) out[s.name] = s.histogramStats === true;
    for (const c of children(n)) visit(c);
  };
  visit(plan(parse(q), ctx));
  return out;
}

test("selectors under histogram_count/sum/avg are read for stats, through aggregations and range functions", () => {
  assert.deepEqual(marks("histogram_count(sum(a)) + b"), { a: true, b: false });
  assert.deepEqual(marks("histogram_avg(sum_over_time(a[5m]))"), { a: true });
  assert.deepEqual(marks("histogram_sum(a * on() group_left b)"), { a: true, b: true });
});

test("a subquery, a bucket function or a trim anywhere on the way up keeps the buckets", () => {
  assert.deepEqual(marks("histogram_count(increase(a[40m:9m]))"), { a: false });
  assert.deepEqual(marks("histogram_count(a </ 2)"), { a: false });
  assert.deepEqual(marks("histogram_fraction(0, 1, sum(histogram_count(a)))"), { a: false });
  assert.deepEqual(marks("max_over_time(histogram_count(a)[5m:1m])"), { a: false });
});

test("a stats read fetches one millisecond more on the left, where Prometheus's seek lands", () => {
  const stats = plan(parse("histogram_count(a)"), ctx) as { args: SelectorNode[] };
  const plain = plan(parse("a"), ctx) as SelectorNode;
  assert.equal(stats.args[0]!.fetch!.minTime, plain.fetch!.minTime - 1);
});
