// A sliding buffer of one series' samples: chunks are decoded only as the steps reach them and
// samples behind the window are dropped, so a long range query never holds a series in full.
import type { AggrChunk, ReadAggregate } from "../../storeapi/index.js";
import {
  AggregateReader,
  ChunkEncoding,
  chunksNeedMerge,
  decodeNewestXorSample,
  decodeXorChunk,
  FloatHistogramChunkIterator,
  HistogramChunkIterator,
  isStaleNaN,
  mergeXorChunks,
  STALE_NAN,
  XorChunkIterator,
  xorChunkNumSamples,
} from "../../storeapi/index.js";
import { FloatHistogram } from "../histogram/index.js";
import { ChunkTable, NO_CHUNKS, type ChunkRun } from "./chunk_table.js";
import { RawCountJoin } from "./raw_counts.js";

/** Samples decoded up front; `h[i]` set means sample i is a histogram (then v[i] is 0); st[i] its start timestamp (0: none). */
export interface DecodedSamples {
  t: Float64Array;
  v: Float64Array;
  h?: (FloatHistogram | undefined)[];
  st?: Float64Array;
}

/** A series read as one aggregate of its chunks (downsampled, or raw read through the aggregate reader), decoded as the steps reach them. */
export interface AggregateSeries {
  /** In minTime order. */
  readonly chunks: readonly AggrChunk[];
  readonly read: ReadAggregate;
  /** A counter read that also counts the raw samples behind its points (raw_counts.ts). */
  readonly rawCounts: boolean;
}

/** One sample, as readLatestFromChunks gives it. */
export interface LatestSample {
  t: number;
  v: number;
}

/** One series' input: XOR chunk bytes overlapping [minTime, maxTime], or samples already decoded. */
export interface SeriesInput {
  /** Raw XOR chunks, read lazily (NO_CHUNKS for samples decoded up front or an aggregate read). */
  chunks: ChunkRun;
  minTime: number;
  maxTime: number;
  decoded?: DecodedSamples;
  aggregate?: AggregateSeries;
  /** Shared by the series of one fetch, so each buffer need not allocate its own. */
  scratch?: DecodeScratch;
}

/**
 * A series' input from its raw XOR chunks (in the order the store sent them): read lazily chunk
 * by chunk when they follow one another in time, as they normally do; merged by time once,
 * through storeapi's one merge, when they overlap or are out of order.
 */
export function seriesInput(chunks: readonly AggrChunk[], minTime: number, maxTime: number, scratch?: DecodeScratch, table = new ChunkTable()): SeriesInput {
  if (!chunksNeedMerge(chunks)) {
    const first = table.size;
    for (const c of chunks) {
      const raw = c.raw!;
      const gap = raw.maxGap ?? NaN;
      if (raw.placedIn !== undefined) table.add(raw.placedIn, raw.placedAt!, raw.placedLength!, c.minTime, c.maxTime, gap);
      else table.addView(raw.data, c.minTime, c.maxTime, gap);
    }
    return { chunks: table.runFrom(first), minTime, maxTime, scratch };
  }
  const m = mergeXorChunks(chunks.map((c) => c.raw!.data), minTime, maxTime);
  return { chunks: NO_CHUNKS, minTime, maxTime, decoded: { t: m.ts.subarray(0, m.length), v: m.vs.subarray(0, m.length) } };
}

/** Whether a series' chunks hold native histograms or start timestamps (then it is read through decodedSeriesInput). */
export function needsDecodedInput(chunks: readonly AggrChunk[]): boolean {
  for (const c of chunks) {
    const e = c.raw?.encoding;
    if (e === ChunkEncoding.Histogram || e === ChunkEncoding.FloatHistogram || c.raw?.startTimestamps !== undefined) return true;
  }
  return false;
}

interface DecodedPoint {
  t: number;
  v: number;
  h: FloatHistogram | undefined;
  st: number;
}

/**
 * A series with histogram chunks (alone or beside XOR chunks) or start timestamps, decoded up front
 * and merged by time (a timestamp sent twice counts once, the first chunk's sample kept). A stale
 * histogram becomes the float stale marker, so staleness is handled in one place.
 */
