// Downsampling native histogram series, as Thanos does (pkg/compact/downsample): per window a count
// (XOR), a sum (FLOAT_HISTOGRAM: the window's histograms added up, a gauge) and a counter
// (FLOAT_HISTOGRAM: the reset-corrected running total since the series' first sample, taken at the
// window's end); no min or max. 1h windows are made from 5m ones the same way: counts add up, sums
// add up, the counter is run again over the 5m counter points. Windows are the float path's:
// left-open, stamped at their end, a chunk's last window at its last input time.
import {
  ChunkEncoding,
  CounterResetHint,
  FloatHistogramChunk,
  FloatHistogramChunkIterator,
  HistogramChunkIterator,
  XorChunk,
  XorChunkIterator,
  encodeAggrChunk,
  isStaleNaN,
  type AggrChunk,
  type Chunk,
  type NativeHistogram,
} from "../../../storeapi/index.js";
import type { FloatHistogram } from "../../../engine/index.js";
import type { BlockChunk } from "../block/writer.js";
import { WINDOWS_PER_CHUNK, windowStart } from "./windows.js";

/** Whether a series' chunks hold native histograms: raw histogram chunks, or aggregates with a histogram counter. */
export function isHistogramSeries(chunks: readonly AggrChunk[]): boolean {
  return chunks.some((c) => isHistogramChunk(c.raw ?? c.counter));
}

function isHistogramChunk(c: Chunk | undefined): boolean {
  return c !== undefined && (c.encoding === ChunkEncoding.Histogram || c.encoding === ChunkEncoding.FloatHistogram);
}

/** A histogram series as three streams: per point a count and a sum; counter points separately. */
/**
 * The engine's histogram arithmetic (one implementation for queries and downsampling), passed in
 * by the downsampler, which loads the engine only when it runs: a receiver never does.
 */
export interface HistogramEngine {
  readonly FloatHistogram: typeof FloatHistogram;
}

export interface HistogramInput {
  readonly t: number[];
  readonly count: number[];
  readonly sum: FloatHistogram[];
  readonly counterT: number[];
  readonly counter: FloatHistogram[];
}

/**
 * The input of a histogram series' chunks, sorted by time: raw chunks stand for themselves (count 1,
 * sum and counter the histogram; stale markers dropped), aggregate chunks give their sub-chunks. A
 * float chunk among them is not part of the histogram series (the float path takes it).
 */
export function histogramInput(chunks: readonly AggrChunk[], engine: HistogramEngine): HistogramInput {
  const counts: [number, number][] = [];
  const sums: [number, FloatHistogram][] = [];
  const counters: [number, FloatHistogram][] = [];
  for (const c of chunks) {
    if (c.raw !== undefined) {
      if (!isHistogramChunk(c.raw)) continue;
      for (const [t, h] of histograms(c.raw, engine)) {
        counts.push([t, 1]);
        sums.push([t, h]);
        counters.push([t, h]);
      }
      continue;
    }
    if (!isHistogramChunk(c.counter)) continue;
    if (c.count !== undefined) for (const p of floats(c.count)) counts.push(p);
    if (c.sum !== undefined) for (const p of histograms(c.sum, engine)) sums.push(p);
    for (const p of histograms(c.counter!, engine)) counters.push(p);
  }
  const byTime = <T>(xs: [number, T][]): [number, T][] => dedupe(xs.sort((a, b) => a[0] - b[0]));
  const c = byTime(counts);
  const s = new Map(byTime(sums));
  const k = byTime(counters);
  const t: number[] = [];
  const count: number[] = [];
  const sum: FloatHistogram[] = [];
  for (const [time, n] of c) {
    const h = s.get(time);
    if (h === undefined) continue;
    t.push(time);
    count.push(n);
    sum.push(h);
  }
  return { t, count, sum, counterT: k.map((p) => p[0]), counter: k.map((p) => p[1]) };
}

/** The first of every timestamp (chunks may overlap). */
function dedupe<T>(xs: [number, T][]): [number, T][] {
  return xs.filter((x, i) => i === 0 || xs[i - 1]![0] !== x[0]);
}

function* histograms(c: Chunk, engine: HistogramEngine): Generator<[number, FloatHistogram]> {
  const it = c.encoding === ChunkEncoding.Histogram ? new HistogramChunkIterator(c.data) : new FloatHistogramChunkIterator(c.data);
  while (it.next()) {
    const h = it.at();
    if (isStaleNaN(h.sum)) continue;
    yield [it.t, engine.FloatHistogram.fromNative(h)];
  }
  if (it.err !== undefined) throw new Error(`histogram chunk: ${it.err}`);
}

function* floats(c: Chunk): Generator<[number, number]> {
  const it = new XorChunkIterator(c.data);
  while (it.next()) yield [it.t, it.v];
}

/** The windows of a histogram series: per window its end, last input time, count, sum and counter. */
export interface HistogramWindows {
  readonly t: number[];
  readonly lastInput: number[];
  readonly count: number[];
  readonly sum: FloatHistogram[];
  readonly counter: FloatHistogram[];
}

/**
 * Aggregates a histogram series into windows of `res`. The counter adds each sample's increase over
 * the previous one, or the whole sample after a counter reset (a gauge histogram is never a reset),
 * so it only grows; a window's counter is its value after the window's last counter point.
 */
