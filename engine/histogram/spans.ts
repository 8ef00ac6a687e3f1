// One side (positive or negative) of a native histogram as spans + absolute bucket counts: walking it,
// merging two of them, reducing resolution and compacting. Results are new arrays; inputs are not changed.
import { exponentialBound, isExponentialSchema, targetIndex } from "./bounds.js";

/** A run of `length` buckets starting `offset` indexes after the previous span's end (absolute for the first). */
export interface Span {
  offset: number;
  length: number;
}

/** Spans and bucket counts of one side, built by appending buckets in ascending index order. */
export class SpanBuilder {
  readonly spans: Span[] = [];
  readonly buckets: number[] = [];
  private last = 0;

  /** Appends bucket `index` (> every index appended before) holding `count`. */
  push(index: number, count: number): void {
    const n = this.spans.length;
    if (n > 0 && index === this.last + 1) {
      this.spans[n - 1].length++;
    } else {
      this.spans.push({ offset: n === 0 ? index : index - this.last - 1, length: 1 });
    }
    this.buckets.push(count);
    this.last = index;
  }

  /** Appends bucket `index`, filling a gap of at most `maxEmpty` indexes with empty buckets instead of a new span. */
  pushFilling(index: number, count: number, maxEmpty: number): void {
    const n = this.spans.length;
    const gap = index - this.last - 1;
    if (n > 0 && gap > 0 && gap <= maxEmpty) {
      for (let i = 0; i < gap; i++) this.buckets.push(0);
      this.spans[n - 1].length += gap;
      this.last += gap;
    }
    this.push(index, count);
  }
}

/**
 * Walks one side's buckets in ascending index order (`index`, `count` after each next()), optionally
 * merged down to a lower `targetSchema` and skipping leading exponential buckets whose upper bound
 * is ≤ `skipUpTo` (the part inside a zero bucket). Reusable: reset() starts over on other data.
 */
export class BucketCursor {
  index = 0;
  count = 0;
  /** Position of the current bucket in the buckets array (when not merging schemas). */
  position = 0;
  private spans: readonly Span[] = [];
  private buckets: readonly number[] = [];
  private schema = 0;
  private targetSchema = 0;
  private skipUpTo = 0;
  private skipping = false;
  private spanIdx = 0;
  private inSpan = 0;
  private bucketIdx = 0;
  private nextRawIndex = 0;
  private rawIndex = 0;
  private rawCount = 0;
  private pending = false;

  reset(spans: readonly Span[], buckets: readonly number[], schema = 0, targetSchema = schema, skipUpTo = 0): this {
    this.spans = spans;
    this.buckets = buckets;
    this.schema = schema;
    this.targetSchema = targetSchema;
    this.skipUpTo = skipUpTo;
    this.skipping = skipUpTo !== 0 && isExponentialSchema(targetSchema);
    this.spanIdx = 0;
    this.inSpan = 0;
    this.bucketIdx = 0;
    this.nextRawIndex = spans.length > 0 ? spans[0].offset : 0;
    this.pending = false;
    return this;
  }

  next(): boolean {
    for (;;) {
      if (!this.mergedNext()) return false;
      if (!this.skipping) return true;
      if (exponentialBound(this.index, this.targetSchema) > this.skipUpTo) {
        this.skipping = false;
        return true;
      }
    }
  }

  private mergedNext(): boolean {
    if (!this.pending && !this.rawNext()) return false;
    this.pending = false;
    this.index = this.schema === this.targetSchema ? this.rawIndex : targetIndex(this.rawIndex, this.schema, this.targetSchema);
    this.count = this.rawCount;
    this.position = this.bucketIdx - 1;
    if (this.schema === this.targetSchema) return true;
    while (this.rawNext()) {
      if (targetIndex(this.rawIndex, this.schema, this.targetSchema) !== this.index) {
        this.pending = true;
        break;
      }
      this.count += this.rawCount;
    }
    return true;
  }

  private rawNext(): boolean {
    const spans = this.spans;
    // Pathological zero-length spans are stepped over, their offsets kept.
    while (this.spanIdx < spans.length && this.inSpan >= spans[this.spanIdx].length) {
      this.spanIdx++;
      this.inSpan = 0;
      if (this.spanIdx < spans.length) this.nextRawIndex += spans[this.spanIdx].offset;
    }
    if (this.spanIdx >= spans.length || this.bucketIdx >= this.buckets.length) return false;
    this.rawIndex = this.nextRawIndex++;
    this.rawCount = this.buckets[this.bucketIdx++];
    this.inSpan++;
    return true;
  }
}

/** Walks one side's buckets in descending index order (`index`, `count` after each next()). */
export class ReverseBucketCursor {
  index = 0;
  count = 0;
  private spans: readonly Span[] = [];
  private buckets: readonly number[] = [];
  private spanIdx = 0;
  private inSpan = 0;
  private bucketIdx = 0;
  private nextRawIndex = 0;

  reset(spans: readonly Span[], buckets: readonly number[]): this {
    this.spans = spans;
    this.buckets = buckets;
    this.spanIdx = spans.length - 1;
    this.inSpan = this.spanIdx >= 0 ? spans[this.spanIdx].length - 1 : -1;
    this.bucketIdx = buckets.length - 1;
    let end = 0;
    for (const s of spans) end += s.offset + s.length;
    this.nextRawIndex = end - 1;
    return this;
  }

