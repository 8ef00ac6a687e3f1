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
  const aggregates = orreryAggregateChunks(chunks);
  return aggregates === undefined ? undefined : cumulate(chunks, ends, counter, aggregateSamples(aggregates, "count", mint, maxt));
}

/** The aggregate chunks among `chunks`, or undefined when one of them has Thanos's counter layout (or no count). */
function orreryAggregateChunks(chunks: readonly AggrChunk[]): AggrChunk[] | undefined {
  const out: AggrChunk[] = [];
  const stamps = new XorChunkIterator(EMPTY_CHUNK);
  const points = new XorChunkIterator(EMPTY_CHUNK);
  for (const c of chunks) {
    if (c.raw !== undefined) continue;
    if (!keepsWindowFirstSamples(c, stamps, points)) return undefined;
    out.push(c);
  }
  return out;
}

/** The cumulative raw counts of the counter points: chunk k gave points [ends[k-1], ends[k]). */
function cumulate(chunks: readonly AggrChunk[], ends: Int32Array, counter: MergedSamples, counts: MergedSamples): Float64Array {
  // Locals, so the hot loops read no properties.
  const { ts, vs } = counter;
  const n = counter.length;
  const cts = counts.ts;
  const cvs = counts.vs;
  const cn = counts.length;
  const cum = new Float64Array(n);
  let j = 0;
  // Counts before the first counter point belong to windows whose points lie before the fetch range.
  while (j < cn && cts[j]! < ts[0]!) j++;
  let total = 0;
  for (let k = 0, i = 0; k < chunks.length; k++) {
    const to = ends[k]!;
    if (i === to) continue;
    const raw = chunks[k]!.raw !== undefined;
    if (raw && !(j < cn && cts[j]! < ts[to - 1]!)) {
      // Raw samples with no window count among them (the usual seam): each stands for itself, a stale marker for none.
      for (; i < to; i++) {
        const v = vs[i]!;
        if (v === v || !isStaleNaN(v)) total++;
        cum[i] = total;
      }
    } else {
      for (; i < to; i++) {
        if (raw) {
          const v = vs[i]!;
          if (v === v || !isStaleNaN(v)) total++;
        }
        // Each window's count goes to the last point before the next one.
        const next = i + 1 < to ? ts[i + 1]! : -Infinity;
        while (j < cn && cts[j]! < next) total += cvs[j++]!;
        cum[i] = total;
      }
    }
    // The chunk's last point takes the counts stamped before the next chunk's first point.
    const next = to < n ? ts[to]! : Infinity;
    while (j < cn && cts[j]! < next) total += cvs[j++]!;
    cum[to - 1] = total;
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
