// What Prometheus's histogram and float-histogram appenders share (tsdb/chunkenc histogram.go,
// float_histogram.go): the 3-byte header (2-byte sample count, counter-reset header bits), the layout
// written by the first sample, and the rules for a sample whose buckets differ from the chunk's —
// append, recode the chunk to the union layout, or ask for a new chunk.
import type { HistogramSpan, NativeHistogram } from "../histogram.js";
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA } from "../histogram.js";
import { BitReader, BitWriter } from "./bstream.js";
import { FloatBits, STALE_NAN, isStaleNaN } from "./float-bits.js";
import {
  BUCKET_RESET,
  MISSING_EMPTY_BUCKETS,
  NEW_BUCKETS,
  compareBuckets,
  countSpans,
  customBoundsMatch,
  histogramShapeError,
  mapBuckets,
  readLayout,
  spanIndexes,
  unionSpans,
  writeLayout,
  type HistogramLayout,
} from "./histogram-layout.js";

export const HISTOGRAM_HEADER_BYTES = 3;
const FLAG_BYTE = 2;
const MAX_SAMPLES = 0xffff;

/** Prometheus's head cuts a histogram chunk near this size (chunkenc.TargetBytesPerHistogramChunk)… */
export const HISTOGRAM_CHUNK_TARGET_BYTES = 1024;
/** …but not before it holds this many samples (chunkenc.MinSamplesPerHistogramChunk). */
export const HISTOGRAM_CHUNK_MIN_SAMPLES = 10;

const EMPTY_LAYOUT: HistogramLayout = {
  schema: 0,
  zeroThreshold: 0,
  positiveSpans: [],
  negativeSpans: [],
  customValues: undefined,
};
const NO_INDEXES = new Int32Array(0);

/** The counter-reset header bits (top two bits of byte 2) for a hint: 10 reset, 01 not reset, 11 gauge. */
function headerBits(hint: CounterResetHint): number {
  switch (hint) {
    case CounterResetHint.CounterReset:
      return 0x80;
    case CounterResetHint.NotCounterReset:
      return 0x40;
    case CounterResetHint.Gauge:
      return 0xc0;
    default:
      return 0;
  }
}

/** The counter-reset header of histogram chunk bytes. */
export function histogramChunkHeader(bytes: Uint8Array): CounterResetHint {
  return headerFromFlags(bytes[FLAG_BYTE] ?? 0);
}

function headerFromFlags(flags: number): CounterResetHint {
  switch (flags >>> 6) {
    case 2:
      return CounterResetHint.CounterReset;
    case 1:
      return CounterResetHint.NotCounterReset;
    case 3:
      return CounterResetHint.Gauge;
    default:
      return CounterResetHint.Unknown;
  }
}

/** Sample count of a histogram chunk, from its header. */
export function histogramChunkNumSamples(bytes: Uint8Array): number {
  return bytes.length < 2 ? 0 : (bytes[0]! << 8) | bytes[1]!;
}

/**
 * Why histogram chunk bytes cannot be what their header claims (shorter than the header, bytes after a zero
 * count, or too short for one sample), or undefined. A cheap check for chunks from other processes.
 */
export function histogramChunkHeaderError(bytes: Uint8Array): string | undefined {
  if (bytes.length < HISTOGRAM_HEADER_BYTES) return `${bytes.length} bytes, shorter than the ${HISTOGRAM_HEADER_BYTES}-byte header`;
  const n = histogramChunkNumSamples(bytes);
  if (n === 0) return bytes.length === HISTOGRAM_HEADER_BYTES ? undefined : `header says 0 samples but ${bytes.length - HISTOGRAM_HEADER_BYTES} bytes follow`;
  // Fewest bits: a 1-byte zero threshold, 1-bit schema and span counts, then 1-bit t, count, zero count and a 64-bit sum.
  const minBytes = HISTOGRAM_HEADER_BYTES + Math.ceil((8 + 3 + 3 + 64) / 8);
  if (bytes.length < minBytes) return `header says ${n} samples but only ${bytes.length} bytes (at least ${minBytes} needed)`;
  return undefined;
}

