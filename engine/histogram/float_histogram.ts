// The engine's native histogram: float counts, absolute buckets, with the arithmetic PromQL needs,
// following Prometheus's model/histogram FloatHistogram rules (schema reduction, zero-threshold
// widening, NHCB reconciliation, counter-reset hints and reset detection).
import { CounterResetHint, FloatBits, type NativeHistogram } from "../../storeapi/index.js";
import {
  bucketBound,
  customBoundsMatch,
  exponentialBound,
  intersectCustomBounds,
  isCustomBucketsSchema,
  isExponentialSchema,
} from "./bounds.js";
import {
  BucketCursor,
  compactBuckets,
  denseToSpans,
  mapCustomBuckets,
  mergeBuckets,
  reduceBuckets,
  spansMatch,
  type Span,
  type SpanBuilder,
} from "./spans.js";
import { BucketIterator, type BucketOrder, type HistogramLayout } from "./buckets.js";
import {
  kahanCompactBuckets,
  kahanDenseToSpans,
  kahanMapCustomBuckets,
  kahanMergeBuckets,
  kahanReduceBuckets,
  type KahanSpanBuilder,
} from "./kahan.js";
import { kahanCompensation } from "../functions/kahan.js";

/** What add/sub report besides the result (bit flags; 0 is a clean operation). */
export const enum CombineFlags {
  None = 0,
  /** One operand said CounterReset, the other NotCounterReset: the result's hint is Unknown (Prometheus warns). */
  CounterResetCollision = 1,
  /** Custom buckets with different bounds were reconciled to the bounds both share (Prometheus adds an info). */
  CustomBoundsReconciled = 2,
  /** One operand has exponential buckets, the other custom ones: nothing was changed (Prometheus warns). */
  IncompatibleSchema = 4,
}

/** A histogram that breaks the native histogram rules (bad spans, negative counts, schema out of range). */
export class HistogramError extends Error {
  override readonly name = "HistogramError";
}

const copySpans = (spans: readonly { offset: number; length: number }[]): Span[] =>
  spans.map((s) => ({ offset: s.offset, length: s.length }));

/** Bytes of Prometheus's FloatHistogram struct before its slices' elements (model/histogram Size()). */
const HISTOGRAM_STRUCT_BYTES = 168;

export class FloatHistogram implements HistogramLayout {
  counterResetHint: CounterResetHint = CounterResetHint.Unknown;
  schema = 0;
  zeroThreshold = 0;
  zeroCount = 0;
  count = 0;
  sum = 0;
  positiveSpans: Span[] = [];
  positiveBuckets: number[] = [];
  negativeSpans: Span[] = [];
  negativeBuckets: number[] = [];
  /** Upper bounds of the custom buckets (NHCB only); shared, never mutated (replaced instead). */
  customValues: readonly number[] | undefined = undefined;

  /** A FloatHistogram from the store-boundary shape (integer or float counts alike). */
  static fromNative(h: NativeHistogram): FloatHistogram {
    const f = new FloatHistogram();
    f.counterResetHint = h.counterResetHint;
    f.schema = h.schema;
    f.count = h.count;
    f.sum = h.sum;
    f.positiveSpans = copySpans(h.positiveSpans);
    f.positiveBuckets = h.positiveBuckets.slice();
    if (isCustomBucketsSchema(h.schema)) {
      f.customValues = h.customValues ?? [];
    } else {
      f.zeroThreshold = h.zeroThreshold;
      f.zeroCount = h.zeroCount;
      f.negativeSpans = copySpans(h.negativeSpans);
      f.negativeBuckets = h.negativeBuckets.slice();
    }
    return f;
  }

  /** The store-boundary shape (float counts), sharing nothing mutable with this histogram. */
  toNative(): NativeHistogram {
    const h: NativeHistogram = {
      float: true,
      counterResetHint: this.counterResetHint,
      schema: this.schema,
      zeroThreshold: this.zeroThreshold,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      positiveSpans: copySpans(this.positiveSpans),
      positiveBuckets: this.positiveBuckets.slice(),
      negativeSpans: copySpans(this.negativeSpans),
      negativeBuckets: this.negativeBuckets.slice(),
    };
    return this.customValues === undefined ? h : { ...h, customValues: this.customValues };
  }

  /**
   * Samples this histogram counts as against --query.max-samples: Prometheus weighs a histogram by
   * its in-memory size on a 64-bit machine (168 bytes + 8 per span, bucket and custom bound) as
   * (size + 8) / 16 floats, a float sample with its timestamp being 16 bytes.
   */
  sampleWeight(): number {
    const slots = this.positiveSpans.length + this.negativeSpans.length + this.positiveBuckets.length + this.negativeBuckets.length + (this.customValues?.length ?? 0);
    return Math.floor((HISTOGRAM_STRUCT_BYTES + 8 * slots + 8) / 16);
  }

