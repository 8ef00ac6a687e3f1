// Cuts one series' histogram samples into chunks where Prometheus's head does
// (tsdb/head_append.go: memSeries.histogramsAppendPreprocessor, then the appender's AppendHistogram).
import { CounterResetHint, type NativeHistogram } from "../histogram.js";
import { FloatHistogramChunk } from "./float-histogram.js";
import { HISTOGRAM_CHUNK_MIN_SAMPLES, HISTOGRAM_CHUNK_TARGET_BYTES, type HistogramChunkBase } from "./histogram-chunk.js";
import { HistogramChunk } from "./histogram.js";

/** Prometheus's default head chunk range (the block range, 2h). */
export const DEFAULT_CHUNK_RANGE_MS = 2 * 60 * 60 * 1000;

/** A histogram chunk with its time bounds. `chunk` may still grow (and be recoded) while it is the open one. */
export interface CutHistogramChunk {
  readonly chunk: HistogramChunk | FloatHistogramChunk;
  minTime: number;
  maxTime: number;
}

/** Prometheus's rangeForTimestamp: the end of the chunk range holding t. */
function rangeEnd(t: number, width: number): number {
  return Math.trunc(t / width) * width + width;
}

/** Prometheus's computeChunkEndTime: spread the rest of the range evenly over chunks this full. */
function chunkEndTime(start: number, cur: number, maxT: number, ratioToFull: number): number {
  const n = (maxT - start) / ((cur - start + 1) * ratioToFull);
  if (n <= 1) return maxT;
  return Math.trunc(start + (maxT - start) / Math.floor(n));
}

/**
 * Appends a series' histogram samples, cutting chunks as the head does: on a change of kind (integer/float),
 * when the appender refuses the sample (counter reset, schema change, …), and by size — near 1024 bytes, aiming
 * at even chunks within the chunk range, never before 10 samples unless the range ends — or at the range end.
 */
export class HistogramChunkCutter {
  /** Every chunk so far, the open one last. */
  readonly chunks: CutHistogramChunk[] = [];
  private open: CutHistogramChunk | undefined;
  private nextAt = 0;
  private endComputed = false;

  constructor(private readonly chunkRange: number = DEFAULT_CHUNK_RANGE_MS) {}

  /** Ends the open chunk: the next histogram starts a fresh one with no previous appender (a float sample came between). */
  interrupt(): void {
    this.open = undefined;
  }

  /** Appends h at t; false (nothing stored) when t is not after the last sample, as the head ignores it. */
  append(t: number, h: NativeHistogram): boolean {
    const prev = this.open;
    if (prev !== undefined && t <= prev.maxTime) return false;
    let c = prev;
    let created = false;
    if (c === undefined || c.chunk instanceof FloatHistogramChunk !== h.float) {
      c = this.cut(t, h);
      created = true;
    } else {
      const numBytes = c.chunk.bytes().length;
      if (!this.endComputed && numBytes >= HISTOGRAM_CHUNK_TARGET_BYTES / 4) {
        this.nextAt = chunkEndTime(c.minTime, c.maxTime, this.nextAt, HISTOGRAM_CHUNK_TARGET_BYTES / numBytes);
        this.endComputed = true;
      }
      // The minimum sample count gives way when the chunk range ends first.
      const rangeStart = this.endComputed ? rangeEnd(c.minTime, this.chunkRange) : this.nextAt;
      if ((t >= this.nextAt || numBytes >= HISTOGRAM_CHUNK_TARGET_BYTES * 2) && (c.chunk.numSamples() >= HISTOGRAM_CHUNK_MIN_SAMPLES || t >= rangeStart)) {
        c = this.cut(t, h);
        created = true;
      }
    }
    if (created) {
      this.endComputed = false;
      c.chunk.append(t, h);
      // A chunk the head cut continues the previous appender's counter: its header says whether h reset it.
      if (prev !== undefined && h.counterResetHint !== CounterResetHint.Gauge && prev.chunk instanceof FloatHistogramChunk === h.float) {
        c.chunk.setCounterResetHeader(prev.chunk.nextChunkHeader(h));
      }
    } else if (!c.chunk.append(t, h)) {
      const header = c.chunk.cutHeader;
      c = this.cut(t, h);
      c.chunk.append(t, h);
      c.chunk.setCounterResetHeader(header);
    }
    c.maxTime = t;
    return true;
  }

  private cut(t: number, h: NativeHistogram): CutHistogramChunk {
    const chunk: HistogramChunkBase = h.float ? new FloatHistogramChunk() : new HistogramChunk();
    const c: CutHistogramChunk = { chunk: chunk as HistogramChunk | FloatHistogramChunk, minTime: t, maxTime: t };
    this.chunks.push(c);
    this.open = c;
    this.nextAt = rangeEnd(t, this.chunkRange);
    return c;
  }
}