/** Why a new sample cannot go into the chunk (Prometheus's appendable outcomes). */
export const enum Refusal {
  None = 0,
  /** A counter reset: count, zero count or a used bucket went down, custom bounds changed, or the hint says so. */
  Reset = 1,
  /** Schema or zero threshold changed, or a sample follows a stale marker: reset unknown. */
  Unknown = 2,
  /** A counter histogram after gauge histograms. */
  GaugeChunk = 3,
}

/** A decoded sample kept for recoding. */
interface Decoded {
  readonly t: number;
  readonly h: NativeHistogram;
}

/**
 * The appender half shared by HistogramChunk and FloatHistogramChunk. append() returns false when
 * Prometheus would cut a new chunk; `cutHeader` then holds the counter-reset header that chunk gets.
 */
export abstract class HistogramChunkBase {
  protected readonly w: BitWriter;
  protected readonly fb = new FloatBits();
  protected n = 0;
  protected layout: HistogramLayout = EMPTY_LAYOUT;
  protected pIdx: Int32Array = NO_INDEXES;
  protected nIdx: Int32Array = NO_INDEXES;
  /** The last sample's absolute bucket counts, aligned with the layout (what appendable compares). */
  protected pLast = new Float64Array(0);
  protected nLast = new Float64Array(0);
  protected lastT = 0;
  protected lastCount = 0;
  protected lastZeroCount = 0;
  protected lastStale = false;
  /** After append() returned false: the counter-reset header of the chunk to cut. */
  cutHeader: CounterResetHint = CounterResetHint.Unknown;
  private pScratch = new Float64Array(0);
  private nScratch = new Float64Array(0);

  constructor(capacity: number) {
    this.w = new BitWriter(HISTOGRAM_HEADER_BYTES, capacity);
  }

  protected abstract readonly isFloat: boolean;
  /** Writes the first sample's fields (after the layout) and starts the per-field state. */
  protected abstract encodeFirst(t: number, count: number, zeroCount: number, sum: number, p: Float64Array, n: Float64Array): void;
  /** Writes a later sample; p/n are ignored for a stale marker (no buckets are written). */
  protected abstract encodeNext(t: number, count: number, zeroCount: number, sum: number, stale: boolean, p: Float64Array, n: Float64Array): void;
  /** Decodes this chunk's own samples (for recoding). */
  protected abstract decodeOwn(): Decoded[];
  /** The header a chunk cut for refusal `r` gets (Prometheus's int and float appenders differ here). */
  protected abstract headerOnRefusal(r: Refusal): CounterResetHint;
  /** The header a chunk the head cuts (size or time) gets when it starts with a sample that met refusal `r` here. */
  protected abstract headerAfter(r: Refusal): CounterResetHint;

  numSamples(): number {
    return this.n;
  }

  /** The chunk's bytes: a view, valid until the next append. */
  bytes(): Uint8Array {
    return this.w.bytes();
  }

  /** Timestamp of the last sample (undefined when empty). */
  lastTime(): number | undefined {
    return this.n === 0 ? undefined : this.lastT;
  }

  /** The last sample's total count (undefined when empty). */
  lastSampleCount(): number | undefined {
    return this.n === 0 ? undefined : this.lastCount;
  }

  counterResetHeader(): CounterResetHint {
    return headerFromFlags(this.w.byteAt(FLAG_BYTE));
  }

  setCounterResetHeader(hint: CounterResetHint): void {
    this.w.setByte(FLAG_BYTE, (this.w.byteAt(FLAG_BYTE) & 0x3f) | headerBits(hint));
  }

  /**
   * The counter-reset header of a chunk that a head cuts after this one (for size or time) and starts with h:
   * Prometheus's AppendHistogram with a previous appender.
   */
  nextChunkHeader(h: NativeHistogram): CounterResetHint {
    if (h.counterResetHint === CounterResetHint.Gauge) return CounterResetHint.Gauge;
    if (h.counterResetHint === CounterResetHint.CounterReset) return CounterResetHint.CounterReset;
    return this.headerAfter(this.refusal(h));
  }