  usesCustomBuckets(): boolean {
    return isCustomBucketsSchema(this.schema);
  }

  /** A deep copy (custom values shared: they are never mutated). */
  copy(): FloatHistogram {
    const c = new FloatHistogram();
    c.counterResetHint = this.counterResetHint;
    c.schema = this.schema;
    c.count = this.count;
    c.sum = this.sum;
    c.positiveSpans = copySpans(this.positiveSpans);
    c.positiveBuckets = this.positiveBuckets.slice();
    if (this.usesCustomBuckets()) {
      c.customValues = this.customValues;
    } else {
      c.zeroThreshold = this.zeroThreshold;
      c.zeroCount = this.zeroCount;
      c.negativeSpans = copySpans(this.negativeSpans);
      c.negativeBuckets = this.negativeBuckets.slice();
    }
    return c;
  }

  /**
   * A copy at the lower-or-equal exponential `targetSchema`; the copy's counter-reset hint is Unknown
   * unless the schema is unchanged (as Prometheus's CopyToSchema).
   */
  copyToSchema(targetSchema: number): FloatHistogram {
    if (targetSchema === this.schema) return this.copy();
    this.checkReducible(targetSchema);
    const c = new FloatHistogram();
    c.schema = targetSchema;
    c.zeroThreshold = this.zeroThreshold;
    c.zeroCount = this.zeroCount;
    c.count = this.count;
    c.sum = this.sum;
    this.setPositive(c, reduceBuckets(this.positiveSpans, this.positiveBuckets, this.schema, targetSchema));
    this.setNegative(c, reduceBuckets(this.negativeSpans, this.negativeBuckets, this.schema, targetSchema));
    return c;
  }

  /** Lowers the resolution in place to the exponential `targetSchema` (< schema), summing merged buckets. */
  reduceResolution(targetSchema: number): this {
    if (targetSchema === this.schema) {
      throw new HistogramError(`cannot reduce resolution from schema ${this.schema} to ${targetSchema}`);
    }
    this.checkReducible(targetSchema);
    this.checkSpans();
    this.setPositive(this, reduceBuckets(this.positiveSpans, this.positiveBuckets, this.schema, targetSchema));
    this.setNegative(this, reduceBuckets(this.negativeSpans, this.negativeBuckets, this.schema, targetSchema));
    this.schema = targetSchema;
    return this;
  }

  /**
   * Scales counts, sum and every bucket in place. A negative factor makes the result a gauge
   * (its counts can no longer be a counter's); NaN and ±Inf propagate as IEEE arithmetic does.
   */
  mul(factor: number): this {
    this.zeroCount *= factor;
    this.count *= factor;
    this.sum *= factor;
    scale(this.positiveBuckets, factor);
    scale(this.negativeBuckets, factor);
    if (factor < 0) this.counterResetHint = CounterResetHint.Gauge;
    return this;
  }

  /**
   * Divides in place. Dividing by zero turns count, sum and zero count into ±Inf/NaN and removes
   * every bucket (keeping the hint); a negative divisor makes the result a gauge.
   */
  div(divisor: number): this {
    this.zeroCount /= divisor;
    this.count /= divisor;
    this.sum /= divisor;
    if (divisor === 0) {
      this.positiveSpans = [];
      this.positiveBuckets = [];
      this.negativeSpans = [];
      this.negativeBuckets = [];
      return this;
    }
    for (let i = 0; i < this.positiveBuckets.length; i++) this.positiveBuckets[i] /= divisor;
    for (let i = 0; i < this.negativeBuckets.length; i++) this.negativeBuckets[i] /= divisor;
    if (divisor < 0) this.counterResetHint = CounterResetHint.Gauge;
    return this;
  }

  /**
   * Adds `other` into this histogram. The result has the lower of both schemas and the wider zero
   * bucket; buckets may be left empty (call compact). Custom buckets combine only with custom
   * buckets; different bounds are reconciled to the bounds both share. `other` is never changed.
   */
  add(other: FloatHistogram): CombineFlags {
    return this.combine(other, 1);
  }

  /**
   * Subtracts `other` from this histogram, with add's rules. The hint follows add's rule too; the
   * PromQL `-` operator must then mark the result a gauge.
   */
  sub(other: FloatHistogram): CombineFlags {
    return this.combine(other, -1);
  }

