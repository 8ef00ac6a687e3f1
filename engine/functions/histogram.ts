// Classic (le-bucket) histogram_quantile and histogram_fraction, as Prometheus 3's
// BucketQuantile/BucketFraction, without allocating: buckets with equal upper bounds are
// coalesced and the monotonicity fix is applied on the fly, never written back.

/** Relative difference below which two bucket counts are treated as equal (float noise). */
export const SMALL_DELTA_TOLERANCE = 1e-12;

const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus's util/almost.Equal. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a !== a && b !== b) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

export interface ClassicQuantileResult {
  value: number;
  /** A real decrease between buckets had to be removed: Prometheus adds the info annotation. */
  forcedMonotonic: boolean;
  /** Upper bounds not ascending, a NaN upper bound, or no buckets: value is NaN. */
  mixedOrInvalid?: boolean;
  /** Float-noise differences were ignored (no annotation in Prometheus). */
  fixedPrecision?: boolean;
  /** When forcedMonotonic: lowest and highest upper bound that were raised, and the largest raise. */
  minBucket?: number;
  maxBucket?: number;
  maxDiff?: number;
}

/** True when upperBounds[0..n) is ascending (equal neighbours allowed) and free of NaN. */
function validBounds(upperBounds: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const u = upperBounds[i];
    if (u !== u) return false;
    if (i > 0 && u < upperBounds[i - 1]) return false;
  }
  return true;
}

/**
 * φ-quantile of a classic histogram. The CALLER must sort the buckets by upper bound
 * (ascending; equal bounds may be adjacent in any order, they are summed). Counts are
 * cumulative. Unsorted or NaN bounds give NaN with mixedOrInvalid set.
 *
 * q NaN → NaN, q < 0 → -Inf, q > 1 → +Inf; highest bound not +Inf → NaN; fewer than two
 * distinct bounds or zero observations → NaN. In the +Inf bucket the answer is the second
 * highest bound; in the lowest bucket the lower bound is 0 when its upper bound is > 0, and the
 * upper bound itself is returned when it is <= 0. Decreasing counts are raised to the previous
 * count (forcedMonotonic), differences within 1e-12 relative are ignored (fixedPrecision).
 */
export function classicHistogramQuantile(
  q: number,
  upperBounds: Float64Array,
  counts: Float64Array,
  n: number,
): ClassicQuantileResult {
  if (q !== q) return { value: NaN, forcedMonotonic: false };
  if (q < 0) return { value: -Infinity, forcedMonotonic: false };
  if (q > 1) return { value: Infinity, forcedMonotonic: false };
  if (n <= 0 || !validBounds(upperBounds, n)) return { value: NaN, forcedMonotonic: false, mixedOrInvalid: true };
  if (upperBounds[n - 1] !== Infinity) return { value: NaN, forcedMonotonic: false };

  // Pass 1: coalesce equal bounds, fix monotonicity, learn the total and the bucket count.
  let groups = 0;
  let prev = 0; // Last accepted (effective) count.
  let forced = false;
  let fixedPrecision = false;
  let minBucket = Infinity;
  let maxBucket = -Infinity;
  let maxDiff = 0;
  for (let i = 0; i < n; ) {
    const bound = upperBounds[i];
    let count = 0;
    for (; i < n && upperBounds[i] === bound; i++) count += counts[i];
    if (groups === 0) {
      prev = count;
    } else if (count !== prev) {
      if (almostEqual(prev, count, SMALL_DELTA_TOLERANCE)) {
        fixedPrecision = true;
      } else if (count < prev) {
        forced = true;
        if (bound < minBucket) minBucket = bound;
        if (bound > maxBucket) maxBucket = bound;
        if (prev - count > maxDiff) maxDiff = prev - count;
      } else {
        prev = count;
      }
    }
    groups++;
  }
  const result: ClassicQuantileResult = { value: NaN, forcedMonotonic: forced };
  if (fixedPrecision) result.fixedPrecision = true;
  if (forced) {
    result.minBucket = minBucket;
    result.maxBucket = maxBucket;
    result.maxDiff = maxDiff;
  }
  if (groups < 2) return result;
  const observations = prev;
  if (observations === 0) return result;
  const rank = q * observations;

  // Pass 2: walk the effective buckets to the first (excluding +Inf) whose count reaches rank.
  let g = 0;
  let eff = 0;
  let prevEff = 0;
  let prevBound = 0;
  for (let i = 0; i < n; ) {
    const bound = upperBounds[i];
    let count = 0;
    for (; i < n && upperBounds[i] === bound; i++) count += counts[i];
    if (g === 0) {
      eff = count;
    } else if (count !== eff && !almostEqual(eff, count, SMALL_DELTA_TOLERANCE) && count > eff) {
      eff = count;
    }
    if (g === groups - 1) {
      // The rank lies in the +Inf bucket: answer the second highest bound.
      result.value = prevBound;
      return result;
    }
    if (eff >= rank) {
      if (g === 0) {
        if (bound <= 0) {
          result.value = bound;
          return result;
        }
        result.value = bound * (rank / eff);
        return result;
      }
      const bucketCount = eff - prevEff;
      result.value = prevBound + (bound - prevBound) * ((rank - prevEff) / bucketCount);
      return result;
    }
    prevEff = eff;
    prevBound = bound;
    g++;
  }
  return result;
}

