// The trim operators `h </ x` (keep observations below x) and `h >/ x` (keep those above), as
// Prometheus's FloatHistogram.TrimBuckets: a bucket cut by x keeps its share (interpolated
// exponentially in exponential buckets, linearly in custom ones and the zero bucket), and the sum
// is re-estimated from the surviving buckets' midpoints whenever anything was cut.
import type { FloatHistogram } from "./float_histogram.js";
import { fractionBelow } from "./quantile.js";

/** Trims `h` in place (pass a copy to keep the original) and returns it. */
export function trimBuckets(h: FloatHistogram, rhs: number, keepBelow: boolean): FloatHistogram {
  const custom = h.usesCustomBuckets();
  const totals = { count: 0, sum: 0, trimmed: false };
  const hasPositive = trimSide(h, true, rhs, keepBelow, custom, totals);
  const hasNegative = trimSide(h, false, rhs, keepBelow, custom, totals);
  if (h.zeroCount > 0) {
    const [keep, midpoint] = zeroBucketTrim(h.zeroThreshold, h.zeroCount, rhs, hasNegative, hasPositive, keepBelow);
    if (h.zeroCount !== keep) {
      h.zeroCount = keep;
      totals.trimmed = true;
    }
    totals.sum += midpoint * keep;
    totals.count += keep;
  }
  if (totals.trimmed) {
    // Only a cut changes the totals; an untouched histogram keeps its exact sum.
    h.count = totals.count;
    h.sum = totals.sum;
    h.compact(0);
  }
  return h;
}

/** Trims one side's buckets; returns whether it had a populated bucket. */
function trimSide(
  h: FloatHistogram,
  positive: boolean,
  rhs: number,
  keepBelow: boolean,
  custom: boolean,
  totals: { count: number; sum: number; trimmed: boolean },
): boolean {
  const buckets = positive ? h.positiveBuckets : h.negativeBuckets;
  let populated = false;
  const it = h.buckets(positive ? "positive" : "negative");
  for (let i = 0; it.next(); i++) {
    if (it.count === 0) continue;
    populated = true;
    const whole = keepBelow ? it.upper <= rhs : it.lower >= rhs;
    const cut = keepBelow ? it.lower < rhs : it.upper > rhs;
    if (whole) {
      totals.count += it.count;
      totals.sum += midpoint(it.lower, it.upper, positive, custom) * it.count;
    } else if (cut) {
      const [keep, mid] = bucketTrim(it.lower, it.upper, it.count, rhs, keepBelow, positive, custom);
      totals.count += keep;
      totals.sum += mid * keep;
      if (buckets[i] !== keep) {
        buckets[i] = keep;
        totals.trimmed = true;
      }
    } else {
      buckets[i] = 0;
      totals.trimmed = true;
    }
  }
  return populated;
}

/** [kept count, midpoint of the kept part] of a bucket cut at rhs. */
function bucketTrim(
  lower: number,
  upper: number,
  count: number,
  rhs: number,
  keepBelow: boolean,
  positive: boolean,
  linear: boolean,
): [number, number] {
  if (lower === -Infinity || upper === Infinity) return infiniteBucketTrim(lower, upper, count, rhs, keepBelow);
  let below: number;
  if (rhs <= lower) below = 0;
  else if (rhs >= upper) below = count;
  else below = count * fractionBelow(rhs, lower, upper, linear);
  if (keepBelow) return [below, midpoint(lower, rhs, positive, linear)];
  return [count - below, midpoint(rhs, upper, positive, linear)];
}

/** Buckets reaching ±Inf (NHCB ends): nothing can be interpolated toward infinity. */
function infiniteBucketTrim(lower: number, upper: number, count: number, rhs: number, keepBelow: boolean): [number, number] {
  const finiteOr0 = (x: number) => (x === Infinity || x === -Infinity ? 0 : x);
  if (lower === -Infinity) {
    if (keepBelow) {
      if (rhs >= upper) return [count, 0];
      // A finite positive upper bound: the bucket is taken to start at 0 (only NHCBs have one).
      if (rhs > 0 && upper > 0 && upper !== Infinity) return [(count * rhs) / upper, rhs / 2];
      if (upper <= 0) return [count, rhs];
      return [0, finiteOr0(upper)];
    }
    if (rhs <= lower) return [count, 0];
    if (rhs >= 0 && upper > rhs && upper !== Infinity) return [count * (1 - rhs / upper), (rhs + upper) / 2];
    return [0, finiteOr0(upper)];
  }
  if (keepBelow) return [0, finiteOr0(lower)];
  if (rhs >= lower) return [count, rhs];
  return [0, finiteOr0(lower)];
}

/** The zero bucket cut at rhs; it only reaches to the side(s) where the histogram has buckets. */
function zeroBucketTrim(
  threshold: number,
  count: number,
  rhs: number,
  hasNegative: boolean,
  hasPositive: boolean,
  keepBelow: boolean,
): [number, number] {
  let lower = -threshold;
  let upper = threshold;
  if (hasNegative && !hasPositive) upper = 0;
  if (hasPositive && !hasNegative) lower = 0;
  if (keepBelow) {
    if (rhs <= lower) return [0, 0];
    if (rhs >= upper) return [count, (lower + upper) / 2];
    return [count * ((rhs - lower) / (upper - lower)), (lower + rhs) / 2];
  }
  if (rhs <= lower) return [count, (lower + upper) / 2];
  if (rhs >= upper) return [0, 0];
  return [count * ((upper - rhs) / (upper - lower)), (rhs + upper) / 2];
}

/** Representative value of the surviving interval: arithmetic mean when linear, else signed geometric mean. */
function midpoint(lower: number, upper: number, positive: boolean, linear: boolean): number {
  const lowerInf = lower === Infinity || lower === -Infinity;
  const upperInf = upper === Infinity || upper === -Infinity;
  if (lowerInf) {
    if (upperInf) return 0;
    return upper > 0 ? upper / 2 : upper;
  }
  if (upperInf) return lower;
  if (linear) return (lower + upper) / 2;
  const geoMean = Math.sqrt(Math.abs(lower * upper));
  return positive ? geoMean : -geoMean;
}