  /**
   * Removes empty buckets at span ends, keeps runs of up to `maxEmptyBuckets` empty buckets
   * between populated ones inside one span and turns longer runs into gaps between spans.
   */
  compact(maxEmptyBuckets = 0): this {
    this.setPositive(this, compactBuckets(this.positiveSpans, this.positiveBuckets, maxEmptyBuckets));
    this.setNegative(this, compactBuckets(this.negativeSpans, this.negativeBuckets, maxEmptyBuckets));
    return this;
  }

  /**
   * Data equality as Prometheus's Equals: same schema, zero bucket, custom bounds and bucket layout
   * (span boundaries included, zero-length spans ignored), counts and sum compared bit for bit.
   * The counter-reset hint is not compared.
   */
  equals(other: FloatHistogram): boolean {
    const bits = new FloatBits();
    if (this.schema !== other.schema || !sameBits(this.count, other.count, bits) || !sameBits(this.sum, other.sum, bits)) {
      return false;
    }
    if (this.usesCustomBuckets() && !customBoundsMatch(this.customValues, other.customValues)) return false;
    if (this.zeroThreshold !== other.zeroThreshold || !sameBits(this.zeroCount, other.zeroCount, bits)) return false;
    return (
      spansMatch(this.negativeSpans, other.negativeSpans) &&
      sameBucketBits(this.negativeBuckets, other.negativeBuckets, bits) &&
      spansMatch(this.positiveSpans, other.positiveSpans) &&
      sameBucketBits(this.positiveBuckets, other.positiveBuckets, bits)
    );
  }

  /**
   * Whether this histogram, following `previous` in a counter series, starts after a counter reset:
   * the hint decides when it says CounterReset or NotCounterReset; otherwise any decrease (count,
   * zero count, a bucket, a populated bucket gone), a higher schema, a narrower zero bucket, or
   * a wider one cutting through a populated bucket is a reset. The sum is not considered.
   */
  detectReset(previous: FloatHistogram): boolean {
    if (this.counterResetHint === CounterResetHint.CounterReset) return true;
    if (this.counterResetHint === CounterResetHint.NotCounterReset) return false;
    // Unknown and Gauge are both checked in detail (PromQL lets users rate gauge histograms).
    if (this.count < previous.count) return true;
    if (this.usesCustomBuckets()) {
      if (!previous.usesCustomBuckets()) return true;
      if (!customBoundsMatch(this.customValues, previous.customValues)) return this.customBucketDecreased(previous);
    }
    if (this.schema > previous.schema) return true;
    if (this.zeroThreshold < previous.zeroThreshold) return true;
    let previousZeroCount = previous.zeroCount;
    if (this.zeroThreshold !== previous.zeroThreshold) {
      const [widened, threshold] = previous.zeroCountForLargerThreshold(this.zeroThreshold, undefined);
      // The wider zero bucket cuts through a populated bucket of previous: only a reset does that.
      if (threshold !== this.zeroThreshold) return true;
      previousZeroCount = widened;
    }
    if (this.zeroCount < previousZeroCount) return true;
    const curr = new BucketCursor();
    const prev = new BucketCursor();
    curr.reset(this.positiveSpans, this.positiveBuckets, this.schema, this.schema, this.zeroThreshold);
    prev.reset(previous.positiveSpans, previous.positiveBuckets, previous.schema, this.schema, this.zeroThreshold);
    if (bucketDecreased(curr, prev)) return true;
    curr.reset(this.negativeSpans, this.negativeBuckets, this.schema, this.schema, this.zeroThreshold);
    prev.reset(previous.negativeSpans, previous.negativeBuckets, previous.schema, this.schema, this.zeroThreshold);
    return bucketDecreased(curr, prev);
  }

  /** The buckets with their bounds, in the given order (see BucketOrder). */
  buckets(order: BucketOrder = "all"): BucketIterator {
    return new BucketIterator(this, order);
  }

