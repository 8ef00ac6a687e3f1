import { test } from "node:test";
import assert from "node:assert/strict";
import { checkQueryCost, type PlanContext, type QueryCost } from "./index.js";

const instant: PlanContext = { startMs: 0, endMs: 0, stepMs: 0, lookbackDeltaMs: 300_000, defaultEvaluationIntervalMs: 60_000 };

function cost(samples: number, series: number, basis: QueryCost["basis"]): QueryCost {
  const sel = { selector: 'x{job="a"}', pos: { start: 0, end: 1 }, request: { minTime: -299_999, maxTime: 0, matchers: [] }, pinned: false, minTime: -299_999, maxTime: 0, series, samples, basis, stores: [] };
  return { series, samples, basis, steps: 1, resultSamples: 0, selectors: [sel] };
}

test("a sample estimate, exact or on statistics, is refused only over twice the limit (the steps with data are unknown); an assumed one never", async () => {
  const limits = { samples: { max: 1000, name: "--query.max-samples" } };
  assert.equal(await checkQueryCost(cost(2000, 1, "exact"), limits, instant), undefined);
  const refused = await checkQueryCost(cost(2001, 1, "exact"), limits, instant);
  assert.equal(refused?.limit, "samples");
  assert.match(refused!.message, /^query processing would load too many samples into memory in query execution: estimated 2001 samples .*x\{job="a"\} \(1 series, 2001 samples\)/);
  assert.equal(await checkQueryCost(cost(2000, 1, "statistics"), limits, instant), undefined);
  assert.equal((await checkQueryCost(cost(2001, 1, "statistics"), limits, instant))?.limit, "samples");
  assert.equal(await checkQueryCost(cost(1e9, 1, "assumed"), limits, instant), undefined);
});

test("a series limit names itself and the selectors", async () => {
  const refused = await checkQueryCost(cost(10, 501, "exact"), { series: { max: 500, name: "series per query" } }, instant);
  assert.equal(refused?.limit, "series");
  assert.match(refused!.message, /^query would fetch too many series: estimated 501 series before any chunk was read \(limit 500, series per query\); selectors matching the most series: x\{job="a"\} \(501 series/);
  assert.equal(refused!.message, `query would fetch too many series: ${refused!.detail}`, "the detail is the message without Prometheus's words, for a caller's own");
});