  next(): boolean {
    if (this.bucketIdx < 0) return false;
    while (this.inSpan < 0) {
      // Step from the first bucket of this span to the last of the previous one.
      this.nextRawIndex -= this.spans[this.spanIdx].offset;
      this.spanIdx--;
      if (this.spanIdx < 0) return false;
      this.inSpan = this.spans[this.spanIdx].length - 1;
    }
    this.index = this.nextRawIndex--;
    this.count = this.buckets[this.bucketIdx--];
    this.inSpan--;
    return true;
  }
}

/**
 * a + sign·b bucket by bucket, both at `schema`: the union of both layouts (a's empty buckets kept).
 * For exponential schemas, b's buckets whose upper bound is ≤ `threshold` are left out: the caller
 * has already counted them in the zero bucket.
 */
export function mergeBuckets(
  spansA: readonly Span[],
  bucketsA: readonly number[],
  spansB: readonly Span[],
  bucketsB: readonly number[],
  sign: 1 | -1,
  schema: number,
  threshold: number,
): SpanBuilder {
  const out = new SpanBuilder();
  const a = new BucketCursor().reset(spansA, bucketsA);
  const b = new BucketCursor().reset(spansB, bucketsB, schema, schema, isExponentialSchema(schema) ? threshold : 0);
  let hasA = a.next();
  let hasB = b.next();
  while (hasA || hasB) {
    if (hasA && (!hasB || a.index < b.index)) {
      out.push(a.index, a.count);
      hasA = a.next();
    } else if (!hasA || b.index < a.index) {
      out.push(b.index, sign * b.count);
      hasB = b.next();
    } else {
      out.push(a.index, a.count + sign * b.count);
      hasA = a.next();
      hasB = b.next();
    }
  }
  return out;
}

/**
 * Where custom buckets of one layout land among the reconciled `bounds` (+Inf last): each goes to
 * the first reconciled bound at or above its own upper bound. Asked in ascending bucket index.
 */
export class CustomBucketSlots {
  private readonly own: readonly number[];
  private k = 0;

  constructor(
    ownBounds: readonly number[] | undefined,
    private readonly bounds: readonly number[],
  ) {
    this.own = ownBounds ?? [];
  }

  of(index: number): number {
    const bounds = this.bounds;
    if (index >= this.own.length) return bounds.length;
    const upper = this.own[index]!;
    while (this.k < bounds.length && bounds[this.k]! < upper) this.k++;
    return this.k < bounds.length ? this.k : bounds.length;
  }
}

/**
 * Adds custom buckets of one layout onto `target`, indexed by the reconciled `bounds` (+Inf last):
 * each bucket goes to the first reconciled bound at or above its own upper bound.
 */
export function mapCustomBuckets(
  spans: readonly Span[],
  buckets: readonly number[],
  ownBounds: readonly number[] | undefined,
  bounds: readonly number[],
  sign: 1 | -1,
  target: Float64Array,
): void {
  const cursor = new BucketCursor().reset(spans, buckets);
  const slots = new CustomBucketSlots(ownBounds, bounds);
  while (cursor.next()) {
    const slot = slots.of(cursor.index);
    target[slot] += sign * cursor.count;
  }
}

/** Non-zero slots of a dense custom-bucket array as spans and buckets. */
export function denseToSpans(dense: Float64Array): SpanBuilder {
  const out = new SpanBuilder();
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) out.push(i, dense[i]);
  return out;
}

/** One side's buckets at `targetSchema` (< schema): neighbours that fall into one bucket are summed. */
export function reduceBuckets(spans: readonly Span[], buckets: readonly number[], schema: number, targetSchema: number): SpanBuilder {
  const out = new SpanBuilder();
  const cursor = new BucketCursor().reset(spans, buckets, schema, targetSchema);
  while (cursor.next()) out.push(cursor.index, cursor.count);
  return out;
}

/**
 * One side with empty buckets dropped from span ends, runs of at most `maxEmpty` empty or missing
 * buckets between populated ones kept as explicit empty buckets, and longer runs turned into gaps.
 */
export function compactBuckets(spans: readonly Span[], buckets: readonly number[], maxEmpty: number): SpanBuilder {
  const out = new SpanBuilder();
  const cursor = new BucketCursor().reset(spans, buckets);
  while (cursor.next()) if (cursor.count !== 0) out.pushFilling(cursor.index, cursor.count, maxEmpty);
  return out;
}

/**
 * Whether two span lists describe the same buckets with the same span boundaries; zero-length
 * spans are ignored (their offsets carried over), adjacent spans are NOT merged (Prometheus's rule).
 */
export function spansMatch(a: readonly Span[], b: readonly Span[]): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    let offA = 0;
    let offB = 0;
    while (i < a.length && a[i].length === 0) offA += a[i++].offset;
    while (j < b.length && b[j].length === 0) offB += b[j++].offset;
    if (i >= a.length || j >= b.length) return i >= a.length && j >= b.length;
    if (a[i].offset + offA !== b[j].offset + offB || a[i].length !== b[j].length) return false;
    i++;
    j++;
  }
}