export function decodedSeriesInput(chunks: readonly AggrChunk[], minTime: number, maxTime: number): SeriesInput {
  const points: DecodedPoint[] = [];
  let withStartTimestamps = false;
  let withHistograms = false;
  for (const c of chunks) {
    decodeInto(c.raw!.encoding, c.raw!.data, c.raw!.startTimestamps, minTime, maxTime, points);
    withStartTimestamps ||= c.raw!.startTimestamps !== undefined;
    withHistograms ||= c.raw!.encoding !== ChunkEncoding.XOR;
  }
  // Stable, so the first chunk's sample wins a tie.
  points.sort((a, b) => a.t - b.t);
  const t: number[] = [];
  const v: number[] = [];
  const h: (FloatHistogram | undefined)[] = [];
  const st: number[] = [];
  for (const p of points) {
    if (t.length > 0 && t[t.length - 1] === p.t) continue;
    t.push(p.t);
    v.push(p.v);
    h.push(p.h);
    st.push(p.st);
  }
  const decoded: DecodedSamples = { t: Float64Array.from(t), v: Float64Array.from(v) };
  if (withHistograms) decoded.h = h;
  if (withStartTimestamps) decoded.st = Float64Array.from(st);
  return { chunks: NO_CHUNKS, minTime, maxTime, decoded };
}

function decodeInto(encoding: ChunkEncoding, data: Uint8Array, sts: Float64Array | undefined, minTime: number, maxTime: number, out: DecodedPoint[]): void {
  let k = -1;
  if (encoding === ChunkEncoding.XOR) {
    const it = new XorChunkIterator(data);
    while (it.next()) {
      k++;
      if (it.t < minTime) continue;
      if (it.t > maxTime) break;
      out.push({ t: it.t, v: it.v, h: undefined, st: sts?.[k] ?? 0 });
    }
    return;
  }
  const it = encoding === ChunkEncoding.Histogram ? new HistogramChunkIterator(data) : new FloatHistogramChunkIterator(data);
  while (it.next()) {
    k++;
    if (it.t < minTime) continue;
    if (it.t > maxTime) break;
    const nh = it.at();
    const st = sts?.[k] ?? 0;
    if (isStaleNaN(nh.sum)) out.push({ t: it.t, v: STALE_NAN, h: undefined, st });
    else out.push({ t: it.t, v: 0, h: FloatHistogram.fromNative(nh), st });
  }
}

const EMPTY = new Float64Array(0);

/** Float64s of the first slab block and the most of any (each next one doubles), and the largest request served from one (bigger ones allocate alone). */
const SLAB_FIRST_FLOATS = 1 << 12;
const SLAB_FLOATS = 1 << 16;
const SLAB_MAX_TAKE = 1024;

/**
 * What the buffers of one fetch share: one chunk iterator, and slab blocks the small first
 * buffers are cut from — one typed-array allocation per 64K floats instead of two per series.
 */
export class DecodeScratch {
  readonly iterator = new XorChunkIterator(new Uint8Array(2));
  /** Where a chunk is decoded first, so a buffer grows by the samples in range, not the chunk's size. */
  t = new Float64Array(128);
  v = new Float64Array(128);
  private slab = new Float64Array(0);
  private used = 0;
  /** Small fetches (a rule's instant query over a hundred series) need a fraction of a full block: blocks grow from small. */
  private nextSlab = SLAB_FIRST_FLOATS;

  /** Makes t and v hold at least n samples. */
  ensure(n: number): void {
    if (n <= this.t.length) return;
    this.t = new Float64Array(n);
    this.v = new Float64Array(n);
  }

  /** Arrays of finished buffers given back: the next buffer to grow reuses them (an instant call's series, one after another, share one pair). */
  private spareT: Float64Array = EMPTY;
  private spareV: Float64Array = EMPTY;

  /** Keeps a finished buffer's arrays for reuse (the larger pair, when one is kept already). */
  giveBack(t: Float64Array, v: Float64Array): void {
    if (t.length > this.spareT.length) {
      this.spareT = t;
      this.spareV = v;
    }
  }

