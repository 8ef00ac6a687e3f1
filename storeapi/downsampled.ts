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
  for (const c of chunks) bound += chunkBound(c, read);
  const out = { ts: new Float64Array(bound), vs: new Float64Array(bound), n: 0, lastT: -Infinity };
  const it = new XorChunkIterator(new Uint8Array(2));
  const state = { offset: 0 };
  chunks.forEach((c, i) => {
    if (c.raw !== undefined) return appendRaw(out, c.raw, i, read, mint, maxt, it);
    if (read === "counter") return appendCounter(out, need(c, "counter", i), i, state, mint, maxt, it);
    if (read === "avg") return appendAvg(out, need(c, "sum", i), need(c, "count", i), i, mint, maxt);
    appendPlain(out, need(c, read, i), i, mint, maxt, it);
  });
  return { ts: out.ts.subarray(0, out.n), vs: out.vs.subarray(0, out.n), length: out.n };
}

interface Out {
  ts: Float64Array;
  vs: Float64Array;
  n: number;
  /** The last timestamp written: later chunks only add samples after it. */
  lastT: number;
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

function push(out: Out, t: number, v: number): void {
  out.ts[out.n] = t;
  out.vs[out.n++] = v;
  out.lastT = t;
}

function fail(index: number, what: string, err: string | undefined): never {
  throw new Error(`chunk ${index}: ${what}: ${err ?? "corrupt"}`);
}

function appendRaw(out: Out, raw: Chunk, index: number, read: ReadAggregate, mint: number, maxt: number, it: XorChunkIterator): void {
  if (raw.encoding !== ChunkEncoding.XOR) throw new Error(`chunk ${index} has encoding ${raw.encoding}; only XOR float chunks can be read here`);
  it.reset(raw.data);
  while (it.next()) {
    const t = it.t;
    if (t < mint || t <= out.lastT) continue;
    if (t > maxt) return;
    const v = it.v;
    if (read === "count") {
      if (v !== v && isStaleNaN(v)) continue;
      push(out, t, 1);
    } else push(out, t, v);
  }
  if (it.err !== undefined) fail(index, "raw", it.err);
}

function appendPlain(out: Out, sub: Chunk, index: number, mint: number, maxt: number, it: XorChunkIterator): void {
  it.reset(sub.data);
  while (it.next()) {
    const t = it.t;
    if (t < mint || t <= out.lastT) continue;
    if (t > maxt) return;
    push(out, t, it.v);
  }
  if (it.err !== undefined) fail(index, "aggregate", it.err);
}

function appendAvg(out: Out, sum: Chunk, count: Chunk, index: number, mint: number, maxt: number): void {
  const n = xorChunkNumSamples(sum.data);
  if (xorChunkNumSamples(count.data) !== n) throw new Error(`chunk ${index}: sum has ${n} points, count ${xorChunkNumSamples(count.data)}`);
  const st = new Float64Array(n);
  const sv = new Float64Array(n);
  const ct = new Float64Array(n);
  const cv = new Float64Array(n);
  decodeXorChunk(sum.data, -Infinity, Infinity, st, sv, 0);
  decodeXorChunk(count.data, -Infinity, Infinity, ct, cv, 0);
  for (let k = 0; k < n; k++) {
    const t = st[k]!;
    if (ct[k] !== t) throw new Error(`chunk ${index}: sum point ${k} at ${t} but count point at ${ct[k]}`);
    if (t < mint || t <= out.lastT) continue;
    if (t > maxt) return;
    push(out, t, sv[k]! / cv[k]!);
  }
}

function appendCounter(out: Out, sub: Chunk, index: number, state: { offset: number }, mint: number, maxt: number, it: XorChunkIterator): void {
  it.reset(sub.data);
  let prevT = NaN;
  let prevV = NaN;
  while (it.next()) {
    const t = it.t;
    const v = it.v;
    if (v !== v) continue;
    if (t === prevT) {
      // The true last raw value: a Thanos chunk's reset-corrected points ran above it by this much.
      state.offset += prevV - v;
      prevV = v;
      continue;
    }
    prevT = t;
    prevV = v;
    if (t < mint || t <= out.lastT || t > maxt) continue;
    push(out, t, v + state.offset);
  }
  if (it.err !== undefined) fail(index, "counter aggregate", it.err);
}
