// Classic-bucket histogram_quantile and histogram_fraction — expectations from
// /work/shared/promqltest/histograms.test (bucket counts as loaded, evaluated at 50m unless noted).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { almostEqual, classicHistogramFraction, classicHistogramQuantile } from "./index.js";
import { assertClose } from "./testutil.js";

type Buckets = Array<[le: number, count: number]>;

function q(phi: number, b: Buckets): ReturnType<typeof classicHistogramQuantile> {
  return classicHistogramQuantile(phi, Float64Array.from(b.map((x) => x[0])), Float64Array.from(b.map((x) => x[1])), b.length);
}

function frac(lo: number, hi: number, b: Buckets): number {
  return classicHistogramFraction(lo, hi, Float64Array.from(b.map((x) => x[0])), Float64Array.from(b.map((x) => x[1])), b.length);
}

const positive: Buckets = [[0.1, 50], [0.2, 70], [1, 110], [Infinity, 120]]; // testhistogram{start=positive}
const negative: Buckets = [[-0.2, 10], [-0.1, 20], [0.3, 20], [Infinity, 30]]; // testhistogram{start=negative}
const h3pos: Buckets = [[0, 0], [0.1, 50], [0.2, 70], [1, 110], [Infinity, 110]]; // testhistogram3{start=positive}
const h3neg: Buckets = [[-0.25, 0], [-0.2, 10], [-0.1, 20], [0.3, 20], [Infinity, 20]]; // testhistogram3{start=negative}
const h2at7m: Buckets = [[0, 0], [2, 1], [4, 2], [6, 3], [Infinity, 3]]; // testhistogram2 at 7m
const h2: Buckets = [[0, 0], [2, 10], [4, 20], [6, 30], [Infinity, 30]]; // testhistogram2 at 50m
const scaled = (b: Buckets, k: number): Buckets => b.map(([le, c]) => [le, c * k]);

