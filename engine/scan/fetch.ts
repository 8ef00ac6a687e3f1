// Reads one selector's series from the store, keeping only the chunks that overlap the range;
// they are decoded later, chunk by chunk, as the steps reach them (sample_buffer.ts).
//
// The store contract: series come sorted by labels, each label set once. The engine does no
// replica dedup (that is the federation proxy's job). A label set sent again (several stores or
// blocks holding one series, adjacent after a proxy's merge) is one series: its chunks are
// merged by time. Series out of label order are sorted, merged the same way, and warned about.
import type { Aggregate, AggrChunk, DecodedChunkSamples, Labels, Matcher, ReadAggregate, Series, SeriesRequest } from "../../storeapi/index.js";
import {
  ChunkEncoding,
  aggregatesFor,
  compareLabels,
  formatSeries,
  hasAggregateChunks,
} from "../../storeapi/index.js";
import type { FetchSpec, SelectorNode } from "../../planner/index.js";
import { checkAborted, type QueryContext } from "../exec/context.js";
import type { ChunkSkipReason } from "../metrics.js";
import { chunksSkippedWarning, seriesOutOfOrderWarning } from "../annotations.js";
import { ChunkTable, NO_CHUNKS } from "./chunk_table.js";
import { countsRawSamples } from "./raw_counts.js";
import { DecodeScratch, decodedSeriesInput, needsDecodedInput, seriesInput, type SeriesInput } from "./sample_buffer.js";

/** One series as fetched: its labels and its chunk input. */
export interface LoadedSeries {
  labels: Labels;
  input: SeriesInput;
}

/** The selector's series over its fetch range; identical fetches in one query share the result. */
export function fetchSeries(ctx: QueryContext, sel: SelectorNode, fallback: FetchSpec): Promise<LoadedSeries[]> {
  const spec = sel.fetch ?? fallback;
  const key = spec.key + "\xfd" + spec.minTime + ":" + spec.maxTime;
  let p = ctx.fetches.get(key);
  if (p === undefined) {
    p = load(ctx, sel, spec);
    ctx.fetches.set(key, p);
  }
  return p;
}

/** A series' readable chunks, gathered across every time the store sent its label set (never changed in place: it may be the store's series). */
interface Gathered {
  readonly labels: Labels;
  readonly chunks: readonly AggrChunk[];
}

/** A gathered series with more chunks of the same label set. */
function joined(g: Gathered, chunks: readonly AggrChunk[]): Gathered {
  return { labels: g.labels, chunks: [...g.chunks, ...chunks] };
}

async function load(ctx: QueryContext, sel: SelectorNode, spec: FetchSpec): Promise<LoadedSeries[]> {
  checkAborted(ctx.signal);
  const matchers: Matcher[] = sel.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value }));
  const req: SeriesRequest = {
    minTime: spec.minTime,
    maxTime: spec.maxTime,
    matchers,
    queryHints: sel.hints,
    ...(spec.latest === true ? { latestOnly: true } : {}),
    ...(sel.read !== undefined ? { maxResolutionWindow: ctx.maxResolutionMs, aggregates: requestedAggregates(sel.read) } : {}),
  };
  // A store out of label order (a contract breach, warned about) is read again, every series kept to be sorted and joined.
  return (await loadInOrder(ctx, sel, spec, req)) ?? loadAnyOrder(ctx, sel, spec, req);
}

/**
 * The series as the store streams them in label order, each made its input once the next label set
 * shows it is complete, so the store's chunk objects die young instead of living through the whole
 * fetch (they were most of what a query's first scavenges copied). Undefined, the stream closed,
 * at the first series out of label order.
 */
async function loadInOrder(ctx: QueryContext, sel: SelectorNode, spec: FetchSpec, req: SeriesRequest): Promise<LoadedSeries[] | undefined> {
  const skipped = new SkippedChunks();
  const scratch = new DecodeScratch();
  const table = ctx.chunkTables?.table() ?? new ChunkTable();
  const out: LoadedSeries[] = [];
  let pending: Gathered | undefined;
  for await (const frame of ctx.store.series(req, ctx.signal)) {
    for (const w of frame.warnings) ctx.annotations.storeWarning(w);
    for (const s of frame.series) {
      const chunks = readableChunks(ctx, s, spec, skipped, sel.read);
      if (pending !== undefined) {
        const order = compareLabels(s.labels, pending.labels);
        if (order < 0) return undefined;
        if (order === 0) {
          pending = joined(pending, chunks);
          continue;
        }
        pushLoaded(out, pending, sel, spec, scratch, table);
      }
      // The store's series as it is when every chunk is read (the common case: nothing made).
      pending = chunks === s.chunks ? s : { labels: s.labels, chunks };
    }
    checkAborted(ctx.signal);
  }
  if (pending !== undefined) pushLoaded(out, pending, sel, spec, scratch, table);
  skipped.report(ctx, sel);
  return out;
}

