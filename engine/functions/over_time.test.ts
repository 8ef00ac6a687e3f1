// *_over_time, quantile_over_time, mad_over_time, ts_of_*, double_exponential_smoothing —
// expectations from /work/shared/promqltest/functions.test.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { doubleExponentialSmoothingArgsError, quantileInPlace, rangeFunctions } from "./index.js";
import { assertClose, load, m, s, windowAt, type TestSeries } from "./testutil.js";

interface Case {
  eval: string;
  fn: string;
  series: TestSeries;
  at: number;
  range: number;
  args?: number[];
  want: number | undefined;
  exact?: boolean; // Bit-exact comparison (Prometheus's own "== 52" style checks).
}

function run(cases: Case[]): void {
  for (const c of cases) {
    it(c.eval, () => {
      const got = rangeFunctions[c.fn](windowAt(c.series, c.at, c.range), c.args ?? []);
      if (c.exact) assert.equal(got, c.want, c.eval);
      else assertClose(got, c.want, c.eval);
    });
  }
}

// load 10s: metric..metric11 for avg_over_time
const L = (spec: string): TestSeries => load(spec, s(10));

describe("avg_over_time and sum_over_time", () => {
  run([
    { eval: "eval instant at 55s avg_over_time(metric[10s]) -> empty", fn: "avg_over_time", series: L("1 2 3 4 5"), at: s(55), range: s(10), want: undefined },
    { eval: "eval instant at 55s avg_over_time(metric[20s]) 5", fn: "avg_over_time", series: L("1 2 3 4 5"), at: s(55), range: s(20), want: 5 },
    { eval: "eval instant at 55s avg_over_time(metric[1m]) 3", fn: "avg_over_time", series: L("1 2 3 4 5"), at: s(55), range: m(1), want: 3 },
    { eval: "eval instant at 55s avg_over_time(metric2[1m]) Inf", fn: "avg_over_time", series: L("1 2 3 4 Inf"), at: s(55), range: m(1), want: Infinity },
    { eval: "eval instant at 55s avg_over_time(metric3[1m]) -Inf", fn: "avg_over_time", series: L("1 2 3 4 -Inf"), at: s(55), range: m(1), want: -Infinity },
    { eval: "eval instant at 55s avg_over_time(metric4[1m]) NaN", fn: "avg_over_time", series: L("1 2 3 Inf -Inf"), at: s(55), range: m(1), want: NaN },
    { eval: "eval instant at 55s avg_over_time(metric5[1m]) Inf", fn: "avg_over_time", series: L("Inf 0 Inf"), at: s(55), range: m(1), want: Infinity },
    { eval: "eval instant at 55s avg_over_time(metric5c[1m]) NaN", fn: "avg_over_time", series: L("Inf Inf Inf -Inf"), at: s(55), range: m(1), want: NaN },
    { eval: "eval instant at 55s avg_over_time(metric6b[1m]) -Inf", fn: "avg_over_time", series: L("-Inf 0 -Inf"), at: s(55), range: m(1), want: -Infinity },
    { eval: "eval instant at 55s avg_over_time(metric7[1m]) NaN", fn: "avg_over_time", series: L("1 2 -Inf -Inf Inf"), at: s(55), range: m(1), want: NaN },
    { eval: "eval instant at 55s avg_over_time(metric8[1m]) 9.988465674311579e+307 (no overflow)", fn: "avg_over_time", series: L("9.988465674311579e+307 9.988465674311579e+307"), at: s(55), range: m(1), want: 9.988465674311579e307 },
    { eval: "eval instant at 55s sum_over_time(metric8[1m]) overflows to +Inf", fn: "sum_over_time", series: L("9.988465674311579e+307 9.988465674311579e+307"), at: s(55), range: m(1), want: Infinity },
    { eval: "eval instant at 55s avg_over_time(metric9[1m]) -9.988465674311579e+307", fn: "avg_over_time", series: L("-9.988465674311579e+307 -9.988465674311579e+307 -9.988465674311579e+307"), at: s(55), range: m(1), want: -9.988465674311579e307 },
    { eval: "eval instant at 55s avg_over_time(metric10[1m]) 0", fn: "avg_over_time", series: L("-9.988465674311579e+307 9.988465674311579e+307"), at: s(55), range: m(1), want: 0 },
    { eval: "eval instant at 20s avg_over_time(metric11[1m]) 2", fn: "avg_over_time", series: L("1 2 3 NaN NaN"), at: s(20), range: m(1), want: 2 },
    { eval: "eval instant at 30s avg_over_time(metric11[1m]) NaN", fn: "avg_over_time", series: L("1 2 3 NaN NaN"), at: s(30), range: m(1), want: NaN },
    { eval: "eval instant at 1m sum_over_time(metric[2m]) 2 (1 1e100 1 -1e100, Kahan)", fn: "sum_over_time", series: L("1 1e100 1 -1e100"), at: m(1), range: m(2), want: 2, exact: true },
    { eval: "eval instant at 1m avg_over_time(metric[2m]) 0.5 (1 1e100 1 -1e100, Kahan)", fn: "avg_over_time", series: L("1 1e100 1 -1e100"), at: m(1), range: m(2), want: 0.5, exact: true },
  ]);
  const L5 = (spec: string): TestSeries => load(spec, s(5));
  run([
    { eval: "eval instant at 55s avg_over_time(metric1[1m]) 1.6666666666666675e+09", fn: "avg_over_time", series: L5("1e10 1e-6 1e-6 1e-6 1e-6 1e-6"), at: s(55), range: m(1), want: 1.6666666666666675e9 },
    { eval: "eval instant at 55s avg_over_time(metric2[1m]) 1.67186744582113", fn: "avg_over_time", series: L5("5.30921651659898 0.961118537914768 1.62091361305318 0.865089463758091 0.323055185914577 0.951811357687154"), at: s(55), range: m(1), want: 1.67186744582113 },
    { eval: "eval instant at 55s avg_over_time(metric3[1m]) 3.56528E+49", fn: "avg_over_time", series: L5("1.78264e50 0.76342771 1.9592258 7.69805412 458.90154"), at: s(55), range: m(1), want: 3.56528e49 },
    { eval: "eval instant at 55s avg_over_time(metric5[1m]) 3.76333333333333E+219", fn: "avg_over_time", series: L5("1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 458.90154"), at: s(55), range: m(1), want: 3.76333333333333e219 },
    { eval: "eval instant at 55s avg_over_time(metric8[1m]) 3.76330362266667E+219", fn: "avg_over_time", series: L5("-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 -458.90154"), at: s(55), range: m(1), want: 3.76330362266667e219 },
    { eval: "eval instant at 55s avg_over_time(metric9[1m]) 3.225714285714286e+219", fn: "avg_over_time", series: L5("-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 1.78264E+215 -458.90154"), at: s(55), range: m(1), want: 3.225714285714286e219 },
    { eval: "eval instant at 55s avg_over_time(metric10[1m]) 2.5088888888888888e+219", fn: "avg_over_time", series: L5("-1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154"), at: s(55), range: m(1), want: 2.5088888888888888e219 },
    { eval: "eval instant at 55s avg_over_time(metric11[1m]) 0 (documented Kahan limit)", fn: "avg_over_time", series: L5("-2.258E+220 -1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154"), at: s(55), range: m(1), want: 0 },
  ]);
  const foo = L("52+0x100");
  for (const r of [100, 110, 120, 130]) {
    run([{ eval: `eval instant at 10m avg_over_time(foo[${r}s]) == 52 (exact)`, fn: "avg_over_time", series: foo, at: m(10), range: s(r), want: 52, exact: true }]);
  }
  const dense = load("1+0x4000", 1);
  for (const r of [1000, 1001, 1002, 1003, 2000, 2003, 3000, 3003]) {
    run([{ eval: `eval instant at 4s sum_over_time(metric[${r}ms]) ${r}`, fn: "sum_over_time", series: dense, at: s(4), range: r, want: r, exact: true }]);
  }
});

