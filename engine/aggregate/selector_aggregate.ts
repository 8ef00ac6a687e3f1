// sum, count and group straight over a vector selector's float series (`count by (job) (up)`,
// `sum by (instance) (x)`): each series is decoded whole into the fetch's scratch and its latest
// sample at every step added into its group's cell, series after series, so neither the
// selector's series × steps cells nor a step vector per step is made. The arithmetic and its
// order (series ascending within a step) are HashAggregate's sumFloats/countFloats: the results
// are the same to the bit.
import { isStaleNaN } from "../../storeapi/index.js";
import { kahanCompensation } from "../functions/index.js";
import type { FloatReads } from "../scan/vector_selector.js";

/** Groups × steps past which an aggregation reads its selector step by step instead (3 Float64Arrays of this many cells: 24 MB). */
export const GROUPED_STEPS_MOST = 1 << 20;

/** Every step's accumulators of every group, at [group · steps + step]. */
export interface GroupedSteps {
  /** The floats each group met at each step. */
  count: Float64Array;
  /** sum: each group's Kahan sum and its compensation (empty for count and group). */
  value: Float64Array;
  comp: Float64Array;
  /** The floats the selector read at each step (what its step vector would have held). */
  perStep: Int32Array;
}

/** The reads' latest float at each step, series by series, counted (and for sum, Kahan-summed) into group `of[series]`. */
export function aggregateFloatReads(reads: FloatReads, of: Uint32Array, groups: number, sum: boolean): GroupedSteps {
  const { buffers, refs, lookbackMs } = reads;
  const steps = refs.length;
  const count = new Float64Array(groups * steps);
  const value = new Float64Array(sum ? groups * steps : 0);
  const comp = new Float64Array(sum ? groups * steps : 0);
  const perStep = new Int32Array(steps);
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    // Raw XOR chunks decode into the shared scratch; decoded or downsampled inputs into the buffer.
    if (!b.fillOnceInScratch()) b.fill(Infinity);
    const ts = b.t;
    const vs = b.v;
    const len = b.len;
    const row = of[i]! * steps;
    // Cursor a: the last sample at or before the step's reference.
    let a = 0;
    for (let k = 0; k < steps; k++) {
      const ref = refs[k]!;
      while (a + 1 < len && ts[a + 1]! <= ref) a++;
      if (a >= len || ts[a]! > ref || ts[a]! <= ref - lookbackMs) continue;
      const v = vs[a]!;
      if (v !== v && isStaleNaN(v)) continue;
      perStep[k]++;
      const cell = row + k;
      if (!sum) {
        count[cell]++;
        continue;
      }
      if (count[cell]++ === 0) {
        value[cell] = v;
        continue;
      }
      const s = value[cell]!;
      comp[cell] = kahanCompensation(v, s, comp[cell]!);
      value[cell] = s + v;
    }
    b.release();
  }
  return { count, value, comp, perStep };
}
