// rate/increase/delta (plain, anchored, smoothed), irate/idelta, changes/resets,
// deriv/predict_linear — expectations from /work/shared/promqltest.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rangeFunctions } from "./index.js";
import { assertClose, load, m, minimalWindowAt, s, windowAt, type TestSeries, type WindowOptions } from "./testutil.js";

interface Case {
  eval: string; // The promqltest eval line the expectation comes from.
  fn: string;
  series: TestSeries;
  at: number;
  range: number;
  opts?: WindowOptions;
  args?: number[];
  want: number | undefined;
}

function run(cases: Case[]): void {
  for (const c of cases) {
    it(c.eval, () => {
      const f = rangeFunctions[c.fn];
      assertClose(f(windowAt(c.series, c.at, c.range, c.opts), c.args ?? []), c.want, c.eval);
      // The same answer when the engine passes only the samples it is required to pass.
      assertClose(f(minimalWindowAt(c.series, c.at, c.range, c.opts), c.args ?? []), c.want, `${c.eval} (minimal)`);
    });
  }
}

// functions.test: load 5m http_requests_total{path=...}
const foo = load("0+10x10", m(5));
const bar = load("0+18x5 0+18x5", m(5));
const dings = load("10+10x10", m(5));
const bumms = load("1+10x10", m(5));