describe("min/max/last/first/count/present_over_time", () => {
  const numbers = L("2 0 3");
  const someNaN = L("2 0 NaN");
  const someNaN2 = L("2 NaN 1");
  const someNaN3 = L("NaN 0 1");
  const onlyNaN = L("NaN NaN NaN");
  const sparse = L("_ 5 2 _ 4 _");
  run([
    { eval: "eval instant at 1m min_over_time(data[2m]) numbers 0", fn: "min_over_time", series: numbers, at: m(1), range: m(2), want: 0 },
    { eval: "eval instant at 1m min_over_time(data[2m]) some_nan 0", fn: "min_over_time", series: someNaN, at: m(1), range: m(2), want: 0 },
    { eval: "eval instant at 1m min_over_time(data[2m]) some_nan2 1", fn: "min_over_time", series: someNaN2, at: m(1), range: m(2), want: 1 },
    { eval: "eval instant at 1m min_over_time(data[2m]) some_nan3 0", fn: "min_over_time", series: someNaN3, at: m(1), range: m(2), want: 0 },
    { eval: "eval instant at 1m min_over_time(data[2m]) only_nan NaN", fn: "min_over_time", series: onlyNaN, at: m(1), range: m(2), want: NaN },
    { eval: "eval instant at 1m min_over_time(data_sparse[2m]) 2", fn: "min_over_time", series: sparse, at: m(1), range: m(2), want: 2 },
    { eval: "eval instant at 1m max_over_time(data[2m]) numbers 3", fn: "max_over_time", series: numbers, at: m(1), range: m(2), want: 3 },
    { eval: "eval instant at 1m max_over_time(data[2m]) some_nan 2", fn: "max_over_time", series: someNaN, at: m(1), range: m(2), want: 2 },
    { eval: "eval instant at 1m max_over_time(data[2m]) some_nan3 1", fn: "max_over_time", series: someNaN3, at: m(1), range: m(2), want: 1 },
    { eval: "eval instant at 1m max_over_time(data[2m]) only_nan NaN", fn: "max_over_time", series: onlyNaN, at: m(1), range: m(2), want: NaN },
    { eval: "eval instant at 1m max_over_time(data_sparse[2m]) 5", fn: "max_over_time", series: sparse, at: m(1), range: m(2), want: 5 },
    { eval: "eval instant at 1m last_over_time(...) some_nan NaN", fn: "last_over_time", series: someNaN, at: m(1), range: m(2), want: NaN },
    { eval: "eval instant at 1m last_over_time(...) data_sparse 4", fn: "last_over_time", series: sparse, at: m(1), range: m(2), want: 4 },
    { eval: "eval instant at 1m first_over_time(...) some_nan3 NaN", fn: "first_over_time", series: someNaN3, at: m(1), range: m(2), want: NaN },
    { eval: "eval instant at 1m first_over_time(...) data_sparse 5", fn: "first_over_time", series: sparse, at: m(1), range: m(2), want: 5 },
    { eval: "eval instant at 1m count_over_time(...) only_nan 3", fn: "count_over_time", series: onlyNaN, at: m(1), range: m(2), want: 3 },
    { eval: "eval instant at 1m count_over_time(...) sparse_numbers 3", fn: "count_over_time", series: sparse, at: m(1), range: m(2), want: 3 },
    { eval: "count_over_time over an empty window -> empty", fn: "count_over_time", series: sparse, at: m(10), range: m(1), want: undefined },
  ]);
  const one = load("1+1x10", m(1));
  run([
    { eval: "eval instant at 5m present_over_time(http_requests_total[5m]) 1", fn: "present_over_time", series: one, at: m(5), range: m(5), want: 1 },
    { eval: "eval instant at 15m present_over_time(http_requests_total[5m]) -> empty", fn: "present_over_time", series: one, at: m(15), range: m(5), want: undefined },
    { eval: "eval instant at 0m present_over_time(httpd_log_lines_total[30s]) 1", fn: "present_over_time", series: load("1", m(1)), at: 0, range: s(30), want: 1 },
    { eval: "eval instant at 5m present_over_time({job=ingress}[4m]) 1 (NaN samples count)", fn: "present_over_time", series: load("NaN NaN NaN NaN NaN", m(1)), at: m(5), range: m(4), want: 1 },
  ]);
});

