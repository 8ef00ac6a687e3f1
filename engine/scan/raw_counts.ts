// The raw sample counts behind a downsampled counter read. Prometheus extrapolates rate/increase
// by the average raw sample spacing, which the counter aggregate's points thin out; orrery's tiers
// keep each window's first and last raw sample in the counter, and the window's count gives the
// raw samples between them, so a window-aligned range extrapolates exactly as over raw data.
import type { AggrChunk, MergedSamples } from "../../storeapi/index.js";
import { ChunkEncoding, XorChunkIterator, aggregateSamples, isStaleNaN } from "../../storeapi/index.js";

/**
 * The raw samples the counter points up to each index stand for (cumulative; RangeWindow.rawCounts):
 * each window's count goes to its last counter point, the latest at or before the count's time; a raw
 * chunk's samples count 1 each, known from `ends` (aggregateSamplesByChunk) without decoding them
 * again. Undefined, so that the points alone are counted, when an aggregate chunk has no count or
 * holds one counter point per window (Thanos's layout: no window's first sample).
 */
export function rawCountsOfCounter(chunks: readonly AggrChunk[], counter: MergedSamples, ends: Int32Array, mint: number, maxt: number): Float64Array | undefined {
  if (counter.length === 0) return undefined;
  const aggregates: AggrChunk[] = [];
  const stamps = new XorChunkIterator(EMPTY_CHUNK);
  const points = new XorChunkIterator(EMPTY_CHUNK);
  for (const c of chunks) {
    if (c.raw !== undefined) continue;
    if (!keepsWindowFirstSamples(c, stamps, points)) return undefined;
    aggregates.push(c);
  }
  const counts = aggregateSamples(aggregates, "count", mint, maxt);
  const { ts, vs } = counter;
  const cum = new Float64Array(counter.length);
  let j = 0;
  // Counts before the first counter point belong to windows whose points lie before the fetch range.
  while (j < counts.length && counts.ts[j]! < ts[0]!) j++;
  let total = 0;
  const n = counter.length;
  for (let k = 0, i = 0; k < chunks.length; k++) {
    const to = ends[k]!;
    if (i === to) continue;
    if (chunks[k]!.raw !== undefined && !(j < counts.length && counts.ts[j]! < ts[to - 1]!)) {
      // Raw samples with no window count among them (the usual seam): each stands for itself, a stale marker for none.
      for (; i < to; i++) {
        const v = vs[i]!;
        if (v === v || !isStaleNaN(v)) total++;
        cum[i] = total;
      }
    } else {
      const raw = chunks[k]!.raw !== undefined;
      for (; i < to - 1; i++) {
        if (raw) {
          const v = vs[i]!;
          if (v === v || !isStaleNaN(v)) total++;
        }
        const next = ts[i + 1]!;
        while (j < counts.length && counts.ts[j]! < next) total += counts.vs[j++]!;
        cum[i] = total;
      }
      if (raw) {
        const v = vs[i]!;
        if (v === v || !isStaleNaN(v)) total++;
      }
    }
    // The chunk's last point takes the counts stamped before the next chunk's first.
    const next = to < n ? ts[to]! : Infinity;
    while (j < counts.length && counts.ts[j]! < next) total += counts.vs[j++]!;
    cum[to - 1] = total;
    i = to;
  }
  return cum;
}

const EMPTY_CHUNK = new Uint8Array(2);

/**
 * Whether an aggregate chunk's counter holds a point between its windows' stamps (the count's times):
 * orrery's keeps each window's first raw sample there. Thanos's stamps every counter point as its
 * window, apart from the chunk's first raw sample, so its points are the only samples it has.
 * Walks both sub-chunks only until the first such point (orrery's has one within its first windows).
 */
function keepsWindowFirstSamples(c: AggrChunk, stamps: XorChunkIterator, points: XorChunkIterator): boolean {
  if (c.count?.encoding !== ChunkEncoding.XOR || c.counter?.encoding !== ChunkEncoding.XOR) return false;
  stamps.reset(c.count.data);
  points.reset(c.counter.data);
  if (!points.next()) return false;
  let stamp = stamps.next() ? stamps.t : Infinity;
  while (points.next()) {
    while (stamp < points.t) stamp = stamps.next() ? stamps.t : Infinity;
    if (stamp !== points.t) return true;
  }
  return false;
}
