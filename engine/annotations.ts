// One constructor per Prometheus annotation the engine raises (Prometheus's util/annotations):
// the text lives here once, numbers formatted as Go's %g, so every operator reports alike.
import { formatGoG } from "../promql/index.js";

/** An annotation's kind and text, before the query context adds its position. */
export interface AnnotationText {
  readonly kind: "warning" | "info";
  readonly message: string;
  /** Raised again at the same place, it is counted into one: "<message> (N occurrences)" (Prometheus's merging ones). */
  readonly countsOccurrences?: boolean;
}

const warning = (message: string): AnnotationText => ({ kind: "warning", message });
const info = (message: string): AnnotationText => ({ kind: "info", message });

/** φ outside [0, 1] or NaN (quantile, quantile_over_time, histogram_quantile); undefined when φ is valid. */
export function invalidQuantileWarning(q: number): AnnotationText | undefined {
  if (q >= 0 && q <= 1) return undefined;
  return warning(`quantile value should be between 0 and 1, got ${formatGoG(q)}`);
}

/** limit_ratio's ratio outside [-1, 1], capped to `cappedTo`. */
export function invalidRatioWarning(ratio: number, cappedTo: number): AnnotationText {
  return warning(`ratio value should be between -1 and 1, got ${formatGoG(ratio)}, capping to ${formatGoG(cappedTo)}`);
}

/** A classic histogram bucket whose `le` label is missing or not a number. */
export function badBucketLabelWarning(metricName: string, le: string): AnnotationText {
  return warning(`bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)} for metric name ${JSON.stringify(metricName)}`);
}

/** sort()/sort_by_label() in a range query, whose series are always ordered by labels. */
export function sortIneffectiveWarning(): AnnotationText {
  return warning("sort is ineffective for range queries since results are always ordered by labels");
}

/** histogram_quantile had to make bucket counts monotonic. */
export function histogramQuantileForcedMonotonicityInfo(metricName: string): AnnotationText {
  return info(
    `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${JSON.stringify(metricName)}`,
  );
}

/** rate()/increase()/… over a metric whose name does not look like a counter. */
export function possibleNonCounterInfo(metricName: string): AnnotationText {
  return info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(metricName)}`);
}

// Native histograms (Prometheus's util/annotations texts).

/** What a histogram + or - was part of, as Prometheus names it in its annotations. */
export type HistogramOperation = "addition" | "subtraction" | "aggregation";

/** " for metric name \"x\"" when there is a name (Prometheus's maybeAddMetricName). */
function forMetricName(metricName: string): string {
  return metricName === "" ? "" : ` for metric name ${JSON.stringify(metricName)}`;
}

/** A function that cannot mix them met floats and histograms in one series. */
export function mixedFloatsHistogramsWarning(metricName: string): AnnotationText {
  return warning(`encountered a mix of histograms and floats for metric name ${JSON.stringify(metricName)}`);
}

/** An aggregation met floats and histograms in one group. */
export function mixedFloatsHistogramsAggWarning(): AnnotationText {
  return warning("encountered a mix of histograms and floats for aggregation");
}

/** histogram_quantile/histogram_fraction met classic and native histograms for one output series. */
export function mixedClassicNativeHistogramsWarning(metricName: string): AnnotationText {
  return warning(`vector contains a mix of classic and native histograms${forMetricName(metricName)}`);
}

/** rate/increase over a gauge histogram. */
export function nativeHistogramNotCounterWarning(metricName: string): AnnotationText {
  return warning(`this native histogram metric is not a counter: ${JSON.stringify(metricName)}`);
}

/** rate/increase over a counter whose sample starts (start timestamp) before the previous sample without sharing its start. */
export function startTimeOverlapWarning(metricName: string): AnnotationText {
  return { ...warning(`sample has start time that overlaps with previous sample timestamp for metric ${JSON.stringify(metricName)}`), countsOccurrences: true };
}

/** delta/idelta over a counter histogram. */
export function nativeHistogramNotGaugeWarning(metricName: string): AnnotationText {
  return warning(`this native histogram metric is not a gauge: ${JSON.stringify(metricName)}`);
}

/** Histograms with exponential and custom buckets met in one operation. */
export function mixedExponentialCustomHistogramsWarning(metricName: string): AnnotationText {
  return warning(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${JSON.stringify(metricName)}`);
}

/** A binary operator between histograms whose layouts cannot be combined. */
export function incompatibleBucketLayoutInBinOpWarning(operator: string): AnnotationText {
  return warning(`incompatible bucket layout encountered for binary operator ${operator}`);
}

/** A binary operator between sample types it is not defined for (e.g. float + histogram). */
export function incompatibleTypesInBinOpInfo(lhsType: string, operator: string, rhsType: string): AnnotationText {
  return info(`incompatible sample types encountered for binary operator ${JSON.stringify(operator)}: ${lhsType} ${operator} ${rhsType}`);
}

/** An aggregation that cannot use histograms (e.g. topk, quantile) skipped one. */
export function histogramIgnoredInAggregationInfo(aggregation: string): AnnotationText {
  return info(`ignored histogram in ${aggregation} aggregation`);
}

/** A range function over floats met a range holding floats and histograms; the histograms were skipped. */
export function histogramIgnoredInMixedRangeInfo(metricName: string): AnnotationText {
  return info(`ignored histograms in a range containing both floats and histograms for metric name ${JSON.stringify(metricName)}`);
}

/** histogram_quantile of a histogram with NaN observations, landing among them. */
export function nativeHistogramQuantileNaNResultInfo(metricName: string): AnnotationText {
  return info(`input to histogram_quantile has NaN observations, result is NaN${forMetricName(metricName)}`);
}

/** histogram_quantile of a histogram with NaN observations (counted above every bucket). */
export function nativeHistogramQuantileNaNSkewInfo(metricName: string): AnnotationText {
  return info(`input to histogram_quantile has NaN observations, result is skewed higher${forMetricName(metricName)}`);
}

/** histogram_fraction of a histogram with NaN observations. */
export function nativeHistogramFractionNaNsInfo(metricName: string): AnnotationText {
  return info(`input to histogram_fraction has NaN observations, which are excluded from all fractions${forMetricName(metricName)}`);
}

/** Two counter histograms combined where one says CounterReset and the other NotCounterReset. */
export function histogramCounterResetCollisionWarning(operation: HistogramOperation): AnnotationText {
  return warning(`conflicting counter resets during histogram ${operation}`);
}

/** NHCBs with different custom bounds were combined on the bounds they share. */
export function mismatchedCustomBucketsHistogramsInfo(operation: HistogramOperation): AnnotationText {
  return info(`mismatched custom buckets were reconciled during ${operation}`);
}

// orrery's own annotations about what a store sent (no Prometheus counterpart).

/** A store streamed series out of label order; the engine sorted them. */
export function seriesOutOfOrderWarning(series: string, after: string): AnnotationText {
  return warning(`store sent series out of label order (${series} after ${after}); the engine sorted them`);
}

/** Chunks the engine cannot decode yet (histogram, downsampled, unknown), never dropped silently. */
export function chunksSkippedWarning(what: string, chunks: number, series: string): AnnotationText {
  return warning(`the engine cannot read ${what} yet: skipped ${chunks} chunk(s) of series ${series}`);
}