describe("ts_of_*_over_time", () => {
  const odd = load("1 2 3 0 5 6 2 1 4", 10053);
  const lastSeries = load("1 2 3 _ _", 10053);
  const firstSeries = load("_ _ 1 2 3 _ _", 10053);
  run([
    { eval: "eval instant at 90s ts_of_min_over_time(metric[90s]) 30.159", fn: "ts_of_min_over_time", series: odd, at: s(90), range: s(90), want: 30.159 },
    { eval: "eval instant at 90s ts_of_max_over_time(metric[90s]) 50.265", fn: "ts_of_max_over_time", series: odd, at: s(90), range: s(90), want: 50.265 },
    { eval: "eval instant at 90s ts_of_last_over_time(metric[90s]) 20.106", fn: "ts_of_last_over_time", series: lastSeries, at: s(90), range: s(90), want: 20.106 },
    { eval: "eval instant at 95s ts_of_last_over_time(metric[90s]) 20.106", fn: "ts_of_last_over_time", series: lastSeries, at: s(95), range: s(90), want: 20.106 },
    { eval: "eval instant at 90s ts_of_first_over_time(metric[90s]) 20.106", fn: "ts_of_first_over_time", series: firstSeries, at: s(90), range: s(90), want: 20.106 },
    { eval: "eval instant at 15s ts_of_first_over_time(metric[90s]) -> empty", fn: "ts_of_first_over_time", series: firstSeries, at: s(15), range: s(90), want: undefined },
    { eval: "ts_of_max_over_time: ties go to the latest sample (1 3 3)", fn: "ts_of_max_over_time", series: L("1 3 3"), at: s(20), range: m(1), want: 20 },
    { eval: "ts_of_min_over_time: a leading NaN is replaced (NaN 2 1)", fn: "ts_of_min_over_time", series: L("NaN 2 1"), at: s(20), range: m(1), want: 20 },
  ]);
});

