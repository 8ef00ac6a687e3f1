// The histogram half of the `anchored` and `smoothed` modifiers (Prometheus 3): a histogram
// interpolated between two samples, and rate/increase/delta's change between a window's boundary
// values with counter resets added back — no extrapolation.
import type { AnnotationText } from "../annotations.js";
import {
  mismatchedCustomBucketsHistogramsInfo,
  mixedExponentialCustomHistogramsWarning,
  nativeHistogramNotCounterWarning,
  nativeHistogramNotGaugeWarning,
} from "../annotations.js";
import { firstIndexAfter, firstIndexAtOrAfter } from "../functions/smoothed.js";
import { CounterResetHint } from "../../storeapi/index.js";
import { CombineFlags, type FloatHistogram } from "./float_histogram.js";
import type { HistogramDelta } from "./rate.js";

/**
 * The histogram at `t` on the straight line from (t1, h1) to (t2, h2). A counter (isCounter) that
 * reset between them is modelled as restarting from empty: h2 scaled by the fraction. undefined,
 * with the mixed-schema warning in `annotations`, when exponential and custom buckets meet.
 * Annotations may repeat in the list; the query context reports each once.
 */
export function interpolateHistograms(
  h1: FloatHistogram,
  t1: number,
  h2: FloatHistogram,
  t2: number,
  t: number,
  isCounter: boolean,
  annotations: AnnotationText[],
  metricName = "",
): FloatHistogram | undefined {
  if (t === t1) return h1.copy();
  if (t === t2) return h2.copy();
  const fraction = (t - t1) / (t2 - t1);
  if (isCounter && h2.detectReset(h1)) return h2.copy().mul(fraction);
  // h1 + (h2 − h1) × fraction, in Prometheus's order (the rounding is part of the answer).
  const result = h2.copy();
  if (!combineInto(result, h1, -1, annotations, metricName)) return undefined;
  result.mul(fraction);
  if (!combineInto(result, h1, 1, annotations, metricName)) return undefined;
  return result;
}

/**
 * rate/increase/delta's change over an anchored or smoothed window, before the division by the
 * range. `t`/`hs` are the window's histograms in time order: every sample of the selection
 * (rangeStart − lookback, rangeEnd], or (…, rangeEnd + lookback] when smoothed. The left value is
 * the last sample at or before rangeStart (interpolated at rangeStart when smoothed), the right one
 * the last sample (interpolated at rangeEnd when smoothed); for counters, each reset strictly
 * between them adds back the histogram before it. undefined when Prometheus gives no result
 * (nothing after rangeStart, mixed exponential and custom buckets). A compacted gauge histogram.
 */
export function extendedHistogramDelta(
  t: Float64Array,
  hs: readonly FloatHistogram[],
  rangeStartMs: number,
  rangeEndMs: number,
  smoothed: boolean,
  isCounter: boolean,
  metricName = "",
): HistogramDelta {
  const annotations: AnnotationText[] = [];
  const none: HistogramDelta = { histogram: undefined, annotations };
  if (hs.length === 0) return none;
  let last = hs.length - 1;
  // Searches leave out the final sample, as Prometheus's do: it is the fallback either way.
  const first = Math.max(0, firstIndexAfter(t.subarray(0, last), rangeStartMs) - 1);
  if (smoothed) last = firstIndexAtOrAfter(t.subarray(0, last), rangeEndMs);
  if (t[last]! <= rangeStartMs) return none;
  if (smoothed && t[first]! > rangeEndMs) return none;
  if (!checkWindow(hs, first, last, isCounter, annotations, metricName)) return none;

  const left =
    smoothed && t[first]! < rangeStartMs
      ? interpolateHistograms(hs[first]!, t[first]!, hs[first + 1]!, t[first + 1]!, rangeStartMs, isCounter, annotations, metricName)
      : hs[first]!.copy();
  if (left === undefined) return none;
  const right =
    smoothed && last > 0 && t[last]! > rangeEndMs
      ? interpolateHistograms(hs[last - 1]!, t[last - 1]!, hs[last]!, t[last]!, rangeEndMs, isCounter, annotations, metricName)
      : hs[last]!.copy();
  if (right === undefined) return none;

  if (!isCounter && (left.counterResetHint !== CounterResetHint.Gauge || right.counterResetHint !== CounterResetHint.Gauge)) {
    annotations.push(nativeHistogramNotGaugeWarning(metricName));
  }
  const result = right.copy();
  if (!combineInto(result, left, -1, annotations, metricName)) return none;
  if (isCounter) {
    const c = resetCorrection(t, hs, first, last, left, right, rangeStartMs, smoothed, annotations, metricName);
    if (!c.ok) return none;
    if (c.correction !== undefined && !combineInto(result, c.correction, 1, annotations, metricName)) return none;
  }
  result.counterResetHint = CounterResetHint.Gauge;
  return { histogram: result.compact(0), annotations };
}