  /**
   * Why this histogram breaks the native histogram rules, or undefined when it is valid: schema
   * range, spans against buckets, negative counts, custom-bucket constraints (Prometheus's Validate).
   */
  validate(): string | undefined {
    if (this.usesCustomBuckets()) {
      const bad = this.customBoundsError();
      if (bad !== undefined) return `custom buckets: ${bad}`;
      if (this.zeroCount !== 0) return "custom buckets: must have zero count of 0";
      if (this.zeroThreshold !== 0) return "custom buckets: must have zero threshold of 0";
      if (this.negativeSpans.length > 0) return "custom buckets: must not have negative spans";
      if (this.negativeBuckets.length > 0) return "custom buckets: must not have negative buckets";
    } else if (isExponentialSchema(this.schema)) {
      const pos = spansError(this.positiveSpans, this.positiveBuckets.length);
      if (pos !== undefined) return `positive side: ${pos}`;
      const neg = spansError(this.negativeSpans, this.negativeBuckets.length) ?? bucketsError(this.negativeBuckets);
      if (neg !== undefined) return `negative side: ${neg}`;
      if (this.zeroCount < 0) {
        return `zero bucket has observation count of ${this.zeroCount}: histogram has a bucket whose observation count is negative`;
      }
      if (this.customValues !== undefined) return "histogram with exponential schema must not have custom bounds";
    } else {
      return `histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema ${this.schema}`;
    }
    if (this.count < 0) return `observation count is  ${this.count}: histogram's observation count is negative`;
    const pos = bucketsError(this.positiveBuckets);
    return pos === undefined ? undefined : `positive side: ${pos}`;
  }

  private combine(other: FloatHistogram, sign: 1 | -1): CombineFlags {
    if (this.usesCustomBuckets() !== other.usesCustomBuckets()) return CombineFlags.IncompatibleSchema;
    let flags = this.adjustCounterReset(other) ? CombineFlags.CounterResetCollision : CombineFlags.None;
    if (!this.usesCustomBuckets()) {
      // Reconcile first: it may widen this zero bucket (and its count) before other's is added.
      const [otherZeroCount] = this.reconcileZeroBuckets(other, undefined);
      this.zeroCount += sign * otherZeroCount;
    }
    this.count += sign * other.count;
    this.sum += sign * other.sum;
    if (this.sameLayout(other)) {
      addInPlace(this.positiveBuckets, other.positiveBuckets, sign);
      addInPlace(this.negativeBuckets, other.negativeBuckets, sign);
      return flags;
    }
    if (this.usesCustomBuckets()) {
      if (customBoundsMatch(this.customValues, other.customValues)) {
        this.setPositive(this, mergeBuckets(this.positiveSpans, this.positiveBuckets, other.positiveSpans, other.positiveBuckets, sign, this.schema, 0));
        return flags;
      }
      const bounds = intersectCustomBounds(this.customValues, other.customValues);
      const dense = new Float64Array(bounds.length + 1);
      mapCustomBuckets(this.positiveSpans, this.positiveBuckets, this.customValues, bounds, 1, dense);
      mapCustomBuckets(other.positiveSpans, other.positiveBuckets, other.customValues, bounds, sign, dense);
      this.setPositive(this, denseToSpans(dense));
      this.customValues = bounds;
      return flags | CombineFlags.CustomBoundsReconciled;
    }
    let otherPositiveSpans: readonly Span[] = other.positiveSpans;
    let otherPositiveBuckets: readonly number[] = other.positiveBuckets;
    let otherNegativeSpans: readonly Span[] = other.negativeSpans;
    let otherNegativeBuckets: readonly number[] = other.negativeBuckets;
    if (other.schema < this.schema) {
      this.reduceResolution(other.schema);
    } else if (other.schema > this.schema) {
      const pos = reduceBuckets(otherPositiveSpans, otherPositiveBuckets, other.schema, this.schema);
      const neg = reduceBuckets(otherNegativeSpans, otherNegativeBuckets, other.schema, this.schema);
      otherPositiveSpans = pos.spans;
      otherPositiveBuckets = pos.buckets;
      otherNegativeSpans = neg.spans;
      otherNegativeBuckets = neg.buckets;
    }
    const zt = this.zeroThreshold;
    this.setPositive(this, mergeBuckets(this.positiveSpans, this.positiveBuckets, otherPositiveSpans, otherPositiveBuckets, sign, this.schema, zt));
    this.setNegative(this, mergeBuckets(this.negativeSpans, this.negativeBuckets, otherNegativeSpans, otherNegativeBuckets, sign, this.schema, zt));
    return flags;
  }