describe("stddev/stdvar_over_time", () => {
  run([
    { eval: "eval instant at 1m stdvar_over_time(metric[2m]) 10.56", fn: "stdvar_over_time", series: L("0 8 8 2 3"), at: m(1), range: m(2), want: 10.56 },
    { eval: "eval instant at 1m stddev_over_time(metric[2m]) 3.249615", fn: "stddev_over_time", series: L("0 8 8 2 3"), at: m(1), range: m(2), want: 3.249615 },
    { eval: "eval instant at 55s stdvar_over_time(metric[1m]) 0 (1.5990505637277868 x3)", fn: "stdvar_over_time", series: L("1.5990505637277868 1.5990505637277868 1.5990505637277868"), at: s(55), range: m(1), want: 0, exact: true },
    { eval: "eval instant at 55s stddev_over_time(metric[1m]) 0", fn: "stddev_over_time", series: L("1.5990505637277868 1.5990505637277868 1.5990505637277868"), at: s(55), range: m(1), want: 0, exact: true },
    { eval: "eval instant at 1m stddev_over_time(metric_histogram{type=mix}[2m]) 0 (floats 1 1 1)", fn: "stddev_over_time", series: L("1 1 1"), at: m(1), range: m(2), want: 0 },
    { eval: "stdvar_over_time of a single sample is 0", fn: "stdvar_over_time", series: L("5"), at: 0, range: m(1), want: 0 },
  ]);
});

