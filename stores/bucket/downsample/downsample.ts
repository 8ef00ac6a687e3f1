// Downsampling a block (Thanos's compactor step): every series' samples in windows of the target
// resolution become five aggregates per window — count, sum, min, max at the window's end, and a
// counter — written as Thanos aggregate chunks into a new block with thanos.downsample.resolution.
//
// The counter aggregate is a subset of the raw samples at their own times and raw values: each
// window's first and last sample and both samples around every counter reset, then Thanos's repeat
// of the last timestamp with the last raw value. Read as a counter (by Thanos's reader or ours) it
// gives the reset-corrected increase between any two of its points exactly, so rate()/increase()
// over window-aligned ranges see the true first and last samples, and resets() sees every reset.
import {
  ChunkEncoding,
  XorChunk,
  aggregateSamples,
  encodeAggrChunk,
  isStaleNaN,
  mergeSeriesChunks,
  type Aggregate,
  formatLabels,
  type AggrChunk,
  type Labels,
  type MergedSamples,
} from "../../../storeapi/index.js";
import { openBlockDir, type Block } from "../block/block.js";
import { BlockError, type BlockMeta } from "../block/format.js";
import { BlockWriter, type BlockChunk } from "../block/writer.js";
import { encodeHistogramWindows, histogramInput, histogramWindows, isHistogramSeries, type HistogramEngine } from "./histograms.js";
import { WINDOWS_PER_CHUNK, windowStart } from "./windows.js";

/** Thanos's downsampling resolutions, in ms. */
export const RESOLUTION_RAW = 0;
export const RESOLUTION_5M = 5 * 60_000;
export const RESOLUTION_1H = 60 * 60_000;

/** One series' input as five aligned streams: per point, its count, sum, min and max; the counter separately. */
export interface AggregateInput {
  readonly t: Float64Array;
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly counter: MergedSamples;
}

/** The windows of one series: per window its timestamp and aggregates, and the counter points. */
export interface Windows {
  readonly t: number[];
  readonly count: number[];
  readonly sum: number[];
  readonly min: number[];
  readonly max: number[];
  /** The last input time in each window (a chunk's last window is stamped with it). */
  readonly lastInput: number[];
  /** Counter points (raw times and values), each with the index of the window it falls in. */
  readonly counterT: number[];
  readonly counterV: number[];
  readonly counterWindow: number[];
}

/**
 * Downsamples the local block directory `src` to `resolutionMs` (5m from raw, 1h from 5m, as Thanos)
 * into a new block under `outDir`, keeping the source's time range, external labels and compaction
 * sources. Returns the new block's meta. Throws a BlockError naming the block on a bad resolution
 * or a chunk it cannot read. Native histogram series become count, sum and counter aggregates (histograms.ts).
 */
export async function downsampleBlock(src: string, resolutionMs: number, outDir: string): Promise<BlockMeta> {
  const engine: HistogramEngine = await import("../../../engine/index.js");
  const block = await openBlockDir(src);
  try {
    const from = block.meta.thanos?.downsample.resolution ?? RESOLUTION_RAW;
    checkResolutions(block.ulid, from, resolutionMs);
    const refs = await block.index.allPostings();
    const symbols = new Set<string>();
    for (const name of block.index.labelNames()) {
      symbols.add(name);
      for (const v of block.index.labelValues(name)) symbols.add(v);
    }
    const w = await BlockWriter.create(outDir, {
      symbols,
      source: "compactor",
      externalLabels: block.externalLabels,
      minTime: block.meta.minTime,
      maxTime: block.meta.maxTime,
      resolution: resolutionMs,
      compaction: block.meta.compaction,
    });
    try {
      for (const ref of refs) {
        const s = await block.index.series(ref);
        const chunks: AggrChunk[] = [];
        for (const m of s.chunks) chunks.push(await readChunk(block, m.minTime, m.maxTime, m.ref));
        const out = downsampleSeries(block.ulid, s.labels, chunks, resolutionMs, engine);
        if (out.length > 0) await w.addSeries(s.labels, out);
      }
      return await w.finish();
    } catch (err) {
      await w.abort();
      throw err;
    }
  } finally {
    await block.close();
  }
}

/**
 * A series' aggregate chunks at `res`: floats through the float path, native histograms through
 * Thanos's histogram aggregates (count, sum, counter); a series holding both gets both, in time order.
 */
function downsampleSeries(block: string, labels: Labels, chunks: readonly AggrChunk[], res: number, engine: HistogramEngine): BlockChunk[] {
  if (!isHistogramSeries(chunks)) {
    const input = seriesInput(block, labels, chunks);
    return input === undefined ? [] : encodeWindows(downsampleWindows(input, res, readAsCounter(labels, input.counter)));
  }
  const out: BlockChunk[] = [];
  try {
    out.push(...encodeHistogramWindows(histogramWindows(histogramInput(chunks, engine), res)));
  } catch (err) {
    throw new BlockError(block, "chunks", `series ${formatLabels(labels)}: ${(err as Error).message}`);
  }
  const floats = chunks.filter((c) => (c.raw ?? c.counter)?.encoding === ChunkEncoding.XOR);
  const input = floats.length > 0 ? seriesInput(block, labels, floats) : undefined;
  if (input !== undefined) out.push(...encodeWindows(downsampleWindows(input, res, readAsCounter(labels, input.counter))));
  return out.sort((a, b) => a.minTime - b.minTime);
}