  /**
   * add with Kahan compensation, as Prometheus's sum and avg aggregate: `compensation` (a histogram
   * of this one's layout, created when undefined) collects the rounding error; the caller adds it
   * to the sum at the end (`sum.add(compensation)`). Returns the compensation to pass next time.
   */
  kahanAdd(other: FloatHistogram, compensation: FloatHistogram | undefined): { compensation: FloatHistogram | undefined; flags: CombineFlags } {
    if (this.usesCustomBuckets() !== other.usesCustomBuckets()) return { compensation: undefined, flags: CombineFlags.IncompatibleSchema };
    const flags = this.adjustCounterReset(other) ? CombineFlags.CounterResetCollision : CombineFlags.None;
    const c = compensation ?? this.newCompensation();
    if (!this.usesCustomBuckets()) {
      const [otherZeroCount, otherZeroCompensation] = this.reconcileZeroBuckets(other, c);
      c.zeroCount = kahanCompensation(otherZeroCount, this.zeroCount, c.zeroCount);
      this.zeroCount += otherZeroCount;
      c.zeroCount = kahanCompensation(otherZeroCompensation, this.zeroCount, c.zeroCount);
      this.zeroCount += otherZeroCompensation;
    }
    c.count = kahanCompensation(other.count, this.count, c.count);
    this.count += other.count;
    c.sum = kahanCompensation(other.sum, this.sum, c.sum);
    this.sum += other.sum;
    if (this.sameLayout(other)) {
      kahanAddInPlace(this.positiveBuckets, c.positiveBuckets, other.positiveBuckets);
      kahanAddInPlace(this.negativeBuckets, c.negativeBuckets, other.negativeBuckets);
      return { compensation: c, flags };
    }
    if (this.usesCustomBuckets()) {
      if (customBoundsMatch(this.customValues, other.customValues)) {
        const merged = kahanMergeBuckets(this.positiveSpans, this.positiveBuckets, c.positiveBuckets, other.positiveSpans, other.positiveBuckets, undefined, this.schema, 0);
        setKahanPositive(this, c, merged);
        return { compensation: c, flags };
      }
      const bounds = intersectCustomBounds(this.customValues, other.customValues);
      const dense = new Float64Array(bounds.length + 1);
      const denseComp = new Float64Array(bounds.length + 1);
      kahanMapCustomBuckets(this.positiveSpans, this.positiveBuckets, c.positiveBuckets, this.customValues, bounds, dense, denseComp);
      kahanMapCustomBuckets(other.positiveSpans, other.positiveBuckets, undefined, other.customValues, bounds, dense, denseComp);
      setKahanPositive(this, c, kahanDenseToSpans(dense, denseComp));
      this.customValues = bounds;
      c.customValues = bounds;
      return { compensation: c, flags: flags | CombineFlags.CustomBoundsReconciled };
    }
    let otherPositiveSpans: readonly Span[] = other.positiveSpans;
    let otherPositiveBuckets: readonly number[] = other.positiveBuckets;
    let otherNegativeSpans: readonly Span[] = other.negativeSpans;
    let otherNegativeBuckets: readonly number[] = other.negativeBuckets;
    let otherPositiveComp: readonly number[] | undefined;
    let otherNegativeComp: readonly number[] | undefined;
    if (other.schema < this.schema) {
      setKahanPositive(this, c, kahanReduceBuckets(this.positiveSpans, this.positiveBuckets, c.positiveBuckets, this.schema, other.schema));
      setKahanNegative(this, c, kahanReduceBuckets(this.negativeSpans, this.negativeBuckets, c.negativeBuckets, this.schema, other.schema));
      this.schema = other.schema;
    } else if (other.schema > this.schema) {
      // Merging other's buckets down has its own rounding error, carried as other's compensation.
      if (otherPositiveBuckets.length > 0) {
        const zeros = new Array<number>(otherPositiveBuckets.length).fill(0);
        const pos = kahanReduceBuckets(otherPositiveSpans, otherPositiveBuckets, zeros, other.schema, this.schema);
        otherPositiveSpans = pos.spans;
        otherPositiveBuckets = pos.buckets;
        otherPositiveComp = pos.compensation;
      }
      if (otherNegativeBuckets.length > 0) {
        const zeros = new Array<number>(otherNegativeBuckets.length).fill(0);
        const neg = kahanReduceBuckets(otherNegativeSpans, otherNegativeBuckets, zeros, other.schema, this.schema);
        otherNegativeSpans = neg.spans;
        otherNegativeBuckets = neg.buckets;
        otherNegativeComp = neg.compensation;
      }
    }
    const zt = this.zeroThreshold;
    setKahanPositive(this, c, kahanMergeBuckets(this.positiveSpans, this.positiveBuckets, c.positiveBuckets, otherPositiveSpans, otherPositiveBuckets, otherPositiveComp, this.schema, zt));
    setKahanNegative(this, c, kahanMergeBuckets(this.negativeSpans, this.negativeBuckets, c.negativeBuckets, otherNegativeSpans, otherNegativeBuckets, otherNegativeComp, this.schema, zt));
    c.schema = this.schema;
    c.zeroThreshold = this.zeroThreshold;
    return { compensation: c, flags };
  }

