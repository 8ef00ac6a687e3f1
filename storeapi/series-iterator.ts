// Reading a Series's raw chunks as (t, v) samples in time order, limited to [mint, maxt].
// The one place chunks of a series are merged by time: overlapping chunks (from several stores,
// blocks or a repeated label set) give each timestamp once, the earliest-listed chunk winning.
import type { AggrChunk, Series } from "./types.js";
import { ChunkEncoding } from "./types.js";
import { XorChunkIterator, decodeXorChunk, xorChunkNumSamples } from "./chunkenc/index.js";

/** Samples in time order: the first `length` entries of ts and vs. */
export interface MergedSamples {
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly length: number;
}

function rawXor(c: AggrChunk, index: number): Uint8Array {
  if (c.raw === undefined) throw new Error(`chunk ${index} has no raw data (downsampled chunks are read per aggregate)`);
  if (c.raw.encoding !== ChunkEncoding.XOR) {
    throw new Error(`chunk ${index} has encoding ${c.raw.encoding}; only XOR float chunks are supported here`);
  }
  return c.raw.data;
}

/**
 * Whether chunks must be merged rather than read one after another: some chunk starts at or
 * before the end of the one listed before it (overlapping, or out of time order).
 */
export function chunksNeedMerge(chunks: readonly { readonly minTime: number; readonly maxTime: number }[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (chunks[i]!.minTime <= chunks[i - 1]!.maxTime) return true;
  return false;
}

/**
 * Merges XOR chunks by time into samples within [mint, maxt], each timestamp once; at equal
 * timestamps the chunk listed first wins. Throws on corrupt chunks.
 */
export function mergeXorChunks(chunks: readonly Uint8Array[], mint: number, maxt: number): MergedSamples {
  const k = chunks.length;
  let total = 0;
  for (const c of chunks) total += xorChunkNumSamples(c);
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  // Each chunk decodes into its own run [start[r], end[r]) of ts/vs; a heap then merges the runs.
  const start = new Int32Array(k);
  const end = new Int32Array(k);
  const it = new XorChunkIterator(new Uint8Array(2));
  let n = 0;
  for (let r = 0; r < k; r++) {
    start[r] = n;
    n += decodeXorChunk(chunks[r]!, mint, maxt, ts, vs, n, it);
    end[r] = n;
  }
  if (runsInOrder(ts, start, end)) return { ts: ts.subarray(0, n), vs: vs.subarray(0, n), length: n };
  const outT = new Float64Array(n);
  const outV = new Float64Array(n);
  const heap = new Int32Array(k);
  let size = 0;
  for (let r = 0; r < k; r++) if (start[r]! < end[r]!) heapPush(heap, size++, r, ts, start);
  let m = 0;
  while (size > 0) {
    const r = heap[0]!;
    const i = start[r]!;
    // Runs at equal timestamps leave the heap in list order, so the first one's sample is kept.
    if (m === 0 || outT[m - 1]! !== ts[i]!) {
      outT[m] = ts[i]!;
      outV[m++] = vs[i]!;
    }
    start[r] = i + 1;
    if (i + 1 >= end[r]!) heap[0] = heap[--size]!;
    heapDown(heap, size, ts, start);
  }
  return { ts: outT.subarray(0, m), vs: outV.subarray(0, m), length: m };
}

/** Whether each non-empty run starts after the previous non-empty one ends (nothing to merge). */
function runsInOrder(ts: Float64Array, start: Int32Array, end: Int32Array): boolean {
  let last = -Infinity;
  for (let r = 0; r < start.length; r++) {
    if (start[r]! === end[r]!) continue;
    if (ts[start[r]!]! <= last) return false;
    last = ts[end[r]! - 1]!;
  }
  return true;
}

/** Heap order of runs a and b: the earlier next timestamp, then the run listed first. */
function runBefore(a: number, b: number, ts: Float64Array, pos: Int32Array): boolean {
  const ta = ts[pos[a]!]!;
  const tb = ts[pos[b]!]!;
  return ta < tb || (ta === tb && a < b);
}

function heapPush(heap: Int32Array, size: number, r: number, ts: Float64Array, pos: Int32Array): void {
  let i = size;
  heap[i] = r;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!runBefore(heap[i]!, heap[p]!, ts, pos)) return;
    const x = heap[p]!;
    heap[p] = heap[i]!;
    heap[i] = x;
    i = p;
  }
}

function heapDown(heap: Int32Array, size: number, ts: Float64Array, pos: Int32Array): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) return;
    const c = l + 1 < size && runBefore(heap[l + 1]!, heap[l]!, ts, pos) ? l + 1 : l;
    if (!runBefore(heap[c]!, heap[i]!, ts, pos)) return;
    const x = heap[c]!;
    heap[c] = heap[i]!;
    heap[i] = x;
    i = c;
  }
}

/**
 * Decodes a Series's raw XOR chunks into sorted, de-duplicated samples within [mint, maxt]
 * (mergeXorChunks on the chunks overlapping the range). Throws on corrupt or non-XOR chunks.
 */
export function mergeSeriesChunks(series: Series, mint: number, maxt: number): MergedSamples {
  const chunks = series.chunks.filter((c) => c.maxTime >= mint && c.minTime <= maxt);
  return mergeXorChunks(chunks.map(rawXor), mint, maxt);
}

/**
 * Iterates a Series's raw XOR chunks as (t, v) in time order within [mint, maxt]; next() then read t and v.
 * Non-overlapping chunks (the normal case) stream without allocation; overlapping ones are merged up front.
 * Throws on corrupt chunks or non-XOR encodings.
 */
export class SeriesSampleIterator {
  /** Timestamp of the current sample. */
  t = 0;
  /** Value of the current sample. */
  v = 0;
  private readonly chunks: readonly AggrChunk[];
  private readonly it = new XorChunkIterator(new Uint8Array(2));
  private chunkIndex = -1;
  private merged: MergedSamples | undefined;
  private mergedIndex = 0;

  constructor(
    series: Series,
    private readonly mint: number,
    private readonly maxt: number,
  ) {
    this.chunks = series.chunks.filter((c) => c.maxTime >= mint && c.minTime <= maxt);
    this.chunks.forEach(rawXor);
    if (chunksNeedMerge(this.chunks)) this.merged = mergeSeriesChunks(series, mint, maxt);
  }

  /** Advances to the next sample; false at the end. */
  next(): boolean {
    const merged = this.merged;
    if (merged !== undefined) {
      if (this.mergedIndex >= merged.length) return false;
      this.t = merged.ts[this.mergedIndex]!;
      this.v = merged.vs[this.mergedIndex]!;
      this.mergedIndex++;
      return true;
    }
    const it = this.it;
    for (;;) {
      if (this.chunkIndex >= 0) {
        while (it.next()) {
          if (it.t < this.mint) continue;
          if (it.t > this.maxt) {
            this.chunkIndex = this.chunks.length;
            return false;
          }
          this.t = it.t;
          this.v = it.v;
          return true;
        }
        if (it.err !== undefined) throw new Error(`chunk ${this.chunkIndex}: ${it.err}`);
      }
      if (this.chunkIndex + 1 >= this.chunks.length) {
        this.chunkIndex = this.chunks.length;
        return false;
      }
      this.chunkIndex++;
      it.reset(this.chunks[this.chunkIndex]!.raw!.data);
    }
  }
}

/** An iterator over a Series's samples within [mint, maxt] (see SeriesSampleIterator). */
export function seriesSampleIterator(series: Series, mint: number, maxt: number): SeriesSampleIterator {
  return new SeriesSampleIterator(series, mint, maxt);
}
