// What the engine and a window worker say to each other: one job per part of a range function
// call (its series' chunks: read in place where they are in shared memory, else packed in one
// transferred buffer), then slices of steps whose results come back as transferred typed arrays;
// or, for a grouped read shared by group, the groups' rows added in shared memory and one answer.
// No per-sample messages.
import type { GroupedSteps } from "../aggregate/grouped_steps.js";
import type { StepTimes, WindowShape } from "../function/range_windows.js";
import type { LatestRead } from "../scan/latest_steps.js";
import { ChunkRun, ChunkTable } from "../scan/chunk_table.js";
import { DecodeScratch, type SeriesInput } from "../scan/sample_buffer.js";

/**
 * Series' XOR chunks for a worker: series j's chunks are chunk numbers [seriesEnds[j−1], seriesEnds[j]).
 * A chunk in shared memory (the head's arena slabs) is read there in place: chunkSource[c] is its
 * buffer's index in `shared`; any other chunk (chunkSource[c] = -1) is copied into `bytes`. Either
 * way chunk c is chunkLength[c] bytes from chunkOffset[c].
 */
export interface PackedSeries {
  bytes: Uint8Array;
  shared: SharedArrayBuffer[];
  chunkSource: Int32Array;
  chunkOffset: Float64Array;
  chunkLength: Float64Array;
  seriesEnds: Float64Array;
  minTime: Float64Array;
  maxTime: Float64Array;
}

// A worker may hold several parts of one query at once (each call of the query has its own);
// every message names its part by job number.

/**
 * What a part's slices hold: a range function's result over each step's window (stale markers
 * dropped, as a range read drops them), or a vector selector's read at each step, the latest
 * sample in the lookback (stale markers kept: one ends the series there). seriesMajor: the cells
 * come back series-major (each series' steps together) for a reader that adds them into groups
 * series by series; else step-major.
 */
export type SliceWork = { kind: "windows"; shape: WindowShape; seriesMajor: boolean } | { kind: "latest"; lookbackMs: number; read: LatestRead; seriesMajor: boolean };

/**
 * Series' floats at every step added into groups, shared by group with the query's thread: whole
 * groups are taken (takeGroup) from the counter `next` in shared memory, in `order` (biggest
 * first), until none is left; group g's series are groupSeries[groupStart[g], groupStart[g + 1]),
 * in series order. Answered once, with the taken groups' rows (GroupsResult).
 */
export interface GroupsWork {
  kind: "groups";
  /** What a series gives at a step: a selector's latest float in the lookback, or a range function's result over its window. */
  rows: { kind: "latest"; lookbackMs: number } | { kind: "windows"; shape: WindowShape };
  /** Kahan sums beside the counts (else counts only: count and group). */
  sum: boolean;
  groupStart: Int32Array;
  groupSeries: Int32Array;
  order: Int32Array;
  next: Int32Array;
  /** The query's rows (sharedRows), which each side adds the groups it took into. */
  acc: GroupedSteps;
}

/**
 * A grouped read's rows (groups × steps `cells`; value and comp only for a sum) in shared memory:
 * a group's row is written only by the thread that took the group, and read by the query's thread
 * once every worker has answered. (Each worker's rows in arrays of its own, sent back and copied in,
 * were fresh memory the worker faulted in and the query's thread copied, every query.) Taken from
 * `pool` when given.
 */
export function sharedRows(cells: number, sum: boolean, pool?: SharedRowsPool): GroupedSteps {
  const floats = (n: number): Float64Array => pool?.take(n) ?? new Float64Array(new SharedArrayBuffer(8 * n));
  return { count: floats(cells), value: floats(sum ? cells : 0), comp: floats(sum ? cells : 0) };
}

/** Arrays a SharedRowsPool keeps (a sum's three), and the most cells a kept one holds (8 MB). */
const POOLED_ROWS = 3;
const POOLED_ROWS_MOST_CELLS = 1 << 20;

/**
 * Shared rows kept from one grouped read for the next (a worker pool's, so its queries'): made
 * afresh, every query's rows were new memory the kernel zeroed page by page as the threads first
 * wrote them (~400 faults of ~10 µs in `sum by (instance) (rate(…))` over the bench head, ~3 % of
 * its time). Rows come back only from a read every worker has answered (no thread writes them
 * after) and its aggregation has emitted whole; taken, they are zeroed.
 */
