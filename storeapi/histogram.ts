// The native histogram sample as it crosses the store boundary: the shape every layer shares
// (chunk codecs, head, WAL, remote_write/read, StoreAPI, engine input), and what makes one valid.
// Arithmetic lives in the engine.

/** A run of consecutive buckets: `offset` is the gap (in bucket indexes) from the end of the previous span. */
export interface HistogramSpan {
  readonly offset: number;
  readonly length: number;
}

/** Prometheus's counter-reset hint, numbered as its chunk header bits and its protobufs number it. */
export const enum CounterResetHint {
  Unknown = 0,
  CounterReset = 1,
  NotCounterReset = 2,
  Gauge = 3,
}

/** Schema of native histograms with custom bucket boundaries (NHCB). */
export const CUSTOM_BUCKETS_SCHEMA = -53;
export const MIN_EXPONENTIAL_SCHEMA = -4;
export const MAX_EXPONENTIAL_SCHEMA = 8;

/**
 * One native histogram sample. Bucket counts are absolute (not delta-encoded) in both kinds;
 * an integer histogram (`float: false`, a HISTOGRAM chunk) has whole-number counts.
 * A stale marker is a histogram whose `sum` is the stale NaN, as in Prometheus.
 */
export interface NativeHistogram {
  /** false: integer counts (HISTOGRAM chunk); true: float counts (FLOAT_HISTOGRAM chunk). */
  readonly float: boolean;
  readonly counterResetHint: CounterResetHint;
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly count: number;
  readonly sum: number;
  readonly positiveSpans: readonly HistogramSpan[];
  readonly positiveBuckets: readonly number[];
  readonly negativeSpans: readonly HistogramSpan[];
  readonly negativeBuckets: readonly number[];
  /** Upper bounds of the custom buckets (schema CUSTOM_BUCKETS_SCHEMA only), ascending; +Inf implied. */
  readonly customValues?: readonly number[];
}

export const HISTOGRAM_REJECT_REASONS = [
  "histogram_invalid_schema",
  "histogram_spans_buckets_mismatch",
  "histogram_negative_span_offset",
  "histogram_negative_bucket_count",
  "histogram_negative_count",
  "histogram_count_mismatch",
  "histogram_invalid_zero_threshold",
  "histogram_invalid_custom_buckets",
] as const;

export type HistogramRejectReason = (typeof HISTOGRAM_REJECT_REASONS)[number];

export interface HistogramProblem {
  readonly reason: HistogramRejectReason;
  readonly message: string;
}

const problem = (reason: HistogramRejectReason, message: string): HistogramProblem => ({ reason, message });

/**
 * Why a histogram is not a valid one, as Prometheus's Histogram.Validate / FloatHistogram.Validate
 * judge it (plus a finite, non-negative zero threshold), or undefined. Not for stale markers.
 */
export function histogramProblem(h: NativeHistogram): HistogramProblem | undefined {
  const custom = h.schema === CUSTOM_BUCKETS_SCHEMA;
  if (!custom && !(h.schema >= MIN_EXPONENTIAL_SCHEMA && h.schema <= MAX_EXPONENTIAL_SCHEMA)) {
    return problem(
      "histogram_invalid_schema",
      `schema ${h.schema} is out of range: it must be between ${MIN_EXPONENTIAL_SCHEMA} and ${MAX_EXPONENTIAL_SCHEMA} for exponential buckets, or ${CUSTOM_BUCKETS_SCHEMA} for custom buckets`,
    );
  }
  const side =
    checkSide("positive", h.positiveSpans, h.positiveBuckets, custom) ??
    checkSide("negative", h.negativeSpans, h.negativeBuckets, custom);
  if (side !== undefined) return side;
  const bounds = custom ? checkCustomBounds(h) : h.customValues !== undefined && h.customValues.length > 0
    ? problem("histogram_invalid_custom_buckets", `histogram with exponential schema ${h.schema} must not have custom bounds`)
    : undefined;
  if (bounds !== undefined) return bounds;
  if (!(h.zeroThreshold >= 0) || h.zeroThreshold === Infinity) {
    return problem("histogram_invalid_zero_threshold", `zero threshold ${h.zeroThreshold} must be a finite number of at least 0`);
  }
  if (h.zeroCount < 0) return problem("histogram_negative_bucket_count", `zero bucket has observation count of ${h.zeroCount}`);
  if (h.count < 0) return problem("histogram_negative_count", `observation count is ${h.count}`);
  // Prometheus checks the count against the buckets for integer histograms only.
  if (h.float) return undefined;
  const inBuckets = total(h.positiveBuckets) + total(h.negativeBuckets) + h.zeroCount;
  if (h.sum !== h.sum) {
    if (inBuckets > h.count) {
      return problem("histogram_count_mismatch", `${inBuckets} observations found in buckets, but the Count field is ${h.count} (it must be at least that when the sum is NaN)`);
    }
  } else if (inBuckets !== h.count) {
    return problem("histogram_count_mismatch", `${inBuckets} observations found in buckets, but the Count field is ${h.count}`);
  }
  return undefined;
}

function checkSide(
  name: string,
  spans: readonly HistogramSpan[],
  buckets: readonly number[],
  custom: boolean,
): HistogramProblem | undefined {
  if (custom && name === "negative" && (spans.length > 0 || buckets.length > 0)) {
    return problem("histogram_invalid_custom_buckets", "custom buckets: must not have negative spans or buckets");
  }
  let need = 0;
  for (let n = 0; n < spans.length; n++) {
    const s = spans[n]!;
    // The first span's offset is the index of the first bucket, negative for exponential schemas.
    if ((n > 0 || custom) && s.offset < 0) {
      return problem("histogram_negative_span_offset", `${name} side: span number ${n + 1} has negative offset ${s.offset}`);
    }
    need += s.length;
  }
  if (need !== buckets.length) {
    return problem("histogram_spans_buckets_mismatch", `${name} side: spans need ${need} buckets, have ${buckets.length} buckets`);
  }
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i]!;
    if (c < 0 || c !== c) {
      return problem("histogram_negative_bucket_count", `${name} side: bucket number ${i + 1} has observation count of ${c}`);
    }
  }
  return undefined;
}

function checkCustomBounds(h: NativeHistogram): HistogramProblem | undefined {
  const bounds = h.customValues ?? [];
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i]!;
    if (b !== b) return problem("histogram_invalid_custom_buckets", `custom bound number ${i + 1} is NaN`);
    if (i > 0 && b <= bounds[i - 1]!) {
      return problem("histogram_invalid_custom_buckets", `custom bounds must be strictly increasing: ${bounds[i - 1]} is followed by ${b}`);
    }
  }
  if (bounds.length > 0 && bounds[bounds.length - 1] === Infinity) {
    return problem("histogram_invalid_custom_buckets", "custom bounds: the last +Inf bound must not be given (it is implied)");
  }
  let covered = 0;
  for (const s of h.positiveSpans) covered += s.offset + s.length;
  if (bounds.length + 1 < covered) {
    return problem("histogram_invalid_custom_buckets", `only ${bounds.length} custom bounds defined, too few for a total span length of ${covered}`);
  }
  if (h.zeroCount !== 0 || h.zeroThreshold !== 0) {
    return problem("histogram_invalid_custom_buckets", "custom buckets: must have a zero threshold and zero count of 0");
  }
  return undefined;
}

function total(xs: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}
