// One series in the head: its interned labels, its closed (immutable) XOR chunks
// and the open chunk appended in place, plus the state appends are validated against.
import { ChunkEncoding, XOR_CHUNK_TARGET_SAMPLES, XorChunk } from "../../storeapi/index.js";
import type { AggrChunk, Labels } from "../../storeapi/index.js";

/** A chunk that takes no more samples: exact-size bytes and its time bounds. */
export interface ClosedChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly data: Uint8Array;
}

const NO_CHUNKS: readonly ClosedChunk[] = Object.freeze([]);

export class MemSeries {
  readonly id: number;
  readonly labels: Labels;
  readonly hash: number;
  /** Closed chunks, oldest first; shared frozen empty array until the first cut. */
  private closed: ClosedChunk[] = NO_CHUNKS as ClosedChunk[];
  private open: XorChunk | undefined = undefined;
  private openMinT = 0;
  private openMaxT = 0;
  /** The open chunk takes no samples at or after this time (a chunk-range boundary). */
  private openEnd = 0;
  /** Last accepted sample, committed or waiting for the WAL: what appends are checked against. */
  lastT = -Infinity;
  lastV = 0;
  /** Last sample committed to the chunks. */
  commitT = -Infinity;
  commitV = 0;

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
    if (this.closed.length > 0) return this.closed[0]!.minTime;
    return this.open !== undefined ? this.openMinT : Infinity;
  }

  /** Time of the newest sample held (-Infinity when empty). */
  maxTime(): number {
    if (this.open !== undefined) return this.openMaxT;
    return this.closed.length > 0 ? this.closed[this.closed.length - 1]!.maxTime : -Infinity;
  }

  chunkCount(): number {
    return this.closed.length + (this.open !== undefined ? 1 : 0);
  }

  /**
   * Appends a committed sample (already validated: t after the previous one). Cuts
   * the open chunk at 120 samples or at a chunk-range boundary. Returns the number of
   * bytes of the chunk it closed (0 when none), or -1 when it opened the first chunk.
   */
  append(t: number, v: number, chunkRange: number): number {
    let closedBytes = 0;
    let opened = false;
    if (this.open === undefined || this.open.numSamples() >= XOR_CHUNK_TARGET_SAMPLES || t >= this.openEnd) {
      if (this.open !== undefined) closedBytes = this.cut();
      else opened = true;
      this.open = new XorChunk(64);
      this.openMinT = t;
      this.openEnd = (Math.floor(t / chunkRange) + 1) * chunkRange;
    }
    this.open.append(t, v);
    this.openMaxT = t;
    this.commitT = t;
    this.commitV = v;
    return opened ? -1 : closedBytes;
  }

  /** Closes the open chunk into an exact-size copy; returns its byte size. */
  private cut(): number {
    const data = this.open!.bytes().slice();
    const chunk = { minTime: this.openMinT, maxTime: this.openMaxT, data };
    // Readers copy the list (chunksIn), so growing it in place is safe.
    if (this.closed === NO_CHUNKS) this.closed = [chunk];
    else this.closed.push(chunk);
    this.open = undefined;
    return data.length;
  }

  /** Whether any chunk overlaps [mint, maxt]. */
  hasDataIn(mint: number, maxt: number): boolean {
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) return true;
    for (const c of this.closed) if (c.maxTime >= mint && c.minTime <= maxt) return true;
    return false;
  }

  /**
   * Chunks overlapping [mint, maxt], oldest first. The open chunk is a copy of its
   * bytes, so appends after this call do not change what the reader holds.
   */
  chunksIn(mint: number, maxt: number): AggrChunk[] {
    const out: AggrChunk[] = [];
    for (const c of this.closed) {
      if (c.maxTime < mint || c.minTime > maxt) continue;
      out.push({ minTime: c.minTime, maxTime: c.maxTime, raw: { encoding: ChunkEncoding.XOR, data: c.data } });
    }
    if (this.open !== undefined && this.openMaxT >= mint && this.openMinT <= maxt) {
      const data = this.open.bytes().slice();
      out.push({ minTime: this.openMinT, maxTime: this.openMaxT, raw: { encoding: ChunkEncoding.XOR, data } });
    }
    return out;
  }

  /**
   * Drops chunks whose samples are all before mint (the open one too, when the series
   * has had nothing newer: otherwise dead series would stay forever). Returns
   * { chunks, bytes } dropped.
   */
  truncateBefore(mint: number): { chunks: number; bytes: number } {
    let keepFrom = 0;
    let bytes = 0;
    while (keepFrom < this.closed.length && this.closed[keepFrom]!.maxTime < mint) {
      bytes += this.closed[keepFrom]!.data.length;
      keepFrom++;
    }
    let chunks = keepFrom;
    if (keepFrom > 0) this.closed = keepFrom === this.closed.length ? (NO_CHUNKS as ClosedChunk[]) : this.closed.slice(keepFrom);
    if (this.open !== undefined && this.openMaxT < mint && !this.pending) {
      this.open = undefined;
      chunks++;
    }
    return { chunks, bytes };
  }

  /** Bytes held in the open chunk (for the memory estimate). */
  openBytes(): number {
    return this.open !== undefined ? this.open.bytes().length : 0;
  }
}