describe("increase and rate (extrapolated)", () => {
  run([
    { eval: "eval instant at 50m increase(http_requests_total[50m]) /foo 100", fn: "increase", series: foo, at: m(50), range: m(50), want: 100 },
    { eval: "eval instant at 50m increase(http_requests_total[50m]) /bar 160", fn: "increase", series: bar, at: m(50), range: m(50), want: 160 },
    { eval: "eval instant at 50m increase(http_requests_total[50m]) /dings 100", fn: "increase", series: dings, at: m(50), range: m(50), want: 100 },
    { eval: "eval instant at 50m increase(http_requests_total[100m]) /bar 162", fn: "increase", series: bar, at: m(50), range: m(100), want: 162 },
    { eval: "eval instant at 50m increase(http_requests_total[100m]) /dings 105", fn: "increase", series: dings, at: m(50), range: m(100), want: 105 },
    { eval: "eval instant at 50m increase(http_requests_total[100m]) /bumms 101 (zero-point clamp)", fn: "increase", series: bumms, at: m(50), range: m(100), want: 101 },
    { eval: "eval instant at 30m increase(http_requests_total[30m]) {path=/foo} 7 (0 1 2 3 2 3 4)", fn: "increase", series: load("0 1 2 3 2 3 4", m(5)), at: m(30), range: m(30), want: 7 },
    { eval: "eval instant at 50m rate(testcounter_reset_middle_total[50m]) 0.08", fn: "rate", series: load("0+27x4 0+27x5", m(5)), at: m(50), range: m(50), want: 0.08 },
    { eval: "eval instant at 50m rate(testcounter_reset_end_total[5m]) -> empty (single sample)", fn: "rate", series: load("0+10x9 0 10", m(5)), at: m(50), range: m(5), want: undefined },
    { eval: "eval instant at 50m rate(testcounter_reset_end_total[6m]) 0", fn: "rate", series: load("0+10x9 0 10", m(5)), at: m(50), range: m(6), want: 0 },
    { eval: "eval instant at 50m rate(calculate_rate_window_total[50m]) 0.26666666666666666", fn: "rate", series: load("0+80x10", m(5)), at: m(50), range: m(50), want: 0.26666666666666666 },
    { eval: "eval instant at 50m rate(calculate_rate_offset_total[10m] offset 5m) {x=a} 0.0333", fn: "rate", series: load("0+10x10", m(5)), at: m(50), range: m(10), opts: { offsetMs: m(5) }, want: 0.03333333333333333 },
    { eval: "eval instant at 10m rate(testcounter_zero_cutoff_total[20m]) {start=0m} 0.5", fn: "rate", series: load("0+240x10", m(4)), at: m(10), range: m(20), want: 0.5 },
    { eval: "eval instant at 10m rate(testcounter_zero_cutoff_total[20m]) {start=1m} 0.55", fn: "rate", series: load("60+240x10", m(4)), at: m(10), range: m(20), want: 0.55 },
    { eval: "eval instant at 10m rate(testcounter_zero_cutoff_total[20m]) {start=2m} 0.6", fn: "rate", series: load("120+240x10", m(4)), at: m(10), range: m(20), want: 0.6 },
    { eval: "eval instant at 10m rate(testcounter_zero_cutoff_total[20m]) {start=5m} 0.6", fn: "rate", series: load("300+240x10", m(4)), at: m(10), range: m(20), want: 0.6 },
    { eval: "eval instant at 50m rate(testcounter_zero_cutoff_total[20m]) {start=0m} 0.6", fn: "rate", series: load("0+240x10", m(4)), at: m(50), range: m(20), want: 0.6 },
    { eval: "eval instant at 50m rate(http_requests_total{...canary}[50m]) 0.2666", fn: "rate", series: load("0+80x10", m(5)), at: m(50), range: m(50), want: 0.26666666666666666 },
    { eval: "extended_vectors.test: eval instant at 5s increase(metric[1m]) -> empty", fn: "increase", series: load("1+1x4 9+1x4", s(15)), at: s(5), range: m(1), want: undefined },
    { eval: "extended_vectors.test: eval instant at 20s increase(metric[1m]) 1.833333333", fn: "increase", series: load("1+1x4 9+1x4", s(15)), at: s(20), range: m(1), want: 1.833333333 },
    { eval: "extended_vectors.test: eval instant at 80s increase(metric[1m]) 8", fn: "increase", series: load("1+1x4 9+1x4", s(15)), at: s(80), range: m(1), want: 8 },
    { eval: "extended_vectors.test (partial): eval instant at 50s increase(metric[1m]) 3.166666666", fn: "increase", series: load("1+1x2 _ _ 9+1x4", s(15)), at: s(50), range: m(1), want: 3.166666666 },
    { eval: "extended_vectors.test (partial): eval instant at 65s increase(metric[1m]) 2.166666666", fn: "increase", series: load("1+1x2 _ _ 9+1x4", s(15)), at: s(65), range: m(1), want: 2.166666666 },
    { eval: "extended_vectors.test: eval instant at 1m30s increase(metric[1m]) -> empty", fn: "increase", series: load("1+1x4 1+1x4", m(1)), at: s(90), range: m(1), want: undefined },
    { eval: "extended_vectors.test: eval instant at 6m increase(metric[5m]) {id=3} 15", fn: "increase", series: load("5+3x2 3+3x6", m(1)), at: m(6), range: m(5), want: 15 },
  ]);
});

describe("delta", () => {
  run([
    { eval: "eval instant at 20m delta(http_requests[20m]) {path=/foo} 200", fn: "delta", series: load("0 50 100 150 200", m(5)), at: m(20), range: m(20), want: 200 },
    { eval: "eval instant at 20m delta(http_requests[20m]) {path=/bar} -200", fn: "delta", series: load("200 150 100 50 0", m(5)), at: m(20), range: m(20), want: -200 },
    { eval: "extended_vectors.test: eval instant at 1m30s delta(metric[1m]) -> empty", fn: "delta", series: load("3 2+2x9", m(1)), at: s(90), range: m(1), want: undefined },
  ]);
});

// extended_vectors.test "Reference from PROM-52: Complete dataset" and "Partial dataset".
const complete = load("1+1x4 9+1x4", s(15));
const partial = load("1+1x2 _ _ 9+1x4", s(15));
const anchored: WindowOptions = { anchored: true };
const smoothed: WindowOptions = { smoothed: true };

