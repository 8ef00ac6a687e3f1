// anchored/smoothed windows over native histograms, with the numbers of
// ../shared/promqltest/extended_vectors.test (line numbers quoted per case).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterResetHint } from "../../storeapi/index.js";
import type { AnnotationText } from "../annotations.js";
import { extendedHistogramDelta, interpolateHistograms } from "./extended.js";
import { assertHistogram, close, hist } from "./fixtures.js";
import type { FloatHistogram } from "./float_histogram.js";

/** Samples `every` ms apart from t=0, one literal each. */
function series(every: number, ...literals: string[]): { t: Float64Array; hs: FloatHistogram[] } {
  return { t: Float64Array.from(literals, (_, i) => i * every), hs: literals.map(hist) };
}

/** hist_counter: count/sum/bucket k+1 at t = 15s·k, k = 0..7 (extended_vectors.test:466). */
function histCounter(): { t: Float64Array; hs: FloatHistogram[] } {
  return series(15_000, ...Array.from({ length: 8 }, (_, k) => `{{schema:0 count:${k + 1} sum:${k + 1} buckets:[${k + 1}] offset:1}}`));
}

/** The samples a selection (from, to] holds. */
function select(s: { t: Float64Array; hs: FloatHistogram[] }, from: number, to: number): { t: Float64Array; hs: FloatHistogram[] } {
  const keep = Array.from(s.t.keys()).filter((i) => s.t[i]! > from && s.t[i]! <= to);
  return { t: Float64Array.from(keep, (i) => s.t[i]!), hs: keep.map((i) => s.hs[i]!) };
}

const LOOKBACK = 300_000;

/** increase/delta (before the division by the range) of `metric[rangeMs] anchored|smoothed` at `atMs`. */
function change(s: { t: Float64Array; hs: FloatHistogram[] }, atMs: number, rangeMs: number, smoothed: boolean, isCounter = true) {
  const from = atMs - rangeMs;
  const sel = select(s, from - LOOKBACK, atMs + (smoothed ? LOOKBACK : 0));
  return extendedHistogramDelta(sel.t, sel.hs, from, atMs, smoothed, isCounter, "m");
}

test("anchored increase: from the anchor to the last sample, no extrapolation (:475, :478, :501, :515)", () => {
  const d = change(histCounter(), 50_000, 60_000, false);
  assertHistogram(d.histogram, "{{count:3 sum:3 buckets:[3] offset:1 counter_reset_hint:gauge}}");
  assert.deepEqual(d.annotations, []);
  // At 5s only the t=0 sample is in range: the change from itself is empty.
  const at5 = change(histCounter(), 5_000, 60_000, false);
  assert.ok(at5.histogram !== undefined && at5.histogram.count === 0 && at5.histogram.sum === 0);
});

test("smoothed increase interpolates the right boundary between 45s and 60s (:484, :487, :493)", () => {
  assertHistogram(change(histCounter(), 50_000, 60_000, true).histogram, "{{count:3.333333333333333 sum:3.333333333333333 buckets:[3.333333333333333] offset:1}}");
  assert.ok(close(change(histCounter(), 5_000, 60_000, true).histogram!.count, 0.3333333333333333));
});

test("delta of counter histograms warns that they are not gauges (:510, :520)", () => {
  const d = change(histCounter(), 50_000, 60_000, true, false);
  assert.ok(close(d.histogram!.count, 3.333333333333333));
  assert.deepEqual(d.annotations.map((a) => a.message), ['this native histogram metric is not a gauge: "m"']);
});

test("mixed exponential and custom buckets in the window: no result, a warning (:555, :561)", () => {
  const s = series(
    30_000,
    "{{schema:0 sum:1 count:1 buckets:[1]}}",
    "{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}",
    "{{schema:0 sum:5 count:4 buckets:[1 2 1]}}",
    "{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}",
  );
  for (const [at, smoothed] of [[60_000, false], [45_000, true]] as const) {
    const d = change(s, at, 60_000, smoothed);
    assert.equal(d.histogram, undefined);
    assert.deepEqual(d.annotations.map((a) => a.message), ['vector contains a mix of histograms with exponential and custom buckets schemas for metric name "m"']);
  }
});

