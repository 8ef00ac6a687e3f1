// One series in the head: its interned labels, its closed (immutable) XOR chunks
// and the open chunk appended in place, plus the state appends are validated against.
import {
  ChunkEncoding,
  CounterResetHint,
  FloatHistogramChunk,
  type FloatBits,
  HISTOGRAM_CHUNK_MIN_SAMPLES,
  HISTOGRAM_CHUNK_TARGET_BYTES,
  HistogramChunk,
  XOR_CHUNK_TARGET_SAMPLES,
  XOR_SLOT_DOUBLES,
  XorChunk,
  type XorChunkSnapshot,
  decodeXorChunk,
  gapWordWithSample,
  isStaleNaN,
  xorChunkNumSamples,
} from "../../storeapi/index.js";
import type { AggrChunk, Chunk, DecodedChunkSamples, Labels, NativeHistogram } from "../../storeapi/index.js";
import type { ChunkArena } from "./arena.js";
import { ARRAY_OBJECT_BYTES, SERIES_EXTRAS_BYTES, SERIES_OBJECT_BYTES, TYPED_ARRAY_OBJECT_BYTES } from "./heap-sizes.js";

/**
 * Numbers per closed chunk in MemSeries.closed: minTime, maxTime, arena handle, byte length, its
 * sample count × 8 + encoding (so counting samples reads no chunk bytes in the arena), and its
 * longest gap between samples (Chunk.maxGap).
 */
const META = 6;

function countAndEncoding(samples: number, encoding: ChunkEncoding): number {
  return samples * 8 + encoding;
}

function encodingAt(c: readonly number[], i: number): ChunkEncoding {
  return (c[i + 4]! & 7) as ChunkEncoding;
}

function samplesAt(c: readonly number[], i: number): number {
  return c[i + 4]! >>> 3;
}

/** The open chunk: an XOR chunk's buffer (its appender state in the series' slot), or a histogram chunk. */
type OpenChunk = Uint8Array | HistogramChunk | FloatHistogramChunk;

function encodingOf(c: OpenChunk): ChunkEncoding {
  if (c instanceof Uint8Array) return ChunkEncoding.XOR;
  return c instanceof HistogramChunk ? ChunkEncoding.Histogram : ChunkEncoding.FloatHistogram;
}
const NO_CHUNKS: readonly number[] = Object.freeze([]);
/** Bytes a new open XOR chunk starts with, in a block shared with other series' (ChunkArena). */
const OPEN_CHUNK_FIRST_BYTES = 64;

/** Bytes of the largest and of the first ByteSlab block, and the largest copy served from one. */
const SLAB_BYTES = 1 << 16;
const SLAB_FIRST_BYTES = 1 << 10;
const SLAB_MAX_COPY = 4096;

/**
 * Samples of a series' end (its open XOR chunk and the one before) the head keeps decoded once a
 * read has asked for them: 64 cover a 10-minute window at a 10 s scrape interval (a 5-minute
 * lookback at 5 s), for 1 KiB a series.
 */
export const TAIL_SAMPLES = 64;
/**
 * Heap bytes of a tail's Float64Array and ArrayBuffer objects beside its data bytes, and of the
 * SeriesExtras object holding it (80; measured on Node 20).
 */
export const TAIL_OBJECT_BYTES = 270;

/** Ring index of the k-th held tail sample counted from the oldest (at ring index `oldest`). */
function ringSlot(oldest: number, k: number): number {
  const i = oldest + k;
  return i < TAIL_SAMPLES ? i : i - TAIL_SAMPLES;
}

/** Copies small byte arrays (and float columns) into shared blocks: one allocation per 64 KiB instead of one per copy. */
export class ByteSlab {
  private block = new Uint8Array(0);
  private used = 0;
  /** Blocks start small and double: a read of one series (a rule's) should not zero 64 KiB. */
  private nextBlock = SLAB_FIRST_BYTES;
  private floatBlock = new Float64Array(0);
  private floatsUsed = 0;
  private nextFloatBlock = SLAB_FIRST_BYTES / 8;
  /** Where a chunk is decoded to fill a series' tail (the chunk's samples, at most 65535). */
  decodeT = new Float64Array(XOR_CHUNK_TARGET_SAMPLES);
  decodeV = new Float64Array(XOR_CHUNK_TARGET_SAMPLES);