describe("increase anchored (extended_vectors.test)", () => {
  const completeWant = [0, 1, 2, 3, 4, 7, 7, 7, 7];
  const partialWant = [0, 1, 2, 2, 2, 7, 7, 8, 9];
  run(
    completeWant.map((want, i) => ({
      eval: `complete: eval instant at ${5 + 15 * i}s increase(metric[1m] anchored) ${want}`,
      fn: "increase", series: complete, at: s(5 + 15 * i), range: m(1), opts: anchored, want,
    })),
  );
  run(
    partialWant.map((want, i) => ({
      eval: `partial: eval instant at ${5 + 15 * i}s increase(metric[1m] anchored) ${want}`,
      fn: "increase", series: partial, at: s(5 + 15 * i), range: m(1), opts: anchored, want,
    })),
  );
});

describe("increase smoothed (extended_vectors.test)", () => {
  const completeWant = [0.333333333, 1.333333333, 2.333333333, 3.333333333, 5, 7, 7, 7, 6];
  const partialWant = [0.333333333, 1.333333333, 2.666666666, 4.666666666, 6.333333333, 7, 6.666666666, 5.666666666, 4.666666666];
  run(
    completeWant.map((want, i) => ({
      eval: `complete: eval instant at ${5 + 15 * i}s increase(metric[1m] smoothed) ${want}`,
      fn: "increase", series: complete, at: s(5 + 15 * i), range: m(1), opts: smoothed, want,
    })),
  );
  run(
    partialWant.map((want, i) => ({
      eval: `partial: eval instant at ${5 + 15 * i}s increase(metric[1m] smoothed) ${want}`,
      fn: "increase", series: partial, at: s(5 + 15 * i), range: m(1), opts: smoothed, want,
    })),
  );
});