  /**
   * Appends h at t. Returns false, appending nothing, when Prometheus would cut a new chunk (counter reset,
   * schema or zero-threshold change, gauge/counter switch, a sample after a stale marker); `cutHeader` then
   * says the new chunk's header. New buckets recode the chunk in place to the union layout, as Prometheus does.
   * Throws RangeError on a malformed histogram, a timestamp before the last, or a full chunk.
   */
  append(t: number, h: NativeHistogram): boolean {
    if (!Number.isSafeInteger(t)) throw new RangeError(`histogram chunk: timestamp ${t} is not a safe integer`);
    if (this.n >= MAX_SAMPLES) throw new RangeError("histogram chunk: chunk is full (65535 samples)");
    if (this.n > 0 && t < this.lastT) {
      throw new RangeError(`histogram chunk: timestamp ${t} is before the previous sample's ${this.lastT}`);
    }
    const stale = isStaleNaN(h.sum, this.fb);
    if (!stale) this.checkShape(h);
    if (this.n === 0) {
      this.startWith(t, h, stale);
      return true;
    }
    if (h.counterResetHint === CounterResetHint.Gauge) return this.appendGauge(t, h, stale);
    const r = this.refusal(h);
    if (r !== Refusal.None) {
      this.cutHeader = this.headerOnRefusal(r);
      return false;
    }
    if (stale) {
      this.put(t, 0, 0, h.sum, true, this.pLast, this.nLast);
      return true;
    }
    if (this.sameLayout(h)) {
      this.put(t, h.count, h.zeroCount, h.sum, false, toFloat64(h.positiveBuckets, this.pScratch), toFloat64(h.negativeBuckets, this.nScratch));
      return true;
    }
    const hp = spanIndexes(h.positiveSpans);
    const hn = spanIndexes(h.negativeSpans);
    const pCmp = compareBuckets(this.pIdx, this.pLast, hp, h.positiveBuckets, false);
    const nCmp = compareBuckets(this.nIdx, this.nLast, hn, h.negativeBuckets, false);
    if (((pCmp | nCmp) & NEW_BUCKETS) !== 0) {
      // Prometheus: backward inserts adjust h's spans per side (canonical union), then the chunk is recoded to h's spans.
      const anyBackward = ((pCmp | nCmp) & MISSING_EMPTY_BUCKETS) !== 0;
      const pSpans = anyBackward && (pCmp & MISSING_EMPTY_BUCKETS) !== 0 ? unionSpans(this.pIdx, hp) : h.positiveSpans;
      const nSpans = anyBackward && (nCmp & MISSING_EMPTY_BUCKETS) !== 0 ? unionSpans(this.nIdx, hn) : h.negativeSpans;
      this.recode(pSpans, nSpans);
    }
    this.putMapped(t, h, hp, hn);
    return true;
  }

  private checkShape(h: NativeHistogram): void {
    if (h.float !== this.isFloat) {
      throw new RangeError(`histogram chunk: a ${h.float ? "float" : "integer"} histogram cannot go into a ${this.isFloat ? "FLOAT_HISTOGRAM" : "HISTOGRAM"} chunk`);
    }
    const err = histogramShapeError(h);
    if (err !== undefined) throw new RangeError(`histogram chunk: ${err}`);
  }

  /** Prometheus's appendable (counter histograms): why h cannot join this chunk, or None. */
  private refusal(h: NativeHistogram): Refusal {
    if (this.n > 0 && this.counterResetHeader() === CounterResetHint.Gauge) return Refusal.GaugeChunk;
    if (h.counterResetHint === CounterResetHint.CounterReset) return Refusal.Reset;
    if (isStaleNaN(h.sum, this.fb)) return Refusal.None;
    if (this.lastStale) return Refusal.Unknown;
    if (h.count < this.lastCount) return Refusal.Reset;
    if (h.schema !== this.layout.schema || h.zeroThreshold !== this.layout.zeroThreshold) return Refusal.Unknown;
    if (h.schema === CUSTOM_BUCKETS_SCHEMA && !customBoundsMatch(h.customValues, this.layout.customValues)) return Refusal.Reset;
    if (h.zeroCount < this.lastZeroCount) return Refusal.Reset;
    if (this.sameLayout(h)) {
      // The common case, without allocating: bucket by bucket in layout order.
      return anyDecrease(this.pLast, h.positiveBuckets) || anyDecrease(this.nLast, h.negativeBuckets) ? Refusal.Reset : Refusal.None;
    }
    const hp = spanIndexes(h.positiveSpans);
    if (compareBuckets(this.pIdx, this.pLast, hp, h.positiveBuckets, true) === BUCKET_RESET) return Refusal.Reset;
    const hn = spanIndexes(h.negativeSpans);
    if (compareBuckets(this.nIdx, this.nLast, hn, h.negativeBuckets, true) === BUCKET_RESET) return Refusal.Reset;
    return Refusal.None;
  }