describe("histogram_quantile over classic buckets", () => {
  const cases: Array<[string, number, Buckets, number]> = [
    ["eval instant at 50m histogram_quantile(0, testhistogram3_bucket) positive 0", 0, h3pos, 0],
    ["eval instant at 50m histogram_quantile(0, testhistogram3_bucket) negative -0.25", 0, h3neg, -0.25],
    ["eval instant at 50m histogram_quantile(0.25, testhistogram3_bucket) positive 0.055", 0.25, h3pos, 0.055],
    ["eval instant at 50m histogram_quantile(0.25, testhistogram3_bucket) negative -0.225", 0.25, h3neg, -0.225],
    ["eval instant at 50m histogram_quantile(0.5, testhistogram3_bucket) positive 0.125", 0.5, h3pos, 0.125],
    ["eval instant at 50m histogram_quantile(0.5, testhistogram3_bucket) negative -0.2", 0.5, h3neg, -0.2],
    ["eval instant at 50m histogram_quantile(0.75, testhistogram3_bucket) positive 0.45", 0.75, h3pos, 0.45],
    ["eval instant at 50m histogram_quantile(0.75, testhistogram3_bucket) negative -0.15", 0.75, h3neg, -0.15],
    ["eval instant at 50m histogram_quantile(1, testhistogram3_bucket) positive 1", 1, h3pos, 1],
    ["eval instant at 50m histogram_quantile(1, testhistogram3_bucket) negative -0.1", 1, h3neg, -0.1],
    ["eval instant at 50m histogram_quantile(-0.1, testhistogram_bucket) -Inf", -0.1, positive, -Infinity],
    ["eval instant at 50m histogram_quantile(1.01, testhistogram_bucket) +Inf", 1.01, negative, Infinity],
    ["eval instant at 50m histogram_quantile(NaN, testhistogram_bucket) NaN", NaN, positive, NaN],
    ["eval instant at 50m histogram_quantile(0, testhistogram_bucket) positive 0", 0, positive, 0],
    ["eval instant at 50m histogram_quantile(0, testhistogram_bucket) negative -0.2", 0, negative, -0.2],
    ["eval instant at 50m histogram_quantile(1, testhistogram_bucket) positive 1", 1, positive, 1],
    ["eval instant at 50m histogram_quantile(1, testhistogram_bucket) negative 0.3", 1, negative, 0.3],
    ["eval instant at 50m histogram_quantile(0.2, testhistogram_bucket) positive 0.048", 0.2, positive, 0.048],
    ["eval instant at 50m histogram_quantile(0.2, testhistogram_bucket) negative -0.2", 0.2, negative, -0.2],
    ["eval instant at 50m histogram_quantile(0.5, testhistogram_bucket) positive 0.15", 0.5, positive, 0.15],
    ["eval instant at 50m histogram_quantile(0.5, testhistogram_bucket) negative -0.15", 0.5, negative, -0.15],
    ["eval instant at 50m histogram_quantile(0.8, testhistogram_bucket) positive 0.72", 0.8, positive, 0.72],
    ["eval instant at 50m histogram_quantile(0.8, testhistogram_bucket) negative 0.3", 0.8, negative, 0.3],
    ["eval instant at 50m histogram_quantile(0.8, rate(testhistogram_bucket[10m])) positive 0.72", 0.8, scaled(positive, 1 / 300), 0.72],
    ["eval instant at 7m histogram_quantile(1./6., testhistogram2_bucket) 1", 1 / 6, h2at7m, 1],
    ["eval instant at 7m histogram_quantile(0.5, testhistogram2_bucket) 3", 0.5, h2at7m, 3],
    ["eval instant at 7m histogram_quantile(5./6., testhistogram2_bucket) 5", 5 / 6, h2at7m, 5],
    ["eval instant at 47m histogram_quantile(5./6., rate(testhistogram2_bucket[15m])) 5", 5 / 6, scaled(h2, 1 / 900), 5],
    ["eval instant at 50m histogram_quantile(0.3, sum(rate(request_duration_seconds_bucket[10m])) by (le)) 0.075", 0.3, [[0.1, 100], [0.2, 190], [Infinity, 250]], 0.075],
    ["eval instant at 50m histogram_quantile(0.5, sum(rate(request_duration_seconds_bucket[10m])) by (le)) 0.12777", 0.5, [[0.1, 100], [0.2, 190], [Infinity, 250]], 0.1277777777777778],
    ["eval instant at 50m histogram_quantile(0.3, ...by (le, job)) job2 0.0642857142857143", 0.3, [[0.1, 70], [0.2, 110], [Infinity, 150]], 0.0642857142857143],
    ["eval instant at 50m histogram_quantile(0.5, rate(request_duration_seconds_bucket[10m])) job1/ins2 0.1333", 0.5, [[0.1, 20], [0.2, 50], [Infinity, 60]], 0.13333333333333333],
    ["eval instant at 50m histogram_quantile(0.5, rate(mixed_bucket[10m])) ins1 0.15 (equal bounds coalesced)", 0.5, [[0.1, 10], [0.2, 10], [0.2, 10], [0.2, 10], [Infinity, 40]], 0.15],
    ["eval instant at 50m histogram_quantile(0.75, rate(mixed_bucket[10m])) ins1 0.2", 0.75, [[0.1, 10], [0.2, 10], [0.2, 10], [0.2, 10], [Infinity, 40]], 0.2],
    ["eval instant at 50m histogram_quantile(1, rate(mixed_bucket[10m])) ins1 0.2", 1, [[0.1, 10], [0.2, 10], [0.2, 10], [0.2, 10], [Infinity, 40]], 0.2],
    ["eval instant at 50m histogram_quantile(0.5, rate(mixed_bucket[10m])) ins2 NaN (+inf and +Inf coalesce to one bucket)", 0.5, [[Infinity, 0], [Infinity, 0]], NaN],
    ["eval instant at 50m histogram_quantile(0.2, rate(empty_bucket[10m])) NaN (no observations)", 0.2, [[0.1, 0], [0.2, 0], [Infinity, 0]], NaN],
    ["eval instant at 5m histogram_quantile(1.0, sum by (le) (rate(const_histogram_bucket[5m]))) NaN", 1, [[0, 0], [1, 0], [2, 0], [Infinity, 0]], NaN],
    ["highest bucket not +Inf -> NaN", 0.5, [[0.1, 1], [0.2, 2]], NaN],
  ];
  for (const [name, phi, b, want] of cases) {
    it(name, () => {
      const r = q(phi, b);
      assertClose(r.value, want, name);
      assert.equal(r.forcedMonotonic, false);
    });
  }

  const nonmonotonic: Buckets = [[0.1, 20], [1, 10], [10, 50], [100, 40], [1000, 90], [Infinity, 80]];
  for (const [phi, want] of [[0.01, 0.0045], [0.5, 8.5], [0.99, 979.75]] as const) {
    it(`eval instant at 50m histogram_quantile(${phi}, nonmonotonic_bucket) ${want} + info`, () => {
      const r = q(phi, nonmonotonic);
      assertClose(r.value, want);
      assert.equal(r.forcedMonotonic, true);
      assert.equal(r.minBucket, 1);
      assert.equal(r.maxBucket, Infinity);
      assert.equal(r.maxDiff, 10);
    });
  }

  it("ignores float-noise decreases (relative 1e-12) without flagging them", () => {
    const r = q(0.5, [[1, 10], [2, 10 - 1e-14], [Infinity, 10]]);
    assert.equal(r.forcedMonotonic, false);
    assert.equal(r.fixedPrecision, true);
    assert.equal(r.value, 0.5);
  });

  it("flags unsorted or NaN bounds instead of answering", () => {
    assert.equal(q(0.5, [[2, 1], [1, 2], [Infinity, 3]]).mixedOrInvalid, true);
    assert.equal(q(0.5, [[NaN, 1], [Infinity, 3]]).mixedOrInvalid, true);
    assert.ok(Number.isNaN(q(0.5, []).value));
  });

  it("fewer than two buckets -> NaN", () => {
    assert.ok(Number.isNaN(q(0.5, [[Infinity, 10]]).value));
  });

  it("does not modify the caller's arrays", () => {
    const ub = Float64Array.from([0.1, 1, Infinity]);
    const c = Float64Array.from([20, 10, 30]);
    classicHistogramQuantile(0.5, ub, c, 3);
    assert.deepEqual(Array.from(c), [20, 10, 30]);
  });
});

