// histogram_count/sum/avg/stddev/stdvar of one native histogram, as Prometheus computes them.
import { kahanCompensation } from "../functions/kahan.js";
import type { FloatHistogram } from "./float_histogram.js";

export function histogramCount(h: FloatHistogram): number {
  return h.count;
}

export function histogramSum(h: FloatHistogram): number {
  return h.sum;
}

export function histogramAvg(h: FloatHistogram): number {
  return h.sum / h.count;
}

/**
 * Estimated variance of the observations: every observation is taken to sit at its bucket's
 * "mean" — the geometric mean of the bounds for exponential buckets, 0 for the zero bucket (and
 * any bucket spanning 0), the arithmetic mean for custom buckets — around the mean sum/count.
 * Summed with Kahan compensation as Prometheus does.
 */
export function histogramStdVar(h: FloatHistogram): number {
  const mean = h.sum / h.count;
  const custom = h.usesCustomBuckets();
  let variance = 0;
  let c = 0;
  const it = h.buckets("all");
  while (it.next()) {
    if (it.count === 0) continue;
    let val: number;
    if (custom) {
      val = (it.upper + it.lower) / 2;
    } else if (it.lower <= 0 && it.upper >= 0) {
      val = 0;
    } else {
      val = Math.sqrt(it.upper * it.lower);
      if (it.upper < 0) val = -val;
    }
    const delta = val - mean;
    const inc = it.count * delta * delta;
    c = kahanCompensation(inc, variance, c);
    variance += inc;
  }
  return (variance + c) / h.count;
}

export function histogramStdDev(h: FloatHistogram): number {
  return Math.sqrt(histogramStdVar(h));
}
