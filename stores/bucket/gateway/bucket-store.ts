// The store gateway (Thanos Store's role): a Store over every block in a bucket. Block metas are
// synced periodically; each block is read through a local index-header and range GETs, with
// postings and series in a shared byte-bounded LRU; series of all blocks are merged by the one
// BlocksStore. A block that cannot be loaded is a warning naming it; the others are served.
import { Counter, Gauge, type Registry } from "prom-client";
import {
  ChunkEncoding,
  StoreApiError,
  xorChunkNumSamples,
  type LabelNamesRequest,
  type LabelValuesRequest,
  type SeriesEstimate,
  type SeriesFrame,
  type SeriesRequest,
  type Store,
  type StoreInfo,
  type StringsResponse,
} from "../../../storeapi/index.js";
import {
  Block,
  BlocksStore,
  bucketObjectSource,
  coveredBlocks,
  INDEX_FILE,
  isUlid,
  META_FILE,
  CHUNKS_DIR,
  segmentFileName,
  type BlocksView,
  type SeriesCheck,
} from "../block/index.js";
import { isNotFound, type ObjectBucket } from "../objstore/index.js";
import { LruChunkCache, LruIndexCache } from "./cache.js";
import { headerBackedSource, loadIndexHeader } from "./index-header.js";

/** Thanos's marker files. */
export const DELETION_MARK_FILE = "deletion-mark.json";

/** gRPC RESOURCE_EXHAUSTED: what Thanos answers a request over a store limit with. */
const GRPC_RESOURCE_EXHAUSTED = 8;

export interface BucketStoreLimits {
  /** --store.limits.request-series: most series one Series request may return (0: no limit). */
  readonly requestSeries?: number;
  /** --store.limits.request-samples: most samples in the chunks one Series request returns (0: no limit). */
  readonly requestSamples?: number;
}

export interface BucketStoreOptions {
  /** Where index-headers are kept (--data-dir). */
  readonly dataDir: string;
  /** Bytes of postings and series kept in memory (--store.index-cache-size; 0: no cache). Default 250 MiB, as Thanos. */
  readonly indexCacheBytes?: number;
  /** Bytes of chunks (read and CRC-checked) kept in memory (--chunk-cache-size; 0: no cache). Default 64 MiB. */
  readonly chunkCacheBytes?: number;
  readonly limits?: BucketStoreLimits;
  /** A block marked for deletion longer ago than this is no longer served (Thanos's --ignore-deletion-marks-delay; default 24h). */
  readonly ignoreDeletionMarksDelayMs?: number;
  /** Told about every block that cannot be loaded and why (one line naming the block). */
  readonly onWarning?: (warning: string) => void;
  /** Told about blocks loaded and dropped. */
  readonly onInfo?: (message: string) => void;
  /** Gauges and counters of the sync and the cache (Thanos's thanos_bucket_store_* as orrery_bucket_store_*). */
  readonly registry?: Registry;
  /** The clock (ms), for deletion marks. */
  readonly now?: () => number;
}

/** What one sync changed. */
export interface MetaSyncReport {
  readonly loaded: readonly string[];
  readonly dropped: readonly string[];
  /** Blocks that could not be loaded: "block ULID: why". */
  readonly failed: readonly string[];
}

export const DEFAULT_INDEX_CACHE_BYTES = 250 * 1024 * 1024;
export const DEFAULT_CHUNK_CACHE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_IGNORE_DELETION_MARKS_DELAY_MS = 24 * 3600 * 1000;

