// A Store over a directory of local blocks: each block's Thanos external labels attached,
// series sorted by labels, the same series from overlapping blocks merged by time, and a
// block that cannot be opened skipped with a warning naming it.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  ChunkEncoding,
  XorChunk,
  XOR_CHUNK_TARGET_SAMPLES,
  chunksNeedMerge,
  compareLabels,
  compareUtf8,
  shardMatcher,
  extendLabels,
  getLabel,
  labelsEqual,
  labelsKey,
  matchExternalLabels,
  mergeXorChunks,
  type Aggregate,
  type AggrChunk,
  type Labels,
  type LabelNamesRequest,
  type LabelValuesRequest,
  type Matcher,
  type Series,
  type SeriesEstimate,
  type SeriesFrame,
  type SeriesRequest,
  type Store,
  type StoreInfo,
  type StringsResponse,
} from "../../../storeapi/index.js";
import { Block, openBlockDir, type BlockSeries } from "./block.js";
import { BlockError, isUlid } from "./format.js";

export interface BlocksStoreOptions {
  /** Told about every block skipped (default: none; the warnings are also in every response). */
  readonly onWarning?: (warning: string) => void;
  /** Series per frame of the series() stream (default 256). */
  readonly frameSize?: number;
}

/** The blocks a BlocksStore serves right now, and why others are not served (one line each naming the block). */
export interface BlocksView {
  readonly blocks: readonly Block[];
  readonly warnings: readonly string[];
}

/** Per request, a check every series read from a block passes through; it throws to stop the request (the gateway's limits). */
export type SeriesCheck = (series: BlockSeries) => void;

export interface BlocksStoreOverOptions {
  readonly frameSize?: number;
  /** A fresh check for each series request, called on every series as it is read (a block is read a batch of up to 4096 series at a time). */
  readonly seriesCheck?: () => SeriesCheck;
}

export class BlocksStore implements Store {
  private constructor(
    private readonly view: () => BlocksView,
    private readonly frameSize: number,
    private readonly seriesCheck?: () => SeriesCheck,
  ) {}

  /**
   * A store over a set of blocks that changes (the bucket gateway's sync): each request reads
   * `view()` once. The caller owns the blocks; close() does not close them.
   */
  static over(view: () => BlocksView, opts: BlocksStoreOverOptions = {}): BlocksStore {
    return new BlocksStore(view, Math.max(1, opts.frameSize ?? 256), opts.seriesCheck);
  }

  get blocks(): readonly Block[] {
    return this.view().blocks;
  }

  /** Why blocks were skipped, one line each naming the block. */
  get openWarnings(): readonly string[] {
    return this.view().warnings;
  }

  /** Opens every block directory (named by a ULID) under `dir`. */
  static async open(dir: string, opts: BlocksStoreOptions = {}): Promise<BlocksStore> {
    const entries = await readdir(dir, { withFileTypes: true });
    const blocks: Block[] = [];
    const warnings: string[] = [];
    for (const e of entries.filter((e) => e.isDirectory() && isUlid(e.name)).sort((a, b) => compareUtf8(a.name, b.name))) {
      try {
        blocks.push(await openBlockDir(join(dir, e.name)));
      } catch (err) {
        const w = `skipping block ${e.name}: ${(err as Error).message}`;
        warnings.push(w);
        opts.onWarning?.(w);
      }
    }
    const view: BlocksView = { blocks, warnings };
    return new BlocksStore(() => view, Math.max(1, opts.frameSize ?? 256));
  }

  async close(): Promise<void> {
    await Promise.all(this.blocks.map((b) => b.close()));
  }

