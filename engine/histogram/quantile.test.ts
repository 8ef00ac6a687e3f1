import { test } from "node:test";
import assert from "node:assert/strict";
import { histogramFraction, histogramQuantile } from "./quantile.js";
import { histogramAvg, histogramCount, histogramStdDev, histogramStdVar, histogramSum } from "./stats.js";
import { close, hist } from "./fixtures.js";

// Expected values are the results of ../shared/promqltest evals, cited as file:line.

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

test("histogram_quantile with NaN observations: native_histograms.test:1615-1640 (NaN result / skewed infos)", () => {
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
  assert.equal(r8.value, 1, ":1634");
  assert.deepEqual(r8.annotation, { kind: "info", message: skewed });
  const r4 = histogramQuantile(0.4, some, "histogram_nan");
  assertClose(r4.value, 0.7071067811865475, ":1643");
  assert.deepEqual(r4.annotation, { kind: "info", message: skewed });
});

test("histogram_fraction: native_histograms.test:22-53 and :189-284, NHCB histograms.test:114", () => {
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

test("histogram_fraction with NaN observations excludes them: native_histograms.test:1647-1656", () => {
  const info = 'input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name "histogram_nan"';
  const some = hist("{{schema:0 count:15 sum:NaN buckets:[12]}}");
  const r = histogramFraction(-Infinity, 0.7071067811865475, some, "histogram_nan");
  assertClose(r.value, 0.4, ":1649");
  assert.deepEqual(r.annotation, { kind: "info", message: info });
  assertClose(histogramFraction(-Infinity, Infinity, some, "histogram_nan").value, 0.8, ":1654");
  assert.equal(histogramFraction(-Infinity, Infinity, hist("{{schema:0 count:3 sum:NaN}}")).value, 0, ":1654 100% NaNs");
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
