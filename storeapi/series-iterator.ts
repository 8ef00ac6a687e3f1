// Reading a Series's raw chunks as (t, v) samples in time order, limited to [mint, maxt].
import type { AggrChunk, Series } from "./types.js";
import { ChunkEncoding } from "./types.js";
import { XorChunkIterator, decodeXorChunk, xorChunkNumSamples } from "./chunkenc/index.js";

function rawXor(c: AggrChunk, index: number): Uint8Array {
  if (c.raw === undefined) throw new Error(`chunk ${index} has no raw data (downsampled chunks are read per aggregate)`);
  if (c.raw.encoding !== ChunkEncoding.XOR) {
    throw new Error(`chunk ${index} has encoding ${c.raw.encoding}; only XOR float chunks are supported here`);
  }
  return c.raw.data;
}

function chunksOverlap(chunks: readonly AggrChunk[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (chunks[i]!.minTime <= chunks[i - 1]!.maxTime) return true;
  return false;
}

/**
 * Decodes a Series's raw XOR chunks into sorted, de-duplicated samples within [mint, maxt].
 * Overlapping chunks are merged; at equal timestamps the earlier chunk's sample wins. Throws on corrupt chunks.
 */
export function mergeSeriesChunks(
  series: Series,
  mint: number,
  maxt: number,
): { readonly ts: Float64Array; readonly vs: Float64Array; readonly length: number } {
  const chunks = series.chunks.filter((c) => c.maxTime >= mint && c.minTime <= maxt);
  let total = 0;
  for (let i = 0; i < chunks.length; i++) total += xorChunkNumSamples(rawXor(chunks[i]!, i));
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  const it = new XorChunkIterator(new Uint8Array(2));
  let n = 0;
  for (const c of chunks) n += decodeXorChunk(c.raw!.data, mint, maxt, ts, vs, n, it);
  if (!chunksOverlap(chunks)) return { ts: ts.subarray(0, n), vs: vs.subarray(0, n), length: n };
  // Stable sort of sample indices by time, keeping the first sample at each timestamp.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const outT = new Float64Array(n);
  const outV = new Float64Array(n);
  let m = 0;
  for (const i of order) {
    if (m > 0 && outT[m - 1] === ts[i]) continue;
    outT[m] = ts[i]!;
    outV[m] = vs[i]!;
    m++;
  }
  return { ts: outT.subarray(0, m), vs: outV.subarray(0, m), length: m };
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
  private merged: { readonly ts: Float64Array; readonly vs: Float64Array; readonly length: number } | undefined;
  private mergedIndex = 0;

  constructor(
    series: Series,
    private readonly mint: number,
    private readonly maxt: number,
  ) {
    this.chunks = series.chunks.filter((c) => c.maxTime >= mint && c.minTime <= maxt);
    this.chunks.forEach(rawXor);
    if (chunksOverlap(this.chunks)) this.merged = mergeSeriesChunks(series, mint, maxt);
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
