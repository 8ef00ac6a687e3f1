// Neumaier-compensated summation, as Prometheus's kahanSumInc.

/** Adds inc to (sum, c); writes the new pair into out[0], out[1]. */
export function kahanInc(inc: number, sum: number, c: number, out: Float64Array): void {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  out[0] = t;
  out[1] = c;
}