  async info(): Promise<StoreInfo> {
    const blocks = this.blocks;
    const labelSets: Labels[] = [];
    for (const b of blocks) {
      if (b.externalLabels.length > 0 && !labelSets.some((l) => labelsEqual(l, b.externalLabels))) labelSets.push(b.externalLabels);
    }
    let minTime = Infinity;
    let maxTime = -Infinity;
    const resolutions = new Set<number>();
    for (const b of blocks) {
      minTime = Math.min(minTime, b.meta.minTime);
      maxTime = Math.max(maxTime, b.meta.maxTime - 1);
      resolutions.add(b.resolution);
    }
    return {
      labelSets,
      minTime: Number.isFinite(minTime) ? minTime : Number.MAX_SAFE_INTEGER,
      maxTime: Number.isFinite(maxTime) ? maxTime : Number.MIN_SAFE_INTEGER,
      resolutions: resolutions.size === 0 ? [0] : [...resolutions].sort((a, b) => a - b),
      supportsAggregationPushdown: false,
    };
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    const skipChunks = request.skipChunks ?? false;
    const blocks = blocksForResolution(this.blocks, request.minTime, request.maxTime, request.maxResolutionWindow ?? 0);
    const sole = soleBlock(blocks, request);
    if (sole !== undefined) {
      yield* this.streamBlock(sole.block, sole.matchers, request, skipChunks, signal);
      return;
    }
    const { series: selected, warnings: readWarnings, inIndexOrder } = await this.selectAll(request, skipChunks, signal, blocks);
    const shard = shardMatcher(request.shardInfo);
    const found = shard === undefined ? selected : selected.filter((s) => shard.matches(s.labels));
    // One block's index lists each series once, sorted by labels: nothing to sort or merge.
    if (!inIndexOrder) found.sort((a, b) => compareLabels(a.labels, b.labels));
    const merged = inIndexOrder ? found : mergeSameSeries(found, skipChunks);
    const limited = request.limit !== undefined && request.limit > 0 ? merged.slice(0, request.limit) : merged;
    let warnings: readonly string[] = [...this.openWarnings, ...readWarnings];
    if (limited.length === 0 && warnings.length > 0) yield { series: [], warnings };
    for (let start = 0; start < limited.length; start += this.frameSize) {
      signal?.throwIfAborted();
      yield { series: limited.slice(start, start + this.frameSize), warnings };
      warnings = [];
    }
  }

  /**
   * series() when one block alone may hold the answer: its series leave in index order (sorted,
   * each once) as they are read, the first frame after a small first batch, so a client decodes
   * while the rest is read. A block failing after frames have left cannot take them back: its
   * warning says the rest of the block is missing (or, partial response disabled, the request fails).
   */
  private async *streamBlock(b: Block, matchers: readonly Matcher[], request: SeriesRequest, skipChunks: boolean, signal: AbortSignal | undefined): AsyncIterable<SeriesFrame> {
    const check = this.seriesCheck?.();
    const shard = shardMatcher(request.shardInfo);
    const limit = request.limit !== undefined && request.limit > 0 ? request.limit : Infinity;
    let warnings: string[] = [...this.openWarnings];
    let sent = 0;
    let frame: Series[] = [];
    try {
      for await (const batch of b.selectBatches(matchers, request.minTime, request.maxTime, skipChunks, request.aggregates, this.frameSize)) {
        signal?.throwIfAborted();
        for (const s of batch) {
          if (sent >= limit) break;
          check?.(s);
          if (shard !== undefined && !shard.matches(s.labels)) continue;
          frame.push(s);
          sent++;
          if (frame.length < this.frameSize) continue;
          yield { series: frame, warnings };
          frame = [];
          warnings = [];
        }
        if (sent >= limit) break;
      }
    } catch (err) {
      if (!(err instanceof BlockError) || request.partialResponseDisabled) throw err;
      const noneSent = sent === frame.length;
      warnings.push(noneSent ? skippedForRequest(b, err) : `block ${b.ulid} failed part way for this request (the series after those sent are missing): ${err.message}`);
      if (noneSent) frame = [];
    }
    if (frame.length > 0 || warnings.length > 0) yield { series: frame, warnings };
  }

