// Histogram literals, sequences and comparisons of the promqltest runner, by the reference runner's rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA } from "../../storeapi/index.js";
import { classicToCustomBuckets, expandHistograms, formatHistogram, histogramsMatch, literalToNative } from "./histograms.js";
import { parseSeriesDescription } from "./values.js";

const values = (text: string) => parseSeriesDescription(`m ${text}`).values;

test("a literal is a float histogram with one span per side from its offset", () => {
  const [h] = expandHistograms(values("{{schema:1 count:5 sum:2 z_bucket:1 z_bucket_w:0.5 offset:-1 buckets:[1 2] n_buckets:[1] counter_reset_hint:gauge}}"));
  assert.deepEqual(h, {
    float: true,
    counterResetHint: CounterResetHint.Gauge,
    schema: 1,
    zeroThreshold: 0.5,
    zeroCount: 1,
    count: 5,
    sum: 2,
    positiveSpans: [{ offset: -1, length: 2 }],
    positiveBuckets: [1, 2],
    negativeSpans: [{ offset: 0, length: 1 }],
    negativeBuckets: [1],
  });
});

test("{{a}}+{{b}}xN adds b to the previous element N times; - subtracts", () => {
  const up = expandHistograms(values("{{count:1 buckets:[1]}}+{{count:2 buckets:[1 1]}}x2"));
  assert.deepEqual(up.map((h) => [h!.count, h!.positiveBuckets]), [[1, [1]], [3, [2, 1]], [5, [3, 2]]]);
  const down = expandHistograms(values("{{count:5 buckets:[5]}}-{{count:1 buckets:[1]}}x1"));
  assert.deepEqual(down.map((h) => h!.count), [5, 4]);
});

test("comparison: empty buckets and span layout do not matter, values within 1e-6, the hint only when written", () => {
  const exp = literalToNative({ text: "", count: 3, sum: 1, buckets: [1, 0, 2] });
  const got = { ...exp, positiveSpans: [{ offset: 0, length: 1 }, { offset: 1, length: 1 }], positiveBuckets: [1, 2 + 1e-9] };
  assert.ok(histogramsMatch(exp, got, false));
  assert.ok(!histogramsMatch(exp, { ...got, positiveBuckets: [1, 2.1] }, false));
  assert.ok(!histogramsMatch(exp, { ...got, positiveSpans: [{ offset: 1, length: 2 }] }, false));
  const gauge = { ...got, counterResetHint: CounterResetHint.Gauge };
  assert.ok(histogramsMatch(exp, gauge, false));
  assert.ok(!histogramsMatch(exp, gauge, true));
});

test("a histogram renders as the literal the reference prints", () => {
  const h = literalToNative({ text: "", schema: 1, count: 3, sum: 1.5, offset: 2, buckets: [1, 0, 2], counterResetHint: "reset" });
  assert.equal(formatHistogram(h), "{{schema:1 count:3 sum:1.5 counter_reset_hint:reset offset:2 buckets:[1 0 2]}}");
});

test("load_with_nhcb: classic buckets de-cumulated into custom buckets, +Inf added from the count", () => {
  const series = [
    { labels: [{ name: "__name__", value: "lat_bucket" }, { name: "le", value: "1" }], values: values("1 2") },
    { labels: [{ name: "__name__", value: "lat_bucket" }, { name: "le", value: "5" }], values: values("3 3") },
    { labels: [{ name: "__name__", value: "lat_count" }], values: values("4 6") },
    { labels: [{ name: "__name__", value: "lat_sum" }], values: values("10 20") },
  ];
  const [lat] = classicToCustomBuckets(series, 60_000);
  assert.deepEqual(lat!.labels, [{ name: "__name__", value: "lat" }]);
  const [first, second] = lat!.points;
  assert.deepEqual([first!.t, first!.h.schema, first!.h.customValues, first!.h.positiveBuckets, first!.h.count, first!.h.sum], [0, CUSTOM_BUCKETS_SCHEMA, [1, 5], [1, 2, 1], 4, 10]);
  assert.deepEqual([second!.t, second!.h.positiveBuckets, second!.h.count], [60_000, [2, 1, 3], 6]);
});