/**
 * Fraction of observations between lower and upper in a classic histogram, as Prometheus 3's
 * BucketFraction. Same input rules as classicHistogramQuantile (sorted by the caller; counts
 * cumulative; equal bounds summed). Highest bound not +Inf, zero observations, or a NaN bound
 * → NaN; lower >= upper → 0. The lowest bucket starts at 0 when its upper bound is > 0, else at
 * -Inf; nothing is interpolated inside a bucket with an infinite bound.
 * Note: no monotonicity fix here, as in Prometheus.
 */
export function classicHistogramFraction(
  lower: number,
  upper: number,
  upperBounds: Float64Array,
  counts: Float64Array,
  n: number,
): number {
  if (n <= 0 || !validBounds(upperBounds, n)) return NaN;
  if (upperBounds[n - 1] !== Infinity) return NaN;
  // Total: the coalesced +Inf bucket.
  let total = 0;
  for (let i = n - 1; i >= 0 && upperBounds[i] === Infinity; i--) total += counts[i];
  if (total === 0 || lower !== lower || upper !== upper) return NaN;
  if (lower >= upper) return 0;

  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = upperBounds[0] > 0 ? 0 : -Infinity;
  let first = true;
  for (let i = 0; i < n; ) {
    const upperBound = upperBounds[i];
    let count = 0;
    for (; i < n && upperBounds[i] === upperBound; i++) count += counts[i];
    if (!first) lowerBound = prevBoundOf(upperBounds, i, upperBound);
    first = false;
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolateCumulative(rank, count, lowerBound, upperBound, lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolateCumulative(rank, count, lowerBound, upperBound, upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = count; // Cumulative counts: assignment, not accumulation.
  }
  if (!lowerSet || lowerRank > total) lowerRank = total;
  if (!upperSet || upperRank > total) upperRank = total;
  return (upperRank - lowerRank) / total;
}

/** The upper bound of the group before the group ending just before index `end`. */
function prevBoundOf(upperBounds: Float64Array, end: number, bound: number): number {
  let i = end - 1;
  while (i >= 0 && upperBounds[i] === bound) i--;
  return i >= 0 ? upperBounds[i] : -Infinity;
}

function interpolateCumulative(rank: number, count: number, lowerBound: number, upperBound: number, x: number): number {
  // A -Inf lower bound cannot be interpolated: the whole bucket counts.
  if (lowerBound === -Infinity) return count;
  return rank + ((count - rank) * (x - lowerBound)) / (upperBound - lowerBound);
}