export class SharedRowsPool {
  private readonly spare: Float64Array[] = [];

  /** A zeroed array of n cells in shared memory: the smallest kept one that holds them (a view of its first n), else new. */
  take(n: number): Float64Array {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const cap = this.spare[i]!.length;
      if (cap >= n && (best < 0 || cap < this.spare[best]!.length)) best = i;
    }
    if (n === 0 || best < 0) return new Float64Array(new SharedArrayBuffer(8 * n));
    const rows = this.spare.splice(best, 1)[0]!.subarray(0, n);
    rows.fill(0);
    return rows;
  }

  /** Keeps a read's rows for the next (the largest POOLED_ROWS arrays, none over POOLED_ROWS_MOST_CELLS). */
  give(rows: GroupedSteps): void {
    for (const a of [rows.count, rows.value, rows.comp]) {
      const whole = new Float64Array(a.buffer);
      if (whole.length === 0 || whole.length > POOLED_ROWS_MOST_CELLS || this.spare.some((s) => s.buffer === whole.buffer)) continue;
      this.spare.push(whole);
    }
    this.spare.sort((a, b) => b.length - a.length);
    this.spare.length = Math.min(this.spare.length, POOLED_ROWS);
  }

  /** Arrays kept. */
  get size(): number {
    return this.spare.length;
  }
}

export type PartWork = SliceWork | GroupsWork;

/** The next group to read of a part shared by group (GroupsWork): its number, or -1 when every group is taken. */
export function takeGroup(next: Int32Array, order: Int32Array): number {
  const i = Atomics.add(next, 0, 1);
  return i < order.length ? order[i]! : -1;
}

/** Starts a part: its work, its series and every step's times and arguments. */
export interface JobMessage {
  type: "job";
  job: number;
  work: PartWork;
  series: PackedSeries;
  steps: StepTimes;
}

/** Evaluate steps [k0, k1) into the given arrays (step-major cells; see evaluateFloatSteps) and send them back. */
export interface SliceRequest extends SliceCells {
  type: "slice";
}

/** Steps [k0, k1) of a part and the arrays that carry them (filled on the way back). */
interface SliceCells {
  job: number;
  k0: number;
  k1: number;
  values: Float64Array;
  present: Uint8Array;
}

/** The part is done: the worker drops its state. */
export interface EndMessage {
  type: "end";
  job: number;
}

export type ToWorker = JobMessage | SliceRequest | EndMessage;

/** A slice evaluated: the request's arrays, filled, and the samples its windows read. */
export interface SliceResult extends SliceCells {
  type: "slice";
  read: number;
}

/** A part shared by group, read: its groups' rows are in the work's shared rows. */
export interface GroupsResult {
  type: "groups";
  job: number;
  /** A range function's: the samples its windows read, and the series that gave a float at some step (1; empty for a selector's). */
  read: number;
  emitted: Uint8Array;
}

/** A part failed; the worker is stopped and every part it held fails with it. */
export interface WorkerFailure {
  type: "error";
  message: string;
}

/** The worker has loaded its modules and takes jobs. */
export interface WorkerReady {
  type: "ready";
}

export type FromWorker = SliceResult | GroupsResult | WorkerFailure | WorkerReady;

/**
 * The series' chunks for a worker: those in shared memory by reference, the others copied into one
 * buffer (transferable), with the index to find each again.
 */