describe("anchored/smoothed edge cases (extended_vectors.test)", () => {
  const leftOpen = load("1 2 _ 4 5", m(1));
  const id1 = load("1+1x4 1+1x4", m(1));
  const id2 = load("3 2+2x9", m(1));
  const id3 = load("5+3x2 3+3x6", m(1));
  const g1 = load("11 -1 100 0", m(1));
  const g2 = load("0 0 100 0 0 11 -1", m(1));
  const after = load("_ 5+1x4", s(10));
  run([
    { eval: "eval instant at 2m increase(metric[1m] smoothed) 1 (left-open)", fn: "increase", series: leftOpen, at: m(2), range: m(1), opts: smoothed, want: 1 },
    { eval: "eval instant at 2m increase(metric[1m] anchored) -> empty (left-open)", fn: "increase", series: leftOpen, at: m(2), range: m(1), opts: anchored, want: undefined },
    { eval: "eval instant at 1m30s increase(metric[1m] smoothed) {id=1} 1", fn: "increase", series: id1, at: s(90), range: m(1), opts: smoothed, want: 1 },
    { eval: "eval instant at 1m30s increase(metric[1m] smoothed) {id=2} 2 (reset at left edge)", fn: "increase", series: id2, at: s(90), range: m(1), opts: smoothed, want: 2 },
    { eval: "eval instant at 1m30s increase(metric[1m] smoothed) {id=3} 3", fn: "increase", series: id3, at: s(90), range: m(1), opts: smoothed, want: 3 },
    { eval: "eval instant at 1m30s increase(metric[1m] anchored) {id=2} 2", fn: "increase", series: id2, at: s(90), range: m(1), opts: anchored, want: 2 },
    { eval: "eval instant at 1m30s delta(metric[1m] anchored) {id=2} -1", fn: "delta", series: id2, at: s(90), range: m(1), opts: anchored, want: -1 },
    { eval: "eval instant at 3m0s delta(metric[1m] anchored) {id=3} -8", fn: "delta", series: id3, at: m(3), range: m(1), opts: anchored, want: -8 },
    { eval: "eval instant at 3m30s delta(metric[1m] anchored) {id=3} -8", fn: "delta", series: id3, at: s(210), range: m(1), opts: anchored, want: -8 },
    { eval: "eval instant at 6m15s increase(metric[5m] smoothed) {id=2} 10", fn: "increase", series: id2, at: s(375), range: m(5), opts: smoothed, want: 10 },
    { eval: "eval instant at 6m increase(metric[5m] smoothed) {id=3} 15", fn: "increase", series: id3, at: m(6), range: m(5), opts: smoothed, want: 15 },
    { eval: "eval instant at 5m increase(metric[5m] anchored) {id=1} 5", fn: "increase", series: id1, at: m(5), range: m(5), opts: anchored, want: 5 },
    { eval: "eval instant at 15m increase(metric[5m] anchored) -> empty (anchor beyond lookback)", fn: "increase", series: id1, at: m(15), range: m(5), opts: anchored, want: undefined },
    { eval: "eval instant at 5m30s delta(metric[5m] smoothed) {id=1} -5", fn: "delta", series: g1, at: s(330), range: m(5), opts: smoothed, want: -5 },
    { eval: "eval instant at 5m30s delta(metric[5m] smoothed) {id=2} 5", fn: "delta", series: g2, at: s(330), range: m(5), opts: smoothed, want: 5 },
    { eval: "eval instant at 5m45s delta(metric[5m] smoothed) {id=1} -2", fn: "delta", series: g1, at: s(345), range: m(5), opts: smoothed, want: -2 },
    { eval: "eval instant at 5m45s delta(metric[5m] smoothed) {id=2} 2", fn: "delta", series: g2, at: s(345), range: m(5), opts: smoothed, want: 2 },
    { eval: "eval instant at 2m15s increase(metric[2m] smoothed) 12 (9 8 5 4)", fn: "increase", series: load("9 8 5 4", m(1)), at: s(135), range: m(2), opts: smoothed, want: 12 },
    { eval: "eval instant at 12s rate(metric[10s] smoothed) 0.666666666666667 (100 10)", fn: "rate", series: load("100 10", s(15)), at: s(12), range: s(10), opts: smoothed, want: 0.666666666666667 },
    { eval: "eval instant at 5s rate(metric[5s] smoothed) -> empty (data only after)", fn: "rate", series: after, at: s(5), range: s(5), opts: smoothed, want: undefined },
    { eval: "eval instant at 5s increase(metric[5s] smoothed) -> empty", fn: "increase", series: after, at: s(5), range: s(5), opts: smoothed, want: undefined },
    { eval: "eval instant at 15s increase(metric[10s] smoothed) 0.5", fn: "increase", series: after, at: s(15), range: s(10), opts: smoothed, want: 0.5 },
    { eval: "eval instant at 60s rate(metric[5s] smoothed) -> empty (data only before)", fn: "rate", series: after, at: s(60), range: s(5), opts: smoothed, want: undefined },
    // Float references quoted in the histogram comments of extended_vectors.test.
    { eval: "smoothed_double_reset float reference 5.5: increase(x[14s] smoothed) at 15s (10 5 2 4)", fn: "increase", series: load("10 5 2 4", s(10)), at: s(15), range: s(14), opts: smoothed, want: 5.5 },
    { eval: "smoothed_two_sample_both_interp float reference 2.5: increase(x[10s] smoothed) at 15s (10 5)", fn: "increase", series: load("10 5", s(20)), at: s(15), range: s(10), opts: smoothed, want: 2.5 },
    { eval: "anchored_reset_at_end float reference 8: increase(x[70s] anchored) at 70s (5 10 3)", fn: "increase", series: load("5 10 3", s(30)), at: s(70), range: s(70), opts: anchored, want: 8 },
    { eval: "anchored_two_sample_reset float reference 3: increase(x[30s] anchored) at 30s (5 3)", fn: "increase", series: load("5 3", s(30)), at: s(30), range: s(30), opts: anchored, want: 3 },
    { eval: "right_boundary_reset: rate(x[10s] smoothed) at 15s 0.4 (5 10 3)", fn: "rate", series: load("5 10 3", s(10)), at: s(15), range: s(10), opts: smoothed, want: 0.4 },
  ]);
  it("uses the anchor only within the lookback delta (lookbackDeltaMs)", () => {
    // Samples 1 @0 and 5 @10m; increase(x[1m] anchored) at 10m.
    const sparseCounter = { t: Float64Array.from([0, m(10)]), v: Float64Array.from([1, 5]) };
    assert.equal(rangeFunctions.increase(windowAt(sparseCounter, m(10), m(1), { anchored: true }), []), 0);
    assert.equal(rangeFunctions.increase(windowAt(sparseCounter, m(10), m(1), { anchored: true, lookbackDeltaMs: m(10) }), []), 4);
  });
});