/** Samples first..last share one bucket kind (else the warning, false); a counter warns of gauge samples. */
function checkWindow(hs: readonly FloatHistogram[], first: number, last: number, isCounter: boolean, annotations: AnnotationText[], metricName: string): boolean {
  const custom = hs[first]!.usesCustomBuckets();
  for (let k = first; k <= last; k++) {
    const h = hs[k]!;
    if (h.usesCustomBuckets() !== custom) {
      annotations.push(mixedExponentialCustomHistogramsWarning(metricName));
      return false;
    }
    if (isCounter && h.counterResetHint === CounterResetHint.Gauge) annotations.push(nativeHistogramNotCounterWarning(metricName));
  }
  return true;
}

/**
 * The sum of the histograms before each counter reset strictly between the boundary samples. The
 * boundary values already hold the resets they were interpolated across: a smoothed left value
 * interpolated over a reset makes the sample after it the comparison base, and the last sample is
 * never compared itself (right is it, or inherits its hint) — right is compared instead.
 */
function resetCorrection(
  t: Float64Array,
  hs: readonly FloatHistogram[],
  first: number,
  last: number,
  left: FloatHistogram,
  right: FloatHistogram,
  rangeStartMs: number,
  smoothed: boolean,
  annotations: AnnotationText[],
  metricName: string,
): { ok: boolean; correction: FloatHistogram | undefined } {
  let from = first + 1;
  let prev = left;
  if (smoothed && t[first]! < rangeStartMs && hs[first + 1]!.detectReset(hs[first]!)) {
    prev = hs[first + 1]!;
    from++;
  }
  const to = last - 1;
  // Nothing between the boundaries, or both were interpolated from the same reset segment.
  if (from > to + 1) return { ok: true, correction: undefined };
  let correction: FloatHistogram | undefined;
  for (let k = from; k <= to + 1; k++) {
    const cur = k <= to ? hs[k]! : right;
    if (cur.detectReset(prev)) {
      if (correction === undefined) correction = prev.copy();
      else if (!combineInto(correction, prev, 1, annotations, metricName)) return { ok: false, correction: undefined };
    }
    prev = cur;
  }
  return { ok: true, correction };
}

/** target ± other in place with Prometheus's annotations; false (and the warning) on mixed bucket kinds. */
function combineInto(target: FloatHistogram, other: FloatHistogram, sign: 1 | -1, annotations: AnnotationText[], metricName: string): boolean {
  const flags = sign === 1 ? target.add(other) : target.sub(other);
  if (flags & CombineFlags.IncompatibleSchema) {
    annotations.push(mixedExponentialCustomHistogramsWarning(metricName));
    return false;
  }
  if (flags & CombineFlags.CustomBoundsReconciled) annotations.push(mismatchedCustomBucketsHistogramsInfo(sign === 1 ? "addition" : "subtraction"));
  return true;
}