function checkResolutions(block: string, from: number, to: number): void {
  if (to !== RESOLUTION_5M && to !== RESOLUTION_1H) {
    throw new BlockError(block, "meta.json", `cannot downsample to ${to}ms: resolutions are ${RESOLUTION_5M} (5m) and ${RESOLUTION_1H} (1h)`);
  }
  const source = to === RESOLUTION_5M ? RESOLUTION_RAW : RESOLUTION_5M;
  if (from !== source) {
    throw new BlockError(block, "meta.json", `cannot downsample a block of resolution ${from}ms to ${to}ms (5m comes from raw, 1h from 5m)`);
  }
}

async function readChunk(block: Block, minTime: number, maxTime: number, ref: number): Promise<AggrChunk> {
  return block.toAggrChunk(minTime, maxTime, await block.chunks.chunk(ref));
}

/** A series' chunks as the five aggregate streams; undefined when it has no sample (only stale markers). */
function seriesInput(block: string, labels: Labels, chunks: readonly AggrChunk[]): AggregateInput | undefined {
  const raw = chunks.every((c) => c.raw !== undefined);
  const all = (a: Aggregate): MergedSamples => aggregateSamples(chunks, a, -Infinity, Infinity);
  try {
    if (!raw) {
      const count = all("count");
      return { t: count.ts, count: count.vs, sum: all("sum").vs, min: all("min").vs, max: all("max").vs, counter: all("counter") };
    }
    const m = dropStale(mergeSeriesChunks({ labels, chunks }, -Infinity, Infinity));
    if (m.length === 0) return undefined;
    return { t: m.ts, count: new Float64Array(m.length).fill(1), sum: m.vs, min: m.vs, max: m.vs, counter: m };
  } catch (err) {
    throw new BlockError(block, "chunks", `series ${JSON.stringify(labels.map((l) => `${l.name}=${l.value}`).join(","))}: ${(err as Error).message}`);
  }
}

/** Prometheus's counter name suffixes (its "possible non-counter" annotation checks the same). */
const COUNTER_NAME = /(_total|_count|_sum|_bucket)$/;

/**
 * Whether a series' counter aggregate is kept as a counter's: each window's first and last sample and
 * both samples around every fall (exact resets() and rate()). A gauge falls at every other sample,
 * which would keep most raw samples; so a series not named as a counter is read as one only if at
 * most 1 in 20 of its samples falls, as a counter's restarts do. Otherwise its counter aggregate is
 * Thanos's shape: each window's last value at the window's stamp (rate of a gauge means nothing).
 */
function readAsCounter(labels: Labels, c: MergedSamples): boolean {
  if (COUNTER_NAME.test(labels.find((l) => l.name === "__name__")?.value ?? "")) return true;
  let falls = 0;
  for (let i = 1; i < c.length; i++) if (c.vs[i]! < c.vs[i - 1]!) falls++;
  return falls * 20 <= c.length;
}

function dropStale(m: MergedSamples): MergedSamples {
  const ts = new Float64Array(m.length);
  const vs = new Float64Array(m.length);
  let n = 0;
  for (let i = 0; i < m.length; i++) {
    const v = m.vs[i]!;
    if (v !== v && isStaleNaN(v)) continue;
    ts[n] = m.ts[i]!;
    vs[n++] = v;
  }
  return { ts: ts.subarray(0, n), vs: vs.subarray(0, n), length: n };
}

/**
 * The windows of a series at resolution `res`: count and sum add up, min and max ignore NaN unless
 * every value is NaN (as min_over_time), each stamped at its window's end; counter points as above
 * (asCounter false: a gauge's, one per window).
 */
export function downsampleWindows(input: AggregateInput, res: number, asCounter = true): Windows {
  const w: Windows = { t: [], count: [], sum: [], min: [], max: [], lastInput: [], counterT: [], counterV: [], counterWindow: [] };
  const starts: number[] = [];
  for (let i = 0; i < input.t.length; i++) {
    const start = windowStart(input.t[i]!, res);
    let k = w.t.length - 1;
    if (k < 0 || starts[k] !== start) {
      starts.push(start);
      w.t.push(start + res);
      w.count.push(0);
      w.sum.push(0);
      w.min.push(NaN);
      w.max.push(NaN);
      w.lastInput.push(0);
      k++;
    }
    w.lastInput[k] = input.t[i]!;
    w.count[k] += input.count[i]!;
    w.sum[k] += input.sum[i]!;
    const lo = input.min[i]!;
    const hi = input.max[i]!;
    if (lo < w.min[k]! || w.min[k] !== w.min[k]) w.min[k] = lo;
    if (hi > w.max[k]! || w.max[k] !== w.max[k]) w.max[k] = hi;
  }
  if (asCounter) counterPoints(input.counter, res, starts, w);
  else lastPerWindow(input.counter, res, starts, w);
  return w;
}

