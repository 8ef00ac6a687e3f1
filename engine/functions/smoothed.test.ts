// Modifier validation, counter-name hints, Kahan steps and the
// completeness of the function tables — expectations from /work/shared/promqltest.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  extendedRangeModifierError,
  extendedRangeSamples,
  instantFunctions,
  kahanSumInc,
  mightNotBeCounter,
  rangeFunctions,
} from "./index.js";
import { load, s } from "./testutil.js";

describe("anchored/smoothed modifier validation (extended_vectors.test)", () => {
  const cases: Array<[string, boolean, boolean, string | undefined]> = [
    ["deriv", false, true, "smoothed modifier can only be used with: delta, increase, rate - not with deriv"],
    ["resets", false, true, "smoothed modifier can only be used with: delta, increase, rate - not with resets"],
    ["changes", false, true, "smoothed modifier can only be used with: delta, increase, rate - not with changes"],
    ["max_over_time", false, true, "smoothed modifier can only be used with: delta, increase, rate - not with max_over_time"],
    ["predict_linear", false, true, "smoothed modifier can only be used with: delta, increase, rate - not with predict_linear"],
    ["deriv", true, false, "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with deriv"],
    ["max_over_time", true, false, "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with max_over_time"],
    ["predict_linear", true, false, "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with predict_linear"],
    ["resets", true, false, undefined],
    ["changes", true, false, undefined],
    ["rate", false, true, undefined],
    ["deriv", false, false, undefined],
  ];
  for (const [fn, anchored, smoothed, want] of cases) {
    it(`${fn}(foo[3m] ${anchored ? "anchored" : smoothed ? "smoothed" : ""})`, () => {
      assert.equal(extendedRangeModifierError(fn, anchored, smoothed), want);
    });
  }
});

describe("helpers", () => {
  it("mightNotBeCounter follows the _total/_sum/_count/_bucket rule", () => {
    assert.equal(mightNotBeCounter("http_requests_total"), false);
    assert.equal(mightNotBeCounter("x_bucket"), false);
    assert.equal(mightNotBeCounter("metric"), true);
    assert.equal(mightNotBeCounter(""), false);
  });
  it("kahanSumInc recovers what naive summation loses (1 1e100 1 -1e100 → 2)", () => {
    const out = new Float64Array(2);
    let sum = 0;
    let c = 0;
    for (const x of [1, 1e100, 1, -1e100]) {
      kahanSumInc(x, sum, c, out);
      sum = out[0];
      c = out[1];
    }
    assert.equal(sum + c, 2);
    kahanSumInc(Infinity, 1, 5, out);
    assert.deepEqual(Array.from(out), [Infinity, 0]);
  });
  it("exports every function the engine contract names", () => {
    const range = "rate increase delta irate idelta deriv predict_linear changes resets avg_over_time min_over_time max_over_time sum_over_time count_over_time stddev_over_time stdvar_over_time last_over_time first_over_time present_over_time quantile_over_time mad_over_time ts_of_min_over_time ts_of_max_over_time ts_of_first_over_time ts_of_last_over_time double_exponential_smoothing";
    for (const name of range.split(" ")) assert.equal(typeof rangeFunctions[name], "function", name);
    assert.equal(rangeFunctions.holt_winters, undefined); // Removed in Prometheus 3.
    const instant = "abs ceil floor exp ln log2 log10 sqrt round clamp clamp_min clamp_max sgn sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh deg rad day_of_month day_of_week day_of_year days_in_month hour minute month year";
    for (const name of instant.split(" ")) assert.equal(typeof instantFunctions[name], "function", name);
  });
});

describe("bare anchored/smoothed matrix selectors", () => {
  it("anchored: synthetic points at both edges carry the anchor and the last value", () => {
    // load 1m metric 1 2 _ 4 5; metric[2m] anchored at 3m → (1m,2) … 3m: 4 → [(60s,2), (180s,4)] + inner none.
    const series = load("1 2 _ 4 5", 60_000);
    const w = { t: series.t, v: series.v, start: 2, end: 3, rangeStartMs: 60_000, rangeEndMs: 180_000, evalTimeMs: 180_000, anchored: true, smoothed: false };
    const outT = new Float64Array(8);
    const outV = new Float64Array(8);
    const n = extendedRangeSamples(w, outT, outV);
    assert.deepEqual(Array.from(outT.subarray(0, n)), [60_000, 180_000]);
    assert.deepEqual(Array.from(outV.subarray(0, n)), [2, 4]);
  });
  it("smoothed: edges interpolated, inner samples kept", () => {
    const series = load("0+10x10", 10_000);
    // (15s, 45s]: inner 20s 30s 40s; edges interpolated at 15s (15) and 45s (45).
    const w = { t: series.t, v: series.v, start: 2, end: 5, rangeStartMs: 15_000, rangeEndMs: 45_000, evalTimeMs: 45_000, anchored: false, smoothed: true };
    const outT = new Float64Array(8);
    const outV = new Float64Array(8);
    const n = extendedRangeSamples(w, outT, outV);
    assert.deepEqual(Array.from(outT.subarray(0, n)), [15_000, 20_000, 30_000, 40_000, 45_000]);
    assert.deepEqual(Array.from(outV.subarray(0, n)), [15, 20, 30, 40, 45]);
  });
  it("no sample after the range start: absent", () => {
    const series = load("1 2", 60_000);
    const w = { t: series.t, v: series.v, start: 2, end: 2, rangeStartMs: 120_000, rangeEndMs: 180_000, evalTimeMs: 180_000, anchored: true, smoothed: false };
    assert.equal(extendedRangeSamples(w, new Float64Array(4), new Float64Array(4)), 0);
  });
});