  /** Whether a count, the sum, a bucket or a custom bound is ±Inf (an aggregation overflowed). */
  hasOverflow(): boolean {
    const inf = (v: number) => v === Infinity || v === -Infinity;
    return (
      inf(this.zeroCount) ||
      inf(this.count) ||
      inf(this.sum) ||
      this.positiveBuckets.some(inf) ||
      this.negativeBuckets.some(inf) ||
      (this.customValues !== undefined && this.customValues.some(inf))
    );
  }

  /**
   * Whether other's buckets line up one to one with this histogram's (schema, zero threshold, spans,
   * custom bounds) with none at or below the zero threshold, which add leaves out: then + and -
   * work bucket by bucket in place, the common case of one series over time or alike series.
   */
  private sameLayout(other: FloatHistogram): boolean {
    if (this.schema !== other.schema || this.zeroThreshold !== other.zeroThreshold) return false;
    if (this.usesCustomBuckets() && !customBoundsMatch(this.customValues, other.customValues)) return false;
    if (!sameSpans(this.positiveSpans, other.positiveSpans) || !sameSpans(this.negativeSpans, other.negativeSpans)) return false;
    if (this.positiveBuckets.length !== other.positiveBuckets.length || this.negativeBuckets.length !== other.negativeBuckets.length) {
      return false;
    }
    if (this.zeroThreshold === 0 || this.usesCustomBuckets()) return true;
    return firstBucketAbove(other.positiveSpans, this.schema, this.zeroThreshold) && firstBucketAbove(other.negativeSpans, this.schema, this.zeroThreshold);
  }

  /** A zero histogram of this one's layout, to hold Kahan compensation terms. */
  private newCompensation(): FloatHistogram {
    const c = new FloatHistogram();
    c.counterResetHint = this.counterResetHint;
    c.schema = this.schema;
    c.zeroThreshold = this.zeroThreshold;
    c.customValues = this.customValues;
    c.positiveSpans = copySpans(this.positiveSpans);
    c.positiveBuckets = new Array<number>(this.positiveBuckets.length).fill(0);
    if (!this.usesCustomBuckets()) {
      c.negativeSpans = copySpans(this.negativeSpans);
      c.negativeBuckets = new Array<number>(this.negativeBuckets.length).fill(0);
    }
    return c;
  }

  /** Prometheus's hint rule for + and -: equal stays, gauge wins, unknown wins next, reset vs not-reset collides. */
  private adjustCounterReset(other: FloatHistogram): boolean {
    const mine = this.counterResetHint;
    const theirs = other.counterResetHint;
    if (theirs === mine || mine === CounterResetHint.Gauge) return false;
    if (theirs === CounterResetHint.Gauge) {
      this.counterResetHint = CounterResetHint.Gauge;
      return false;
    }
    if (mine === CounterResetHint.Unknown) return false;
    this.counterResetHint = CounterResetHint.Unknown;
    return theirs !== CounterResetHint.Unknown;
  }

  /**
   * Widens this zero bucket and/or counts other's buckets into a virtual wider one until both
   * thresholds agree at a bound not inside a populated bucket of either; returns other's zero count
   * at that threshold and its Kahan compensation (other is not changed). `c`, when given, is this
   * histogram's compensation and is widened alike.
   */
  private reconcileZeroBuckets(other: FloatHistogram, c: FloatHistogram | undefined): [number, number] {
    let otherZeroCount = other.zeroCount;
    let otherThreshold = other.zeroThreshold;
    let otherCompensation = 0;
    while (otherThreshold !== this.zeroThreshold) {
      if (this.zeroThreshold > otherThreshold) {
        [otherZeroCount, otherThreshold, otherCompensation] = other.zeroCountForLargerThreshold(this.zeroThreshold, undefined);
      }
      if (otherThreshold > this.zeroThreshold) {
        const [zeroCount, threshold, compensation] = this.zeroCountForLargerThreshold(otherThreshold, c);
        this.zeroCount = zeroCount;
        this.zeroThreshold = threshold;
        if (c !== undefined) c.zeroCount = compensation;
        this.trimBucketsInZeroBucket(c);
      }
    }
    return [otherZeroCount, otherCompensation];
  }

