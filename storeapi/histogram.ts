// The native histogram sample as it crosses the store boundary: the shape every layer shares
// (chunk codecs, head, WAL, remote_write/read, StoreAPI, engine input). Arithmetic lives in the engine.

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