export function packSeries(inputs: readonly SeriesInput[]): PackedSeries {
  const shared: SharedArrayBuffer[] = [];
  const sharedIndex = new Map<SharedArrayBuffer, number>();
  const placesByTable = new Map<ChunkTable, Int32Array>();
  // Where each block of a table goes, worked out once per block rather than per chunk (a chunk's
  // buffer and its kind cost a lookup each: packing 1,800 series took 2.7 ms of the thread, now 1.2).
  const placesOf = (table: ChunkTable): Int32Array => {
    let places = placesByTable.get(table);
    if (places === undefined) {
      places = blockPlaces(table, shared, sharedIndex);
      placesByTable.set(table, places);
    }
    return places;
  };
  let copied = 0;
  let chunks = 0;
  for (const s of inputs) {
    const { table, first, count } = s.chunks;
    const places = placesOf(table);
    chunks += count;
    for (let c = first; c < first + count; c++) if (places[table.source[c]!]! < 0) copied += table.length[c]!;
  }
  const out: PackedSeries = {
    bytes: new Uint8Array(copied),
    shared,
    chunkSource: new Int32Array(chunks),
    chunkOffset: new Float64Array(chunks),
    chunkLength: new Float64Array(chunks),
    seriesEnds: new Float64Array(inputs.length),
    minTime: new Float64Array(inputs.length),
    maxTime: new Float64Array(inputs.length),
  };
  let at = 0;
  let c = 0;
  for (let j = 0; j < inputs.length; j++) {
    const s = inputs[j]!;
    const { table, first, count } = s.chunks;
    const places = placesOf(table);
    for (let k = first; k < first + count; k++) {
      const length = table.length[k]!;
      const place = places[table.source[k]!]!;
      out.chunkLength[c] = length;
      out.chunkSource[c] = place;
      if (place >= 0) {
        out.chunkOffset[c] = table.offset[k]!;
      } else {
        out.bytes.set(table.bytes(k), at);
        out.chunkOffset[c] = at;
        at += length;
      }
      c++;
    }
    out.seriesEnds[j] = c;
    out.minTime[j] = s.minTime;
    out.maxTime[j] = s.maxTime;
  }
  return out;
}

/** Each block of a table: its shared buffer's index in `shared` (added there on first sight), or -1 when its chunks are copied. */
function blockPlaces(table: ChunkTable, shared: SharedArrayBuffer[], sharedIndex: Map<SharedArrayBuffer, number>): Int32Array {
  const places = new Int32Array(table.blocks.length);
  for (let b = 0; b < places.length; b++) {
    const buffer = table.blocks[b]!.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) {
      places[b] = -1;
      continue;
    }
    let i = sharedIndex.get(buffer);
    if (i === undefined) {
      i = shared.push(buffer) - 1;
      sharedIndex.set(buffer, i);
    }
    places[b] = i;
  }
  return places;
}

/**
 * The series of a packed buffer as lazy chunk inputs (read in it and the shared buffers, in place),
 * sharing one decode scratch and one chunk table made of the packed columns themselves: the copied
 * chunks' buffer becomes the table's block after the shared ones (the columns are this thread's,
 * moved or cloned to it, so they are rewritten in place rather than added chunk by chunk).
 */
export function unpackSeries(p: PackedSeries): SeriesInput[] {
  const blocks: Uint8Array[] = p.shared.map((b) => new Uint8Array(b));
  const copiedBlock = blocks.push(new Uint8Array(p.bytes.buffer)) - 1;
  const { chunkSource, chunkOffset } = p;
  for (let c = 0; c < chunkSource.length; c++) {
    if (chunkSource[c]! >= 0) continue;
    chunkSource[c] = copiedBlock;
    chunkOffset[c] = chunkOffset[c]! + p.bytes.byteOffset;
  }
  const table = ChunkTable.over(blocks, chunkSource, chunkOffset, p.chunkLength);
  const scratch = new DecodeScratch();
  const out: SeriesInput[] = [];
  let first = 0;
  for (let j = 0; j < p.seriesEnds.length; j++) {
    const end = p.seriesEnds[j]!;
    out.push({ chunks: new ChunkRun(table, first, end - first), minTime: p.minTime[j]!, maxTime: p.maxTime[j]!, scratch });
    first = end;
  }
  return out;
}

/** The buffers a message's typed arrays live in, to transfer rather than copy. */
export function transferList(m: JobMessage | SliceRequest | SliceResult | GroupsResult): ArrayBuffer[] {
  if (m.type === "groups") return [m.emitted.buffer] as ArrayBuffer[];
  if (m.type === "job") {
    const s = m.series;
    // The shared buffers are shared, never transferred.
    return [s.bytes.buffer, s.chunkSource.buffer, s.chunkOffset.buffer, s.chunkLength.buffer, s.seriesEnds.buffer, s.minTime.buffer, s.maxTime.buffer] as ArrayBuffer[];
  }
  return [m.values.buffer, m.present.buffer] as ArrayBuffer[];
}