/** Every series the store sends gathered first, then sorted by labels and joined, with a warning naming the first pair out of order. */
async function loadAnyOrder(ctx: QueryContext, sel: SelectorNode, spec: FetchSpec, req: SeriesRequest): Promise<LoadedSeries[]> {
  const gathered: Gathered[] = [];
  const skipped = new SkippedChunks();
  let outOfOrder: [Labels, Labels] | undefined;
  for await (const frame of ctx.store.series(req, ctx.signal)) {
    for (const w of frame.warnings) ctx.annotations.storeWarning(w);
    for (const s of frame.series) {
      const chunks = readableChunks(ctx, s, spec, skipped, sel.read);
      const last = gathered[gathered.length - 1];
      const order = last === undefined ? 1 : compareLabels(s.labels, last.labels);
      if (order === 0) gathered[gathered.length - 1] = joined(last!, chunks);
      else gathered.push(chunks === s.chunks ? s : { labels: s.labels, chunks });
      if (order < 0) outOfOrder ??= [last!.labels, s.labels];
    }
    checkAborted(ctx.signal);
  }
  skipped.report(ctx, sel);
  if (outOfOrder !== undefined) {
    const [before, after] = outOfOrder;
    ctx.annotations.report(seriesOutOfOrderWarning(formatSeries(after), formatSeries(before)), sel.pos);
  }
  const series = outOfOrder === undefined ? gathered : sortAndJoin(gathered);
  const scratch = new DecodeScratch();
  const table = ctx.chunkTables?.table() ?? new ChunkTable();
  const out: LoadedSeries[] = [];
  for (const g of series) pushLoaded(out, g, sel, spec, scratch, table);
  return out;
}

/** A gathered series as the engine reads it (none for a series left without chunks). */
function pushLoaded(out: LoadedSeries[], g: Gathered, sel: SelectorNode, spec: FetchSpec, scratch: DecodeScratch, table: ChunkTable): void {
  if (g.chunks.length === 0) return;
  out.push({ labels: g.labels, input: inputOf(g.chunks, sel.read, spec, scratch, table) });
}

/** How a series' chunks are read: as an aggregate, with histograms or start timestamps (decoded up front), or lazily as XOR. */
function inputOf(chunks: readonly AggrChunk[], read: ReadAggregate | undefined, spec: FetchSpec, scratch: DecodeScratch, table: ChunkTable): SeriesInput {
  if (readsAggregates(chunks, read)) return aggregateInput(chunks, read!, spec, scratch);
  const tail = decodedByStore(chunks, spec, scratch);
  if (tail !== undefined) return { chunks: NO_CHUNKS, minTime: spec.minTime, maxTime: spec.maxTime, decoded: tail };
  if (needsDecodedInput(chunks)) return decodedSeriesInput(chunks, spec.minTime, spec.maxTime);
  return seriesInput(chunks, spec.minTime, spec.maxTime, scratch, table);
}

/**
 * The samples in the fetch range a store sent decoded (the head's newest chunks near now), when
 * every chunk of the series carries them: one chunk's as they are, several joined in time order.
 */
function decodedByStore(chunks: readonly AggrChunk[], spec: FetchSpec, scratch: DecodeScratch): { t: Float64Array; v: Float64Array } | undefined {
  let n = 0;
  let last = -Infinity;
  for (const c of chunks) {
    const d = decodedFor(c, spec);
    // Chunks that overlap (several stores) are merged from their bytes.
    if (d === undefined || (d.t.length > 0 && d.t[0]! <= last)) return undefined;
    if (d.t.length > 0) last = d.t[d.t.length - 1]!;
    n += d.t.length;
  }
  if (chunks.length === 1) {
    const d = chunks[0]!.raw!.decoded!;
    return { t: d.t, v: d.v };
  }
  const t = scratch.take(n);
  const v = scratch.take(n);
  let at = 0;
  for (const c of chunks) {
    const d = c.raw!.decoded!;
    t.set(d.t, at);
    v.set(d.v, at);
    at += d.t.length;
  }
  return { t, v };
}

/** A chunk's samples in the fetch range, when the store sent them decoded for exactly that range. */
function decodedFor(c: AggrChunk, spec: FetchSpec): DecodedChunkSamples | undefined {
  const raw = c.raw;
  const d = raw?.decoded;
  if (d === undefined || raw!.encoding !== ChunkEncoding.XOR || raw!.startTimestamps !== undefined) return undefined;
  return d.minTime === spec.minTime && d.maxTime === spec.maxTime ? d : undefined;
}