  /** Whether arrays of at least n floats were given back (then takeSpareT and takeSpareV hand them over, not zeroed). */
  hasSpare(n: number): boolean {
    return this.spareT.length >= n;
  }

  takeSpareT(): Float64Array {
    const t = this.spareT;
    this.spareT = EMPTY;
    return t;
  }

  takeSpareV(): Float64Array {
    const v = this.spareV;
    this.spareV = EMPTY;
    return v;
  }

  /** A zeroed Float64Array of n elements. */
  take(n: number): Float64Array {
    if (n > SLAB_MAX_TAKE) return new Float64Array(n);
    if (this.used + n > this.slab.length) {
      this.slab = new Float64Array(this.nextSlab);
      this.nextSlab = Math.min(SLAB_FLOATS, 2 * this.nextSlab);
      this.used = 0;
    }
    const a = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return a;
  }
}

/**
 * Samples [0, n) of t/v copied to `to`/`toV` from `at`: a plain copy (no subarray views: an instant
 * read copies a few samples per chunk, and views are garbage), in a function of its own so the
 * per-chunk function calling it holds no loop (one V8 compiled on stack after a deopt was then entered
 * that way at every call, its per-chunk work in the interpreter: seen for appendChunk).
 */
function copySamples(t: Float64Array, v: Float64Array, n: number, to: Float64Array, toV: Float64Array, at: number): void {
  for (let k = 0; k < n; k++) {
    to[at + k] = t[k]!;
    toV[at + k] = v[k]!;
  }
}

/** Whether v[k] is a stale marker (the NaN test first: most values are not NaN). */
function isStaleAt(v: Float64Array, k: number): boolean {
  const x = v[k]!;
  return x !== x && isStaleNaN(x);
}

/** Whether any value is a stale marker (then the samples are copied without them; else shared as they are). */
function hasStaleMarker(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (isStaleAt(v, i)) return true;
  return false;
}

export class SampleBuffer {
  t: Float64Array = EMPTY;
  v: Float64Array = EMPTY;
  /** Histogram samples by slot (undefined slots are floats); undefined when the series has none. */
  h: (FloatHistogram | undefined)[] | undefined;
  /** Start timestamps by slot (0: none); undefined when the store gave the series none. */
  st: Float64Array | undefined;
  /** Cumulative raw samples by slot for a downsampled counter read (RangeWindow.rawCounts); else undefined. */
  rawCounts: Float64Array | undefined;
  /** Valid samples are [0, len). */
  len = 0;
  /** False only when every value in [0, len) is known finite (no NaN, no stale marker, no infinity): filled by fillOnceInScratch from chunks that decoded none. */
  mayHoldNonFinite = true;
  /** First index still needed; everything before it may be dropped when space is short. */
  keep = 0;
  /** Two cursors owned by the reader, shifted when the buffer compacts. */
  a = 0;
  b = 0;
  /** Samples dropped from the front so far: slot i holds the series' sample number offset + i. */
  offset = 0;
  private nextChunk = 0;
  /** Whether t and v are this buffer's own (grown by reserve), not a store's decoded samples. */
  private owned = false;
  private ownScratch: DecodeScratch | undefined;
  /** An aggregate read's decoding state (each buffer its own: merged selectors share the input). */
  private aggregate: { readonly reader: AggregateReader; readonly join: RawCountJoin | undefined } | undefined;

  constructor(
    private readonly input: SeriesInput,
    private readonly dropStale: boolean,
  ) {
    if (input.decoded !== undefined) this.useDecoded(input.decoded);
    const a = input.aggregate;
    if (a !== undefined) {
      const join = a.rawCounts ? new RawCountJoin(input.minTime, input.maxTime) : undefined;
      this.aggregate = { reader: new AggregateReader(a.read, input.minTime, input.maxTime), join };
      if (join !== undefined) this.rawCounts = EMPTY;
    }
  }

