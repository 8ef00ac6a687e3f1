import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterResetHint } from "../../storeapi/index.js";
import { histogramInstantDelta, histogramWindowDelta } from "./rate.js";
import { assertHistogram, hist } from "./fixtures.js";

// Expected values are the results of ../shared/promqltest evals, cited as file:line. The evals
// include extrapolation (nh-flow's), so each test applies the eval's factor to the delta.

test("increase with a reset visible in one bucket only: native_histograms.test:1062 (delta × 1.5 extrapolation)", () => {
  const window = [
    hist("{{schema:0 count:4 sum:5 buckets:[1 2 1]}}"),
    hist("{{schema:0 count:5 sum:6 buckets:[1 1 3]}}"),
    hist("{{schema:0 count:6 sum:7 buckets:[1 2 3]}}"),
  ];
  const r = histogramWindowDelta(window, true, "reset_in_bucket");
  assert.deepEqual(r.annotations, []);
  assertHistogram(r.histogram, "{{count:6 sum:7 buckets:[1 2 3] counter_reset_hint:gauge}}");
  assertHistogram(r.histogram!.mul(1.5), "{{count:9 sum:10.5 buckets:[1.5 3 4.5]}}");
  assert.equal(window[2].count, 6, "the window is not changed");
});

test("rate over a schema switch counts from an empty histogram: native_histograms.test:1131 and :1138", () => {
  const custom = "{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}";
  const exp = "{{schema:0 sum:5 count:4 buckets:[1 2 1]}}";
  const toExp = histogramWindowDelta([hist(custom), hist(exp)], true, "some_metric");
  assert.deepEqual(toExp.annotations, []);
  assertHistogram(toExp.histogram!.div(48), "{{count:0.08333333333333333 sum:0.10416666666666666 counter_reset_hint:gauge buckets:[0.020833333333333332 0.041666666666666664 0.020833333333333332]}}");
  const toCustom = histogramWindowDelta([hist("{{schema:0 sum:1 count:1 buckets:[1]}}"), hist(custom)], true, "some_metric");
  assertHistogram(toCustom.histogram!.div(30), "{{schema:-53 sum:0.03333333333333333 count:0.03333333333333333 custom_values:[5 10] buckets:[0.03333333333333333]}}");
});

test("rate over exponential and custom buckets mixed gives nothing and warns: native_histograms.test:1112 and :1117", () => {
  const warning = {
    kind: "warning",
    message: 'vector contains a mix of histograms with exponential and custom buckets schemas for metric name "some_metric"',
  };
  const e1 = hist("{{schema:0 sum:1 count:1 buckets:[1]}}");
  const c = hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}");
  const e2 = hist("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}");
  for (const window of [[e1, c, e2], [c, e2, c]]) {
    const r = histogramWindowDelta(window, true, "some_metric");
    assert.equal(r.histogram, undefined);
    assert.deepEqual(r.annotations, [warning]);
  }
});

test("rate over gauge histograms warns once: native_histograms.test:1095 and :1100", () => {
  const window = [
    hist("{{schema:0 sum:1 count:1 buckets:[1] counter_reset_hint:gauge}}"),
    hist("{{schema:0 sum:2 count:2 buckets:[2] counter_reset_hint:gauge}}"),
    hist("{{schema:0 sum:3 count:3 buckets:[3] counter_reset_hint:gauge}}"),
  ];
  const r = histogramWindowDelta(window.slice(1), true, "some_metric");
  assert.deepEqual(r.annotations, [{ kind: "warning", message: 'this native histogram metric is not a counter: "some_metric"' }]);
  assertHistogram(r.histogram!.div(30), "{{count:0.03333333333333333 sum:0.03333333333333333 buckets:[0.03333333333333333]}}");
  assert.equal(histogramWindowDelta(window, true, "some_metric").annotations.length, 1, "one warning for three gauge samples");
});

test("delta over counter histograms warns not a gauge: native_histograms.test:1322 shape", () => {
  const window = [hist("{{schema:-53 sum:1 count:1 custom_values:[5] buckets:[1]}}"), hist("{{schema:-53 sum:1 count:1 custom_values:[5] buckets:[1]}}")];
  const r = histogramWindowDelta(window, false, "nhcb_metric");
  assert.deepEqual(r.annotations, [{ kind: "warning", message: 'this native histogram metric is not a gauge: "nhcb_metric"' }]);
  assertHistogram(r.histogram, "{{schema:-53 custom_values:[5] counter_reset_hint:gauge}}");
});