  /**
   * What series(request) would return, from each block's postings and series entries (chunk refs)
   * and meta.json's mean samples per chunk; no chunk is read. A series in several blocks counts once.
   */
  async estimate(request: SeriesRequest, signal?: AbortSignal): Promise<SeriesEstimate> {
    const { matchers, minTime, maxTime } = request;
    const shard = shardMatcher(request.shardInfo);
    const seen = new Set<string>();
    let samples = 0;
    for (const b of blocksForResolution(this.blocks, minTime, maxTime, request.maxResolutionWindow ?? 0)) {
      if (!b.overlaps(minTime, maxTime)) continue;
      const { matches, rest } = matchExternalLabels(matchers, b.externalLabels);
      if (!matches) continue;
      signal?.throwIfAborted();
      const perChunk = b.samplesPerChunk;
      for (const s of await b.chunkCounts(rest, minTime, maxTime)) {
        const labels = extendLabels(s.labels, b.externalLabels);
        if (shard !== undefined && !shard.matches(labels)) continue;
        seen.add(labelsKey(labels));
        samples += s.chunks * perChunk;
      }
    }
    const limit = request.limit !== undefined && request.limit > 0 ? request.limit : Infinity;
    const series = Math.min(seen.size, limit);
    return { series, samples: Math.round(seen.size === 0 ? 0 : (samples * series) / seen.size), basis: "statistics" };
  }

  /**
   * Every matching series of every overlapping block, external labels attached (unsorted across
   * blocks). A block that fails mid-read is left out with a warning naming it, or fails the
   * request when partial response is disabled.
   */
  private async selectAll(
    request: LabelNamesRequest & { readonly partialResponseDisabled?: boolean; readonly aggregates?: readonly Aggregate[] },
    skipChunks: boolean,
    signal: AbortSignal | undefined,
    blocks: readonly Block[] = this.blocks,
  ): Promise<{ series: Series[]; warnings: string[]; inIndexOrder: boolean }> {
    const { matchers, minTime, maxTime } = request;
    const series: Series[] = [];
    const warnings: string[] = [];
    const check = this.seriesCheck?.();
    let contributing = 0;
    let externalLabels = false;
    for (const b of blocks) {
      if (!b.overlaps(minTime, maxTime)) continue;
      const { matches, rest } = matchExternalLabels(matchers, b.externalLabels);
      if (!matches) continue;
      const fromBlock: Series[] = [];
      try {
        for await (const batch of b.selectBatches(rest, minTime, maxTime, skipChunks, request.aggregates)) {
          signal?.throwIfAborted();
          for (const s of batch) {
            check?.(s);
            fromBlock.push({ labels: b.withExternalLabels(s.labels), chunks: s.chunks });
          }
        }
      } catch (err) {
        if (!(err instanceof BlockError) || request.partialResponseDisabled) throw err;
        warnings.push(skippedForRequest(b, err));
        continue;
      }
      if (fromBlock.length === 0) continue;
      contributing++;
      externalLabels ||= b.externalLabels.length > 0;
      for (const s of fromBlock) series.push(s);
    }
    // External labels may override a block's own label and so reorder or join its series.
    return { series, warnings, inIndexOrder: contributing <= 1 && !externalLabels };
  }

  async labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    const { series, warnings } = await this.selectAll(request, true, signal);
    const names = new Set<string>();
    for (const s of series) for (const l of s.labels) names.add(l.name);
    return { values: sortAndLimit(names, request.limit), warnings: [...this.openWarnings, ...warnings] };
  }

  async labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    const { series, warnings } = await this.selectAll(request, true, signal);
    const values = new Set<string>();
    for (const s of series) {
      const v = getLabel(s.labels, request.label);
      if (v !== "") values.add(v);
    }
    return { values: sortAndLimit(values, request.limit), warnings: [...this.openWarnings, ...warnings] };
  }
}

/** The warning for a block left out of one request's answer (it failed while being read). */
function skippedForRequest(b: Block, err: BlockError): string {
  return `skipping block ${b.ulid} for this request: ${err.message}`;
}

/**
 * The one block that may hold series for the request, with the matchers left after its external
 * labels, when it has none (external labels may reorder a block's series); else undefined.
 */
function soleBlock(blocks: readonly Block[], request: SeriesRequest): { block: Block; matchers: readonly Matcher[] } | undefined {
  let found: { block: Block; matchers: readonly Matcher[] } | undefined;
  for (const b of blocks) {
    if (!b.overlaps(request.minTime, request.maxTime)) continue;
    const { matches, rest } = matchExternalLabels(request.matchers, b.externalLabels);
    if (!matches) continue;
    if (found !== undefined || b.externalLabels.length > 0) return undefined;
    found = { block: b, matchers: rest };
  }
  return found;
}