describe("irate and idelta", () => {
  const nan = load("1 NaN NaN 5 11", m(5));
  run([
    { eval: "eval instant at 50m irate(http_requests_total[50m]) /foo .0333", fn: "irate", series: load("0+10x10", m(5)), at: m(50), range: m(50), want: 0.03333333333333333 },
    { eval: "eval instant at 30m irate(http_requests_total[50m]) /bar 0 (reset: 0+10x5 0+10x5)", fn: "irate", series: load("0+10x5 0+10x5", m(5)), at: m(30), range: m(50), want: 0 },
    { eval: "eval range ... irate(http_requests_nan[15m1s]) at 5m -> NaN", fn: "irate", series: nan, at: m(5), range: s(901), want: NaN },
    { eval: "eval range ... irate(http_requests_nan[15m1s]) at 15m -> NaN", fn: "irate", series: nan, at: m(15), range: s(901), want: NaN },
    { eval: "eval range ... irate(http_requests_nan[15m1s]) at 20m -> 0.02", fn: "irate", series: nan, at: m(20), range: s(901), want: 0.02 },
    { eval: "eval range ... irate(http_requests_nan[15m1s]) at 0 -> empty (one sample)", fn: "irate", series: nan, at: 0, range: s(901), want: undefined },
    { eval: "eval instant at 20m idelta(http_requests[20m]) /foo 50", fn: "idelta", series: load("0 50 100 150", m(5)), at: m(20), range: m(20), want: 50 },
    { eval: "eval instant at 20m idelta(http_requests[20m]) /bar -50", fn: "idelta", series: load("0 50 100 50", m(5)), at: m(20), range: m(20), want: -50 },
    { eval: "eval range ... idelta(http_requests_nan[15m1s]) at 20m -> 6", fn: "idelta", series: nan, at: m(20), range: s(901), want: 6 },
    { eval: "eval range ... idelta(http_requests_nan[15m1s]) at 10m -> NaN", fn: "idelta", series: nan, at: m(10), range: s(901), want: NaN },
  ]);
});

