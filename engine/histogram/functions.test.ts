// The functions over one histogram (quantile.ts, stats.ts), the rate deltas (rate.ts) and the
// trim operators (trim.ts). Expected values are the results of ../shared/promqltest evals, cited
// as file:line; where an eval includes extrapolation (nh-flow's), the test applies its factor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterResetHint } from "../../storeapi/index.js";
import { histogramFraction, histogramQuantile } from "./quantile.js";
import { histogramAvg, histogramCount, histogramStdDev, histogramStdVar, histogramSum } from "./stats.js";
import { histogramInstantDelta, histogramWindowDelta } from "./rate.js";
import { trimBuckets } from "./trim.js";
import { assertHistogram, close, hist } from "./fixtures.js";

// ── histogram_quantile, histogram_fraction, histogram_count/sum/avg/stddev/stdvar ──

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(close(actual, expected), `${what}: expected ${expected}, got ${actual}`);
}

function quantiles(literal: string, cases: [number, number, string][]): void {
  const h = hist(literal);
  for (const [q, want, at] of cases) {
    const r = histogramQuantile(q, h);
    assertClose(r.value, want, `${at} histogram_quantile(${q})`);
    assert.equal(r.annotation, undefined, `${at} expects no info`);
  }
}

test("histogram_quantile, positive buckets and zero bucket: native_histograms.test:416-452", () => {
  quantiles("{{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 buckets:[2 3 0 1 4]}}", [
    [1.001, Infinity, ":416"],
    [1, 16, ":420"],
    [0.99, 15.67072476139083, ":427 exponential interpolation"],
    [0.9, 12.99603834169977, ":431"],
    [0.6, 4.594793419988138, ":435"],
    [0.5, 1.5874010519681994, ":439"],
    [0.1, 0.0006, ":444 linear in the zero bucket"],
    [0, 0, ":448"],
    [-1, -Infinity, ":452"],
  ]);
});

test("histogram_quantile, negative buckets: native_histograms.test:462-493", () => {
  quantiles("{{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 n_buckets:[2 3 0 1 4]}}", [
    [1.001, Infinity, ":462"],
    [1, 0, ":466"],
    [0.99, -0.00006, ":473"],
    [0.9, -0.0006, ":477"],
    [0.5, -1.5874010519681996, ":481"],
    [0.1, -12.996038341699768, ":485"],
    [0, -16, ":489"],
    [-1, -Infinity, ":493"],
  ]);
});

test("histogram_quantile, both signs: native_histograms.test:505-556", () => {
  quantiles("{{schema:0 count:24 sum:100 z_bucket:4 z_bucket_w:0.001 buckets:[2 3 0 1 4] n_buckets:[2 3 0 1 4]}}", [
    [1, 16, ":509"],
    [0.99, 15.34822590920423, ":513"],
    [0.9, 10.556063286183155, ":517"],
    [0.7, 1.2030250360821164, ":521"],
    [0.55, 0.0006, ":527"],
    [0.5, 0, ":531"],
    [0.45, -0.0006, ":535"],
    [0.3, -1.2030250360821169, ":540"],
    [0.1, -10.556063286183155, ":544"],
    [0.01, -15.34822590920423, ":548"],
    [0, -16, ":552"],
    [-1, -Infinity, ":556"],
  ]);
});

test("histogram_quantile, NHCB interpolates linearly: histograms.test:743 and :796-812", () => {
  // testhistogram at 50m as NHCB: le 0.1/0.2/1/+Inf cumulative 50/70/110/120 and -0.2/-0.1/0.3/+Inf 10/20/20/30.
  quantiles("{{schema:-53 count:120 sum:0 custom_values:[0.1 0.2 1] buckets:[50 20 40 10]}}", [[0.5, 0.15, "histograms.test:743"]]);
  quantiles("{{schema:-53 count:30 sum:0 custom_values:[-0.2 -0.1 0.3] buckets:[10 10 0 10]}}", [[0.5, -0.15, "histograms.test:743"]]);
  // testhistogram2 at 7m: le 0/2/4/6/+Inf cumulative 0/1/2/3/3.
  quantiles("{{schema:-53 count:3 sum:0 custom_values:[0 2 4 6] buckets:[0 1 1 1 0]}}", [
    [1 / 6, 1, ":796"],
    [0.5, 3, ":804"],
    [5 / 6, 5, ":812"],
  ]);
});

