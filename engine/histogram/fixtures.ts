// Test fixtures: histograms written in promqltest's literal notation, so a test can quote the
// ../shared/promqltest line it pins. Test-only (the conformance import is fine in tests).
import assert from "node:assert/strict";
import { parseSequence, type HistogramLiteral } from "../../conformance/index.js";
import { CounterResetHint } from "../../storeapi/index.js";
import { formatGoG } from "../../promql/index.js";
import { FloatHistogram } from "./float_histogram.js";

const HINTS: Record<NonNullable<HistogramLiteral["counterResetHint"]>, CounterResetHint> = {
  unknown: CounterResetHint.Unknown,
  reset: CounterResetHint.CounterReset,
  not_reset: CounterResetHint.NotCounterReset,
  gauge: CounterResetHint.Gauge,
};

/** A FloatHistogram from one promqltest literal, e.g. `{{schema:0 count:4 sum:5 buckets:[1 2 1]}}`. */
export function hist(text: string): FloatHistogram {
  const [value] = parseSequence(text);
  if (value === undefined || value.kind !== "histogram") throw new Error(`not a histogram literal: ${text}`);
  const l = value.histogram;
  const h = new FloatHistogram();
  h.schema = l.schema ?? 0;
  h.count = l.count ?? 0;
  h.sum = l.sum ?? 0;
  h.zeroCount = l.zeroCount ?? 0;
  h.zeroThreshold = l.zeroThreshold ?? 0;
  if (l.counterResetHint !== undefined) h.counterResetHint = HINTS[l.counterResetHint];
  if (l.buckets !== undefined && l.buckets.length > 0) {
    h.positiveSpans = [{ offset: l.offset ?? 0, length: l.buckets.length }];
    h.positiveBuckets = l.buckets.slice();
  }
  if (l.negativeBuckets !== undefined && l.negativeBuckets.length > 0) {
    h.negativeSpans = [{ offset: l.negativeOffset ?? 0, length: l.negativeBuckets.length }];
    h.negativeBuckets = l.negativeBuckets.slice();
  }
  if (l.customValues !== undefined) h.customValues = l.customValues;
  return h;
}

/** The literal notation of a histogram (one span per side after compacting), for failure messages. */
export function show(h: FloatHistogram): string {
  const c = h.copy().compact(Number.MAX_SAFE_INTEGER);
  const parts: string[] = [];
  const g = formatGoG;
  if (c.schema !== 0) parts.push(`schema:${c.schema}`);
  parts.push(`count:${g(c.count)}`, `sum:${g(c.sum)}`);
  if (c.zeroCount !== 0) parts.push(`z_bucket:${g(c.zeroCount)}`);
  if (c.zeroThreshold !== 0) parts.push(`z_bucket_w:${g(c.zeroThreshold)}`);
  if (c.customValues !== undefined) parts.push(`custom_values:[${c.customValues.map(g).join(" ")}]`);
  if (c.counterResetHint !== CounterResetHint.Unknown) parts.push(`hint:${c.counterResetHint}`);
  if (c.positiveSpans.length > 0 && c.positiveSpans[0].offset !== 0) parts.push(`offset:${c.positiveSpans[0].offset}`);
  if (c.positiveBuckets.length > 0) parts.push(`buckets:[${c.positiveBuckets.map(g).join(" ")}]`);
  if (c.negativeSpans.length > 0 && c.negativeSpans[0].offset !== 0) parts.push(`n_offset:${c.negativeSpans[0].offset}`);
  if (c.negativeBuckets.length > 0) parts.push(`n_buckets:[${c.negativeBuckets.map(g).join(" ")}]`);
  return `{{${parts.join(" ")}}}`;
}

/**
 * Asserts `actual` equals the literal as promqltest compares histograms: both compacted, equal
 * data within a relative 1e-6 on floats, and the hint too when the literal names one.
 */
export function assertHistogram(actual: FloatHistogram | undefined, expected: string): void {
  assert.ok(actual !== undefined, `expected ${expected}, got no histogram`);
  const want = hist(expected).compact(0);
  const got = actual.copy().compact(0);
  const message = `expected ${show(want)}, got ${show(got)}`;
  assert.equal(got.schema, want.schema, message);
  assert.ok(close(got.count, want.count) && close(got.sum, want.sum), message);
  assert.ok(close(got.zeroCount, want.zeroCount) && got.zeroThreshold === want.zeroThreshold, message);
  assert.deepEqual(got.customValues ?? [], want.customValues ?? [], message);
  assert.deepEqual(got.positiveSpans, want.positiveSpans, message);
  assert.deepEqual(got.negativeSpans, want.negativeSpans, message);
  assert.ok(allClose(got.positiveBuckets, want.positiveBuckets) && allClose(got.negativeBuckets, want.negativeBuckets), message);
  if (/counter_reset_hint:/.test(expected)) assert.equal(got.counterResetHint, want.counterResetHint, message);
}

/** promqltest's float comparison: equal, both NaN, or within 1e-6 relative. */
export function close(a: number, b: number): boolean {
  if (a === b || (a !== a && b !== b)) return true;
  return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

function allClose(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => close(v, b[i]));
}