test("the window's lowest schema wins; a reset at the 2nd sample drops the 1st, later resets add back", () => {
  // Hand-derived from Prometheus's histogramRate: 10 → 3 is a reset right after the first sample, so
  // counting starts from empty; 3 (schema 0) → 5 (schema 1) is a resolution increase, i.e. a reset,
  // so 3 is added back: 5 + 3 at schema 0.
  const window = [
    hist("{{schema:1 count:10 sum:10 buckets:[4 6]}}"),
    hist("{{schema:0 count:3 sum:3 buckets:[3]}}"),
    hist("{{schema:1 count:5 sum:5 buckets:[2 3]}}"),
  ];
  const r = histogramWindowDelta(window, true);
  assertHistogram(r.histogram, "{{schema:0 count:8 sum:8 buckets:[5 3] counter_reset_hint:gauge}}");
});

test("irate/idelta over NHCBs with different bounds: native_histograms.test:2014, :2022, :2033", () => {
  const info = { kind: "info", message: "mismatched custom buckets were reconciled during subtraction" };
  const add = histogramInstantDelta(
    hist("{{schema:-53 sum:55 count:15 custom_values:[2 4 6] buckets:[1 2 5 7]}}"),
    hist("{{schema:-53 sum:555 count:450 custom_values:[1 2 3 4 5 6 7 8] buckets:[10 20 30 40 50 60 70 80 90]}}"),
    true,
  );
  assert.deepEqual(add.annotations, [info]);
  assertHistogram(add.histogram!.div(60).mul(60), "{{schema:-53 sum:500 count:435 custom_values:[2 4 6] buckets:[29 68 105 233]}}");
  const remove = histogramInstantDelta(
    hist("{{schema:-53 sum:55 count:45 custom_values:[1 2 3 4 5 6 7 8] buckets:[1 2 3 4 5 6 7 8 9]}}"),
    hist("{{schema:-53 sum:5560 count:1000 custom_values:[3 5 7] buckets:[100 200 300 400]}}"),
    true,
  );
  assertHistogram(remove.histogram, "{{schema:-53 sum:5505 count:955 custom_values:[3 5 7] buckets:[94 191 287 383]}}");
  const reset = histogramInstantDelta(
    hist("{{schema:-53 sum:55 count:15 custom_values:[2 4 6] buckets:[1 2 5 7]}}"),
    hist("{{schema:-53 sum:56 count:15 custom_values:[2 3 4 6] buckets:[1 0 1 5 8]}}"),
    true,
  );
  assert.deepEqual(reset.annotations, [], ":2033 expects no info: a reset keeps the later histogram as it is");
  assertHistogram(reset.histogram, "{{schema:-53 sum:56 count:15 custom_values:[2 3 4 6] buckets:[1 0 1 5 8] counter_reset_hint:gauge}}");
  const idelta = histogramInstantDelta(hist("{{count:1 sum:1 buckets:[1]}}"), hist("{{count:3 sum:3 buckets:[3]}}"), false);
  assert.equal(idelta.histogram!.counterResetHint, CounterResetHint.Gauge);
  assert.equal(idelta.annotations[0].message, 'this native histogram metric is not a gauge: ""');
});

test("a start-timestamp reset counts like a detected one (start_timestamps.test, cumulative histograms)", () => {
  // Hand-derived: 10 → 15 → 18 with the counter restarted (by its start timestamp) before 18.
  const window = [hist("{{count:10 sum:10}}"), hist("{{count:15 sum:15}}"), hist("{{count:18 sum:18}}")];
  assertHistogram(histogramWindowDelta(window, true).histogram, "{{count:8 sum:8}}");
  assertHistogram(histogramWindowDelta(window, true, "", [false, false, true]).histogram, "{{count:23 sum:23}}");
  assertHistogram(histogramWindowDelta(window, true, "", [false, true, false]).histogram, "{{count:18 sum:18}}");
  assertHistogram(histogramInstantDelta(window[1], window[2], true, "", true).histogram, "{{count:18 sum:18}}");
});