test("histogram_quantile with NaN observations: native_histograms.test:1616-1644 (NaN result / skewed infos)", () => {
  const all = hist("{{schema:0 count:3 sum:NaN}}");
  const some = hist("{{schema:0 count:15 sum:NaN buckets:[12]}}");
  const nanResult = 'input to histogram_quantile has NaN observations, result is NaN for metric name "histogram_nan"';
  const skewed = 'input to histogram_quantile has NaN observations, result is skewed higher for metric name "histogram_nan"';
  for (const h of [all, some]) {
    const r = histogramQuantile(0.81, h, "histogram_nan");
    assert.ok(Number.isNaN(r.value));
    assert.deepEqual(r.annotation, { kind: "info", message: nanResult });
  }
  const r8 = histogramQuantile(0.8, some, "histogram_nan");
  assert.equal(r8.value, 1, ":1635");
  assert.deepEqual(r8.annotation, { kind: "info", message: skewed });
  const r4 = histogramQuantile(0.4, some, "histogram_nan");
  assertClose(r4.value, 0.7071067811865475, ":1644");
  assert.deepEqual(r4.annotation, { kind: "info", message: skewed });
});

test("histogram_fraction: native_histograms.test:22-53 and :189-284, NHCB histograms.test:115", () => {
  const single = hist("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}");
  assertClose(histogramFraction(1, 2, single).value, 0.5, ":49");
  assertClose(histogramFraction(0, 8, single).value, 1, ":53");
  assert.ok(Number.isNaN(histogramFraction(-Infinity, Infinity, hist("{{}}")).value), ":22 empty → NaN");
  assert.ok(Number.isNaN(histogramFraction(0, 8, hist("{{schema:-53 custom_values:[-2 3]}}")).value), ":26");
  assert.equal(histogramFraction(2, 1, single).value, 0, "lower ≥ upper");
  assert.ok(Number.isNaN(histogramFraction(NaN, 1, single).value));
  const zero = hist("{{schema:0 z_bucket:1 z_bucket_w:0.5 sum:0.25 count:1}}");
  assertClose(histogramFraction(-0.5, 0.5, zero).value, 1, ":211");
  const testhistogram2 = hist("{{schema:-53 count:30 sum:0 custom_values:[0 2 4 6] buckets:[0 10 10 10 0]}}");
  assertClose(histogramFraction(0, 4, testhistogram2).value, 0.6666666666666666, "histograms.test:115");
  assertClose(histogramFraction(0, 6, testhistogram2).value, 1, "histograms.test:123");
});

test("histogram_fraction with NaN observations excludes them: native_histograms.test:1648-1653", () => {
  const info = 'input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name "histogram_nan"';
  const some = hist("{{schema:0 count:15 sum:NaN buckets:[12]}}");
  const r = histogramFraction(-Infinity, 0.7071067811865475, some, "histogram_nan");
  assertClose(r.value, 0.4, ":1648");
  assert.deepEqual(r.annotation, { kind: "info", message: info });
  assertClose(histogramFraction(-Infinity, Infinity, some, "histogram_nan").value, 0.8, ":1653");
  assert.equal(histogramFraction(-Infinity, Infinity, hist("{{schema:0 count:3 sum:NaN}}")).value, 0, ":1653 100% NaNs");
});

test("histogram_count/sum/avg: native_histograms.test:10-45 and :199-205", () => {
  const single = hist("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}");
  assert.equal(histogramCount(single), 4);
  assert.equal(histogramSum(single), 5);
  assert.equal(histogramAvg(single), 1.25);
  assert.ok(Number.isNaN(histogramAvg(hist("{{}}"))), ":18 empty → NaN");
});

test("histogram_stddev/stdvar, exponential buckets at the geometric mean: native_histograms.test:332-407", () => {
  const cases: [string, number, number, string][] = [
    ["{{schema:2 count:4 sum:10 buckets:[1 0 0 0 1 0 0 1 1]}}", 1.0787993180043811, 1.163807968526718, ":332"],
    ["{{schema:8 count:10 sum:10 buckets:[1 2 3 4]}}", 0.0048960313898237465, 2.3971123370139447e-5, ":344"],
    [
      "{{schema:3 count:7 sum:62 z_bucket:1 buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ] n_buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ]}}",
      42.94723640026,
      1844.4651144196398,
      ":356",
    ],
    ["{{schema:0 count:10 sum:-112946 z_bucket:0 n_buckets:[0 0 1 1 1 0 1 1 0 0 3 0 0 0 1 0 0 1]}}", 27556.344499842, 759352122.1939945, ":368"],
    ["{{schema:0 count:10 sum:-100 z_bucket:0 n_buckets:[0 0 0 0 10]}}", 1.3137084989848, 1.725830020304794, ":380"],
  ];
  for (const [literal, stddev, stdvar, at] of cases) {
    const h = hist(literal);
    assertClose(histogramStdDev(h), stddev, `${at} stddev`);
    assertClose(histogramStdVar(h), stdvar, `${at} stdvar`);
  }
  const nan = hist("{{schema:3 count:7 sum:NaN z_bucket:1 buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ] n_buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ]}}");
  assert.ok(Number.isNaN(histogramStdDev(nan)) && Number.isNaN(histogramStdVar(nan)), ":392 NaN sum");
  const inf = hist("{{schema:3 count:7 sum:Inf z_bucket:1 buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ] n_buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ]}}");
  assert.ok(histogramStdDev(inf) === Infinity && histogramStdVar(inf) === Infinity, ":404 Inf sum");
});