export class BucketStore implements Store {
  private readonly loaded = new Map<string, Block>();
  /** Blocks present but not served, by ULID: the warning naming each. */
  private readonly failures = new Map<string, string>();
  private view: BlocksView = { blocks: [], warnings: [] };
  private readonly store: BlocksStore;
  private readonly cache: LruIndexCache | undefined;
  private readonly chunkCache: LruChunkCache | undefined;
  private readonly metrics: ReturnType<typeof storeMetrics> | undefined;
  private syncing: Promise<MetaSyncReport> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly bucket: ObjectBucket,
    private readonly opts: BucketStoreOptions,
  ) {
    const cacheBytes = opts.indexCacheBytes ?? DEFAULT_INDEX_CACHE_BYTES;
    this.cache = cacheBytes > 0 ? new LruIndexCache(cacheBytes) : undefined;
    const chunkCacheBytes = opts.chunkCacheBytes ?? DEFAULT_CHUNK_CACHE_BYTES;
    this.chunkCache = chunkCacheBytes > 0 ? new LruChunkCache(chunkCacheBytes) : undefined;
    this.store = BlocksStore.over(() => this.view, { seriesCheck: () => limitCheck(opts.limits ?? {}) });
    this.metrics = opts.registry === undefined ? undefined : storeMetrics(opts.registry, this);
  }

  /** A gateway over `bucket` after its first sync. */
  static async open(bucket: ObjectBucket, opts: BucketStoreOptions): Promise<BucketStore> {
    const store = new BucketStore(bucket, opts);
    await store.sync();
    return store;
  }

  /** ULIDs of the blocks served now, sorted. */
  get blockIds(): string[] {
    return [...this.loaded.keys()].sort();
  }

  /** Why blocks in the bucket are not served, one line each naming the block. */
  get warnings(): readonly string[] {
    return this.view.warnings;
  }

  get indexCache(): LruIndexCache | undefined {
    return this.cache;
  }

  get chunksCache(): LruChunkCache | undefined {
    return this.chunkCache;
  }

  /** Brings the served blocks in line with the bucket; concurrent calls share one sync. */
  sync(): Promise<MetaSyncReport> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** Syncs every `intervalMs` until close(); a failed sync is reported to `onError` and retried next time. */
  syncEvery(intervalMs: number, onError: (err: Error) => void): void {
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.sync().then(tick, (err: Error) => {
          onError(err);
          tick();
        });
      }, intervalMs);
      this.timer.unref();
    };
    if (this.timer === undefined) tick();
  }

  private async syncOnce(): Promise<MetaSyncReport> {
    const listed: string[] = [];
    for await (const entry of this.bucket.list("")) {
      if (entry.endsWith("/") && isUlid(entry.slice(0, -1))) listed.push(entry.slice(0, -1));
    }
    const present = new Set(listed);
    const loaded: string[] = [];
    const dropped: string[] = [];
    const failed: string[] = [];
    for (const ulid of this.loaded.keys()) if (!present.has(ulid)) dropped.push(ulid);
    for (const ulid of [...this.failures.keys()]) if (!present.has(ulid)) this.failures.delete(ulid);
    for (const ulid of listed) {
      if (await this.deletionDue(ulid)) {
        if (this.loaded.has(ulid)) dropped.push(ulid);
        this.failures.delete(ulid);
        continue;
      }
      if (this.loaded.has(ulid)) continue;
      try {
        const block = await this.load(ulid);
        if (block === undefined) continue;
        this.loaded.set(ulid, block);
        this.failures.delete(ulid);
        loaded.push(ulid);
      } catch (err) {
        const warning = `skipping block ${ulid}: ${(err as Error).message}`;
        if (this.failures.get(ulid) !== warning) this.opts.onWarning?.(warning);
        this.failures.set(ulid, warning);
        this.metrics?.loadFailures.inc();
        failed.push(warning);
      }
    }
    for (const ulid of dropped) {
      const block = this.loaded.get(ulid)!;
      this.loaded.delete(ulid);
      this.chunkCache?.dropBlock(ulid);
      this.metrics?.drops.inc();
      // In-flight requests may still read it; its sources only hold a small buffer, so closing is safe to defer.
      setTimeout(() => void block.close(), 60_000).unref();
    }
    // A compaction's sources stay in the bucket until their deletion: read each sample once, from the compacted block.
    const covered = coveredBlocks([...this.loaded.values()].map((b) => b.meta));
    this.view = { blocks: [...this.loaded.values()].filter((b) => !covered.has(b.ulid)), warnings: [...this.failures.values()] };
    if (loaded.length + dropped.length > 0) this.opts.onInfo?.(`bucket sync: ${loaded.length} blocks loaded, ${dropped.length} dropped, ${this.loaded.size} served`);
    return { loaded, dropped, failed };
  }

  /** Whether the block carries a deletion mark older than the delay (Thanos's deletion-mark.json). */
  private async deletionDue(ulid: string): Promise<boolean> {
    let text: string;
    try {
      text = Buffer.from(await this.bucket.get(`${ulid}/${DELETION_MARK_FILE}`)).toString("utf8");
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    const delay = this.opts.ignoreDeletionMarksDelayMs ?? DEFAULT_IGNORE_DELETION_MARKS_DELAY_MS;
    const deletionTime = (safeJson(text) as { deletion_time?: unknown } | undefined)?.deletion_time;
    // A mark that does not parse still says the block is going: treat it as marked now.
    const markedMs = typeof deletionTime === "number" ? deletionTime * 1000 : (this.opts.now ?? Date.now)();
    return (this.opts.now ?? Date.now)() - markedMs >= delay;
  }

  /** Opens a block, or undefined for a partial upload (no meta.json yet: the uploader writes it last). */
  private async load(ulid: string): Promise<Block | undefined> {
    let metaJson: string;
    try {
      metaJson = Buffer.from(await this.bucket.get(`${ulid}/${META_FILE}`)).toString("utf8");
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    try {
      return await this.openBlock(ulid, metaJson, false);
    } catch (err) {
      // The local header may be stale or damaged in a way its checksum missed: once more from the bucket.
      return this.openBlock(ulid, metaJson, true).catch(() => {
        throw err;
      });
    }
  }

  private async openBlock(ulid: string, metaJson: string, rebuildHeader: boolean): Promise<Block> {
    const { header } = await loadIndexHeader(this.bucket, ulid, this.opts.dataDir, rebuildHeader);
    const index = headerBackedSource(header, bucketObjectSource(this.bucket, `${ulid}/${INDEX_FILE}`, header.indexSize));
    const chunks = header.segmentSizes.map((size, i) => bucketObjectSource(this.bucket, `${ulid}/${CHUNKS_DIR}/${segmentFileName(i)}`, size));
    const chunkCache = this.chunkCache;
    const block = await Block.open({ metaJson, index, chunks }, ulid, this.cache, chunkCache === undefined ? undefined : (u, n) => chunkCache.forBlock(u, n));
    if (block.ulid !== ulid) throw new Error(`meta.json names block ${block.ulid}, not its directory ${ulid}`);
    index.dropSpans();
    return block;
  }

  info(): Promise<StoreInfo> {
    return this.store.info();
  }

  /** The blocks' series, merged; over a limit, a RESOURCE_EXHAUSTED error naming the limit and its flag. */
  series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    return this.store.series(request, signal);
  }

  /** The blocks' estimate of series(request): postings and chunk refs from the index, samples per chunk from meta.json. */
  estimate(request: SeriesRequest, signal?: AbortSignal): Promise<SeriesEstimate> {
    return this.store.estimate(request, signal);
  }

  labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.store.labelNames(request, signal);
  }

  labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.store.labelValues(request, signal);
  }

  /** Stops syncing and closes every block (the bucket stays open: the caller owns it). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.syncing?.catch(() => undefined);
    const blocks = [...this.loaded.values()];
    this.loaded.clear();
    this.view = { blocks: [], warnings: [] };
    await Promise.all(blocks.map((b) => b.close()));
  }
}

/**
 * Counts series and samples of one request as blocks are read, so a request over a limit stops
 * before it reads the rest (a series in several blocks counts once per block, as in Thanos).
 */
