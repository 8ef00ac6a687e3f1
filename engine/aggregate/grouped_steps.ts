// sum, count and group over every step at once, straight from the series below them, without a
// step vector per step: a vector selector's float series (`count by (job) (up)`, `sum by
// (instance) (x)`) or a range function's results (`sum by (code) (rate(x[5m]))`). The query's
// thread reads each of its series whole — decoded into the fetch's scratch — and adds it at every
// step into its group's cell, series after series; the window workers read the trailing series
// whole into series-major cells meanwhile, whose rows are added after, in series order. Over
// enough groups the input is shared by group instead (GroupShare): the query's thread and the
// workers each take whole groups from a shared counter until none is left, so none waits on
// another for more than one group, and each adds its groups into the query's rows in shared memory.
// The arithmetic and its order (series ascending within a step) are HashAggregate's
// sumFloats/countFloats (one Kahan step, kahanAddAt): the results are the same to the bit.
import { inLookback, latestAtOrBefore, readsSampleAt } from "../scan/latest_steps.js";
import { checkAborted, LoopTurns, yieldToLoop } from "../exec/context.js";
import { kahanAddAt } from "../functions/index.js";
import type { FloatRows } from "../function/range_function.js";
import type { GroupShare, WorkerPart } from "../parallel/offload.js";
import type { GroupsResult } from "../parallel/protocol.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";
import type { FloatReads } from "../scan/vector_selector.js";

/** Groups × steps past which an aggregation reads its input step by step instead (3 Float64Arrays of this many cells: 24 MB). */
export const GROUPED_STEPS_MOST = 1 << 20;
/** Cells a worker part is asked for at once while the query's thread reads its own series (9 bytes each: 36 MB). */
const WORKER_CELLS_AHEAD = 1 << 22;

/** How an aggregation reading its input's floats whole groups them: series i into group of[i] of `groups`; sum, or count only. */
export interface FloatGrouping {
  of: Uint32Array;
  groups: number;
  sum: boolean;
}

/** Every step's accumulators of every group, at [group · steps + step]. */
export interface GroupedSteps {
  /** The floats each group met at each step. */
  count: Float64Array;
  /** sum: each group's Kahan sum and its compensation (empty for count and group). */
  value: Float64Array;
  comp: Float64Array;
}

function groupedSteps(groups: number, steps: number, sum: boolean): GroupedSteps {
  return {
    count: new Float64Array(groups * steps),
    value: new Float64Array(sum ? groups * steps : 0),
    comp: new Float64Array(sum ? groups * steps : 0),
  };
}

/** The reads' latest float at each step, series by series, counted (and for sum, Kahan-summed) into group `of[series]`. */
export async function aggregateFloatReads(reads: FloatReads, of: Uint32Array, groups: number, sum: boolean, signal: AbortSignal): Promise<GroupedSteps> {
  const steps = reads.refs.length;
  const acc = reads.share?.acc ?? groupedSteps(groups, steps, sum);
  const add = (i: number, row: number): void => addSeriesSteps(reads.buffers[i]!, reads.refs, reads.lookbackMs, row, sum, acc);
  if (reads.share !== undefined) {
    await addSharedGroups(reads.share, steps, signal, add);
    return acc;
  }
  await addBySeries(reads.mainSeries, reads.parts, of, steps, sum, acc, signal, add);
  return acc;
}

/** A range function's result at each step, series by series, counted (and for sum, Kahan-summed) into group `of[series]`. */
export async function aggregateFloatRows(rows: FloatRows, of: Uint32Array, groups: number, sum: boolean, signal: AbortSignal): Promise<GroupedSteps> {
  const steps = rows.times.length;
  const acc = rows.share?.acc ?? groupedSteps(groups, steps, sum);
  const values = new Float64Array(steps);
  const present = new Uint8Array(steps);
  let read = 0;
  const add = (i: number, row: number): void => {
    read += rows.evaluate(i, values, present);
    addRow(acc, row, 0, steps, values, present, 0, sum);
  };
  if (rows.share !== undefined) {
    for (const theirs of await addSharedGroups(rows.share, steps, signal, add)) {
      read += theirs.read;
      for (let i = 0; i < theirs.emitted.length; i++) if (theirs.emitted[i] === 1) rows.emitted(i);
    }
    rows.finish(read);
    return acc;
  }
  // Awaited first: `add` counts into `read` meanwhile.
  const theirs = await addBySeries(rows.mainSeries, rows.parts, of, steps, sum, acc, signal, add, rows.emitted);
  rows.finish(read + theirs);
  return acc;
}

/**
 * Shared by series: the query's thread adds series [0, mainSeries) with `add` while the workers'
 * parts read the rest, whose rows are added after, in series order; returns the samples their slices read.
 */
async function addBySeries(
  mainSeries: number,
  parts: readonly WorkerPart[],
  of: Uint32Array,
  steps: number,
  sum: boolean,
  acc: GroupedSteps,
  signal: AbortSignal,
  add: (i: number, row: number) => void,
  emitted?: (i: number) => void,
): Promise<number> {
  askParts(parts);
  const turns = new LoopTurns();
  for (let i = 0; i < mainSeries; i++) {
    add(i, of[i]! * steps);
    if (turns.due()) await nextTurn(signal);
  }
  return addParts(parts, of, steps, sum, acc, emitted);
}

/**
 * The query's thread's side of a grouped read shared by group: whole groups taken from the share's
 * counter until none is left, `add` adding each of a group's series in order into the group's row
 * of the shared rows, where the workers add theirs. Returns the workers' answers, once all are in.
 */