describe("changes and resets", () => {
  const rFoo = load("1 2 3 0 1 0 0 1 2 0", m(5));
  const rBar = load("1 2 3 4 5 1 2 3 4 5", m(5));
  const rBiz = load("0 0 0 0 0 1 1 1 1 1", m(5));
  run([
    { eval: "eval instant at 50m resets(http_requests[5m]) -> empty", fn: "resets", series: rFoo, at: m(50), range: m(5), want: undefined },
    { eval: "eval instant at 50m resets(http_requests[10m]) /foo 0 (single sample)", fn: "resets", series: rFoo, at: m(50), range: m(10), want: 0 },
    { eval: "eval instant at 50m resets(http_requests[20m]) /foo 1", fn: "resets", series: rFoo, at: m(50), range: m(20), want: 1 },
    { eval: "eval instant at 50m resets(http_requests[32m]) /foo 2", fn: "resets", series: rFoo, at: m(50), range: m(32), want: 2 },
    { eval: "eval instant at 50m resets(http_requests[32m]) /bar 1", fn: "resets", series: rBar, at: m(50), range: m(32), want: 1 },
    { eval: "eval instant at 50m resets(http_requests[50m]) /foo 3", fn: "resets", series: rFoo, at: m(50), range: m(50), want: 3 },
    { eval: "eval instant at 50m changes(http_requests[5m]) -> empty", fn: "changes", series: rFoo, at: m(50), range: m(5), want: undefined },
    { eval: "eval instant at 50m changes(http_requests[6m]) /foo 0", fn: "changes", series: rFoo, at: m(50), range: m(6), want: 0 },
    { eval: "eval instant at 50m changes(http_requests[20m]) /foo 2", fn: "changes", series: rFoo, at: m(50), range: m(20), want: 2 },
    { eval: "eval instant at 50m changes(http_requests[30m]) /bar 4", fn: "changes", series: rBar, at: m(50), range: m(30), want: 4 },
    { eval: "eval instant at 50m changes(http_requests[50m]) /foo 7", fn: "changes", series: rFoo, at: m(50), range: m(50), want: 7 },
    { eval: "eval instant at 50m changes(http_requests[50m]) /biz 1", fn: "changes", series: rBiz, at: m(50), range: m(50), want: 1 },
    { eval: "eval instant at 15m changes(x[20m]) {a=b} 0 (NaN NaN NaN)", fn: "changes", series: load("NaN NaN NaN", m(5)), at: m(15), range: m(20), want: 0 },
    { eval: "eval instant at 15m changes(x[20m]) {a=c} 2 (0 NaN 0)", fn: "changes", series: load("0 NaN 0", m(5)), at: m(15), range: m(20), want: 2 },
  ]);
  // extended_vectors.test
  const c1 = load("1+1x10", m(1));
  const c2 = load("1 1+1x10", m(1));
  const c3 = load("99-1x10", m(1));
  const c4 = load("99 99-1x10", m(1));
  const sparse = load("2 _ 1 _ _ _ _ _ 0", m(1));
  const dense = load("99-1x10", m(1));
  run([
    { eval: "eval instant at 5m changes(metric[5m]) {id=1} 4", fn: "changes", series: c1, at: m(5), range: m(5), want: 4 },
    { eval: "eval instant at 5m0s changes(metric[5m] anchored) {id=1} 5", fn: "changes", series: c1, at: m(5), range: m(5), opts: anchored, want: 5 },
    { eval: "eval instant at 5m0s changes(metric[5m] anchored) {id=2} 4", fn: "changes", series: c2, at: m(5), range: m(5), opts: anchored, want: 4 },
    { eval: "eval instant at 6m changes(metric[5m] anchored) {id=2} 5", fn: "changes", series: c2, at: m(6), range: m(5), opts: anchored, want: 5 },
    { eval: "eval instant at 5m30s changes(metric[5m] anchored) {id=3} 5", fn: "changes", series: c3, at: s(330), range: m(5), opts: anchored, want: 5 },
    { eval: "eval instant at 5m30s changes(metric[5m] anchored) {id=4} 4", fn: "changes", series: c4, at: s(330), range: m(5), opts: anchored, want: 4 },
    { eval: "eval instant at 5m30s resets(metric[5m]) {id=3} 4", fn: "resets", series: c3, at: s(330), range: m(5), want: 4 },
    { eval: "eval instant at 5m30s resets(metric[5m] anchored) {id=3} 5", fn: "resets", series: c3, at: s(330), range: m(5), opts: anchored, want: 5 },
    { eval: "eval instant at 5m30s resets(metric[5m] anchored) {id=4} 4", fn: "resets", series: c4, at: s(330), range: m(5), opts: anchored, want: 4 },
    { eval: "eval instant at 2m changes(metric[1m]) {id=1} 0", fn: "changes", series: sparse, at: m(2), range: m(1), want: 0 },
    { eval: "eval instant at 3m changes(metric[1m]) -> no {id=1}", fn: "changes", series: sparse, at: m(3), range: m(1), want: undefined },
    { eval: "eval instant at 2m changes(metric[1m] anchored) {id=1} 1", fn: "changes", series: sparse, at: m(2), range: m(1), opts: anchored, want: 1 },
    { eval: "eval instant at 3m changes(metric[1m] anchored) -> no {id=1}", fn: "changes", series: sparse, at: m(3), range: m(1), opts: anchored, want: undefined },
    { eval: "eval instant at 3m changes(metric[1m] anchored) {id=2} 1", fn: "changes", series: dense, at: m(3), range: m(1), opts: anchored, want: 1 },
    { eval: "eval instant at 8m changes(metric[1m] anchored) {id=1} 0 (anchor at exactly mint is out)", fn: "changes", series: sparse, at: m(8), range: m(1), opts: anchored, want: 0 },
    { eval: "eval instant at 8m changes(metric[1m1ms] anchored) {id=1} 1", fn: "changes", series: sparse, at: m(8), range: m(1) + 1, opts: anchored, want: 1 },
    { eval: "eval instant at 8m changes(metric[1m1ms] anchored) {id=2} 2", fn: "changes", series: dense, at: m(8), range: m(1) + 1, opts: anchored, want: 2 },
    { eval: "eval instant at 2m resets(metric[1m] anchored) {id=1} 1", fn: "resets", series: sparse, at: m(2), range: m(1), opts: anchored, want: 1 },
    { eval: "eval instant at 8m resets(metric[1m] anchored) {id=1} 0", fn: "resets", series: sparse, at: m(8), range: m(1), opts: anchored, want: 0 },
    { eval: "eval instant at 8m resets(metric[1m1ms] anchored) {id=2} 2", fn: "resets", series: dense, at: m(8), range: m(1) + 1, opts: anchored, want: 2 },
    { eval: "eval instant at 3m resets(floats[1m] anchored) 1 (2 1 2 1 2 1)", fn: "resets", series: load("2 1 2 1 2 1", m(1)), at: m(3), range: m(1), opts: anchored, want: 1 },
    { eval: "eval instant at 3m changes(floats[1m] anchored) 1", fn: "changes", series: load("2 1 2 1 2 1", m(1)), at: m(3), range: m(1), opts: anchored, want: 1 },
  ]);
});