test("histogram_stddev/stdvar, custom buckets at the arithmetic mean: histograms.test:102-108", () => {
  // testhistogram3 at 50m as NHCB (cumulative le 0/0.1/0.2/1/+Inf = 0/50/70/110/110, sum 330).
  const positive = hist("{{schema:-53 count:110 sum:330 custom_values:[0 0.1 0.2 1] buckets:[0 50 20 40 0]}}");
  assertClose(histogramStdDev(positive), 2.7435461458749795, ":102 positive");
  assertClose(histogramStdVar(positive), 7.527045454545455, ":108 positive");
  const negative = hist("{{schema:-53 count:20 sum:80 custom_values:[-0.25 -0.2 -0.1 0.3] buckets:[0 10 10 0 0]}}");
  assertClose(histogramStdDev(negative), 4.187667907081458, ":102 negative");
  assertClose(histogramStdVar(negative), 17.5365625, ":108 negative");
});

// ── rate/increase/delta and irate/idelta deltas ──

test("increase with a reset visible in one bucket only: native_histograms.test:1061 (delta × 1.5 extrapolation)", () => {
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

test("rate over gauge histograms warns once: native_histograms.test:1096 and :1101", () => {
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

// ── trim operators </ and >/ ──

function check(literal: string, cases: [string, number, string, string][]): void {
  for (const [op, rhs, want, at] of cases) {
    const h = trimBuckets(hist(literal), rhs, op === "</");
    try {
      assertHistogram(h, want);
    } catch (e) {
      throw new Error(`native_histograms.test:${at} ${op} ${rhs}: ${(e as Error).message}`);
    }
  }
}

test("trim exponential buckets, exponential interpolation inside a bucket: native_histograms.test:2043-2095", () => {
  check("{{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}", [
    [">/", -Infinity, "{{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}", "2043"],
    ["</", Infinity, "{{schema:0 sum:123.75 count:34 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1 2]}}", "2046"],
    [">/", Infinity, "{{schema:0 z_bucket_w:0.001}}", "2049"],
    ["</", -Infinity, "{{schema:0 z_bucket_w:0.001}}", "2052"],
    [">/", 0, "{{schema:0 sum:120.20840280171308 count:30.5 z_bucket:0.5 z_bucket_w:0.001 buckets:[2 4 8 16]}}", "2055"],
    ["</", 0, "{{schema:0 sum:-3.53578390593273768 count:3.5 z_bucket:0.5 z_bucket_w:0.001 n_buckets:[1 2]}}", "2058"],
    ["</", 1.4142135624, "{{count:8 sum:0.2570938865989847 z_bucket:1 z_bucket_w:0.001 buckets:[2 2] n_buckets:[1 2]}}", "2063"],
    [">/", 1.4142135624, "{{count:26 sum:116.50067065070982 z_bucket_w:0.001 buckets:[0 2 8 16]}}", "2066"],
    ["</", 2, "{{count:10 sum:3.5355339059327373 z_bucket:1 z_bucket_w:0.001 buckets:[2 4] n_buckets:[1 2]}}", "2086"],
    [">/", 2, "{{count:24 sum:113.13708498984761 z_bucket_w:0.001 offset:2 buckets:[8 16]}}", "2089"],
    [">/", -1, "{{count:32 sum:119.50104602052653 z_bucket:1 z_bucket_w:0.001 buckets:[2 4 8 16] n_buckets:[1]}}", "2092"],
    ["</", -1, "{{count:2 sum:-2.8284271247461903 z_bucket_w:0.001 n_offset:1 n_buckets:[2]}}", "2095"],
  ]);
  check("{{schema:2 sum:12.8286080906 count:28 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 3 1]}}", [
    ["</", 1.13, "{{schema:2 count:13.410582181123704 sum:-9.385798726068233 z_bucket:1 z_bucket_w:0.001 buckets:[1 1.410582181123704] n_buckets:[1 5 3 1]}}", "2073"],
    [">/", 1.13, "{{schema:2 count:14.589417818876296 sum:22.168126492693734 z_bucket_w:0.001 offset:1 buckets:[0.589417818876296 4 7 3]}}", "2076"],
    [">/", -1.3, "{{schema:2 count:25.54213947904476 sum:16.29588491217537 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 4 7 3] n_buckets:[1 5 1.54213947904476]}}", "2079"],
    ["</", -1.3, "{{schema:2 count:2.45786052095524 sum:-3.5189307983595066 z_bucket_w:0.001 n_offset:2 n_buckets:[1.45786052095524 1]}}", "2082"],
  ]);
});

test("trim the zero bucket, biased to the side with buckets: native_histograms.test:2103-2158", () => {
  check("{{schema:0 sum:8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 buckets:[10]}}", [
    [">/", 0.5, "{{schema:0 count:10 sum:7.0710678118654755 z_bucket:0 z_bucket_w:0.5 buckets:[10]}}", "2103"],
    [">/", 0.1, "{{schema:0 count:11.6 sum:7.551067811865476 z_bucket:1.6 z_bucket_w:0.5 buckets:[10]}}", "2106"],
    [">/", 0, "{{schema:0 sum:8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 buckets:[10]}}", "2109"],
    ["</", 0.5, "{{schema:0 count:2 sum:0.5 z_bucket:2 z_bucket_w:0.5}}", "2112"],
    ["</", 0.1, "{{schema:0 count:0.4 sum:0.02 z_bucket:0.4 z_bucket_w:0.5}}", "2115"],
    ["</", 0, "{{schema:0 z_bucket_w:0.5}}", "2118"],
  ]);
  check("{{schema:0 sum:-8.0210678118654755 count:12 z_bucket:2 z_bucket_w:0.5 n_buckets:[10]}}", [
    ["</", -0.5, "{{schema:0 count:10 sum:-7.0710678118654755 z_bucket:0 z_bucket_w:0.5 n_buckets:[10]}}", "2126"],
    ["</", -0.1, "{{schema:0 count:11.6 sum:-7.551067811865476 z_bucket:1.6 z_bucket_w:0.5 n_buckets:[10]}}", "2129"],
    [">/", -0.5, "{{schema:0 count:2 sum:-0.5 z_bucket:2 z_bucket_w:0.5}}", "2135"],
    [">/", 0, "{{schema:0 z_bucket_w:0.5}}", "2141"],
  ]);
  check("{{schema:0 count:5 sum:0 z_bucket:5 z_bucket_w:0.1 }}", [
    [">/", 0.1, "{{schema:0 count:0 sum:0 z_bucket:0 z_bucket_w:0.1 }}", "2149"],
    ["</", 0.1, "{{schema:0 count:5 sum:0 z_bucket:5 z_bucket_w:0.1 }}", "2152"],
    [">/", 0.05, "{{schema:0 count:1.25 sum:0.09375 z_bucket:1.25 z_bucket_w:0.1 }}", "2155"],
    ["</", 0.05, "{{schema:0 count:3.75 sum:-0.09375 z_bucket:3.75 z_bucket_w:0.1 }}", "2158"],
  ]);
});

test("trim custom buckets, linear inside a bucket, nothing interpolated toward ±Inf: native_histograms.test:2184-2234", () => {
  check("{{schema:-53 sum:172.5 count:15 custom_values:[5 10 15 20] buckets:[1 6 4 3 1]}}", [
    ["</", 15, "{{schema:-53 count:11 sum:97.5 custom_values:[5 10 15 20] buckets:[1 6 4]}}", "2184"],
    [">/", 15, "{{schema:-53 count:4 sum:72.5 custom_values:[5 10 15 20] offset:3 buckets:[3 1]}}", "2187"],
    ["</", 13, "{{schema:-53 count:9.4 sum:75.1 custom_values:[5 10 15 20] buckets:[1 6 2.4]}}", "2191"],
    [">/", 13, "{{schema:-53 count:5.6 sum:94.9 custom_values:[5 10 15 20] offset:2 buckets:[1.6 3 1]}}", "2194"],
    ["</", 7.5, "{{schema:-53 count:4 sum:21.25 custom_values:[5 10 15 20] buckets:[1 3]}}", "2197"],
    ["</", 50, "{{schema:-53 count:14 sum:150.0 custom_values:[5 10 15 20] buckets:[1 6 4 3]}}", "2201"],
    ["</", 0, "{{schema:-53 custom_values:[5 10 15 20]}}", "2220"],
  ]);
  check("{{schema:-53 sum:172.5 count:15 custom_values:[-10 5 10 15 20] buckets:[2 1 6 4 3 1]}}", [
    ["</", 2, "{{schema:-53 count:2.8 sum:-23.2 custom_values:[-10 5 10 15 20] buckets:[2 0.8]}}", "2228"],
    ["</", -4, "{{schema:-53 count:2.4 sum:-22.8 custom_values:[-10 5 10 15 20] buckets:[2 0.4]}}", "2231"],
    ["</", -15, "{{schema:-53 count:2 sum:-30 custom_values:[-10 5 10 15 20] buckets:[2]}}", "2234"],
  ]);
});
