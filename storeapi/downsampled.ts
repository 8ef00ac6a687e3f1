// Reading downsampled data: a series' chunks (raw XOR chunks, Thanos aggregate chunks, or both
// where tiers meet) as the samples of one aggregate, so the engine runs its ordinary functions on
// them. The one place aggregate chunks become samples.
//
// Counter sub-chunks follow Thanos's convention: the first point is the first raw value, and a last
// point repeating the previous timestamp carries the true last raw value. orrery writes raw values
// (a subset of the raw samples that keeps both sides of every reset), so the repeat equals the point
// before it; Thanos writes values reset-corrected from the chunk's first, so where the chunk saw a
// reset the repeat is lower, and the drop is carried as an offset, which hides those resets as
// Thanos's reader does while keeping the increase exact.
import type { Aggregate, AggrChunk, Chunk } from "./types.js";
import { ChunkEncoding } from "./types.js";
import { XorChunkIterator, decodeXorChunk, isStaleNaN, xorChunkNumSamples } from "./chunkenc/index.js";
import type { MergedSamples } from "./series-iterator.js";

/** What a selector reads from downsampled data: one aggregate, or avg (sum / count per window). */
export type ReadAggregate = Aggregate | "avg";

/** The sub-chunks a read aggregate needs from the store. */
export function aggregatesFor(read: ReadAggregate): Aggregate[] {
  return read === "avg" ? ["count", "sum"] : [read];
}

/** Whether any chunk carries aggregates instead of raw data. */
export function hasAggregateChunks(chunks: readonly AggrChunk[]): boolean {
  return chunks.some((c) => c.raw === undefined);
}

/**
 * The samples of aggregate `read` within [mint, maxt] from chunks sorted by minTime. A raw chunk
 * stands for itself (count: 1 per sample, stale markers dropped; others: its values); an aggregate
 * chunk gives its sub-chunk (avg: sum / count). Where chunks overlap, the first keeps a timestamp.
 * Throws an Error naming the chunk when a needed sub-chunk is missing or corrupt.
 */
export function aggregateSamples(chunks: readonly AggrChunk[], read: ReadAggregate, mint: number, maxt: number): MergedSamples {
  let bound = 0;
  for (const c of chunks) bound += AggregateReader.bound(c, read);
  const ts = new Float64Array(bound);
  const vs = new Float64Array(bound);
  const reader = new AggregateReader(read, mint, maxt);
  let n = 0;
  for (let i = 0; i < chunks.length; i++) n = reader.append(chunks[i]!, i, ts, vs, n);
  return { ts: ts.subarray(0, n), vs: vs.subarray(0, n), length: n };
}

/**
 * aggregateSamples one chunk at a time, for a reader that decodes a series as it goes: carries what
 * crosses chunk edges (the last time written, Thanos's counter offset) from one append to the next.
 */
export class AggregateReader {
  private readonly out: Out = { ts: EMPTY, vs: EMPTY, n: 0, lastT: -Infinity, offset: 0, it: new XorChunkIterator(new Uint8Array(2)) };
  private scratch: Scratch | undefined;