export function histogramWindows(input: HistogramInput, res: number): HistogramWindows {
  const w: HistogramWindows = { t: [], lastInput: [], count: [], sum: [], counter: [] };
  const starts: number[] = [];
  for (let i = 0; i < input.t.length; i++) {
    const start = windowStart(input.t[i]!, res);
    let k = starts.length - 1;
    if (k < 0 || starts[k] !== start) {
      starts.push(start);
      w.t.push(start + res);
      w.lastInput.push(0);
      w.count.push(0);
      w.sum.push(input.sum[i]!.copy());
      k++;
    } else {
      w.sum[k]!.add(input.sum[i]!);
    }
    w.lastInput[k] = input.t[i]!;
    w.count[k] += input.count[i]!;
  }
  const gauge = input.counter[0]?.counterResetHint === CounterResetHint.Gauge;
  let total: FloatHistogram | undefined;
  let prev: FloatHistogram | undefined;
  let k = 0;
  for (let i = 0; i < input.counter.length; i++) {
    const h = input.counter[i]!;
    if (total === undefined) total = h.copy();
    else if (!gauge && h.detectReset(prev!)) total.add(h);
    else {
      const increase = h.copy();
      increase.sub(prev!);
      total.add(increase);
    }
    prev = h;
    const start = windowStart(input.counterT[i]!, res);
    while (k < starts.length - 1 && starts[k]! < start) {
      w.counter[k] ??= total.copy();
      k++;
    }
    w.counter[k] = total.copy();
  }
  // Windows after the last counter point (or without one) carry the running total on.
  for (let j = 0; j < w.t.length; j++) w.counter[j] ??= (w.counter[j - 1] ?? w.sum[j]!).copy();
  return w;
}

/**
 * The windows as aggregate chunks of up to WINDOWS_PER_CHUNK windows (count, sum, counter); a chunk
 * ends early where a sub-chunk cannot take the next window (a schema or zero-threshold change).
 */
export function encodeHistogramWindows(w: HistogramWindows): BlockChunk[] {
  const out: BlockChunk[] = [];
  const gauge = w.counter[0]?.counterResetHint === CounterResetHint.Gauge;
  let open: OpenChunk | undefined;
  for (let k = 0; k < w.t.length; k++) {
    const chunkEnd = open === undefined ? k + WINDOWS_PER_CHUNK : open.first + WINDOWS_PER_CHUNK;
    const last = k === w.t.length - 1 || k === chunkEnd - 1;
    const t = last ? w.lastInput[k]! : w.t[k]!;
    const sum = asNative(w.sum[k]!, CounterResetHint.Gauge);
    const counter = asNative(w.counter[k]!, gauge ? CounterResetHint.Gauge : CounterResetHint.Unknown);
    if (open !== undefined && !open.append(t, w.count[k]!, sum, counter)) {
      out.push(open.finish());
      open = undefined;
    }
    if (open === undefined) {
      open = new OpenChunk(k);
      if (!open.append(t, w.count[k]!, sum, counter)) throw new Error(`window at ${t}: a fresh histogram chunk refused its first sample`);
    }
    if (last) {
      out.push(open.finish());
      open = undefined;
    }
  }
  return out;
}

function asNative(h: FloatHistogram, hint: CounterResetHint): NativeHistogram {
  const c = h.copy().compact(0);
  c.counterResetHint = hint;
  return c.toNative();
}

/** One aggregate chunk being filled window by window. */
class OpenChunk {
  private readonly count = new XorChunk();
  private readonly sum = new FloatHistogramChunk();
  private readonly counter = new FloatHistogramChunk();
  private minTime = Infinity;
  private maxTime = -Infinity;
  private layout: { schema: number; zeroThreshold: number } | undefined;

  constructor(readonly first: number) {}

  /** Appends one window to every sub-chunk, or nothing when a histogram sub-chunk would need a new chunk. */
  append(t: number, count: number, sum: NativeHistogram, counter: NativeHistogram): boolean {
    // A chunk keeps one schema and zero threshold; the sum is a gauge and the counter never falls, so nothing else cuts.
    this.layout ??= { schema: sum.schema, zeroThreshold: sum.zeroThreshold };
    const fits = (h: NativeHistogram): boolean => h.schema === this.layout!.schema && h.zeroThreshold === this.layout!.zeroThreshold;
    if (!fits(sum) || !fits(counter)) return false;
    if (!this.sum.append(t, sum) || !this.counter.append(t, counter)) throw new Error(`window at ${t}: a histogram sub-chunk refused a sample of its own layout`);
    this.count.append(t, count);
    this.minTime = Math.min(this.minTime, t);
    this.maxTime = Math.max(this.maxTime, t);
    return true;
  }

  finish(): BlockChunk {
    const part = (encoding: ChunkEncoding, bytes: Uint8Array): Chunk => ({ encoding, data: bytes.slice() });
    const data = encodeAggrChunk({
      count: part(ChunkEncoding.XOR, this.count.bytes()),
      sum: part(ChunkEncoding.FloatHistogram, this.sum.bytes()),
      counter: part(ChunkEncoding.FloatHistogram, this.counter.bytes()),
    });
    return { minTime: this.minTime, maxTime: this.maxTime, encoding: ChunkEncoding.Aggr, data };
  }
}