  /** Whether h's spans are the chunk's, span for span. */
  private sameLayout(h: NativeHistogram): boolean {
    return sameSpans(h.positiveSpans, this.layout.positiveSpans) && sameSpans(h.negativeSpans, this.layout.negativeSpans);
  }

  /** Prometheus's appendableGauge: any bucket change merges layouts; schema, threshold, bounds or kind cut. */
  private appendGauge(t: number, h: NativeHistogram, stale: boolean): boolean {
    const refused =
      this.counterResetHeader() !== CounterResetHint.Gauge ||
      (!stale &&
        (this.lastStale ||
          h.schema !== this.layout.schema ||
          h.zeroThreshold !== this.layout.zeroThreshold ||
          (h.schema === CUSTOM_BUCKETS_SCHEMA && !customBoundsMatch(h.customValues, this.layout.customValues))));
    if (refused) {
      this.cutHeader = CounterResetHint.Gauge;
      return false;
    }
    if (stale) {
      this.put(t, 0, 0, h.sum, true, this.pLast, this.nLast);
      return true;
    }
    const hp = spanIndexes(h.positiveSpans);
    const hn = spanIndexes(h.negativeSpans);
    const pCmp = compareBuckets(this.pIdx, this.pLast, hp, h.positiveBuckets, false);
    const nCmp = compareBuckets(this.nIdx, this.nLast, hn, h.negativeBuckets, false);
    if (((pCmp | nCmp) & NEW_BUCKETS) !== 0) {
      // Prometheus: with backward inserts h takes the merged (canonical) spans on both sides before recoding.
      const anyBackward = ((pCmp | nCmp) & MISSING_EMPTY_BUCKETS) !== 0;
      this.recode(anyBackward ? unionSpans(this.pIdx, hp) : h.positiveSpans, anyBackward ? unionSpans(this.nIdx, hn) : h.negativeSpans);
    }
    this.putMapped(t, h, hp, hn);
    return true;
  }

  /** The first sample: sets the layout and, from h's hint, a gauge or counter-reset header. */
  private startWith(t: number, h: NativeHistogram, stale: boolean): void {
    this.setLayout(
      stale
        ? EMPTY_LAYOUT
        : {
            schema: h.schema,
            zeroThreshold: h.zeroThreshold,
            positiveSpans: copySpans(h.positiveSpans),
            negativeSpans: copySpans(h.negativeSpans),
            customValues: h.schema === CUSTOM_BUCKETS_SCHEMA ? [...(h.customValues ?? [])] : undefined,
          },
    );
    if (stale) this.put(t, 0, 0, h.sum, true, this.pLast, this.nLast);
    else this.put(t, h.count, h.zeroCount, h.sum, false, toFloat64(h.positiveBuckets, this.pLast), toFloat64(h.negativeBuckets, this.nLast));
    if (h.counterResetHint === CounterResetHint.Gauge) this.setCounterResetHeader(CounterResetHint.Gauge);
    else if (h.counterResetHint === CounterResetHint.CounterReset) this.setCounterResetHeader(CounterResetHint.CounterReset);
  }