  /**
   * [zero count, threshold, compensation] this histogram would have with a zero bucket of
   * `threshold` (≥ the current one); a threshold falling inside a populated bucket moves up to that
   * bucket's bound. Counts are Kahan-summed, with `c`'s terms when given (its compensation).
   */
  zeroCountForLargerThreshold(threshold: number, c: FloatHistogram | undefined): [number, number, number] {
    let compensation = c === undefined ? 0 : c.zeroCount;
    if (threshold === this.zeroThreshold) return [this.zeroCount, threshold, compensation];
    if (threshold < this.zeroThreshold) {
      throw new HistogramError(`new zero threshold ${threshold} is less than old threshold ${this.zeroThreshold}`);
    }
    const cursor = new BucketCursor();
    for (;;) {
      // As Prometheus: a restart recounts the zero count but keeps the compensation gathered so far.
      let zeroCount = this.zeroCount;
      let restart = false;
      for (let side = 0; side < 2 && !restart; side++) {
        const positive = side === 0;
        cursor.reset(positive ? this.positiveSpans : this.negativeSpans, positive ? this.positiveBuckets : this.negativeBuckets);
        const comp = c === undefined ? undefined : positive ? c.positiveBuckets : c.negativeBuckets;
        while (cursor.next()) {
          if (bucketBound(cursor.index - 1, this.schema, undefined) >= threshold) break;
          compensation = kahanCompensation(cursor.count, zeroCount, compensation);
          zeroCount += cursor.count;
          if (comp !== undefined) {
            compensation = kahanCompensation(comp[cursor.position], zeroCount, compensation);
            zeroCount += comp[cursor.position];
          }
          const upper = bucketBound(cursor.index, this.schema, undefined);
          if (upper > threshold) {
            if (cursor.count !== 0) {
              threshold = upper;
              // A populated negative bucket straddling it means recounting the positive side.
              restart = !positive;
            }
            break;
          }
        }
      }
      if (!restart) return [zeroCount, threshold, compensation];
    }
  }

  /** Empties the buckets inside the zero bucket (already counted in it) and compacts (with `c`, jointly). */
  private trimBucketsInZeroBucket(c: FloatHistogram | undefined): void {
    const zt = this.zeroThreshold;
    const cursor = new BucketCursor();
    cursor.reset(this.positiveSpans, this.positiveBuckets);
    for (let i = 0; cursor.next(); i++) {
      if (bucketBound(cursor.index - 1, this.schema, undefined) >= zt) break;
      this.positiveBuckets[i] = 0;
      if (c !== undefined) c.positiveBuckets[i] = 0;
    }
    cursor.reset(this.negativeSpans, this.negativeBuckets);
    for (let i = 0; cursor.next(); i++) {
      if (bucketBound(cursor.index - 1, this.schema, undefined) >= zt) break;
      this.negativeBuckets[i] = 0;
      if (c !== undefined) c.negativeBuckets[i] = 0;
    }
    if (c === undefined) {
      this.compact(0);
      return;
    }
    setKahanPositive(this, c, kahanCompactBuckets(this.positiveSpans, this.positiveBuckets, c.positiveBuckets, 0));
    setKahanNegative(this, c, kahanCompactBuckets(this.negativeSpans, this.negativeBuckets, c.negativeBuckets, 0));
  }

  /** Reset check for NHCBs with different bounds: both mapped onto the bounds they share. */
  private customBucketDecreased(previous: FloatHistogram): boolean {
    const bounds = intersectCustomBounds(this.customValues, previous.customValues);
    const curr = new Float64Array(bounds.length + 1);
    const prev = new Float64Array(bounds.length + 1);
    mapCustomBuckets(this.positiveSpans, this.positiveBuckets, this.customValues, bounds, 1, curr);
    mapCustomBuckets(previous.positiveSpans, previous.positiveBuckets, previous.customValues, bounds, 1, prev);
    for (let i = 0; i < curr.length; i++) if (curr[i] < prev[i]) return true;
    return false;
  }

  private checkReducible(targetSchema: number): void {
    if (this.usesCustomBuckets()) throw new HistogramError("cannot reduce resolution when there are custom buckets");
    if (isCustomBucketsSchema(targetSchema)) throw new HistogramError("cannot reduce resolution to custom buckets schema");
    if (targetSchema > this.schema) {
      throw new HistogramError(`cannot reduce resolution from schema ${this.schema} to ${targetSchema}`);
    }
  }

  private checkSpans(): void {
    const bad = spansError(this.positiveSpans, this.positiveBuckets.length) ?? spansError(this.negativeSpans, this.negativeBuckets.length);
    if (bad !== undefined) throw new HistogramError(bad);
  }