  private useDecoded(d: DecodedSamples): void {
    if (!this.dropStale || !hasStaleMarker(d.v)) {
      this.t = d.t;
      this.v = d.v;
      this.h = d.h;
      this.st = d.st;
      this.len = d.t.length;
      return;
    }
    this.t = new Float64Array(d.t.length);
    this.v = new Float64Array(d.t.length);
    if (d.h !== undefined) this.h = [];
    if (d.st !== undefined) this.st = new Float64Array(d.t.length);
    let n = 0;
    for (let i = 0; i < d.t.length; i++) {
      const x = d.v[i]!;
      if (x !== x && isStaleNaN(x)) continue;
      if (this.h !== undefined) this.h[n] = d.h![i];
      if (this.st !== undefined) this.st[n] = d.st![i]!;
      this.t[n] = d.t[i]!;
      this.v[n++] = x;
    }
    this.len = n;
  }

  /**
   * The raw XOR chunks this buffer would read lazily, while it has read none and drops stale markers
   * as asked (a worker's buffer for a range function drops them, one for a vector selector keeps
   * them): what a window worker can read in its place. Undefined for samples decoded up front.
   */
  unreadXorInput(dropStale: boolean): SeriesInput | undefined {
    return this.dropStale === dropStale && this.readsNothingYet() ? this.input : undefined;
  }

  /**
   * The unread raw XOR chunks of a buffer that keeps stale markers (a vector selector's) when they
   * tell, with no decoding, at which of the references refs (never decreasing) there is a sample
   * within (ref − lookback, ref] (ChunkRun.presenceKnown), and the input's range holds every such
   * sample (the answer is then the one its decoded samples give); undefined otherwise.
   */
  presenceRun(refs: Float64Array, lookbackMs: number): ChunkRun | undefined {
    const input = this.unreadXorInput(false);
    if (input === undefined || refs.length === 0) return undefined;
    if (refs[0]! - lookbackMs + 1 < input.minTime || refs[refs.length - 1]! > input.maxTime) return undefined;
    return input.chunks.presenceKnown(lookbackMs) ? input.chunks : undefined;
  }

  /** Whether every sample of the input is in the buffer (read whole, or decoded up front): a fill reads nothing more. */
  get complete(): boolean {
    return this.nextChunk >= (this.aggregate !== undefined ? this.input.aggregate!.chunks.length : this.input.chunks.count);
  }

  /** Whether the input is raw XOR chunks of which nothing is read yet (an aggregate read's chunks are not XOR samples). */
  private readsNothingYet(): boolean {
    return this.input.decoded === undefined && this.aggregate === undefined && this.nextChunk === 0 && this.len === 0;
  }

  /**
   * Fills the buffer with every sample of its unread raw XOR chunks decoded into the fetch's shared
   * scratch and used there, not copied: for a reader done with this buffer before another fills
   * from the same scratch (a range function's one window per series, evaluated series by series).
   * False, nothing done, when the input is not such chunks or part of it was read.
   */
  fillOnceInScratch(): boolean {
    if (!this.readsNothingYet()) return false;
    const input = this.input;
    const scratch = this.scratch();
    const chunks = input.chunks;
    let total = 0;
    for (let k = 0; k < chunks.count; k++) total += chunks.numSamples(k);
    scratch.ensure(total);
    let n = 0;
    scratch.iterator.nonFinite = false;
    for (let k = 0; k < chunks.count; k++) n += chunks.decode(k, input.minTime, input.maxTime, scratch.t, scratch.v, n, scratch.iterator);
    this.t = scratch.t;
    this.v = scratch.v;
    this.owned = false;
    this.nextChunk = chunks.count;
    this.len = this.decodedKept(0, n);
    this.mayHoldNonFinite = scratch.iterator.nonFinite;
    return true;
  }

