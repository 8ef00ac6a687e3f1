// The raw sample counts behind a downsampled counter read. Prometheus extrapolates rate/increase
// by the average raw sample spacing, which the counter aggregate's points thin out; orrery's tiers
// keep each window's first and last raw sample in the counter, and the window's count gives the
// raw samples between them, so a window-aligned range extrapolates exactly as over raw data.
import type { AggrChunk } from "../../storeapi/index.js";
import { AggregateReader, ChunkEncoding, XorChunkIterator, isStaleNaN } from "../../storeapi/index.js";

/**
 * Whether a counter read over `chunks` can count the raw samples behind its points: every aggregate
 * chunk has a count and orrery's counter layout. Thanos's holds one counter point per window (no
 * window's first sample), so over it the points alone are counted.
 */
export function countsRawSamples(chunks: readonly AggrChunk[]): boolean {
  const stamps = new XorChunkIterator(EMPTY_CHUNK);
  const points = new XorChunkIterator(EMPTY_CHUNK);
  for (const c of chunks) if (c.raw === undefined && !keepsWindowFirstSamples(c, stamps, points)) return false;
  return true;
}

/**
 * The raw samples the counter points up to each index stand for (cumulative; RangeWindow.rawCounts),
 * built as a series' chunks are decoded one by one: each window's count goes to its last counter
 * point, the latest before the next point after the count's time; a raw chunk's samples count 1
 * each (stale markers none). Counts before the first point belong to windows whose points lie before
 * the fetch range. The last point decoded so far may still take counts: the next chunk settles it,
 * or finish() after the last.
 */
export class RawCountJoin {
  private readonly counts: AggregateReader;
  /** Window counts decoded and not yet given to a point: [j, n). */
  private ts = EMPTY;
  private vs = EMPTY;
  private j = 0;
  private n = 0;
  private total = 0;
  private started = false;

  constructor(mint: number, maxt: number) {
    this.counts = new AggregateReader("count", mint, maxt);
  }

  /** Counts for the points [from, to) of t/v, just decoded from chunk `c` (the `index`th) into cum's slots. */
  add(c: AggrChunk, index: number, t: Float64Array, v: Float64Array, cum: Float64Array, from: number, to: number): void {
    if (c.raw === undefined) this.decodeCounts(c, index);
    if (from === to) return;
    let i = from;
    if (!this.started) {
      this.started = true;
      while (this.j < this.n && this.ts[this.j]! < t[i]!) this.j++;
    }
    const raw = c.raw !== undefined;
    // Locals, so the hot loops read no properties.
    const cts = this.ts;
    const cvs = this.vs;
    const cn = this.n;
    let j = this.j;
    let total = this.total;
    if (raw && !(j < cn && cts[j]! < t[to - 1]!)) {
      // Raw samples with no window count among them (the usual seam): only the previous point may take counts.
      const before = total;
      while (j < cn && cts[j]! < t[i]!) total += cvs[j++]!;
      if (i > 0 && total !== before) cum[i - 1] = total;
      for (; i < to; i++) {
        const x = v[i]!;
        if (x === x || !isStaleNaN(x)) total++;
        cum[i] = total;
      }
    } else {
      for (; i < to; i++) {
        // Counts stamped before this point go to the one before it.
        const before = total;
        while (j < cn && cts[j]! < t[i]!) total += cvs[j++]!;
        if (i > 0 && total !== before) cum[i - 1] = total;
        if (raw) {
          const x = v[i]!;
          if (x === x || !isStaleNaN(x)) total++;
        }
        cum[i] = total;
      }
    }
    this.j = j;
    this.total = total;
  }

  /** After the last chunk: the last point (at `last`, -1 for none) takes the counts left. */
  finish(cum: Float64Array, last: number): void {
    while (this.j < this.n) this.total += this.vs[this.j++]!;
    if (last >= 0) cum[last] = this.total;
  }

  private decodeCounts(c: AggrChunk, index: number): void {
    const pending = this.n - this.j;
    const need = pending + AggregateReader.bound(c, "count");
    if (need > this.ts.length) {
      const ts = new Float64Array(Math.max(need, 2 * this.ts.length));
      const vs = new Float64Array(ts.length);
      ts.set(this.ts.subarray(this.j, this.n));
      vs.set(this.vs.subarray(this.j, this.n));
      this.ts = ts;
      this.vs = vs;
    } else if (this.j > 0) {
      this.ts.copyWithin(0, this.j, this.n);
      this.vs.copyWithin(0, this.j, this.n);
    }
    this.j = 0;
    this.n = this.counts.append(c, index, this.ts, this.vs, pending);
  }
}

const EMPTY = new Float64Array(0);
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