describe("quantile_over_time and mad_over_time", () => {
  const two = L("0 1");
  const three = L("0 1 2");
  const uneven = L("0 1 4");
  const table: Array<[number, number, number, number]> = [
    [0, 0, 0, 0],
    [0.5, 0.5, 1, 1],
    [0.75, 0.75, 1.5, 2.5],
    [0.8, 0.8, 1.6, 2.8],
    [1, 1, 2, 4],
    [-1, -Infinity, -Infinity, -Infinity],
    [2, Infinity, Infinity, Infinity],
  ];
  for (const [q, a, b, c] of table) {
    run([
      { eval: `eval instant at 1m quantile_over_time(${q}, data[2m]) two samples ${a}`, fn: "quantile_over_time", series: two, at: m(1), range: m(2), args: [q], want: a },
      { eval: `eval instant at 1m quantile_over_time(${q}, data[2m]) three samples ${b}`, fn: "quantile_over_time", series: three, at: m(1), range: m(2), args: [q], want: b },
      { eval: `eval instant at 1m quantile_over_time(${q}, data[2m]) uneven samples ${c}`, fn: "quantile_over_time", series: uneven, at: m(1), range: m(2), args: [q], want: c },
    ]);
  }
  run([
    { eval: "eval instant at 1m quantile_over_time(0.5, data_histogram{mix}[2m]) 1 (floats 0 1 2)", fn: "quantile_over_time", series: three, at: m(1), range: m(2), args: [0.5], want: 1 },
    { eval: "quantile_over_time(NaN, ...) is NaN", fn: "quantile_over_time", series: three, at: m(1), range: m(2), args: [NaN], want: NaN },
    { eval: "eval instant at 70s mad_over_time(metric[70s]) 1 (4 6 2 1 999 1 2)", fn: "mad_over_time", series: L("4 6 2 1 999 1 2"), at: s(70), range: s(70), want: 1 },
    { eval: "eval instant at 40s mad_over_time(metric_odd[50s]) 1", fn: "mad_over_time", series: L("1 2 3 4 5"), at: s(40), range: s(50), want: 1 },
    { eval: "eval instant at 40s mad_over_time(metric_equal[50s]) 0", fn: "mad_over_time", series: L("7 7 7 7 7"), at: s(40), range: s(50), want: 0 },
    { eval: "eval instant at 0s mad_over_time(metric_single[10s]) 0", fn: "mad_over_time", series: L("5"), at: 0, range: s(10), want: 0 },
    { eval: "eval instant at 30s mad_over_time(metric_nan[40s]) NaN", fn: "mad_over_time", series: L("1 2 NaN 4"), at: s(30), range: s(40), want: NaN },
    { eval: "eval instant at 70s mad_over_time(metric_histogram{mix}[70s]) 0 (floats 1 1 1)", fn: "mad_over_time", series: L("1 1 1"), at: s(70), range: s(70), want: 0 },
  ]);
  it("uses the window's scratch buffer and leaves the series untouched", () => {
    const series = L("4 6 2 1 999 1 2");
    const before = series.v.slice();
    const scratch = new Float64Array(16);
    const w = { ...windowAt(series, s(70), s(70)), scratch };
    assert.equal(rangeFunctions.quantile_over_time(w, [0.5]), 2);
    assert.deepEqual(series.v, before);
    assert.equal(scratch[0], 1); // Sorted in place in the scratch space.
  });
  it("orders NaN before every number, as Prometheus's sort does", () => {
    const v = Float64Array.from([3, NaN, 1]);
    assert.ok(Number.isNaN(quantileInPlace(0, v, 3)));
    assert.equal(quantileInPlace(1, Float64Array.from([3, NaN, 1]), 3), 3);
    assert.equal(quantileInPlace(0.5, Float64Array.from([3, NaN, 1]), 3), 1);
  });
});

describe("double_exponential_smoothing", () => {
  // load 10s, eval at 8000s over [1m]: 6 samples of a straight line give the line's value.
  const cases: Array<[string, string, number]> = [
    ["0+10x1000 100+30x1000", "{instance=0, group=production} 8000", 8000],
    ["0+20x1000 200+30x1000", "{instance=1, group=production} 16000", 16000],
    ["0+30x1000 300+80x1000", "{instance=0, group=canary} 24000", 24000],
    ["0+40x2000", "{instance=1, group=canary} 32000", 32000],
  ];
  run(
    cases.map(([spec, label, want]) => ({
      eval: `eval instant at 8000s double_exponential_smoothing(http_requests[1m], 0.01, 0.1) ${label}`,
      fn: "double_exponential_smoothing", series: L(spec), at: s(8000), range: m(1), args: [0.01, 0.1], want,
    })),
  );
  run([
    { eval: "negative trends: eval instant at 8000s double_exponential_smoothing(...) 8000-10x1000 -> 0", fn: "double_exponential_smoothing", series: L("8000-10x1000"), at: s(8000), range: m(1), args: [0.01, 0.1], want: 0 },
    { eval: "negative trends: ... 0-40x1000 0+40x1000 -> -32000", fn: "double_exponential_smoothing", series: L("0-40x1000 0+40x1000"), at: s(8000), range: m(1), args: [0.01, 0.1], want: -32000 },
    { eval: "mixed: eval instant at 20010s double_exponential_smoothing(http_requests_mix[1m], 0.01, 0.1) 30100", fn: "double_exponential_smoothing", series: L("0+10x1000 100+30x1000"), at: s(20010), range: m(1), args: [0.01, 0.1], want: 30100 },
    { eval: "one sample -> empty", fn: "double_exponential_smoothing", series: L("5"), at: 0, range: m(1), args: [0.5, 0.5], want: undefined },
  ]);
  it("validates the factors with Prometheus's messages", () => {
    assert.equal(doubleExponentialSmoothingArgsError(0.01, 0.1), undefined);
    assert.equal(doubleExponentialSmoothingArgsError(1, 0.1), "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
    assert.equal(doubleExponentialSmoothingArgsError(0.5, 0), "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
    assert.equal(doubleExponentialSmoothingArgsError(NaN, 0.5), "invalid smoothing factor. Expected: 0 < sf < 1, got: NaN");
  });
});
