// Kahan-compensated bucket arithmetic for FloatHistogram.kahanAdd (what sum and avg aggregate
// with): every bucket keeps a compensation term in a parallel array of the same layout, updated
// with Prometheus's Kahan–Neumaier step so aggregated histograms match its answers.
import { kahanCompensation } from "../functions/kahan.js";
import { BucketCursor, CustomBucketSlots, SpanBuilder, type Span } from "./spans.js";
import { isExponentialSchema, targetIndex } from "./bounds.js";

/** Spans, buckets and their compensation terms, built in ascending index order. */
export class KahanSpanBuilder extends SpanBuilder {
  readonly compensation: number[] = [];

  pushKahan(index: number, count: number, compensation: number): void {
    this.push(index, count);
    this.compensation.push(compensation);
  }
}

/** a + b with compensation: b's buckets (and b's own compensation, when it has one) added into a's. */
export function kahanMergeBuckets(
  spansA: readonly Span[],
  bucketsA: readonly number[],
  compA: readonly number[],
  spansB: readonly Span[],
  bucketsB: readonly number[],
  compB: readonly number[] | undefined,
  schema: number,
  threshold: number,
): KahanSpanBuilder {
  const out = new KahanSpanBuilder();
  const a = new BucketCursor().reset(spansA, bucketsA);
  const b = new BucketCursor().reset(spansB, bucketsB, schema, schema, isExponentialSchema(schema) ? threshold : 0);
  let hasA = a.next();
  let hasB = b.next();
  while (hasA || hasB) {
    if (hasA && (!hasB || a.index < b.index)) {
      out.pushKahan(a.index, a.count, compA[a.position]);
      hasA = a.next();
      continue;
    }
    const cb = compB === undefined ? 0 : compB[b.position];
    if (!hasA || b.index < a.index) {
      out.pushKahan(b.index, b.count, cb);
      hasB = b.next();
      continue;
    }
    let sum = a.count;
    let c = kahanCompensation(b.count, sum, compA[a.position]);
    sum += b.count;
    if (cb !== 0) {
      c = kahanCompensation(cb, sum, c);
      sum += cb;
    }
    out.pushKahan(a.index, sum, c);
    hasA = a.next();
    hasB = b.next();
  }
  return out;
}

/** Buckets and compensation at a lower schema: merged neighbours summed with compensation. */
export function kahanReduceBuckets(
  spans: readonly Span[],
  buckets: readonly number[],
  comp: readonly number[],
  schema: number,
  targetSchema: number,
): KahanSpanBuilder {
  const out = new KahanSpanBuilder();
  const cursor = new BucketCursor().reset(spans, buckets);
  let last = 0;
  while (cursor.next()) {
    const t = targetIndex(cursor.index, schema, targetSchema);
    const origComp = comp[cursor.position];
    const n = out.buckets.length;
    if (n === 0 || t !== last) {
      out.pushKahan(t, cursor.count, origComp);
      last = t;
      continue;
    }
    let sum = out.buckets[n - 1];
    let c = kahanCompensation(cursor.count, sum, out.compensation[n - 1]);
    sum += cursor.count;
    c = kahanCompensation(origComp, sum, c);
    sum += origComp;
    out.buckets[n - 1] = sum;
    out.compensation[n - 1] = c;
  }
  return out;
}

/** compactBuckets for a histogram and its compensation: a bucket is empty only when both are zero. */
export function kahanCompactBuckets(spans: readonly Span[], buckets: readonly number[], comp: readonly number[], maxEmpty: number): KahanSpanBuilder {
  const out = new KahanSpanBuilder();
  const cursor = new BucketCursor().reset(spans, buckets);
  let last = 0;
  while (cursor.next()) {
    const c = comp[cursor.position];
    if (cursor.count === 0 && c === 0) continue;
    const gap = cursor.index - last - 1;
    if (out.buckets.length > 0 && gap > 0 && gap <= maxEmpty) {
      for (let i = 1; i <= gap; i++) out.pushKahan(last + i, 0, 0);
    }
    out.pushKahan(cursor.index, cursor.count, c);
    last = cursor.index;
  }
  return out;
}

/**
 * Custom buckets of one layout added with compensation onto dense `target`/`targetComp` arrays
 * indexed by the reconciled bounds (+Inf last), each bucket into the first bound at or above its own.
 */
export function kahanMapCustomBuckets(
  spans: readonly Span[],
  buckets: readonly number[],
  comp: readonly number[] | undefined,
  ownBounds: readonly number[] | undefined,
  bounds: readonly number[],
  target: Float64Array,
  targetComp: Float64Array,
): void {
  const cursor = new BucketCursor().reset(spans, buckets);
  const slots = new CustomBucketSlots(ownBounds, bounds);
  while (cursor.next()) {
    const slot = slots.of(cursor.index);
    targetComp[slot] = kahanCompensation(cursor.count, target[slot], targetComp[slot]);
    target[slot] += cursor.count;
    if (comp !== undefined) {
      const c = comp[cursor.position];
      targetComp[slot] = kahanCompensation(c, target[slot], targetComp[slot]);
      target[slot] += c;
    }
  }
}

/** Slots where the value or its compensation is non-zero, as spans with both arrays. */
export function kahanDenseToSpans(dense: Float64Array, comp: Float64Array): KahanSpanBuilder {
  const out = new KahanSpanBuilder();
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0 || comp[i] !== 0) out.pushKahan(i, dense[i], comp[i]);
  return out;
}