/**
 * A gauge's counter aggregate: each window's last value at the window's stamp, as Thanos writes it
 * (regular timestamps cost a bit each; engine/scan/raw_counts.ts reads this shape by its points).
 */
function lastPerWindow(c: MergedSamples, res: number, starts: readonly number[], w: Windows): void {
  let k = 0;
  for (let i = 0; i < c.length; i++) {
    const v = c.vs[i]!;
    if (v !== v) continue;
    const start = windowStart(c.ts[i]!, res);
    while (k < starts.length && starts[k]! < start) k++;
    const window = Math.min(k, starts.length - 1);
    const n = w.counterT.length;
    if (n > 0 && w.counterWindow[n - 1] === window) w.counterV[n - 1] = v;
    else {
      w.counterT.push(w.t[window]!);
      w.counterV.push(v);
      w.counterWindow.push(window);
    }
  }
}

/** Each window's first and last counter sample and both sides of every reset (NaN values skipped). */
function counterPoints(c: MergedSamples, res: number, starts: readonly number[], w: Windows): void {
  let k = 0;
  let prevT = NaN;
  let prevV = NaN;
  let prevWindow = -1;
  let prevKept = false;
  const keep = (t: number, v: number, window: number): void => {
    w.counterT.push(t);
    w.counterV.push(v);
    w.counterWindow.push(window);
  };
  for (let i = 0; i < c.length; i++) {
    const t = c.ts[i]!;
    const v = c.vs[i]!;
    if (v !== v) continue;
    const start = windowStart(t, res);
    while (k < starts.length && starts[k]! < start) k++;
    const window = Math.min(k, starts.length - 1);
    const first = window !== prevWindow;
    const reset = prevWindow >= 0 && v < prevV;
    // The previous sample closes its window, or sits before a reset: keep it unless kept already.
    if (prevWindow >= 0 && !prevKept && (first || reset)) keep(prevT, prevV, prevWindow);
    prevKept = first || reset;
    if (prevKept) keep(t, v, window);
    prevT = t;
    prevV = v;
    prevWindow = window;
  }
  if (prevWindow >= 0 && !prevKept) keep(prevT, prevV, prevWindow);
}

/** The windows cut into aggregate chunks of WINDOWS_PER_CHUNK windows; the last window of each stamped at its last input time. */
export function encodeWindows(w: Windows): BlockChunk[] {
  const out: BlockChunk[] = [];
  let c = 0;
  for (let first = 0; first < w.t.length; first += WINDOWS_PER_CHUNK) {
    const end = Math.min(first + WINDOWS_PER_CHUNK, w.t.length);
    const counter = new XorChunk();
    let minTime = Infinity;
    let lastT = NaN;
    let lastV = NaN;
    for (; c < w.counterT.length && w.counterWindow[c]! < end; c++) {
      // A gauge's point at its window's stamp moves with the stamp of a chunk's last window.
      const k = w.counterWindow[c]!;
      lastT = Math.min(w.counterT[c]!, k === end - 1 ? w.lastInput[k]! : w.t[k]!);
      lastV = w.counterV[c]!;
      counter.append(lastT, lastV);
      minTime = Math.min(minTime, lastT);
    }
    if (lastT === lastT) counter.append(lastT, lastV);
    const parts = { count: new XorChunk(), sum: new XorChunk(), min: new XorChunk(), max: new XorChunk() };
    let maxTime = -Infinity;
    for (let k = first; k < end; k++) {
      // Thanos stamps a chunk's last window no later than the data, so chunks never pass the block's end.
      const t = k === end - 1 ? w.lastInput[k]! : w.t[k]!;
      parts.count.append(t, w.count[k]!);
      parts.sum.append(t, w.sum[k]!);
      parts.min.append(t, w.min[k]!);
      parts.max.append(t, w.max[k]!);
      minTime = Math.min(minTime, t);
      maxTime = Math.max(maxTime, t);
    }
    maxTime = Math.max(maxTime, lastT === lastT ? lastT : -Infinity);
    const xor = (x: XorChunk) => ({ encoding: ChunkEncoding.XOR, data: x.bytes().slice() });
    const data = encodeAggrChunk({ count: xor(parts.count), sum: xor(parts.sum), min: xor(parts.min), max: xor(parts.max), counter: xor(counter) });
    out.push({ minTime, maxTime, encoding: ChunkEncoding.Aggr, data });
  }
  return out;
}