describe("deriv and predict_linear", () => {
  const middle = load("0+10x4 0+10x5", m(5));
  const inf = load("-Inf 0+80x10 Inf", m(5));
  run([
    { eval: "eval instant at 50m deriv(http_requests_total[50m]) 0.26666666666666666", fn: "deriv", series: load("0+80x10", m(5)), at: m(50), range: m(50), want: 0.26666666666666666 },
    { eval: "eval instant at 50m deriv(testcounter_reset_middle_total[100m]) 0.010606060606060607", fn: "deriv", series: middle, at: m(50), range: m(100), want: 0.010606060606060607 },
    { eval: "eval instant at 100m deriv(http_requests_inf[100m]) NaN", fn: "deriv", series: inf, at: m(100), range: m(100), want: NaN },
    { eval: "eval instant at 50m predict_linear(testcounter_reset_middle_total[50m], 3600) 70", fn: "predict_linear", series: middle, at: m(50), range: m(50), args: [3600], want: 70 },
    { eval: "eval instant at 100m predict_linear(http_requests_inf[100m], 6000) NaN", fn: "predict_linear", series: inf, at: m(100), range: m(100), args: [6000], want: NaN },
    { eval: "deriv over a single sample -> empty", fn: "deriv", series: middle, at: m(50), range: m(1), want: undefined },
    { eval: "deriv of a constant series is 0", fn: "deriv", series: load("7x5", m(1)), at: m(5), range: m(10), want: 0 },
    { eval: "deriv of a constant +Inf series is NaN", fn: "deriv", series: load("Infx5", m(1)), at: m(5), range: m(10), want: NaN },
  ]);
  it("eval instant at 50m predict_linear(testcounter_reset_middle_total[55m] @ 3000, 3600) 76.81818181818181", () => {
    // @ 3000 pins the window to (5s, 3000s]; the intercept stays at the step time (50m).
    const w = windowAt(middle, s(3000), m(55));
    assertClose(rangeFunctions.predict_linear({ ...w, evalTimeMs: m(50) }, [3600]), 76.81818181818181);
    assertClose(rangeFunctions.predict_linear({ ...w, evalTimeMs: m(10) }, [3600]), 51.36363636363637, "at 10m");
    assertClose(rangeFunctions.predict_linear({ ...w, evalTimeMs: m(70) }, [3600]), 89.54545454545455, "at 70m");
  });
});
