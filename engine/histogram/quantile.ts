// histogram_quantile and histogram_fraction of one native histogram, with Prometheus 3's
// interpolation: exponential buckets interpolate exponentially (log scale), the zero bucket and
// custom buckets (NHCB) linearly; NaN observations (a NaN sum) are counted above every bucket.
import type { AnnotationText } from "../annotations.js";
import { nativeHistogramFractionNaNsInfo, nativeHistogramQuantileNaNResultInfo, nativeHistogramQuantileNaNSkewInfo } from "../annotations.js";
import type { FloatHistogram } from "./float_histogram.js";

/** A function value and the annotation (if any) Prometheus raises computing it. */
export interface HistogramResult {
  value: number;
  annotation?: AnnotationText;
}

/**
 * The φ-quantile of `h`: q < 0 → -Inf, q > 1 → +Inf, q NaN or no observations → NaN (the caller
 * raises the invalid-quantile warning). Below the median the buckets are walked upwards, above it
 * downwards (so the high quantiles of a histogram with NaN observations are skewed, annotated).
 */
export function histogramQuantile(q: number, h: FloatHistogram, metricName = ""): HistogramResult {
  if (q < 0) return { value: -Infinity };
  if (q > 1) return { value: Infinity };
  if (h.count === 0 || q !== q) return { value: NaN };
  const nanSum = h.sum !== h.sum;
  const upwards = nanSum || q < 0.5;
  const it = h.buckets(upwards ? "all" : "allReverse");
  let rank = upwards ? q * h.count : (1 - q) * h.count;
  let count = 0;
  let lower = 0;
  let upper = 0;
  let bucketCount = 0;
  while (it.next()) {
    if (it.count === 0) continue;
    lower = it.lower;
    upper = it.upper;
    bucketCount = it.count;
    count += bucketCount;
    if (count >= rank) break;
  }
  const custom = h.usesCustomBuckets();
  if (!custom && lower < 0 && upper > 0) {
    // The zero bucket of a histogram with observations on one side only does not reach the other.
    if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) lower = 0;
    else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) upper = 0;
  } else if (custom) {
    if (lower === -Infinity) {
      if (upper <= 0) return { value: upper };
      lower = 0;
    } else if (upper === Infinity) {
      return { value: lower };
    }
  }
  if (count > h.count) count = h.count;
  if (count < rank) {
    if (nanSum) return { value: NaN, annotation: nativeHistogramQuantileNaNResultInfo(metricName) };
    return { value: upper };
  }
  rank = upwards ? rank - (count - bucketCount) : count - rank;
  let annotation: AnnotationText | undefined;
  if (nanSum) {
    while (it.next()) count += it.count;
    if (count < h.count) annotation = nativeHistogramQuantileNaNSkewInfo(metricName);
  }
  const fraction = rank / bucketCount;
  return { value: interpolate(lower, upper, fraction, custom), annotation };
}

function interpolate(lower: number, upper: number, fraction: number, linear: boolean): number {
  if (linear || (lower <= 0 && upper >= 0)) return lower + (upper - lower) * fraction;
  const logLower = Math.log2(Math.abs(lower));
  const logUpper = Math.log2(Math.abs(upper));
  if (lower > 0) return 2 ** (logLower + (logUpper - logLower) * fraction);
  return -(2 ** (logUpper + (logLower - logUpper) * (1 - fraction)));
}

/** The share of a bucket [lower, upper] below v: linear, or on a log scale (exponential buckets). */
export function fractionBelow(v: number, lower: number, upper: number, linear: boolean): number {
  if (linear) return (v - lower) / (upper - lower);
  const logLower = Math.log2(Math.abs(lower));
  const logUpper = Math.log2(Math.abs(upper));
  const logV = Math.log2(Math.abs(v));
  if (v > 0) return (logV - logLower) / (logUpper - logLower);
  return 1 - (logV - logUpper) / (logLower - logUpper);
}

/**
 * The fraction of `h`'s observations between `lower` and `upper`, interpolating inside the buckets
 * that contain them (exponentially in exponential buckets, linearly in the zero bucket and custom
 * buckets; nothing inside a bucket reaching -Inf). No observations or a NaN bound → NaN;
 * lower ≥ upper → 0. NaN observations count in the total only (annotated).
 */
export function histogramFraction(lower: number, upper: number, h: FloatHistogram, metricName = ""): HistogramResult {
  if (h.count === 0 || lower !== lower || upper !== upper) return { value: NaN };
  if (lower >= upper) return { value: 0 };
  const custom = h.usesCustomBuckets();
  const onlyPositive = h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0;
  const onlyNegative = h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0;
  const it = h.buckets("all");
  let count = 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  while (it.next()) {
    const n = it.count;
    let bl = it.lower;
    let bu = it.upper;
    count += n;
    const zeroBucket = bl <= 0 && bu >= 0;
    if (zeroBucket) {
      if (onlyPositive) bl = 0;
      else if (onlyNegative) bu = 0;
    }
    const linear = custom || zeroBucket;
    if (!lowerSet && bl >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && bl >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && bl < lower && bu > lower) {
      lowerRank = rankBelow(lower, rank, n, bl, bu, linear);
      lowerSet = true;
    }
    if (!upperSet && bl < upper && bu > upper) {
      upperRank = rankBelow(upper, rank, n, bl, bu, linear);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank += n;
  }
  let annotation: AnnotationText | undefined;
  if (h.sum !== h.sum) {
    while (it.next()) count += it.count;
    if (count < h.count) annotation = nativeHistogramFractionNaNsInfo(metricName);
  } else {
    count = h.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return { value: (upperRank - lowerRank) / h.count, annotation };
}

/** Cumulative count at v inside a bucket holding n observations above `rank`. */
function rankBelow(v: number, rank: number, n: number, lower: number, upper: number, linear: boolean): number {
  if (linear) {
    // Nothing can be interpolated in a bucket reaching -Inf: Prometheus counts it whole (not rank + n).
    if (lower === -Infinity) return n;
    return rank + n * fractionBelow(v, lower, upper, true);
  }
  return rank + n * fractionBelow(v, lower, upper, false);
}
