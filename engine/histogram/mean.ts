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

  constructor(first: FloatHistogram) {
    this.sum = first.copy();
  }

  /**
   * Adds `h` (left untouched). Returns kahanAdd's flags; with IncompatibleSchema (exponential and
   * custom buckets met) nothing was added and the mean is void.
   */
  add(h: FloatHistogram): CombineFlags {
    const n = this.n + 1;
    let flags = CombineFlags.None;
    if (this.mean === undefined) {
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
