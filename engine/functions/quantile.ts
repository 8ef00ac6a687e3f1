// The φ-quantile of a set of values, as Prometheus's quantile() helper:
// linear interpolation between the two closest ranks, NaNs sorting first.

/**
 * Sorts `values[0..n)` in place and returns its φ-quantile.
 * n === 0 or NaN q → NaN; q < 0 → -Inf; q > 1 → +Inf.
 */
export function quantileInPlace(q: number, values: Float64Array, n: number): number {
  // No sort needed for the edge answers.
  if (!(n > 0 && q >= 0 && q <= 1)) return quantileOfSorted(q, values, 0, n);
  const sorted = n === values.length ? values : values.subarray(0, n);
  sorted.sort(); // Typed-array sort: numeric, NaNs last.
  // Prometheus orders NaN before everything; count the trailing NaNs and shift indices.
  let nans = 0;
  while (nans < n && sorted[n - 1 - nans] !== sorted[n - 1 - nans]) nans++;
  return quantileOfSorted(q, sorted, nans, n);
}

/**
 * The φ-quantile of `total` values: `nans` NaNs (ordered first, as Prometheus orders them)
 * and then sorted[0, total - nans) ascending. total === 0 or NaN q → NaN; q < 0 → -Inf; q > 1 → +Inf.
 */
export function quantileOfSorted(q: number, sorted: Float64Array, nans: number, total: number): number {
  if (total === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (total - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(total - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  const lower = lowerIndex < nans ? NaN : sorted[lowerIndex - nans];
  const upper = upperIndex < nans ? NaN : sorted[upperIndex - nans];
  return lower * (1 - weight) + upper * weight;
}