function limitCheck({ requestSeries = 0, requestSamples = 0 }: BucketStoreLimits): SeriesCheck {
  let series = 0;
  let samples = 0;
  return (s) => {
    series++;
    if (requestSeries > 0 && series > requestSeries) throw limitError("series", requestSeries, series);
    if (requestSamples <= 0) return;
    for (const c of s.chunks) if (c.raw?.encoding === ChunkEncoding.XOR) samples += xorChunkNumSamples(c.raw.data);
    if (samples > requestSamples) throw limitError("samples", requestSamples, samples);
  };
}

function limitError(what: "series" | "samples", limit: number, got: number): StoreApiError {
  return new StoreApiError(GRPC_RESOURCE_EXHAUSTED, `exceeded ${what} limit: limit ${limit} violated (got at least ${got}); see --store.limits.request-${what}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function storeMetrics(registry: Registry, store: BucketStore) {
  new Gauge({
    name: "orrery_bucket_store_blocks_loaded",
    help: "Blocks served by the store gateway.",
    registers: [registry],
    collect() {
      this.set(store.blockIds.length);
    },
  });
  new Gauge({
    name: "orrery_bucket_store_index_cache_bytes",
    help: "Bytes of postings and series in the index cache.",
    registers: [registry],
    collect() {
      this.set(store.indexCache?.size ?? 0);
    },
  });
  new Gauge({
    name: "orrery_bucket_store_chunk_cache_bytes",
    help: "Bytes of chunks in the chunk cache.",
    registers: [registry],
    collect() {
      this.set(store.chunksCache?.size ?? 0);
    },
  });
  return {
    loadFailures: new Counter({ name: "orrery_bucket_store_block_load_failures_total", help: "Block loads that failed (the block is skipped).", registers: [registry] }),
    drops: new Counter({ name: "orrery_bucket_store_block_drops_total", help: "Blocks no longer served (deleted or marked for deletion).", registers: [registry] }),
  };
}