/** Whether a series must go through the aggregate reader: downsampled chunks, or raw ones read as counts. */
function readsAggregates(chunks: readonly AggrChunk[], read: ReadAggregate | undefined): boolean {
  return read !== undefined && (read === "count" || hasAggregateChunks(chunks));
}

/** The aggregates asked of the store: a counter read takes the count too, for its raw counts (raw_counts.ts). */
function requestedAggregates(read: ReadAggregate): Aggregate[] {
  return read === "counter" ? ["counter", "count"] : aggregatesFor(read);
}

/** A series read as one aggregate, decoded chunk by chunk as the steps reach them (sample_buffer.ts). */
function aggregateInput(unsorted: readonly AggrChunk[], read: ReadAggregate, spec: FetchSpec, scratch: DecodeScratch): SeriesInput {
  const chunks = [...unsorted].sort((a, b) => a.minTime - b.minTime);
  const rawCounts = read === "counter" && countsRawSamples(chunks);
  return { chunks: NO_CHUNKS, minTime: spec.minTime, maxTime: spec.maxTime, aggregate: { chunks, read, rawCounts }, scratch };
}

/** The series' chunks the engine can read in the fetch range (the series' own array when that is all of them); the rest are counted as skipped. */
function readableChunks(ctx: QueryContext, s: Series, spec: FetchSpec, skipped: SkippedChunks, read: ReadAggregate | undefined): readonly AggrChunk[] {
  const chunks = s.chunks;
  let out: AggrChunk[] | undefined;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    let reason: ChunkSkipReason | undefined;
    const keep = c.maxTime >= spec.minTime && c.minTime <= spec.maxTime && (reason = unreadable(c, read)) === undefined;
    if (reason !== undefined) skipped.add(reason, s.labels);
    if (keep) out?.push(c);
    else out ??= chunks.slice(0, i);
  }
  return out ?? chunks;
}

/** Why the engine cannot read a chunk, or undefined for a raw XOR chunk or one with the aggregates it reads. */
function unreadable(c: AggrChunk, read: ReadAggregate | undefined): ChunkSkipReason | undefined {
  if (c.raw === undefined) {
    if (read === undefined) return "downsampled";
    return aggregatesFor(read).every((a) => c[a]?.encoding === ChunkEncoding.XOR) ? undefined : "downsampled";
  }
  switch (c.raw.encoding) {
    case ChunkEncoding.XOR:
    case ChunkEncoding.Histogram:
    case ChunkEncoding.FloatHistogram:
      return undefined;
    default:
      return "unknown_encoding";
  }
}

const SKIP_WHAT: Record<ChunkSkipReason, string> = {
  downsampled: "downsampled chunks without raw data",
  unknown_encoding: "chunks of an unknown encoding",
};

/** Series named in a skipped-chunks warning before the rest are only counted. */
const NAMED_SERIES = 3;

/** The chunks one fetch could not read, by reason, with the series they belong to. */
class SkippedChunks {
  private readonly byReason = new Map<ChunkSkipReason, { chunks: number; series: Labels[] }>();

  add(reason: ChunkSkipReason, labels: Labels): void {
    let r = this.byReason.get(reason);
    if (r === undefined) this.byReason.set(reason, (r = { chunks: 0, series: [] }));
    r.chunks++;
    if (r.series[r.series.length - 1] !== labels) r.series.push(labels);
  }

  /** One warning per reason naming the series, and the counter. */
  report(ctx: QueryContext, sel: SelectorNode): void {
    for (const [reason, r] of this.byReason) {
      ctx.metrics.chunksSkipped.labels(reason).inc(r.chunks);
      const named = r.series.slice(0, NAMED_SERIES).map(formatSeries).join(", ");
      const more = r.series.length > NAMED_SERIES ? ` and ${r.series.length - NAMED_SERIES} more` : "";
      ctx.annotations.report(chunksSkippedWarning(SKIP_WHAT[reason], r.chunks, named + more), sel.pos);
    }
  }
}

/** Sorts series by labels (stable, so stream order still decides ties) and joins equal label sets. */
function sortAndJoin(gathered: Gathered[]): Gathered[] {
  const sorted = [...gathered].sort((a, b) => compareLabels(a.labels, b.labels));
  const out: Gathered[] = [];
  for (const g of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && compareLabels(last.labels, g.labels) === 0) out[out.length - 1] = joined(last, g.chunks);
    else out.push(g);
  }
  return out;
}