  private setLayout(l: HistogramLayout): void {
    this.layout = l;
    this.pIdx = spanIndexes(l.positiveSpans);
    this.nIdx = spanIndexes(l.negativeSpans);
    this.pLast = new Float64Array(this.pIdx.length);
    this.nLast = new Float64Array(this.nIdx.length);
    this.pScratch = new Float64Array(this.pIdx.length);
    this.nScratch = new Float64Array(this.nIdx.length);
  }

  /** Appends h with its buckets placed on the chunk's layout (missing buckets 0). */
  private putMapped(t: number, h: NativeHistogram, hp: Int32Array, hn: Int32Array): void {
    mapBuckets(hp, h.positiveBuckets, this.pIdx, this.pScratch);
    mapBuckets(hn, h.negativeBuckets, this.nIdx, this.nScratch);
    this.put(t, h.count, h.zeroCount, h.sum, false, this.pScratch, this.nScratch);
  }

  /** Re-encodes every sample on a new layout with the given spans (a superset of the old buckets). */
  private recode(pSpans: readonly HistogramSpan[], nSpans: readonly HistogramSpan[]): void {
    const old = this.decodeOwn();
    const oldP = this.pIdx;
    const oldN = this.nIdx;
    const flags = this.w.byteAt(FLAG_BYTE);
    this.w.reset(HISTOGRAM_HEADER_BYTES);
    this.w.setByte(FLAG_BYTE, flags);
    this.n = 0;
    this.setLayout({ ...this.layout, positiveSpans: copySpans(pSpans), negativeSpans: copySpans(nSpans) });
    for (const { t, h } of old) {
      if (isStaleNaN(h.sum, this.fb)) {
        this.put(t, 0, 0, h.sum, true, this.pLast, this.nLast);
        continue;
      }
      mapBuckets(oldP, h.positiveBuckets, this.pIdx, this.pScratch);
      mapBuckets(oldN, h.negativeBuckets, this.nIdx, this.nScratch);
      this.put(t, h.count, h.zeroCount, h.sum, false, this.pScratch, this.nScratch);
    }
  }

  /** Encodes one sample (a stale marker: zero counts, no buckets) and updates the header and state. */
  private put(t: number, count: number, zeroCount: number, sum: number, stale: boolean, p: Float64Array, n: Float64Array): void {
    if (this.n === 0) {
      writeLayout(this.w, stale ? EMPTY_LAYOUT : this.layout, this.fb);
      if (stale) this.setLayout(EMPTY_LAYOUT);
      this.encodeFirst(t, count, zeroCount, sum, stale ? this.pLast : p, stale ? this.nLast : n);
    } else {
      this.encodeNext(t, count, zeroCount, sum, stale, p, n);
    }
    this.n++;
    this.w.setByte(0, this.n >>> 8);
    this.w.setByte(1, this.n & 0xff);
    this.lastT = t;
    this.lastCount = count;
    this.lastZeroCount = zeroCount;
    this.lastStale = stale;
    if (!stale) {
      if (p !== this.pLast) this.pLast.set(p);
      if (n !== this.nLast) this.nLast.set(n);
    }
  }
}

function sameSpans(a: readonly HistogramSpan[], b: readonly HistogramSpan[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.offset !== b[i]!.offset || a[i]!.length !== b[i]!.length) return false;
  return true;
}

function anyDecrease(last: Float64Array, now: readonly number[]): boolean {
  for (let i = 0; i < last.length; i++) if (last[i]! > now[i]!) return true;
  return false;
}

function copySpans(spans: readonly HistogramSpan[]): HistogramSpan[] {
  return spans.map((s) => ({ offset: s.offset, length: s.length }));
}

function toFloat64(values: readonly number[], out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = values[i]!;
  return out;
}

/**
 * The reader half shared by both iterators: header, layout, and the decoded sample as typed arrays.
 * next() then t; count, zeroCount, sum and the bucket arrays are valid until the next call; at() copies.
 */