async function addSharedGroups(share: GroupShare, steps: number, signal: AbortSignal, add: (i: number, row: number) => void): Promise<GroupsResult[]> {
  const { groupStart, groupSeries } = share.groups;
  const turns = new LoopTurns();
  try {
    for (let g = share.take(); g >= 0; g = share.take()) {
      for (let k = groupStart[g]!; k < groupStart[g + 1]!; k++) {
        add(groupSeries[k]!, g * steps);
        if (turns.due()) await nextTurn(signal);
      }
    }
  } finally {
    // Failed or aborted: the workers take no more groups either.
    share.takeNoMore();
  }
  const answers: GroupsResult[] = [];
  for (const part of share.parts) answers.push(await part.answer());
  return answers;
}

/**
 * A window worker's side of a read shared by group: whole groups taken until none is left (`take`
 * gives -1), `add` adding each of a group's series (groupSeries[groupStart[g], groupStart[g + 1]),
 * in order) into the group's row (g · steps) of the shared rows.
 */
export function addTakenGroups(add: (j: number, row: number) => void, steps: number, groupStart: Int32Array, groupSeries: Int32Array, take: () => number): void {
  for (let g = take(); g >= 0; g = take()) {
    for (let k = groupStart[g]!; k < groupStart[g + 1]!; k++) add(groupSeries[k]!, g * steps);
  }
}

/** Lets I/O run (a grouped read of a heavy query holds the thread for its whole evaluation), then stops if the query was aborted. */
async function nextTurn(signal: AbortSignal): Promise<void> {
  await yieldToLoop();
  checkAborted(signal);
}

/** Asks each worker part for its cells up to WORKER_CELLS_AHEAD at once: the query's thread reads its own series meanwhile. */
function askParts(parts: readonly WorkerPart[]): void {
  for (const part of parts) part.requestThrough(Math.max(1, Math.floor(WORKER_CELLS_AHEAD / part.count)));
}

/** The workers' series-major cells added into the groups, part after part, in series order; returns the samples their slices read. */
async function addParts(parts: readonly WorkerPart[], of: Uint32Array, steps: number, sum: boolean, acc: GroupedSteps, emitted?: (i: number) => void): Promise<number> {
  let read = 0;
  for (const part of parts) {
    for (let s = await part.takeSlice(); s !== undefined; s = await part.takeSlice()) {
      read += s.read;
      const width = s.k1 - s.k0;
      for (let j = 0; j < part.count; j++) {
        const id = part.firstId + j;
        if (addRow(acc, of[id]! * steps, s.k0, s.k1, s.values, s.present, j * width, sum) > 0) emitted?.(id);
      }
    }
  }
  return read;
}

/**
 * One series decoded whole and read at every step straight into its group's row (cells row + k):
 * readLatestSteps's rule (latestAtOrBefore, readsSampleAt) without its cells, as reading each series
 * into a row first and adding the row cost 10–14 % more (4,500 series × 721 steps, alternating).
 */
export function addSeriesSteps(b: SampleBuffer, refs: Float64Array, lookbackMs: number, row: number, sum: boolean, acc: GroupedSteps): void {
  const { count, value, comp } = acc;
  const steps = refs.length;
  // A count whose chunks tell when they give a sample (the head's) decodes nothing.
  const presence = sum ? undefined : b.presenceRun(refs, lookbackMs);
  if (presence !== undefined) {
    presence.countPresentSteps(refs, lookbackMs, count, row);
    b.release();
    return;
  }
  // Raw XOR chunks decode into the shared scratch; decoded or downsampled inputs into the buffer.
  if (!b.fillOnceInScratch()) b.fill(Infinity);
  const ts = b.t;
  const vs = b.v;
  const len = b.len;
  // Cursor a: the last sample at or before the step's reference. A loop each for count and sum:
  // one loop choosing per step took count by 3 % longer.
  let a = 0;
  if (!sum && !b.mayHoldNonFinite && len > 0) {
    // No stale marker among the values: a count reads only the times (count by 0–5 % faster in process).
    for (let k = 0; k < steps; k++) {
      const ref = refs[k]!;
      a = latestAtOrBefore(ts, len, a, ref);
      if (inLookback(ts, a, ref, lookbackMs)) count[row + k]++;
    }
  } else if (!sum) {
    for (let k = 0; k < steps; k++) {
      const ref = refs[k]!;
      a = latestAtOrBefore(ts, len, a, ref);
      if (readsSampleAt(ts, vs, len, a, ref, lookbackMs)) count[row + k]++;
    }
  } else {
    for (let k = 0; k < steps; k++) {
      const ref = refs[k]!;
      a = latestAtOrBefore(ts, len, a, ref);
      if (readsSampleAt(ts, vs, len, a, ref, lookbackMs)) kahanAddAt(count, value, comp, row + k, vs[a]!);
    }
  }
  b.release();
}

/** One series' floats at steps [k0, k1), from values/present at `from` on, into its group's row (cells row + k); returns how many. */
export function addRow(acc: GroupedSteps, row: number, k0: number, k1: number, values: Float64Array, present: Uint8Array, from: number, sum: boolean): number {
  const { count, value, comp } = acc;
  let added = 0;
  for (let k = k0, cell = from; k < k1; k++, cell++) {
    if (present[cell] === 0) continue;
    added++;
    if (sum) kahanAddAt(count, value, comp, row + k, values[cell]!);
    else count[row + k]++;
  }
  return added;
}
