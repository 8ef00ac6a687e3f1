// The histogram half of rate/increase/delta and irate/idelta: the change between histograms of a
// window, counter resets added back. Extrapolation and the division by time are the caller's
// (scale the result with mul/div); the result is always a compacted gauge histogram.
import type { AnnotationText } from "../annotations.js";
import {
  mismatchedCustomBucketsHistogramsInfo,
  mixedExponentialCustomHistogramsWarning,
  nativeHistogramNotCounterWarning,
  nativeHistogramNotGaugeWarning,
} from "../annotations.js";
import { CounterResetHint } from "../../storeapi/index.js";
import { CombineFlags, FloatHistogram } from "./float_histogram.js";

/** A window's histogram change (undefined when Prometheus gives no result) and its annotations. */
export interface HistogramDelta {
  histogram: FloatHistogram | undefined;
  annotations: AnnotationText[];
}

/**
 * last − first of `window` (≥ 2 histograms in time order), as rate/increase (isCounter: each
 * detected counter reset adds the histogram before it back, a reset at the second sample makes the
 * first count from empty) and delta (!isCounter) need it. Mixed exponential and custom schemas give
 * no result; the result has the lowest schema of the window. `startTimestampResets[i]` (optional,
 * from the caller's start-timestamp rule) marks a reset between samples i-1 and i beside detectReset.
 */
export function histogramWindowDelta(
  window: readonly FloatHistogram[],
  isCounter: boolean,
  metricName = "",
  startTimestampResets?: ArrayLike<boolean>,
): HistogramDelta {
  const startReset = (i: number): boolean => startTimestampResets !== undefined && i < startTimestampResets.length && startTimestampResets[i];
  const annotations: AnnotationText[] = [];
  const first = window[0];
  const last = window[window.length - 1];
  let prev = first;
  let usingCustomBuckets = prev.usesCustomBuckets();
  if (isCounter && (first.counterResetHint === CounterResetHint.Gauge || last.counterResetHint === CounterResetHint.Gauge)) {
    add(annotations, nativeHistogramNotCounterWarning(metricName));
  }
  if (isCounter && (startReset(1) || window[1].detectReset(prev))) {
    // The counter restarted right after the first sample: count from an empty histogram.
    prev = new FloatHistogram();
    prev.schema = window[1].schema;
    prev.customValues = window[1].customValues;
    usingCustomBuckets = window[1].usesCustomBuckets();
  }
  if (last.usesCustomBuckets() !== usingCustomBuckets) {
    add(annotations, mixedExponentialCustomHistogramsWarning(metricName));
    return { histogram: undefined, annotations };
  }
  let minSchema = Math.min(last.schema, prev.schema);
  if (isCounter) {
    for (let i = 1; i < window.length - 1; i++) {
      const curr = window[i];
      if (curr.counterResetHint === CounterResetHint.Gauge) add(annotations, nativeHistogramNotCounterWarning(metricName));
      if (curr.schema < minSchema) minSchema = curr.schema;
      if (curr.usesCustomBuckets() !== usingCustomBuckets) {
        return { histogram: undefined, annotations: [mixedExponentialCustomHistogramsWarning(metricName)] };
      }
    }
  }
  const h = last.copyToSchema(minSchema);
  const flags = h.sub(prev);
  if (flags & CombineFlags.IncompatibleSchema) {
    return { histogram: undefined, annotations: [mixedExponentialCustomHistogramsWarning(metricName)] };
  }
  if (flags & CombineFlags.CustomBoundsReconciled) add(annotations, mismatchedCustomBucketsHistogramsInfo("subtraction"));
  if (isCounter) {
    for (let i = 1; i < window.length; i++) {
      const curr = window[i];
      if (startReset(i) || curr.detectReset(prev)) {
        const added = h.add(prev);
        if (added & CombineFlags.IncompatibleSchema) {
          return { histogram: undefined, annotations: [mixedExponentialCustomHistogramsWarning(metricName)] };
        }
        if (added & CombineFlags.CustomBoundsReconciled) add(annotations, mismatchedCustomBucketsHistogramsInfo("addition"));
      }
      prev = curr;
    }
  } else if (first.counterResetHint !== CounterResetHint.Gauge || last.counterResetHint !== CounterResetHint.Gauge) {
    add(annotations, nativeHistogramNotGaugeWarning(metricName));
  }
  h.counterResetHint = CounterResetHint.Gauge;
  return { histogram: h.compact(0), annotations };
}

/**
 * curr − prev for irate (isCounter: a reset between them, detected or marked by `startTimestampReset`,
 * gives curr itself) and idelta; the caller divides by the interval for irate. A compacted gauge
 * histogram, or undefined on mixed schemas.
 */
export function histogramInstantDelta(
  prev: FloatHistogram,
  curr: FloatHistogram,
  isCounter: boolean,
  metricName = "",
  startTimestampReset = false,
): HistogramDelta {
  const annotations: AnnotationText[] = [];
  const h = curr.copy();
  const gauges = curr.counterResetHint === CounterResetHint.Gauge || prev.counterResetHint === CounterResetHint.Gauge;
  if (isCounter && gauges) add(annotations, nativeHistogramNotCounterWarning(metricName));
  const bothGauges = curr.counterResetHint === CounterResetHint.Gauge && prev.counterResetHint === CounterResetHint.Gauge;
  if (!isCounter && !bothGauges) add(annotations, nativeHistogramNotGaugeWarning(metricName));
  if (!isCounter || (!startTimestampReset && !curr.detectReset(prev))) {
    const flags = h.sub(prev);
    if (flags & CombineFlags.IncompatibleSchema) {
      add(annotations, mixedExponentialCustomHistogramsWarning(metricName));
      return { histogram: undefined, annotations };
    }
    if (flags & CombineFlags.CustomBoundsReconciled) add(annotations, mismatchedCustomBucketsHistogramsInfo("subtraction"));
  }
  h.counterResetHint = CounterResetHint.Gauge;
  return { histogram: h.compact(0), annotations };
}

/** Adds an annotation once (Prometheus keeps annotations in a set keyed by text). */
function add(list: AnnotationText[], a: AnnotationText): void {
  for (const x of list) if (x.message === a.message) return;
  list.push(a);
}