export abstract class HistogramIteratorBase {
  /** Timestamp of the current sample (ms). */
  t = 0;
  count = 0;
  zeroCount = 0;
  sum = 0;
  /** Why iteration stopped early, when the chunk is corrupt. */
  err: string | undefined = undefined;
  /** Absolute counts of the current sample's buckets, in layout order (first numPositive / numNegative). */
  positiveBuckets = new Float64Array(0);
  negativeBuckets = new Float64Array(0);
  protected readonly r = new BitReader();
  protected readonly fb = new FloatBits();
  protected layout: HistogramLayout = EMPTY_LAYOUT;
  protected total = 0;
  protected read = 0;
  protected header: CounterResetHint = CounterResetHint.Unknown;
  protected abstract readonly isFloat: boolean;

  constructor(bytes: Uint8Array) {
    this.reset(bytes);
  }

  /** Restarts on new chunk bytes, reusing this iterator. */
  reset(bytes: Uint8Array): void {
    this.err = bytes.length < HISTOGRAM_HEADER_BYTES ? `histogram chunk shorter than its ${HISTOGRAM_HEADER_BYTES}-byte header` : undefined;
    this.total = histogramChunkNumSamples(bytes);
    this.header = histogramChunkHeader(bytes);
    this.r.reset(bytes, HISTOGRAM_HEADER_BYTES);
    this.read = 0;
    this.t = 0;
    this.layout = EMPTY_LAYOUT;
    this.resetState();
  }

  protected abstract resetState(): void;
  /** Reads the first sample's fields after the layout; buckets sized by the caller. */
  protected abstract readFirst(): void;
  protected abstract readNext(): void;

  numSamples(): number {
    return this.total;
  }

  /** The chunk's counter-reset header. */
  counterResetHeader(): CounterResetHint {
    return this.header;
  }

  numPositive(): number {
    return this.positiveBuckets.length;
  }

  numNegative(): number {
    return this.negativeBuckets.length;
  }

  /** Whether the current sample is a stale marker. */
  isStale(): boolean {
    return isStaleNaN(this.sum, this.fb);
  }

  /** The current sample's hint as Prometheus's iterators give it: gauge, else unknown for the first, not-reset after. */
  hint(): CounterResetHint {
    if (this.header === CounterResetHint.Gauge) return CounterResetHint.Gauge;
    return this.read > 1 ? CounterResetHint.NotCounterReset : CounterResetHint.Unknown;
  }

  /** Advances to the first sample at or after t (staying put if already there). */
  seek(t: number): boolean {
    if (this.read > 0 && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  /** Advances to the next sample; false at the end or on corrupt data (see err). */
  next(): boolean {
    if (this.read >= this.total || this.err !== undefined) return false;
    if (this.read === 0) {
      const layout = readLayout(this.r, this.fb);
      if (typeof layout === "string") return this.fail(layout);
      this.layout = layout;
      this.positiveBuckets = new Float64Array(countSpans(layout.positiveSpans));
      this.negativeBuckets = new Float64Array(countSpans(layout.negativeSpans));
      this.readFirst();
    } else {
      this.readNext();
    }
    if (this.r.err !== undefined) return this.fail(this.r.err);
    this.read++;
    return true;
  }

  private fail(reason: string): boolean {
    this.err = `${reason} (${this.isFloat ? "float histogram" : "histogram"} sample ${this.read} of ${this.total})`;
    return false;
  }

  /**
   * The current sample as a NativeHistogram: a fresh object with its own bucket arrays; spans and custom values
   * are the chunk layout's, shared by every sample of the chunk (read-only). A stale marker has no buckets.
   */
  at(): NativeHistogram {
    const hint = this.hint();
    if (this.isStale()) {
      return { ...EMPTY_LAYOUT, float: this.isFloat, counterResetHint: hint, count: 0, zeroCount: 0, sum: STALE_NAN, positiveBuckets: [], negativeBuckets: [], customValues: undefined };
    }
    const l = this.layout;
    const h: NativeHistogram = {
      float: this.isFloat,
      counterResetHint: hint,
      schema: l.schema,
      zeroThreshold: l.zeroThreshold,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      positiveSpans: l.positiveSpans,
      positiveBuckets: Array.from(this.positiveBuckets),
      negativeSpans: l.negativeSpans,
      negativeBuckets: Array.from(this.negativeBuckets),
      ...(l.customValues !== undefined ? { customValues: l.customValues } : {}),
    };
    return h;
  }
}
