// sum, count and group straight over a vector selector's float series (`count by (job) (up)`,
// `sum by (instance) (x)`): the query's thread decodes each of its series whole into the fetch's
// scratch and adds its latest sample at every step into its group's cell, series after series;
// the window workers read the trailing series whole into series-major cells meanwhile
// (readLatestSteps), whose rows are added after, in series order. No step vector per step is
// made. The arithmetic and its order (series ascending within a step) are HashAggregate's
// sumFloats/countFloats (one Kahan step, kahanAddAt): the results are the same to the bit.
import { isStaleNaN } from "../../storeapi/index.js";
import { kahanAddAt } from "../functions/index.js";
import type { FloatReads } from "../scan/vector_selector.js";

/** Groups × steps past which an aggregation reads its selector step by step instead (3 Float64Arrays of this many cells: 24 MB). */
export const GROUPED_STEPS_MOST = 1 << 20;
/** Cells a worker part is asked for at once while the query's thread reads its own series (9 bytes each: 36 MB). */
const WORKER_CELLS_AHEAD = 1 << 22;

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
export async function aggregateFloatReads(reads: FloatReads, of: Uint32Array, groups: number, sum: boolean): Promise<GroupedSteps> {
  const steps = reads.refs.length;
  const acc: GroupedSteps = {
    count: new Float64Array(groups * steps),
    value: new Float64Array(sum ? groups * steps : 0),
    comp: new Float64Array(sum ? groups * steps : 0),
    perStep: new Int32Array(steps),
  };
  for (const part of reads.parts) part.requestThrough(Math.max(1, Math.floor(WORKER_CELLS_AHEAD / part.count)));
  addOwnSeries(reads, of, steps, sum, acc);
  for (const part of reads.parts) {
    for (let s = await part.takeSlice(); s !== undefined; s = await part.takeSlice()) {
      const width = s.k1 - s.k0;
      for (let j = 0; j < part.count; j++) addRow(acc, of[part.firstId + j]! * steps, s.k0, s.k1, s.values, s.present, j * width, sum);
    }
  }
  return acc;
}

/**
 * The query's thread's series, [0, mainSeries), each decoded whole and read at every step straight
 * into its group: readLatestSteps's rule written again without its cells, as reading each series
 * into a row first and adding the row cost 10–14 % more (4,500 series × 721 steps, alternating).
 */
function addOwnSeries(reads: FloatReads, of: Uint32Array, steps: number, sum: boolean, acc: GroupedSteps): void {
  const { buffers, refs, lookbackMs } = reads;
  const { count, value, comp, perStep } = acc;
  for (let i = 0; i < reads.mainSeries; i++) {
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
      if (sum) kahanAddAt(count, value, comp, row + k, v);
      else count[row + k]++;
    }
    b.release();
  }
}

/** One series' floats at steps [k0, k1), from values/present at `from` on, into its group's row (cells row + k). */
function addRow(acc: GroupedSteps, row: number, k0: number, k1: number, values: Float64Array, present: Uint8Array, from: number, sum: boolean): void {
  const { count, value, comp, perStep } = acc;
  for (let k = k0, cell = from; k < k1; k++, cell++) {
    if (present[cell] === 0) continue;
    perStep[k]++;
    if (sum) kahanAddAt(count, value, comp, row + k, values[cell]!);
    else count[row + k]++;
  }
}