  /**
   * A one-step read of unread raw XOR chunks (an instant query over a store's chunks): the latest
   * sample in (ref − lookback, ref] into `out`, decoded through the scratch and never buffered.
   * Returns 1 when found, 0 when there is none, −1 when the input is not such chunks (then fill()).
   */
  readLatestFromChunks(ref: number, lookbackMs: number, out: LatestSample): number {
    if (!this.readsNothingYet()) return -1;
    const input = this.input;
    const scratch = this.scratch();
    // Timestamps are whole milliseconds: t > ref − lookback is t ≥ ⌊ref − lookback⌋ + 1.
    const from = Math.max(input.minTime, Math.floor(ref - lookbackMs) + 1);
    const to = Math.min(input.maxTime, ref);
    scratch.ensure(1);
    // Lazily read chunks follow one another in time: the latest chunk with a sample in range holds the answer.
    for (let k = input.chunks.count - 1; k >= 0; k--) {
      if (decodeNewestXorSample(input.chunks.bytes(k), from, to, scratch.t, scratch.v, scratch.iterator) === 0) continue;
      out.t = scratch.t[0]!;
      out.v = scratch.v[0]!;
      return 1;
    }
    return 0;
  }

  /**
   * The reader is done with this buffer (its last step is evaluated): its own arrays go back to the
   * scratch for the next buffer, and it reads nothing more.
   */
  release(): void {
    if (this.owned && this.rawCounts === undefined) this.scratch().giveBack(this.t, this.v);
    this.owned = false;
    this.t = EMPTY;
    this.v = EMPTY;
    this.len = this.a = this.b = this.keep = 0;
    this.nextChunk = Infinity;
    this.mayHoldNonFinite = true;
  }

  /**
   * Skips the unread XOR chunks a later one supersedes at `ref`: when the next chunk's first sample
   * is at or before ref, every sample of this one is older (lazily read chunks follow one another in
   * time), so the latest sample at or before ref — or any later ref — is never in it. A store's
   * instant window often starts in a chunk ending just before the newest one: it goes undecoded.
   */
  skipSuperseded(ref: number): void {
    const chunks = this.input.chunks;
    // Nothing to skip (a store's decoded samples have no chunks): no scratch is made for nothing.
    if (this.nextChunk + 1 >= chunks.count) return;
    const it = this.scratch().iterator;
    while (this.nextChunk + 1 < chunks.count) {
      it.reset(chunks.bytes(this.nextChunk + 1));
      if (!it.next() || it.t > ref) return;
      this.nextChunk++;
    }
  }

  /** Decodes chunks until a sample later than upTo is buffered or no chunk remains. */
  fill(upTo: number): void {
    if (this.aggregate !== undefined) return this.fillAggregate(upTo);
    const chunks = this.input.chunks;
    // Nothing in range is later than upTo: this fill reads every chunk left.
    const toEnd = upTo >= this.input.maxTime;
    while (this.nextChunk < chunks.count && (this.len === 0 || this.t[this.len - 1]! <= upTo)) {
      this.appendChunk(chunks.bytes(this.nextChunk++), toEnd);
    }
  }

  /** fill() for an aggregate read: its chunks decoded one by one (with their raw counts), stale markers dropped when asked. */
  private fillAggregate(upTo: number): void {
    const { reader, join } = this.aggregate!;
    const chunks = this.input.aggregate!.chunks;
    if (this.nextChunk >= chunks.length) return;
    while (this.nextChunk < chunks.length && (this.len === 0 || this.t[this.len - 1]! <= upTo)) {
      const k = this.nextChunk++;
      const c = chunks[k]!;
      this.reserve(AggregateReader.bound(c, reader.read));
      const from = this.len;
      const to = reader.append(c, k, this.t, this.v, from);
      join?.add(c, k, this.t, this.v, this.rawCounts!, from, to);
      this.len = this.dropStale ? this.withoutStale(from, to) : to;
    }
    if (this.nextChunk === chunks.length) join?.finish(this.rawCounts!, this.len - 1);
  }

  /** The length after slots [from, to), just decoded through the scratch's iterator: its stale markers dropped when dropping them and the decoder met a NaN or an infinity. */
  private decodedKept(from: number, to: number): number {
    return this.dropStale && this.scratch().iterator.nonFinite ? this.withoutStale(from, to) : to;
  }

