// One constructor per Prometheus annotation the engine raises (Prometheus's util/annotations):
// the text lives here once, numbers formatted as Go's %g, so every operator reports alike.
import { formatGoG } from "../promql/index.js";

/** An annotation's kind and text, before the query context adds its position. */
export interface AnnotationText {
  readonly kind: "warning" | "info";
  readonly message: string;
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

// orrery's own annotations about what a store sent (no Prometheus counterpart).

/** A store streamed series out of label order; the engine sorted them. */
export function seriesOutOfOrderWarning(series: string, after: string): AnnotationText {
  return warning(`store sent series out of label order (${series} after ${after}); the engine sorted them`);
}

/** Chunks the engine cannot decode yet (histogram, downsampled, unknown), never dropped silently. */
export function chunksSkippedWarning(what: string, chunks: number, series: string): AnnotationText {
  return warning(`the engine cannot read ${what} yet: skipped ${chunks} chunk(s) of series ${series}`);
}
