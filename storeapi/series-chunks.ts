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
 * Chunks of a series from its float samples (ts, vs) and histogram samples (hts, hs), each sorted by time with
 * unique timestamps. Where a float and a histogram share a timestamp the histogram is kept (a head refuses the second).
 */
export function chunksOfSamples(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  nts: number,
  hts: readonly number[] = [],
  hs: readonly NativeHistogram[] = [],
): AggrChunk[] {
  const out: (OpenXorChunk | CutHistogramChunk)[] = [];
  const cutter = new HistogramChunkCutter();
  let xor: OpenXorChunk | undefined;
  let i = 0;
  let j = 0;
  while (i < nts || j < hts.length) {
    if (j < hts.length && (i >= nts || hts[j]! <= ts[i]!)) {
      if (i < nts && hts[j] === ts[i]) i++;
      xor = undefined;
      const before = cutter.chunks.length;
      cutter.append(hts[j]!, hs[j]!);
      if (cutter.chunks.length > before) out.push(cutter.chunks[cutter.chunks.length - 1]!);
      j++;
      continue;
    }
    cutter.interrupt();
    if (xor === undefined || xor.chunk.numSamples() >= XOR_CHUNK_TARGET_SAMPLES) {
      xor = { chunk: new XorChunk(), minTime: ts[i]!, maxTime: ts[i]! };
      out.push(xor);
    }
    xor.chunk.append(ts[i]!, vs[i]!);
    xor.maxTime = ts[i]!;
    i++;
  }
  return out.map((c) => {
    const encoding = c.chunk instanceof XorChunk ? ChunkEncoding.XOR : c.chunk instanceof FloatHistogramChunk ? ChunkEncoding.FloatHistogram : ChunkEncoding.Histogram;
    return { minTime: c.minTime, maxTime: c.maxTime, raw: { encoding, data: c.chunk.bytes().slice() } };
  });
}
