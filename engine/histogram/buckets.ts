// Buckets of a native histogram with their bounds, in the orders histogram_quantile,
// histogram_fraction, the variance functions and the API encoder walk them.
import { bucketBound, isCustomBucketsSchema } from "./bounds.js";
import { BucketCursor, ReverseBucketCursor, type Span } from "./spans.js";

/** The fields of a histogram that bucket iteration reads (a FloatHistogram is one). */
export interface HistogramLayout {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly positiveSpans: readonly Span[];
  readonly positiveBuckets: readonly number[];
  readonly negativeSpans: readonly Span[];
  readonly negativeBuckets: readonly number[];
  readonly customValues?: readonly number[];
}

/** A bucket: its count and its range, with which ends belong to it. `index` is meaningless for the zero bucket. */
export interface Bucket {
  readonly lower: number;
  readonly upper: number;
  readonly lowerInclusive: boolean;
  readonly upperInclusive: boolean;
  readonly count: number;
  readonly index: number;
}

/**
 * Which buckets, in which order:
 * - positive: positive buckets, ascending (next to the zero bucket first);
 * - negative: negative buckets, descending (next to the zero bucket first);
 * - all: every bucket ascending by value (negative, the zero bucket when populated, positive);
 * - allReverse: every bucket descending by value.
 * In all/allReverse a bucket overlapping the zero bucket is clipped at the zero threshold.
 */
export type BucketOrder = "positive" | "negative" | "all" | "allReverse";

const NEGATIVE = 0;
const ZERO = 1;
const POSITIVE = 2;
const DONE = 3;

/**
 * Iterates a histogram's buckets with their bounds: call next(), then read the fields (one object,
 * reused: copy what you keep). Buckets with a zero count are included, except the zero bucket.
 */
export class BucketIterator implements Bucket {
  lower = 0;
  upper = 0;
  lowerInclusive = false;
  upperInclusive = false;
  count = 0;
  index = 0;
  private readonly forward = new BucketCursor();
  private readonly backward = new ReverseBucketCursor();
  private state = NEGATIVE;
  private readonly clip: boolean;

  constructor(
    private readonly h: HistogramLayout,
    private readonly order: BucketOrder,
  ) {
    this.clip = order === "all" || order === "allReverse";
    switch (order) {
      case "positive":
        this.forward.reset(h.positiveSpans, h.positiveBuckets);
        this.state = POSITIVE;
        break;
      case "negative":
        this.forward.reset(h.negativeSpans, h.negativeBuckets);
        this.state = NEGATIVE;
        break;
      case "all":
        this.backward.reset(h.negativeSpans, h.negativeBuckets);
        this.forward.reset(h.positiveSpans, h.positiveBuckets);
        break;
      case "allReverse":
        this.backward.reset(h.positiveSpans, h.positiveBuckets);
        this.forward.reset(h.negativeSpans, h.negativeBuckets);
        break;
    }
  }

  next(): boolean {
    switch (this.order) {
      case "positive":
        return this.fromCursor(this.forward, true);
      case "negative":
        return this.fromCursor(this.forward, false);
      case "all":
        return this.nextAll(false);
      case "allReverse":
        return this.nextAll(true);
    }
  }

  private nextAll(reverse: boolean): boolean {
    if (this.state === NEGATIVE) {
      if (this.fromCursor(this.backward, reverse)) return true;
      this.state = ZERO;
    }
    if (this.state === ZERO) {
      this.state = POSITIVE;
      if (this.h.zeroCount > 0) {
        this.lower = -this.h.zeroThreshold;
        this.upper = this.h.zeroThreshold;
        this.lowerInclusive = true;
        this.upperInclusive = true;
        this.count = this.h.zeroCount;
        this.index = 0;
        return true;
      }
    }
    if (this.state === POSITIVE) {
      if (this.fromCursor(this.forward, !reverse)) return true;
      this.state = DONE;
    }
    return false;
  }

  private fromCursor(cursor: BucketCursor | ReverseBucketCursor, positive: boolean): boolean {
    if (!cursor.next()) return false;
    const h = this.h;
    const i = cursor.index;
    this.index = i;
    this.count = cursor.count;
    if (positive) {
      this.upper = bucketBound(i, h.schema, h.customValues);
      this.lower = bucketBound(i - 1, h.schema, h.customValues);
    } else {
      this.lower = -bucketBound(i, h.schema, h.customValues);
      this.upper = -bucketBound(i - 1, h.schema, h.customValues);
    }
    if (isCustomBucketsSchema(h.schema)) {
      this.lowerInclusive = i === 0;
      this.upperInclusive = true;
    } else {
      this.lowerInclusive = this.lower < 0;
      this.upperInclusive = this.upper > 0;
    }
    if (this.clip) {
      const zt = h.zeroThreshold;
      if (this.upper < 0 && this.upper > -zt) this.upper = -zt;
      else if (this.lower > 0 && this.lower < zt) this.lower = zt;
    }
    return true;
  }
}