  /** Drops the stale markers among slots [from, to) (their raw counts with them); returns the new length. */
  private withoutStale(from: number, to: number): number {
    const { t, v } = this;
    const cum = this.rawCounts;
    // Stale markers are rare (a target gone): find the first before moving anything.
    let n = from;
    while (n < to && !isStaleAt(v, n)) n++;
    for (let k = n; k < to; k++) {
      if (isStaleAt(v, k)) continue;
      t[n] = t[k]!;
      v[n] = v[k]!;
      if (cum !== undefined) cum[n] = cum[k]!;
      n++;
    }
    return n;
  }

  /** The fetch's shared scratch, or (for a buffer made alone) its own. */
  private scratch(): DecodeScratch {
    return this.input.scratch ?? (this.ownScratch ??= new DecodeScratch());
  }

  /**
   * Appends a chunk's samples in range (stale markers dropped when asked): decoded straight into
   * the buffer when it has room for the whole chunk (after dropping what the window no longer
   * needs), else through the shared scratch, so the buffer grows by the samples in range only —
   * plus the later chunks' samples at once, which then decode in place, when the fill reads to the
   * end (`toEnd`: an instant query's window) or, at a read's first samples, when they are few (a
   * short range: they would be buffered together anyway).
   */
  private appendChunk(bytes: Uint8Array, toEnd: boolean): void {
    const total = xorChunkNumSamples(bytes);
    const scratch = this.scratch();
    const { minTime, maxTime } = this.input;
    if (this.len + total > this.t.length) this.compact();
    scratch.iterator.nonFinite = false;
    if (this.len + total <= this.t.length) {
      const from = this.len;
      const to = from + decodeXorChunk(bytes, minTime, maxTime, this.t, this.v, from, scratch.iterator);
      this.len = this.decodedKept(from, to);
      return;
    }
    scratch.ensure(total);
    const got = decodeXorChunk(bytes, minTime, maxTime, scratch.t, scratch.v, 0, scratch.iterator);
    if (got === 0) return;
    // A few later samples are reserved only by a read's first samples: midway through a long read they would grow every buffer.
    const most = toEnd ? Infinity : this.len === 0 && this.offset === 0 ? SLAB_MAX_TAKE : 0;
    const rest = most > 0 ? this.samplesAfter(this.nextChunk, most) : 0;
    this.reserve(got + (rest <= most ? rest : 0));
    const from = this.len;
    copySamples(scratch.t, scratch.v, got, this.t, this.v, from);
    this.len = this.decodedKept(from, from + got);
  }

  /** Drops the samples before `keep` (no longer needed) by moving the rest to the front. */
  private compact(): void {
    const k = this.keep;
    if (k === 0) return;
    this.t.copyWithin(0, k, this.len);
    this.v.copyWithin(0, k, this.len);
    this.rawCounts?.copyWithin(0, k, this.len);
    this.len -= k;
    this.a -= k;
    this.b -= k;
    this.keep = 0;
    this.offset += k;
  }

  /** Samples in the input's chunks from index k on, by their headers; counting stops once past `most` (a long read's many chunks are not summed). */
  private samplesAfter(k: number, most: number): number {
    const chunks = this.input.chunks;
    let n = 0;
    for (let i = k; i < chunks.count && n <= most; i++) n += chunks.numSamples(i);
    return n;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.t.length) return;
    this.compact();
    if (this.len + n <= this.t.length) return;
    // Cut from the scratch's slab (or a finished buffer's arrays), the first buffer is sized to the samples in range.
    const cap = Math.max(2 * this.t.length, this.len + n);
    const scratch = this.scratch();
    // No pair or view objects made per buffer: an instant call grows thousands of them once each.
    const spare = this.rawCounts === undefined && scratch.hasSpare(cap);
    const t = spare ? scratch.takeSpareT() : scratch.take(cap);
    const v = spare ? scratch.takeSpareV() : scratch.take(cap);
    if (this.len > 0) {
      t.set(this.t.subarray(0, this.len));
      v.set(this.v.subarray(0, this.len));
    }
    this.t = t;
    this.v = v;
    this.owned = true;
    if (this.rawCounts !== undefined) {
      const cum = scratch.take(cap);
      cum.set(this.rawCounts.subarray(0, this.len));
      this.rawCounts = cum;
    }
  }
}
