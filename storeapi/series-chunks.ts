// One series' samples as chunks, the way orrery's in-memory stores cut them: floats in XOR chunks of 120,
// native histograms in HISTOGRAM / FLOAT_HISTOGRAM chunks cut where Prometheus's head cuts them, and a
// new chunk wherever the sample kind switches.
import type { AggrChunk } from "./types.js";
import { ChunkEncoding } from "./types.js";
import type { NativeHistogram } from "./histogram.js";
import { FloatHistogramChunk, HistogramChunkCutter, XorChunk, XOR_CHUNK_TARGET_SAMPLES, type CutHistogramChunk } from "./chunkenc/index.js";

interface OpenXorChunk {
  readonly chunk: XorChunk;
  readonly minTime: number;
  maxTime: number;
}

/**
 * Chunks of a series from its first n samples: times ts, float values vs, and hs[i] the histogram when sample i is
 * one (undefined or missing: a float). Times must be strictly increasing. sts[i] (optional) is sample i's start
 * timestamp (0: none); each chunk holding one gets its samples' column beside its bytes.
 */
export function chunksOfSamples(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  hs: readonly (NativeHistogram | undefined)[] = [],
  sts?: ArrayLike<number>,
): AggrChunk[] {
  const out: (OpenXorChunk | CutHistogramChunk)[] = [];
  const cutter = new HistogramChunkCutter();
  let xor: OpenXorChunk | undefined;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    const h = hs[i];
    if (h !== undefined) {
      xor = undefined;
      const before = cutter.chunks.length;
      cutter.append(t, h);
      if (cutter.chunks.length > before) out.push(cutter.chunks[cutter.chunks.length - 1]!);
      continue;
    }
    cutter.interrupt();
    if (xor === undefined || xor.chunk.numSamples() >= XOR_CHUNK_TARGET_SAMPLES) {
      xor = { chunk: new XorChunk(), minTime: t, maxTime: t };
      out.push(xor);
    }
    xor.chunk.append(t, vs[i]!);
    xor.maxTime = t;
  }
  let first = 0;
  return out.map((c) => {
    const encoding = c.chunk instanceof XorChunk ? ChunkEncoding.XOR : c.chunk instanceof FloatHistogramChunk ? ChunkEncoding.FloatHistogram : ChunkEncoding.Histogram;
    const count = c.chunk.numSamples();
    const startTimestamps = sts === undefined ? undefined : startTimestampColumn(sts, first, count);
    first += count;
    const raw = startTimestamps === undefined ? { encoding, data: c.chunk.bytes().slice() } : { encoding, data: c.chunk.bytes().slice(), startTimestamps };
    return { minTime: c.minTime, maxTime: c.maxTime, raw };
  });
}

/** sts[first, first + count) as a column, or undefined when none of them is set. */
export function startTimestampColumn(sts: ArrayLike<number>, first: number, count: number): Float64Array | undefined {
  let any = false;
  for (let i = first; i < first + count && !any; i++) any = (sts[i] ?? 0) !== 0;
  if (!any) return undefined;
  const col = new Float64Array(count);
  for (let i = 0; i < count; i++) col[i] = sts[first + i] ?? 0;
  return col;
}