/** Joins runs of equal label sets (sorted input): chunks in time order, overlapping ones merged so each sample counts once. */
function mergeSameSeries(sorted: readonly Series[], skipChunks: boolean): Series[] {
  const out: Series[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i]!;
    let j = i + 1;
    while (j < sorted.length && labelsEqual(sorted[j]!.labels, first.labels)) j++;
    out.push(j === i + 1 || skipChunks ? first : { labels: first.labels, chunks: joinChunks(sorted, i, j) });
    i = j;
  }
  return out;
}

/** The chunks of sorted[from..to) (one series from several blocks) in time order, overlapping XOR chunks merged. */
function joinChunks(sorted: readonly Series[], from: number, to: number): AggrChunk[] {
  const chunks: AggrChunk[] = [];
  let inOrder = true;
  let xorOnly = true;
  for (let k = from; k < to; k++) {
    for (const c of sorted[k]!.chunks) {
      if (chunks.length > 0 && c.minTime < chunks[chunks.length - 1]!.minTime) inOrder = false;
      xorOnly &&= c.raw?.encoding === ChunkEncoding.XOR;
      chunks.push(c);
    }
  }
  // Blocks are read in time order, so their chunks usually arrive sorted already.
  if (!inOrder) chunks.sort((a, b) => a.minTime - b.minTime);
  // Downsampled chunks are not re-cut: where tiers overlap, their reader keeps the first at each time.
  // Nor are histogram chunks: they go out overlapping, for the reader to merge by time (the Store contract).
  return xorOnly && chunksNeedMerge(chunks) ? rechunk(chunks) : chunks;
}

/** Merges overlapping XOR chunks by time and cuts the samples into fresh chunks of 120. */
function rechunk(chunks: readonly AggrChunk[]): AggrChunk[] {
  const merged = mergeXorChunks(
    chunks.map((c, i) => {
      if (c.raw?.encoding !== ChunkEncoding.XOR) throw new Error(`chunk ${i} is not an XOR chunk; only float chunks can be merged`);
      return c.raw.data;
    }),
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  const out: AggrChunk[] = [];
  for (let start = 0; start < merged.length; start += XOR_CHUNK_TARGET_SAMPLES) {
    const end = Math.min(start + XOR_CHUNK_TARGET_SAMPLES, merged.length);
    const c = new XorChunk();
    for (let k = start; k < end; k++) c.append(merged.ts[k]!, merged.vs[k]!);
    out.push({ minTime: merged.ts[start]!, maxTime: merged.ts[end - 1]!, raw: { encoding: ChunkEncoding.XOR, data: c.bytes().slice() } });
  }
  return out;
}

function sortAndLimit(values: Set<string>, limit: number | undefined): string[] {
  const sorted = [...values].sort(compareUtf8);
  return limit !== undefined && limit > 0 ? sorted.slice(0, limit) : sorted;
}

/**
 * The blocks a series request reads (Thanos's bucket block set): those of the coarsest resolution
 * not above `maxResolution`, and for every part of [mint, maxt] they leave uncovered, the blocks of
 * the next finer resolution, recursively down to raw, so no range goes missing at a tier's edge.
 */
export function blocksForResolution(blocks: readonly Block[], mint: number, maxt: number, maxResolution: number): Block[] {
  const levels = [...new Set(blocks.map((b) => b.resolution))].filter((r) => r <= maxResolution).sort((a, b) => b - a);
  const byLevel = levels.map((r) => blocks.filter((b) => b.resolution === r).sort((a, b) => a.meta.minTime - b.meta.minTime));
  const out: Block[] = [];
  const fill = (from: number, to: number, level: number): void => {
    if (level >= byLevel.length || from > to) return;
    let start = from;
    for (const b of byLevel[level]!) {
      // Overlapping blocks of one resolution are all read; only what none covers falls to finer ones.
      if (b.meta.maxTime <= from || b.meta.minTime > to) continue;
      fill(start, b.meta.minTime - 1, level + 1);
      out.push(b);
      start = Math.max(start, b.meta.maxTime);
    }
    fill(start, to, level + 1);
  };
  fill(mint, maxt, 0);
  return out;
}