  /** An uninitialised Float64Array of n elements (n ≤ TAIL_SAMPLES) cut from a shared block. */
  floats(n: number): Float64Array {
    if (this.floatsUsed + n > this.floatBlock.length) {
      this.floatBlock = new Float64Array(Math.max(n, this.nextFloatBlock));
      this.nextFloatBlock = Math.min(SLAB_BYTES / 8, 2 * this.nextFloatBlock);
      this.floatsUsed = 0;
    }
    const out = this.floatBlock.subarray(this.floatsUsed, this.floatsUsed + n);
    this.floatsUsed += n;
    return out;
  }

  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > SLAB_MAX_COPY) return bytes.slice();
    const at = this.reserve(bytes.length);
    const out = this.block.subarray(at, at + bytes.length);
    out.set(bytes);
    return out;
  }

  /** Where n zero bytes, never handed out again, start in `current` (a view of them would be one more object). */
  reserve(n: number): number {
    if (this.used + n > this.block.length) {
      this.block = new Uint8Array(Math.max(n, this.nextBlock));
      this.nextBlock = Math.min(SLAB_BYTES, 2 * this.nextBlock);
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** The block reserve() cut from last. */
  get current(): Uint8Array {
    return this.block;
  }
}

/**
 * The open XOR chunk as a read found it, with the read's samples decoded from the tail: a reader
 * of those (the engine) never needs the bytes, so they are copied only when asked for.
 */
class OpenXorChunkRead implements Chunk {
  readonly encoding = ChunkEncoding.XOR;

  constructor(
    private readonly snapshot: XorChunkSnapshot,
    readonly decoded: DecodedChunkSamples,
    /** Where the bytes are copied to when asked for (the read's shared blocks). */
    private readonly copies: ByteSlab,
    readonly maxGap: number,
  ) {}

  get data(): Uint8Array {
    return this.snapshot.bytes(this.copies);
  }
}

/** A series' doubles in its SeriesFloats slot, by offset. */
const LAST_T = 0;
const LAST_V = 1;
const COMMIT_T = 2;
const COMMIT_V = 3;
const OPEN_MIN_T = 4;
const OPEN_MAX_T = 5;
const OPEN_END = 6;
/** The open chunk's longest gap between samples so far (Chunk.maxGap). */
const OPEN_GAP = 7;
const ID = 8;
const HASH = 9;
const RANK = 10;
/** The open XOR chunk's appender state (XorChunk.saveTo). */
const XOR = 11;
const FLOATS_PER_SERIES = XOR + XOR_SLOT_DOUBLES;

/** Slots in a SeriesFloats' first page; each next page doubles, up to the last size. */
const FIRST_PAGE_SLOTS = 64;
const LAST_PAGE_SLOTS = 8192;

/**
 * Every series' times and values, id, hash, rank and open XOR chunk state in shared Float64Array
 * pages, a slot of FLOATS_PER_SERIES doubles each: as fields of the series object each would be 8
 * bytes (a time or value a HeapNumber of its own besides) for the scavenger to copy when series are
 * created. Pages are never copied or moved (a series keeps a reference to its own); a removed
 * series' slot is handed out again.
 */
export class SeriesFloats {
  private page: Float64Array = new Float64Array(0);
  private used = 0;
  private nextSlots: number;
  private readonly freedPages: Float64Array[] = [];
  private readonly freedAt: number[] = [];
  /** The page of the slot take() returned last. */
  taken: Float64Array = this.page;
  /** Slots in every page made so far. */
  slots = 0;

  constructor(firstPageSlots = FIRST_PAGE_SLOTS) {
    this.nextSlots = Math.max(1, firstPageSlots);
  }

  /** A slot's offset in `taken`, its doubles set to a new series' starting values. */
  take(): number {
    let at: number;
    if (this.freedAt.length > 0) {
      at = this.freedAt.pop()!;
      this.taken = this.freedPages.pop()!;
    } else {
      if (this.used === this.page.length) {
        this.page = new Float64Array(this.nextSlots * FLOATS_PER_SERIES);
        this.slots += this.nextSlots;
        this.nextSlots = Math.min(LAST_PAGE_SLOTS, 2 * this.nextSlots);
        this.used = 0;
      }
      at = this.used;
      this.used += FLOATS_PER_SERIES;
      this.taken = this.page;
    }
    const v = this.taken;
    v[at + LAST_T] = -Infinity;
    v[at + LAST_V] = 0;
    v[at + COMMIT_T] = -Infinity;
    v[at + COMMIT_V] = 0;
    v[at + OPEN_MIN_T] = 0;
    v[at + OPEN_MAX_T] = 0;
    v[at + OPEN_END] = 0;
    v[at + OPEN_GAP] = 0;
    v[at + RANK] = -1;
    return at;
  }

  /** Bytes of every page made (for the memory estimate). */
  allocatedBytes(): number {
    return this.slots * FLOATS_PER_SERIES * 8;
  }

  release(page: Float64Array, at: number): void {
    this.freedPages.push(page);
    this.freedAt.push(at);
  }
}

/**
 * What few series have: start timestamps, histograms, a decoded tail. Kept apart so a series object
 * stays small (every field is 8 bytes the young-generation collector copies, twice, for each new series).
 */
class SeriesExtras {
  /**
   * Start timestamps beside the chunk bytes (which stay Prometheus's encodings): per closed chunk
   * (by index, undefined for one without) and for the open chunk's samples, 0 for none. Both stay
   * undefined until the series gets its first start timestamp.
   */
  closedSt: (Float64Array | undefined)[] | undefined = undefined;
  openSt: number[] | undefined = undefined;
  /**
   * The series' last samples, decoded: a ring of TAIL_SAMPLES timestamps then as many values,
   * created by the first read that can use it (chunksIn), kept up by append after that, across
   * cuts from one XOR chunk to the next (so a read over a cut is served too).
   */
  tail: Float64Array | undefined = undefined;
  /** Samples the ring holds (at most TAIL_SAMPLES), and the slot the next one goes to. */
  tailCount = 0;
  tailNext = 0;
  /** The last accepted sample's histogram (undefined when it was a float). */
  lastH: NativeHistogram | undefined = undefined;
  /** The last committed sample's histogram (undefined when it was a float). */
  commitH: NativeHistogram | undefined = undefined;
}

export class MemSeries {
  readonly labels: Labels;
  /** Closed chunks, oldest first, META numbers each; their bytes live in the head's arena. */
  private closed: number[] = NO_CHUNKS as number[];
  private open: OpenChunk | undefined = undefined;
  /** Where its numbers are (lastT … rank): a page of the head's SeriesFloats, or its own once removed. */
  private page: Float64Array;
  private at: number;
  /** The head state holding the series; undefined once removed (a handle of it is then refused). */
  owner: object | undefined = undefined;
  private extra: SeriesExtras | undefined = undefined;

  constructor(id: number, labels: Labels, hash: number, floats: SeriesFloats = new SeriesFloats(1)) {
    this.labels = labels;
    this.at = floats.take();
    this.page = floats.taken;
    this.page[this.at + ID] = id;
    this.page[this.at + HASH] = hash;
  }

  /** Its id, the WAL's ref for it. */
  get id(): number {
    return this.page[this.at + ID]!;
  }

  /** Its label-set hash (seriesHashKey). */
  get hash(): number {
    return this.page[this.at + HASH]!;
  }

  /** Its place in the head's label order at the last ranking (LabelOrder); -1 until it is ranked. */
  get labelRank(): number {
    return this.page[this.at + RANK]!;
  }
  set labelRank(rank: number) {
    this.page[this.at + RANK] = rank;
  }

  /** The last accepted sample's histogram (undefined when it was a float). */
  get lastH(): NativeHistogram | undefined {
    return this.extra?.lastH;
  }
  set lastH(h: NativeHistogram | undefined) {
    if (h !== undefined || this.extra !== undefined) this.extras().lastH = h;
  }

  /** The last committed sample's histogram (undefined when it was a float). */
  get commitH(): NativeHistogram | undefined {
    return this.extra?.commitH;
  }
  set commitH(h: NativeHistogram | undefined) {
    if (h !== undefined || this.extra !== undefined) this.extras().commitH = h;
  }

  private get closedSt(): (Float64Array | undefined)[] | undefined {
    return this.extra?.closedSt;
  }
  private set closedSt(st: (Float64Array | undefined)[] | undefined) {
    if (st !== undefined || this.extra !== undefined) this.extras().closedSt = st;
  }
  private get openSt(): number[] | undefined {
    return this.extra?.openSt;
  }
  private set openSt(st: number[] | undefined) {
    if (st !== undefined || this.extra !== undefined) this.extras().openSt = st;
  }
  private get tail(): Float64Array | undefined {
    return this.extra?.tail;
  }
  private set tail(ring: Float64Array | undefined) {
    if (ring !== undefined || this.extra !== undefined) this.extras().tail = ring;
  }
  private get tailCount(): number {
    return this.extra?.tailCount ?? 0;
  }
  private set tailCount(n: number) {
    this.extras().tailCount = n;
  }
  private get tailNext(): number {
    return this.extra?.tailNext ?? 0;
  }
  private set tailNext(n: number) {
    this.extras().tailNext = n;
  }

  private extras(): SeriesExtras {
    return (this.extra ??= new SeriesExtras());
  }

  /** Its WAL ref (the id): a series is its own WAL series record. */
  get ref(): number {
    return this.id;
  }

  /** Last accepted sample, committed or waiting for the WAL: what appends are checked against. */
  get lastT(): number {
    return this.page[this.at + LAST_T]!;
  }
  set lastT(t: number) {
    this.page[this.at + LAST_T] = t;
  }
  get lastV(): number {
    return this.page[this.at + LAST_V]!;
  }
  set lastV(v: number) {
    this.page[this.at + LAST_V] = v;
  }
  /** Last sample committed to the chunks. */
  get commitT(): number {
    return this.page[this.at + COMMIT_T]!;
  }
  set commitT(t: number) {
    this.page[this.at + COMMIT_T] = t;
  }
  get commitV(): number {
    return this.page[this.at + COMMIT_V]!;
  }
  set commitV(v: number) {
    this.page[this.at + COMMIT_V] = v;
  }
  private get openMinT(): number {
    return this.page[this.at + OPEN_MIN_T]!;
  }
  private set openMinT(t: number) {
    this.page[this.at + OPEN_MIN_T] = t;
  }
  private get openMaxT(): number {
    return this.page[this.at + OPEN_MAX_T]!;
  }
  private set openMaxT(t: number) {
    this.page[this.at + OPEN_MAX_T] = t;
  }
  private get openGap(): number {
    return this.page[this.at + OPEN_GAP]!;
  }
  private set openGap(gap: number) {
    this.page[this.at + OPEN_GAP] = gap;
  }
  /** The open chunk takes no samples at or after this time (a chunk-range boundary). */
  private get openEnd(): number {
    return this.page[this.at + OPEN_END]!;
  }
  private set openEnd(t: number) {
    this.page[this.at + OPEN_END] = t;
  }

  /** Moves its doubles to an array of its own, freeing its slot in `floats`: it is leaving the head, though readers may still hold it. */
  detachFloats(floats: SeriesFloats): void {
    const own = this.page.slice(this.at, this.at + FLOATS_PER_SERIES);
    floats.release(this.page, this.at);
    this.page = own;
    this.at = 0;
  }

  /** Whether accepted samples are waiting for the WAL before they are committed. */
  get pending(): boolean {
    return this.lastT !== this.commitT;
  }

  /** Whether the series holds no samples. */
  get empty(): boolean {
    return this.open === undefined && this.closed.length === 0;
  }

  /** Time of the oldest sample held (Infinity when empty). */
  minTime(): number {
    if (this.closed.length > 0) return this.closed[0]!;
    return this.open !== undefined ? this.openMinT : Infinity;
  }

  /** Time of the newest sample held (-Infinity when empty). */
  maxTime(): number {
    if (this.open !== undefined) return this.openMaxT;
    return this.closed.length > 0 ? this.closed[this.closed.length - META + 1]! : -Infinity;
  }

  chunkCount(): number {
    return this.closed.length / META + (this.open !== undefined ? 1 : 0);
  }

  /**
   * Appends a committed sample (already validated: t after the previous one). Cuts
   * the open chunk at 120 samples or at a chunk-range boundary. Returns the number of
   * bytes of the chunk it closed (0 when none), or -1 when it opened the first chunk.
   */
  append(t: number, v: number, chunkRange: number, arena: ChunkArena, appender: XorChunk, st = 0): number {
    let closedBytes = 0;
    let opened = false;
    const open = this.open;
    const continues = open instanceof Uint8Array && XorChunk.savedSamples(this.page, this.at + XOR) < XOR_CHUNK_TARGET_SAMPLES && t < this.openEnd;
    if (continues) appender.loadFrom(open, this.page, this.at + XOR);
    else {
      if (open !== undefined) closedBytes = this.cut(arena);
      else opened = true;
      const at = arena.reserveOpenChunkBytes(OPEN_CHUNK_FIRST_BYTES);
      appender.reset(OPEN_CHUNK_FIRST_BYTES, arena.openChunkBlock(), at);
      this.startChunk(appender.saveTo(this.page, this.at + XOR), t, chunkRange);
    }
    const sinceLast = continues ? t - this.openMaxT : 0;
    appender.append(t, v);
    this.open = appender.saveTo(this.page, this.at + XOR);
    this.openGap = gapWordWithSample(this.openGap, sinceLast, v !== v && isStaleNaN(v, appender.scratch));
    if (this.tail !== undefined) this.pushTail(t, v);
    this.noteStartTimestamp(st);
    this.openMaxT = t;
    this.commitT = t;
    this.commitV = v;
    this.commitH = undefined;
    return opened ? -1 : closedBytes;
  }

  /**
   * Appends a committed histogram sample (validated: t after the previous one). Cuts the open chunk
   * where Prometheus's head does: a change of kind, a chunk-range boundary, about 1 KiB (but not below
   * 10 samples), or a sample the chunk refuses (counter reset, schema or zero-threshold change, …),
   * with the counter-reset header the chunk codec says the new chunk gets. Returns as append does.
   */
  appendHistogram(t: number, h: NativeHistogram, chunkRange: number, arena: ChunkArena, st = 0): number {
    const open = this.open;
    const sameKind = h.float ? open instanceof FloatHistogramChunk : open instanceof HistogramChunk;
    let closedBytes = 0;
    let header = CounterResetHint.Unknown;
    if (sameKind) {
      const chunk = open as HistogramChunk | FloatHistogramChunk;
      const full = chunk.numSamples() >= HISTOGRAM_CHUNK_MIN_SAMPLES && chunk.bytes().length >= HISTOGRAM_CHUNK_TARGET_BYTES;
      if (!full && t < this.openEnd && chunk.append(t, h)) {
        this.noteStartTimestamp(st);
        this.committedHistogram(t, h);
        return 0;
      }
      header = full || t >= this.openEnd ? chunk.nextChunkHeader(h) : chunk.cutHeader;
    }
    if (open !== undefined) closedBytes = this.cut(arena);
    const chunk = h.float ? new FloatHistogramChunk() : new HistogramChunk();
    this.startChunk(chunk, t, chunkRange);
    chunk.append(t, h);
    this.noteStartTimestamp(st);
    if (header !== CounterResetHint.Unknown) chunk.setCounterResetHeader(header);
    this.committedHistogram(t, h);
    return open === undefined ? -1 : closedBytes;
  }

  /** Records the start timestamp of the sample just appended to the open chunk. */
  private noteStartTimestamp(st: number): void {
    if (this.openSt !== undefined) this.openSt.push(st);
    else if (st !== 0) {
      this.openSt = new Array<number>(this.openSamples() - 1).fill(0);
      this.openSt.push(st);
    }
  }

  private startChunk(chunk: OpenChunk, t: number, chunkRange: number): void {
    this.open = chunk;
    this.openSt = undefined;
    // An XOR chunk after an XOR chunk keeps the ring: it goes on across the cut (reads over the cut use it).
    if (!(chunk instanceof Uint8Array)) this.tail = undefined;
    this.openMinT = t;
    this.openEnd = (Math.floor(t / chunkRange) + 1) * chunkRange;
    // Tracked for XOR chunks only: a histogram chunk is never read for presence alone.
    this.openGap = chunk instanceof Uint8Array ? 0 : Infinity;
  }

  private committedHistogram(t: number, h: NativeHistogram): void {
    this.openMaxT = t;
    this.commitT = t;
    this.commitV = 0;
    this.commitH = h;
  }

  /** Moves the open chunk's bytes into the arena; returns their size. */
  private cut(arena: ChunkArena): number {
    const bytes = this.openBytesView();
    const handle = arena.store(bytes);
    if (this.openSt !== undefined || this.closedSt !== undefined) {
      this.closedSt ??= new Array<Float64Array | undefined>(this.closed.length / META);
      this.closedSt.push(this.openSt === undefined ? undefined : Float64Array.from(this.openSt));
    }
    const meta = countAndEncoding(this.openSamples(), encodingOf(this.open!));
    // The first chunk's list is made to size (pushed onto an empty one it would get room for 17
    // numbers: ~90 bytes a series); readers copy what they need (chunksIn), so growing it in place is safe.
    if (this.closed === NO_CHUNKS) this.closed = [this.openMinT, this.openMaxT, handle, bytes.length, meta, this.openGap];
    else this.closed.push(this.openMinT, this.openMaxT, handle, bytes.length, meta, this.openGap);
    this.open = undefined;
    this.openSt = undefined;
    return bytes.length;
  }

  /** Whether any chunk overlaps [mint, maxt]. */
  hasDataIn(mint: number, maxt: number): boolean {
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) return true;
    const c = this.closed;
    for (let i = this.firstClosedEndingFrom(mint); i < c.length; i += META) if (c[i]! <= maxt) return true;
    return false;
  }

  /**
   * Offset in `closed` of the first chunk ending at or after mint (closed.length when none). Chunks
   * are in time order and reads are mostly near now: counted back from the newest.
   */
  private firstClosedEndingFrom(mint: number): number {
    const c = this.closed;
    let i = c.length;
    while (i > 0 && c[i - META + 1]! >= mint) i -= META;
    return i;
  }

  /** Samples in the chunks overlapping [mint, maxt] (whole chunks, as chunksIn returns them), from the counts kept beside them. */
  samplesIn(mint: number, maxt: number): number {
    let n = 0;
    const c = this.closed;
    for (let i = this.firstClosedEndingFrom(mint); i < c.length; i += META) {
      if (c[i]! > maxt) break;
      n += samplesAt(c, i);
    }
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) n += this.openSamples();
    return n;
  }

  /**
   * Chunks overlapping [mint, maxt], oldest first. The open chunk is a copy of its
   * bytes, so appends after this call do not change what the reader holds. With
   * `decodeTail`, each XOR chunk whose samples in range the tail holds also carries
   * them decoded (see tailFor). With `latestOnly` (the read takes only the newest sample in range),
   * a series whose newest sample is in range gives just the open chunk, carrying that sample alone.
   */
  chunksIn(mint: number, maxt: number, arena: ChunkArena, copies: ByteSlab = new ByteSlab(), decodeTail = false, latestOnly = false): AggrChunk[] {
    if (latestOnly) {
      const newest = this.newestIn(mint, maxt, copies);
      if (newest !== undefined) return [newest];
    }
    const out: AggrChunk[] = [];
    const c = this.closed;
    const openInRange = this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt;
    const tail = decodeTail && openInRange ? this.tailFor(mint, arena, copies) : false;
    for (let i = this.firstClosedEndingFrom(mint); i < c.length; i += META) {
      const minTime = c[i]!;
      const maxTime = c[i + 1]!;
      if (minTime > maxt) break;
      const startTimestamps = this.closedSt?.[i / META];
      const encoding = encodingAt(c, i);
      if (startTimestamps !== undefined) out.push({ minTime, maxTime, raw: { encoding, data: arena.view(c[i + 2]!, c[i + 3]!), startTimestamps } });
      else {
        const decoded = tail && encoding === ChunkEncoding.XOR ? this.tailSamples(minTime, maxTime, mint, maxt, copies) : undefined;
        const maxGap = c[i + 5]!;
        const raw = decoded === undefined ? arena.chunk(c[i + 2]!, c[i + 3]!, encoding, maxGap) : { encoding, data: arena.view(c[i + 2]!, c[i + 3]!), decoded, maxGap };
        out.push({ minTime, maxTime, raw });
      }
    }
    if (openInRange) out.push({ minTime: this.openMinT, maxTime: this.openMaxT, raw: this.openChunk(mint, maxt, copies, tail) });
    return out;
  }

  /**
   * The open XOR chunk carrying only the newest committed sample, when that is in [mint, maxt]
   * (then nothing older can be the newest in range); undefined otherwise. No ring, no decoding.
   */
  private newestIn(mint: number, maxt: number, copies: ByteSlab): AggrChunk | undefined {
    const open = this.open;
    const t = this.commitT;
    if (!(open instanceof Uint8Array) || this.openSt !== undefined || this.commitH !== undefined || t < mint || t > maxt || t !== this.openMaxT) return undefined;
    const ts = copies.floats(1);
    const vs = copies.floats(1);
    ts[0] = t;
    vs[0] = this.commitV;
    return { minTime: this.openMinT, maxTime: this.openMaxT, raw: new OpenXorChunkRead(XorChunk.savedSnapshot(open, this.page, this.at + XOR), { minTime: mint, maxTime: maxt, t: ts, v: vs }, copies, this.openGap) };
  }

  /**
   * A copy of the open chunk (later appends must not change what the reader holds). With
   * `tail` (tailFor said the ring may serve), the copy also carries the samples in
   * [mint, maxt] decoded when the ring holds them all, so a read near now decodes nothing.
   */
  private openChunk(mint: number, maxt: number, copies: ByteSlab, tail: boolean): Chunk {
    const open = this.open!;
    const encoding = encodingOf(open);
    if (this.openSt !== undefined) return { encoding, data: copies.copy(this.openBytesView()), startTimestamps: Float64Array.from(this.openSt) };
    const decoded = tail ? this.tailSamples(this.openMinT, this.openMaxT, mint, maxt, copies) : undefined;
    if (decoded !== undefined && open instanceof Uint8Array) return new OpenXorChunkRead(XorChunk.savedSnapshot(open, this.page, this.at + XOR), decoded, copies, this.openGap);
    return { encoding, data: copies.copy(this.openBytesView()), maxGap: this.openGap };
  }

  /**
   * Whether the ring may hold a read from mint on, making it (by decoding the open chunk, and the
   * chunk before when the open one is short) for a read that starts inside the open chunk or,
   * with a short open chunk, inside the chunk before it.
   */
  private tailFor(mint: number, arena: ChunkArena, copies: ByteSlab): boolean {
    const open = this.open;
    if (!(open instanceof Uint8Array) || this.openSt !== undefined) return false;
    if (this.tail !== undefined) return true;
    const prev = this.previousXorChunk(arena);
    const n = this.openSamples();
    const reaches = mint > this.openMinT || (prev !== undefined && n < TAIL_SAMPLES && mint > prev.minTime);
    if (!reaches) return false;
    this.tail = new Float64Array(2 * TAIL_SAMPLES);
    this.tailCount = 0;
    this.tailNext = 0;
    if (prev !== undefined && n < TAIL_SAMPLES) this.pushLastOf(prev.data, TAIL_SAMPLES - n, copies);
    this.pushLastOf(this.openBytesView(), TAIL_SAMPLES, copies);
    return true;
  }

  /** The newest closed chunk when it is XOR without start timestamps (its samples come right before the open chunk's). */
  private previousXorChunk(arena: ChunkArena): { minTime: number; data: Uint8Array } | undefined {
    const c = this.closed;
    const i = c.length - META;
    if (i < 0 || encodingAt(c, i) !== ChunkEncoding.XOR || this.closedSt?.[i / META] !== undefined) return undefined;
    return { minTime: c[i]!, data: arena.view(c[i + 2]!, c[i + 3]!) };
  }

  /**
   * A chunk's samples in [mint, maxt] (the chunk spanning [chunkMin, chunkMax]) from the ring, or
   * undefined when some may be missing. The ring holds every sample from its oldest on (appends
   * across cuts included), so nothing is missing when that one is before mint or at most the chunk's first.
   */
  private tailSamples(chunkMin: number, chunkMax: number, mint: number, maxt: number, copies: ByteSlab): DecodedChunkSamples | undefined {
    const ring = this.tail!;
    const count = this.tailCount;
    const oldest = (this.tailNext - count + TAIL_SAMPLES) % TAIL_SAMPLES;
    if (count === 0 || !(ring[oldest]! < mint || ring[oldest]! <= chunkMin)) return undefined;
    const lo = Math.max(mint, chunkMin);
    const hi = Math.min(maxt, chunkMax);
    let to = count;
    while (to > 0 && ring[ringSlot(oldest, to - 1)]! > hi) to--;
    let from = to;
    while (from > 0 && ring[ringSlot(oldest, from - 1)]! >= lo) from--;
    const t = copies.floats(to - from);
    const v = copies.floats(to - from);
    for (let k = from; k < to; k++) {
      const slot = ringSlot(oldest, k);
      t[k - from] = ring[slot]!;
      v[k - from] = ring[TAIL_SAMPLES + slot]!;
    }
    return { minTime: mint, maxTime: maxt, t, v };
  }

  /** Decodes a chunk and pushes its last `most` samples onto the ring. */
  private pushLastOf(bytes: Uint8Array, most: number, copies: ByteSlab): void {
    const n = xorChunkNumSamples(bytes);
    if (copies.decodeT.length < n) {
      copies.decodeT = new Float64Array(n);
      copies.decodeV = new Float64Array(n);
    }
    decodeXorChunk(bytes, -Infinity, Infinity, copies.decodeT, copies.decodeV, 0);
    for (let k = Math.max(0, n - most); k < n; k++) this.pushTail(copies.decodeT[k]!, copies.decodeV[k]!);
  }

  private pushTail(t: number, v: number): void {
    const ring = this.tail!;
    ring[this.tailNext] = t;
    ring[TAIL_SAMPLES + this.tailNext] = v;
    this.tailNext = (this.tailNext + 1) % TAIL_SAMPLES;
    if (this.tailCount < TAIL_SAMPLES) this.tailCount++;
  }

  /**
   * Drops chunks whose samples are all before mint (the open one too, when the series
   * has had nothing newer: otherwise dead series would stay forever). Returns
   * { chunks, bytes } dropped (bytes: of closed chunks).
   */
  truncateBefore(mint: number, arena: ChunkArena): { chunks: number; bytes: number } {
    const c = this.closed;
    let keepFrom = 0;
    let bytes = 0;
    while (keepFrom < c.length && c[keepFrom + 1]! < mint) {
      arena.free(c[keepFrom + 2]!, c[keepFrom + 3]!);
      bytes += c[keepFrom + 3]!;
      keepFrom += META;
    }
    let chunks = keepFrom / META;
    if (keepFrom > 0) this.closed = keepFrom === c.length ? (NO_CHUNKS as number[]) : c.slice(keepFrom);
    if (chunks > 0 && this.closedSt !== undefined) this.closedSt = this.closedSt.slice(chunks);
    if (this.open !== undefined && this.openMaxT < mint && !this.pending) {
      this.open = undefined;
      this.openSt = undefined;
      this.tail = undefined;
      chunks++;
    }
    return { chunks, bytes };
  }

  /**
   * Bytes this series holds on its own (for the memory estimate): its object, its label and
   * closed-chunk lists, its open chunk's room and its extras and decoded tail. Its slot, its closed
   * chunks' bytes and its index entries are the head's (HeadState.memoryBytes).
   */
  residentBytes(): number {
    let n = SERIES_OBJECT_BYTES + ARRAY_OBJECT_BYTES + 8 * this.labels.length;
    if (this.closed !== NO_CHUNKS) n += ARRAY_OBJECT_BYTES + 8 * this.closed.length;
    if (this.open !== undefined) n += this.openRoomBytes();
    if (this.tail !== undefined) n += this.tail.byteLength + TAIL_OBJECT_BYTES;
    else if (this.extra !== undefined) n += SERIES_EXTRAS_BYTES;
    return n;
  }

  /**
   * The open chunk's room. One that outgrew its part of a shared block (ChunkArena) has a buffer of
   * its own, whose objects count too, and the part it left stays until the whole block goes.
   */
  private openRoomBytes(): number {
    const open = this.open!;
    if (!(open instanceof Uint8Array)) return open.bytes().length + TYPED_ARRAY_OBJECT_BYTES;
    const room = XorChunk.savedRoom(this.page, this.at + XOR);
    return open.byteLength === room ? room + TYPED_ARRAY_OBJECT_BYTES + OPEN_CHUNK_FIRST_BYTES : room;
  }

  /** Samples in the open chunk (there must be one). */
  private openSamples(): number {
    const open = this.open!;
    return open instanceof Uint8Array ? XorChunk.savedSamples(this.page, this.at + XOR) : open.numSamples();
  }

  /** The open chunk's bytes (there must be one): a view, valid until the next append. */
  private openBytesView(): Uint8Array {
    const open = this.open!;
    return open instanceof Uint8Array ? XorChunk.savedBytes(open, this.page, this.at + XOR) : open.bytes();
  }
}