test("anchored increase adds back the counter before a reset, custom buckets (:576, :579)", () => {
  const s = series(
    30_000,
    "{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}",
    "{{schema:-53 sum:4 count:4 custom_values:[5 10] buckets:[4]}}",
    "{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1] counter_reset_hint:reset}}",
    "{{schema:-53 sum:3 count:3 custom_values:[5 10] buckets:[3] counter_reset_hint:not_reset}}",
  );
  assertHistogram(change(s, 90_000, 90_000, false).histogram, "{{schema:-53 sum:6 count:6 custom_values:[5 10] buckets:[6]}}");
});

test("a gauge sample inside a counter window warns, the value still counts (:588, :592)", () => {
  const s = series(30_000, "{{schema:0 sum:1 count:1 buckets:[1]}}", "{{schema:0 sum:2 count:2 buckets:[2] counter_reset_hint:gauge}}", "{{schema:0 sum:3 count:3 buckets:[3]}}");
  for (const smoothed of [false, true]) {
    const d = change(s, 90_000, 90_000, smoothed);
    assert.equal(d.histogram!.count, 2);
    assert.deepEqual(d.annotations.map((a) => a.message), ['this native histogram metric is not a counter: "m"']);
  }
});

test("resets at and across the boundaries are counted once (:642, :653, :664, :676, :715)", () => {
  const h = (n: number, hint = "") => `{{schema:0 sum:${n} count:${n} buckets:[${n}]${hint}}}`;
  const reset = " counter_reset_hint:reset";
  // Reset at the last sample, anchored: 3 − 5 + 10.
  assert.equal(change(series(30_000, h(5), h(10), h(3, reset)), 70_000, 70_000, false).histogram!.count, 8);
  // Only two samples, the second a reset: 3 − 5 + 5.
  assert.equal(change(series(30_000, h(5), h(3, reset)), 30_000, 30_000, false).histogram!.count, 3);
  // Left interpolated across the first reset, a second reset right after it.
  assert.ok(close(change(series(10_000, h(10), h(5, reset), h(2, reset), h(4)), 15_000, 14_000, true).histogram!.count, 5.5));
  // Both boundaries interpolated inside the same reset segment: no correction.
  assert.ok(close(change(series(20_000, h(10), h(5, reset)), 15_000, 10_000, true).histogram!.count, 2.5));
  // Right boundary interpolated across a reset: 1.5 − 7.5 + 10.
  assert.ok(close(change(series(10_000, h(5), h(10), h(3, reset)), 15_000, 10_000, true).histogram!.count, 4));
});

test("interpolateHistograms: linear between samples, from empty across a counter reset (:526, :622)", () => {
  const notes: AnnotationText[] = [];
  const s = histCounter();
  const at7 = interpolateHistograms(s.hs[0]!, 0, s.hs[1]!, 15_000, 7_000, true, notes);
  assertHistogram(at7, "{{count:1.4666666666666668 sum:1.4666666666666668 buckets:[1.4666666666666668] offset:1}}");
  const afterReset = interpolateHistograms(hist("{{schema:0 sum:10 count:10 buckets:[10]}}"), 15_000, hist("{{schema:0 sum:2 count:2 buckets:[2] counter_reset_hint:reset}}"), 30_000, 20_000, true, notes);
  assert.ok(close(afterReset!.count, 0.6666666666666666));
  assert.equal(afterReset!.counterResetHint, CounterResetHint.CounterReset);
  // Not a counter: the straight line, even downwards.
  const gauge = interpolateHistograms(hist("{{schema:0 sum:10 count:10 buckets:[10]}}"), 0, hist("{{schema:0 sum:4 count:4 buckets:[4]}}"), 10, 5, false, notes);
  assert.equal(gauge!.count, 7);
  assert.deepEqual(notes, []);
  const mixed = interpolateHistograms(hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}"), 0, hist("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}"), 10, 5, false, notes, "m");
  assert.equal(mixed, undefined);
  assert.equal(notes.length, 1);
});
