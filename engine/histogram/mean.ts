// The mean of histograms, as Prometheus's avg and avg_over_time compute it: a Kahan-compensated sum
// divided at the end while the sum stays finite; from the sample whose addition would overflow it
// (a count, the sum or a bucket reaching ±Inf), an incremental mean, Kahan-compensated as well.
import { CombineFlags, type FloatHistogram } from "./float_histogram.js";

export class HistogramMean {
  private sum: FloatHistogram;
  private compensation: FloatHistogram | undefined;
  /** The running mean, once the direct sum would have overflowed. */
  private mean: FloatHistogram | undefined;
  private n = 1;
  /** At least the magnitude of the sum (and of its compensation, which stays below it). */
  private bound: number;

  constructor(first: FloatHistogram) {
    this.sum = first.copy();
    this.bound = magnitude(first);
  }

  /**
   * Adds `h` (left untouched). Returns kahanAdd's flags; with IncompatibleSchema (exponential and
   * custom buckets met) nothing was added and the mean is void.
   */
  add(h: FloatHistogram): CombineFlags {
    const n = this.n + 1;
    let flags = CombineFlags.None;
    if (this.mean === undefined) {
      const bound = this.bound + magnitude(h);
      if (bound < SAFE_MAGNITUDE) {
        // No count, sum or bucket can reach ±Inf: add in place (kahanAdd changes nothing when incompatible).
        const r = this.sum.kahanAdd(h, this.compensation);
        if ((r.flags & CombineFlags.IncompatibleSchema) !== 0) return r.flags;
        this.n = n;
        this.bound = bound;
        this.compensation = r.compensation;
        return r.flags;
      }
      // Sum a copy: when it overflows, the sum before it is what the incremental mean starts from.
      const sum = this.sum.copy();
      const r = sum.kahanAdd(h, this.compensation?.copy());
      if ((r.flags & CombineFlags.IncompatibleSchema) !== 0) return r.flags;
      if (!sum.hasOverflow()) {
        this.n = n;
        this.sum = sum;
        this.compensation = r.compensation;
        return r.flags;
      }
      flags = r.flags;
      this.mean = this.sum.copy().div(n - 1);
      this.compensation?.div(n - 1);
    }
    this.n = n;
    const q = (n - 1) / n;
    this.compensation?.mul(q);
    const r = this.mean.mul(q).kahanAdd(h.copy().div(n), this.compensation);
    this.compensation = r.compensation;
    return flags | r.flags;
  }

  /** The mean of everything added, compacted; call once, at the end. */
  result(): FloatHistogram {
    const c = this.compensation;
    if (this.mean !== undefined) {
      if (c !== undefined) this.mean.add(c);
      return this.mean.compact(0);
    }
    this.sum.div(this.n);
    if (c !== undefined) this.sum.add(c.div(this.n));
    return this.sum.compact(0);
  }
}

/**
 * Below this total magnitude of the inputs, no count, sum or bucket of their sum overflows, nor
 * the Kahan compensation (rounding errors, far below the sum).
 */
const SAFE_MAGNITUDE = Number.MAX_VALUE / 4;

/**
 * The sum of the absolute values of a histogram's counts, sum and buckets (any merge of buckets
 * stays below it); +Inf or NaN when a field already is, or a custom bound is not finite.
 */
function magnitude(h: FloatHistogram): number {
  let m = Math.abs(h.count) + Math.abs(h.sum) + Math.abs(h.zeroCount);
  const p = h.positiveBuckets;
  for (let i = 0; i < p.length; i++) m += Math.abs(p[i]!);
  const q = h.negativeBuckets;
  for (let i = 0; i < q.length; i++) m += Math.abs(q[i]!);
  const c = h.customValues;
  if (c !== undefined) for (let i = 0; i < c.length; i++) if (!Number.isFinite(c[i]!)) return Infinity;
  return m;
}
