// Kahan–Neumaier compensated summation, the exact step Prometheus uses
// (util/kahansum.Inc), so sums match bit for bit where it matters.

/**
 * One compensated summation step, written into `out` to avoid allocating:
 * out[0] = new running sum, out[1] = new compensation.
 * The result of a whole sum is `out[0] + out[1]` (or `out[0]` alone when it is ±Inf).
 */
export function kahanSumInc(inc: number, sum: number, c: number, out: Float64Array): void {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) {
    c = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    // Neumaier: the larger operand loses no bits, so recover the smaller one's.
    c += sum - t + inc;
  } else {
    c += inc - t + sum;
  }
  out[0] = t;
  out[1] = c;
}

/**
 * One float into cell `at` of a set of Kahan sums (a group's, at a step): counted, and added to the
 * sum, the first one starting it.
 */
export function kahanAddAt(count: Float64Array, sum: Float64Array, comp: Float64Array, at: number, inc: number): void {
  if (count[at]++ === 0) {
    sum[at] = inc;
    comp[at] = 0;
    return;
  }
  const s = sum[at]!;
  comp[at] = kahanCompensation(inc, s, comp[at]!);
  sum[at] = s + inc;
}

/** A whole sum's result: the sum plus its compensation, an infinite sum as it is. */
export function kahanResult(sum: number, c: number): number {
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
}

/** The compensation term of one step (the new sum is simply `sum + inc`). */
export function kahanCompensation(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) return 0;
  if (Math.abs(sum) >= Math.abs(inc)) return c + (sum - t + inc);
  return c + (inc - t + sum);
}