describe("histogram_fraction over classic buckets", () => {
  const pos: Buckets = [[1, 1], [2, 3], [3, 6], [Infinity, 100]];
  const neg: Buckets = [[-3, 10], [-2, 12], [-1, 15], [Infinity, 100]];
  const cases: Array<[string, number, number, Buckets, number]> = [
    ["eval instant at 50m histogram_fraction(0, 4, testhistogram2_bucket) 0.6666666666666666", 0, 4, h2, 0.6666666666666666],
    ["eval instant at 50m histogram_fraction(0, 6, testhistogram2_bucket) 1", 0, 6, h2, 1],
    ["eval instant at 50m histogram_fraction(0, 3.5, testhistogram2_bucket) 0.5833333333333334", 0, 3.5, h2, 0.5833333333333334],
    ["eval instant at 50m histogram_fraction(0, 0.2, testhistogram3_bucket) positive 0.6363636363636364", 0, 0.2, h3pos, 0.6363636363636364],
    ["eval instant at 50m histogram_fraction(0, 0.2, testhistogram3_bucket) negative 0", 0, 0.2, h3neg, 0],
    ["eval instant at 50m histogram_fraction(0, 0.2, rate(testhistogram3_bucket[10m])) positive 0.636", 0, 0.2, scaled(h3pos, 1 / 600), 0.6363636363636364],
    ["eval instant at 50m histogram_fraction(0, 1.5, positive_buckets_lower_falls_in_the_first_bucket_bucket) 0.02", 0, 1.5, pos, 0.02],
    ["eval instant at 50m histogram_fraction(-4, -2, negative_buckets_lower_falls_in_the_first_bucket_bucket) 0.02", -4, -2, neg, 0.02],
    ["eval instant at 50m histogram_fraction(-Inf, -1.5, lower_is_negative_Inf_bucket) 0.135", -Infinity, -1.5, neg, 0.135],
    ["eval instant at 50m histogram_fraction(-Inf, +Inf, ..._positive_buckets__bucket) 1", -Infinity, Infinity, pos, 1],
    ["eval instant at 50m histogram_fraction(-Inf, +Inf, ..._negative_buckets__bucket) 1", -Infinity, Infinity, neg, 1],
    ["eval instant at 50m histogram_fraction(4, 5, lower_and_upper_fall_in_last_bucket__positive_buckets__bucket) 0", 4, 5, pos, 0],
    ["eval instant at 50m histogram_fraction(0, 1, lower_and_upper_fall_in_last_bucket__negative_buckets__bucket) 0", 0, 1, neg, 0],
    ["eval instant at 50m histogram_fraction(2, 5, upper_falls_in_last_bucket_bucket) 0.03", 2, 5, pos, 0.03],
    ["eval instant at 50m histogram_fraction(400, +Inf, upper_is_positive_Inf_bucket) 0.94", 400, Infinity, pos, 0.94],
    ["eval instant at 50m histogram_fraction(2, 2, lower_equals_upper_bucket) 0", 2, 2, pos, 0],
    ["eval instant at 50m histogram_fraction(3, 2, lower_greater_than_upper_bucket) 0", 3, 2, pos, 0],
    ["eval instant at 50m histogram_fraction(0, 1, single_bucket_bucket) 0", 0, 1, [[Infinity, 100]], 0],
    ["eval instant at 50m histogram_fraction(0, 5, all_zero_counts_bucket) NaN", 0, 5, [[1, 0], [2, 0], [3, 0], [Infinity, 0]], NaN],
    ["eval instant at 50m histogram_fraction(2, 3.5, lower_exactly_on_bucket_boundary_bucket) 0.03", 2, 3.5, pos, 0.03],
    ["eval instant at 50m histogram_fraction(0.5, 2, upper_exactly_on_bucket_boundary_bucket) 0.025", 0.5, 2, pos, 0.025],
    ["eval instant at 50m histogram_fraction(1, 3, both_bounds_exactly_on_bucket_boundaries_bucket) 0.05", 1, 3, pos, 0.05],
    ["eval instant at 50m histogram_fraction(0.1, 0.75, fractional_bucket_bounds_bucket) 0.045", 0.1, 0.75, [[0.5, 2.5], [1, 7.5], [Infinity, 100]], 0.045],
    ["eval instant at 50m histogram_fraction(-1, 1, range_crosses_zero_bucket) 0.1", -1, 1, [[-2, 5], [-1, 10], [0, 15], [1, 20], [Infinity, 100]], 0.1],
    ["eval instant at 50m histogram_fraction(NaN, 1, lower_is_NaN_bucket) NaN", NaN, 1, [[1, 1], [Infinity, 100]], NaN],
    ["eval instant at 50m histogram_fraction(0, NaN, upper_is_NaN_bucket) NaN", 0, NaN, [[1, 1], [Infinity, 100]], NaN],
    ["eval instant at 50m histogram_fraction(-10, -5, range_entirely_below_all_buckets_bucket) 0", -10, -5, [[1, 1], [2, 3], [Infinity, 10]], 0],
    ["eval instant at 50m histogram_fraction(5, 10, range_entirely_above_all_buckets_bucket) 0", 5, 10, [[1, 1], [2, 3], [Infinity, 10]], 0],
    ["no +Inf bucket -> NaN", 0, 1, [[1, 1], [2, 3]], NaN],
    ["equal bounds are summed (mixed le spellings)", 0.1, 0.2, [[0.1, 10], [0.2, 10], [0.2, 10], [0.2, 10], [Infinity, 40]], 0.5],
  ];
  for (const [name, lo, hi, b, want] of cases) {
    it(name, () => assertClose(frac(lo, hi, b), want, name));
  }
});

describe("almostEqual (util/almost)", () => {
  it("treats relative differences below epsilon as equal", () => {
    assert.equal(almostEqual(1, 1 + 1e-13, 1e-12), true);
    assert.equal(almostEqual(1, 1 + 1e-11, 1e-12), false);
    assert.equal(almostEqual(0, 1e-320, 1e-12), true);
    assert.equal(almostEqual(NaN, NaN, 1e-12), true);
  });
});
