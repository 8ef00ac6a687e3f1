// The φ-quantile of a set of values, as Prometheus's quantile() helper:
// linear interpolation between the two closest ranks, NaNs sorting first.

/**
 * Sorts `values[0..n)` in place and returns its φ-quantile.
 * n === 0 or NaN q → NaN; q < 0 → -Inf; q > 1 → +Inf.
 */
export function quantileInPlace(q: number, values: Float64Array, n: number): number {
  if (n === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = n === values.length ? values : values.subarray(0, n);
  sorted.sort(); // Typed-array sort: numeric, NaNs last.
  // Prometheus orders NaN before everything; count the trailing NaNs and shift indices.
  let nans = 0;
  while (nans < n && sorted[n - 1 - nans] !== sorted[n - 1 - nans]) nans++;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  const lower = lowerIndex < nans ? NaN : sorted[lowerIndex - nans];
  const upper = upperIndex < nans ? NaN : sorted[upperIndex - nans];
  return lower * (1 - weight) + upper * weight;
}