  constructor(
    readonly read: ReadAggregate,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  /** The most samples chunk `c` can add (size the arrays append writes to with it). */
  static bound(c: AggrChunk, read: ReadAggregate): number {
    return chunkBound(c, read);
  }

  /**
   * Appends chunk `c`'s samples (`index`: its place, for errors) to ts/vs from `n`, which must have
   * room for bound(c) more; returns the new length. Chunks come in minTime order.
   */
  append(c: AggrChunk, index: number, ts: Float64Array, vs: Float64Array, n: number): number {
    const { out, read, mint, maxt } = this;
    out.ts = ts;
    out.vs = vs;
    out.n = n;
    if (c.raw !== undefined) appendRaw(out, c.raw, index, read, mint, maxt);
    else if (read === "counter") appendCounter(out, need(c, "counter", index), index, mint, maxt, this.scratchFor(c.counter!));
    else if (read === "avg") appendAvg(out, need(c, "sum", index), need(c, "count", index), index, mint, maxt, this.scratchFor(c.sum!));
    else appendPlain(out, need(c, read, index), index, "aggregate", mint, maxt);
    out.ts = out.vs = EMPTY;
    return out.n;
  }

  /** Room to decode sub-chunk `sub` whole (grown, never shrunk). */
  private scratchFor(sub: Chunk): Scratch {
    const n = xorChunkNumSamples(sub.data);
    if (this.scratch === undefined || this.scratch.t.length < n) this.scratch = new Scratch(Math.max(n, 2 * (this.scratch?.t.length ?? 0)));
    return this.scratch;
  }
}

const EMPTY = new Float64Array(0);

interface Out {
  ts: Float64Array;
  vs: Float64Array;
  n: number;
  /** The last timestamp written: later chunks only add samples after it. */
  lastT: number;
  /** What Thanos's reset-corrected counter points ran above the true raw values so far (appendCounter). */
  offset: number;
  readonly it: XorChunkIterator;
}

/** Where a whole sub-chunk is decoded (two of them for avg). */
class Scratch {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly t2: Float64Array;
  readonly v2: Float64Array;
  constructor(n: number) {
    this.t = new Float64Array(n);
    this.v = new Float64Array(n);
    this.t2 = new Float64Array(n);
    this.v2 = new Float64Array(n);
  }
}

function chunkBound(c: AggrChunk, read: ReadAggregate): number {
  const sub = c.raw ?? (read === "avg" ? c.sum : c[read]);
  return sub === undefined ? 0 : xorChunkNumSamples(sub.data);
}

function need(c: AggrChunk, a: Aggregate, index: number): Chunk {
  const sub = c[a];
  if (sub === undefined) throw new Error(`chunk ${index} [${c.minTime}, ${c.maxTime}] has no ${a} aggregate`);
  if (sub.encoding !== ChunkEncoding.XOR) throw new Error(`chunk ${index}: ${a} aggregate has encoding ${sub.encoding}, not XOR`);
  return sub;
}

function fail(index: number, what: string, err: unknown): never {
  const reason = err instanceof Error ? err.message.replace(/^decodeXorChunk: /, "") : "corrupt";
  throw new Error(`chunk ${index}: ${what}: ${reason}`);
}

/** Decodes a whole sub-chunk into t/v (sized by its sample count), naming the chunk when it is corrupt. */
function decodeWhole(data: Uint8Array, t: Float64Array, v: Float64Array, index: number, what: string, it: XorChunkIterator): number {
  try {
    return decodeXorChunk(data, -Infinity, Infinity, t, v, 0, it);
  } catch (err) {
    fail(index, what, err);
  }
}

function appendRaw(out: Out, raw: Chunk, index: number, read: ReadAggregate, mint: number, maxt: number): void {
  if (raw.encoding !== ChunkEncoding.XOR) throw new Error(`chunk ${index} has encoding ${raw.encoding}; only XOR float chunks can be read here`);
  const from = out.n;
  appendPlain(out, raw, index, "raw", mint, maxt);
  if (read !== "count") return;
  // Each raw sample counts 1; stale markers are no samples.
  const { ts, vs } = out;
  let n = from;
  for (let k = from; k < out.n; k++) {
    const v = vs[k]!;
    if (v !== v && isStaleNaN(v)) continue;
    ts[n] = ts[k]!;
    vs[n++] = 1;
  }
  out.n = n;
  out.lastT = n > 0 ? ts[n - 1]! : -Infinity;
}

/** A sub-chunk's samples in [mint, maxt] after the last one written, decoded straight into the output. */
function appendPlain(out: Out, sub: Chunk, index: number, what: string, mint: number, maxt: number): void {
  // Timestamps are integer ms: "after lastT" is "from lastT + 1".
  const from = Math.max(mint, out.lastT + 1);
  let got: number;
  try {
    got = decodeXorChunk(sub.data, from, maxt, out.ts, out.vs, out.n, out.it);
  } catch (err) {
    fail(index, what, err);
  }
  out.n += got;
  if (got > 0) out.lastT = out.ts[out.n - 1]!;
}

function appendAvg(out: Out, sum: Chunk, count: Chunk, index: number, mint: number, maxt: number, s: Scratch): void {
  const n = xorChunkNumSamples(sum.data);
  if (xorChunkNumSamples(count.data) !== n) throw new Error(`chunk ${index}: sum has ${n} points, count ${xorChunkNumSamples(count.data)}`);
  decodeWhole(sum.data, s.t, s.v, index, "sum aggregate", out.it);
  decodeWhole(count.data, s.t2, s.v2, index, "count aggregate", out.it);
  for (let k = 0; k < n; k++) {
    const t = s.t[k]!;
    if (s.t2[k] !== t) throw new Error(`chunk ${index}: sum point ${k} at ${t} but count point at ${s.t2[k]}`);
    if (t < mint || t <= out.lastT) continue;
    if (t > maxt) return;
    push(out, t, s.v[k]! / s.v2[k]!);
  }
}

function push(out: Out, t: number, v: number): void {
  out.ts[out.n] = t;
  out.vs[out.n++] = v;
  out.lastT = t;
}

function appendCounter(out: Out, sub: Chunk, index: number, mint: number, maxt: number, s: Scratch): void {
  const n = decodeWhole(sub.data, s.t, s.v, index, "counter aggregate", out.it);
  let prevT = NaN;
  let prevV = NaN;
  for (let k = 0; k < n; k++) {
    const t = s.t[k]!;
    const v = s.v[k]!;
    if (v !== v) continue;
    if (t === prevT) {
      // The true last raw value: a Thanos chunk's reset-corrected points ran above it by this much.
      out.offset += prevV - v;
      prevV = v;
      continue;
    }
    prevT = t;
    prevV = v;
    if (t < mint || t <= out.lastT || t > maxt) continue;
    push(out, t, v + out.offset);
  }
}
