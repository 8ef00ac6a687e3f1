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
 * Bounds are computed when first read, so walking counts alone (as quantiles do) stays cheap.
 */
export class BucketIterator implements Bucket {
  count = 0;
  index = 0;
  private readonly forward = new BucketCursor();
  private readonly backward = new ReverseBucketCursor();
  private state = NEGATIVE;
  private readonly clip: boolean;
  /** Side of the current bucket: POSITIVE, NEGATIVE or ZERO (the zero bucket). */
  private side = POSITIVE;
  private boundsReady = false;
  private lowerBound = 0;
  private upperBound = 0;

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

  get lower(): number {
    if (!this.boundsReady) this.computeBounds();
    return this.lowerBound;
  }

  get upper(): number {
    if (!this.boundsReady) this.computeBounds();
    return this.upperBound;
  }

  get lowerInclusive(): boolean {
    if (this.side === ZERO) return true;
    if (isCustomBucketsSchema(this.h.schema)) return this.index === 0;
    return this.lower < 0;
  }

  get upperInclusive(): boolean {
    if (this.side === ZERO || isCustomBucketsSchema(this.h.schema)) return true;
    return this.upper > 0;
  }

  next(): boolean {
    this.boundsReady = false;
    switch (this.order) {
      case "positive":
        return this.fromCursor(this.forward, POSITIVE);
      case "negative":
        return this.fromCursor(this.forward, NEGATIVE);
      case "all":
        return this.nextAll(false);
      case "allReverse":
        return this.nextAll(true);
    }
  }

  private nextAll(reverse: boolean): boolean {
    if (this.state === NEGATIVE) {
      if (this.fromCursor(this.backward, reverse ? POSITIVE : NEGATIVE)) return true;
      this.state = ZERO;
    }
    if (this.state === ZERO) {
      this.state = POSITIVE;
      if (this.h.zeroCount > 0) {
        this.side = ZERO;
        this.count = this.h.zeroCount;
        this.index = 0;
        return true;
      }
    }
    if (this.state === POSITIVE) {
      if (this.fromCursor(this.forward, reverse ? NEGATIVE : POSITIVE)) return true;
      this.state = DONE;
    }
    return false;
  }

  private fromCursor(cursor: BucketCursor | ReverseBucketCursor, side: number): boolean {
    if (!cursor.next()) return false;
    this.side = side;
    this.index = cursor.index;
    this.count = cursor.count;
    return true;
  }

  private computeBounds(): void {
    this.boundsReady = true;
    const h = this.h;
    const i = this.index;
    if (this.side === ZERO) {
      this.lowerBound = -h.zeroThreshold;
      this.upperBound = h.zeroThreshold;
      return;
    }
    if (this.side === POSITIVE) {
      this.upperBound = bucketBound(i, h.schema, h.customValues);
      this.lowerBound = bucketBound(i - 1, h.schema, h.customValues);
    } else {
      this.lowerBound = -bucketBound(i, h.schema, h.customValues);
      this.upperBound = -bucketBound(i - 1, h.schema, h.customValues);
    }
    if (!this.clip) return;
    // Clipping to the zero threshold never changes a bound's sign, so inclusivity is unaffected.
    const zt = h.zeroThreshold;
    if (this.upperBound < 0 && this.upperBound > -zt) this.upperBound = -zt;
    else if (this.lowerBound > 0 && this.lowerBound < zt) this.lowerBound = zt;
  }
}
