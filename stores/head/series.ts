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
  XorChunk,
  xorChunkNumSamples,
} from "../../storeapi/index.js";
import type { AggrChunk, Labels, NativeHistogram } from "../../storeapi/index.js";
import type { ChunkArena } from "./arena.js";

/** Numbers per closed chunk in MemSeries.closed: minTime, maxTime, arena handle, byte length, encoding. */
const META = 5;

type OpenChunk = XorChunk | HistogramChunk | FloatHistogramChunk;

function encodingOf(c: OpenChunk): ChunkEncoding {
  if (c instanceof XorChunk) return ChunkEncoding.XOR;
  return c instanceof HistogramChunk ? ChunkEncoding.Histogram : ChunkEncoding.FloatHistogram;
}
const NO_CHUNKS: readonly number[] = Object.freeze([]);

/** Bytes of the largest and of the first ByteSlab block, and the largest copy served from one. */
const SLAB_BYTES = 1 << 16;
const SLAB_FIRST_BYTES = 1 << 10;
const SLAB_MAX_COPY = 4096;

/** Copies small byte arrays into shared blocks: one allocation per 64 KiB instead of one per copy. */
export class ByteSlab {
  private block = new Uint8Array(0);
  private used = 0;
  /** Blocks start small and double: a read of one series (a rule's) should not zero 64 KiB. */
  private nextBlock = SLAB_FIRST_BYTES;

  copy(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (n > SLAB_MAX_COPY) return bytes.slice();
    if (this.used + n > this.block.length) {
      this.block = new Uint8Array(Math.max(n, this.nextBlock));
      this.nextBlock = Math.min(SLAB_BYTES, 2 * this.nextBlock);
      this.used = 0;
    }
    const out = this.block.subarray(this.used, this.used + n);
    out.set(bytes);
    this.used += n;
    return out;
  }
}

export class MemSeries {
  readonly id: number;
  readonly labels: Labels;
  readonly hash: number;
  /** Closed chunks, oldest first, META numbers each; their bytes live in the head's arena. */
  private closed: number[] = NO_CHUNKS as number[];
  private open: OpenChunk | undefined = undefined;
  private openMinT = 0;
  private openMaxT = 0;
  /** The open chunk takes no samples at or after this time (a chunk-range boundary). */
  private openEnd = 0;
  /**
   * Start timestamps beside the chunk bytes (which stay Prometheus's encodings): per closed chunk
   * (by index, undefined for one without) and for the open chunk's samples, 0 for none. Both stay
   * undefined until the series gets its first start timestamp.
   */
  private closedSt: (Float64Array | undefined)[] | undefined = undefined;
  private openSt: number[] | undefined = undefined;
  /** Last accepted sample, committed or waiting for the WAL: what appends are checked against. */
  lastT = -Infinity;
  lastV = 0;
  /** The last accepted sample's histogram (undefined when it was a float). */
  lastH: NativeHistogram | undefined = undefined;
  /** The head state holding the series; undefined once removed (a handle of it is then refused). */
  owner: object | undefined = undefined;
  /** Last sample committed to the chunks. */
  commitT = -Infinity;
  commitV = 0;
  commitH: NativeHistogram | undefined = undefined;

  constructor(id: number, labels: Labels, hash: number) {
    this.id = id;
    this.labels = labels;
    this.hash = hash;
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
  append(t: number, v: number, chunkRange: number, arena: ChunkArena, scratch: FloatBits, st = 0): number {
    let closedBytes = 0;
    let opened = false;
    const open = this.open;
    if (!(open instanceof XorChunk) || open.numSamples() >= XOR_CHUNK_TARGET_SAMPLES || t >= this.openEnd) {
      if (open !== undefined) closedBytes = this.cut(arena);
      else opened = true;
      this.startChunk(new XorChunk(64, scratch), t, chunkRange);
    }
    (this.open as XorChunk).append(t, v);
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
      this.openSt = new Array<number>(this.open!.numSamples() - 1).fill(0);
      this.openSt.push(st);
    }
  }

  private startChunk(chunk: OpenChunk, t: number, chunkRange: number): void {
    this.open = chunk;
    this.openSt = undefined;
    this.openMinT = t;
    this.openEnd = (Math.floor(t / chunkRange) + 1) * chunkRange;
  }

  private committedHistogram(t: number, h: NativeHistogram): void {
    this.openMaxT = t;
    this.commitT = t;
    this.commitV = 0;
    this.commitH = h;
  }

  /** Moves the open chunk's bytes into the arena; returns their size. */
  private cut(arena: ChunkArena): number {
    const bytes = this.open!.bytes();
    const handle = arena.store(bytes);
    // Readers copy what they need (chunksIn), so growing the list in place is safe.
    if (this.closed === NO_CHUNKS) this.closed = [];
    if (this.openSt !== undefined || this.closedSt !== undefined) {
      this.closedSt ??= new Array<Float64Array | undefined>(this.closed.length / META);
      this.closedSt.push(this.openSt === undefined ? undefined : Float64Array.from(this.openSt));
    }
    this.closed.push(this.openMinT, this.openMaxT, handle, bytes.length, encodingOf(this.open!));
    this.open = undefined;
    this.openSt = undefined;
    return bytes.length;
  }

  /** Whether any chunk overlaps [mint, maxt]. */
  hasDataIn(mint: number, maxt: number): boolean {
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) return true;
    const c = this.closed;
    for (let i = 0; i < c.length; i += META) if (c[i + 1]! >= mint && c[i]! <= maxt) return true;
    return false;
  }

  /** Samples in the chunks overlapping [mint, maxt] (whole chunks, as chunksIn returns them), from their headers. */
  samplesIn(mint: number, maxt: number, arena: ChunkArena): number {
    let n = 0;
    const c = this.closed;
    for (let i = 0; i < c.length; i += META) {
      if (c[i + 1]! < mint || c[i]! > maxt) continue;
      n += xorChunkNumSamples(arena.view(c[i + 2]!, c[i + 3]!));
    }
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) n += this.open.numSamples();
    return n;
  }

  /**
   * Chunks overlapping [mint, maxt], oldest first. The open chunk is a copy of its
   * bytes, so appends after this call do not change what the reader holds.
   */
  chunksIn(mint: number, maxt: number, arena: ChunkArena, copies: ByteSlab = new ByteSlab()): AggrChunk[] {
    const out: AggrChunk[] = [];
    const c = this.closed;
    for (let i = 0; i < c.length; i += META) {
      const minTime = c[i]!;
      const maxTime = c[i + 1]!;
      if (maxTime < mint || minTime > maxt) continue;
      const data = arena.view(c[i + 2]!, c[i + 3]!);
      const startTimestamps = this.closedSt?.[i / META];
      const encoding = c[i + 4]! as ChunkEncoding;
      out.push({ minTime, maxTime, raw: startTimestamps === undefined ? { encoding, data } : { encoding, data, startTimestamps } });
    }
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) {
      const data = copies.copy(this.open.bytes());
      const encoding = encodingOf(this.open);
      // A copy, as the bytes are: later appends must not change what the reader holds.
      const raw = this.openSt === undefined ? { encoding, data } : { encoding, data, startTimestamps: Float64Array.from(this.openSt) };
      out.push({ minTime: this.openMinT, maxTime: this.openMaxT, raw });
    }
    return out;
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
      chunks++;
    }
    return { chunks, bytes };
  }

  /** Bytes held in the open chunk (for the memory estimate). */
  openBytes(): number {
    return this.open !== undefined ? this.open.bytes().length : 0;
  }
}