  private customBoundsError(): string | undefined {
    const bounds = this.customValues ?? [];
    let prev = -Infinity;
    for (let i = 0; i < bounds.length; i++) {
      const b = bounds[i];
      if (b !== b) return "histogram custom bounds must not be NaN";
      if (i > 0 && b <= prev) {
        return `previous bound is ${prev} and current is ${b}: histogram custom bounds must be in strictly increasing order`;
      }
      prev = b;
    }
    if (prev === Infinity) return "last +Inf bound must not be explicitly defined: histogram custom bounds must be finite";
    let total = 0;
    for (let n = 0; n < this.positiveSpans.length; n++) {
      const s = this.positiveSpans[n];
      if (s.offset < 0) return `span number ${n + 1} with offset ${s.offset}: histogram has a span whose offset is negative`;
      total += s.offset + s.length;
    }
    const bad = spansError(this.positiveSpans, this.positiveBuckets.length);
    if (bad !== undefined) return bad;
    if (bounds.length + 1 < total) {
      return `only ${bounds.length} custom bounds defined which is insufficient to cover total span length of ${total}: histogram custom bounds are too few`;
    }
    return undefined;
  }

  private setPositive(target: FloatHistogram, side: SpanBuilder): void {
    target.positiveSpans = side.spans;
    target.positiveBuckets = side.buckets;
  }

  private setNegative(target: FloatHistogram, side: SpanBuilder): void {
    target.negativeSpans = side.spans;
    target.negativeBuckets = side.buckets;
  }
}

function scale(buckets: number[], factor: number): void {
  for (let i = 0; i < buckets.length; i++) buckets[i] *= factor;
}

/** First problem with spans against a bucket count: a negative offset after the first span, or a length mismatch. */
function spansError(spans: readonly Span[], numBuckets: number): string | undefined {
  let need = 0;
  for (let n = 0; n < spans.length; n++) {
    if (n > 0 && spans[n].offset < 0) {
      return `span number ${n + 1} with offset ${spans[n].offset}: histogram has a span whose offset is negative`;
    }
    need += spans[n].length;
  }
  if (need !== numBuckets) {
    return `spans need ${need} buckets, have ${numBuckets} buckets: histogram spans specify different number of buckets than provided`;
  }
  return undefined;
}

function bucketsError(buckets: readonly number[]): string | undefined {
  for (let i = 0; i < buckets.length; i++) {
    if (buckets[i] < 0) {
      return `bucket number ${i + 1} has observation count of ${buckets[i]}: histogram has a bucket whose observation count is negative`;
    }
  }
  return undefined;
}

/** Whether prev has a populated bucket that curr lacks or holds less in (both at one schema, ascending). */
function bucketDecreased(curr: BucketCursor, prev: BucketCursor): boolean {
  if (!prev.next()) return false;
  let hasCurr = curr.next();
  for (;;) {
    while (hasCurr && curr.index < prev.index) hasCurr = curr.next();
    if (!hasCurr || curr.index > prev.index) {
      if (prev.count !== 0) return true;
    } else if (curr.count < prev.count) {
      return true;
    }
    if (!prev.next()) return false;
  }
}

function sameBits(a: number, b: number, bits: FloatBits): boolean {
  if (a === a || b === b) return Object.is(a, b);
  bits.set(a);
  const hi = bits.hi();
  const lo = bits.lo();
  bits.set(b);
  return hi === bits.hi() && lo === bits.lo();
}

function sameBucketBits(a: readonly number[], b: readonly number[], bits: FloatBits): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameBits(a[i], b[i], bits)) return false;
  return true;
}

function setKahanPositive(h: FloatHistogram, c: FloatHistogram, side: KahanSpanBuilder): void {
  h.positiveSpans = side.spans;
  h.positiveBuckets = side.buckets;
  c.positiveSpans = copySpans(side.spans);
  c.positiveBuckets = side.compensation;
}

function setKahanNegative(h: FloatHistogram, c: FloatHistogram, side: KahanSpanBuilder): void {
  h.negativeSpans = side.spans;
  h.negativeBuckets = side.buckets;
  c.negativeSpans = copySpans(side.spans);
  c.negativeBuckets = side.compensation;
}

function sameSpans(a: readonly Span[], b: readonly Span[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].offset !== b[i].offset || a[i].length !== b[i].length) return false;
  return true;
}

/** Whether the first bucket of these spans ends above the zero threshold (so does every later one). */
function firstBucketAbove(spans: readonly Span[], schema: number, threshold: number): boolean {
  if (spans.length === 0) return true;
  return spans[0].length > 0 && exponentialBound(spans[0].offset, schema) > threshold;
}

function addInPlace(target: number[], other: readonly number[], sign: 1 | -1): void {
  for (let i = 0; i < target.length; i++) target[i] += sign * other[i];
}

function kahanAddInPlace(target: number[], compensation: number[], other: readonly number[]): void {
  for (let i = 0; i < target.length; i++) {
    compensation[i] = kahanCompensation(other[i], target[i], compensation[i]);
    target[i] += other[i];
  }
}
