// The store gateway (Thanos Store's role): a Store over every TSDB block in an ObjectBucket.
//
//   const store = await BucketStore.open(bucket, { dataDir, indexCacheBytes, limits: { requestSeries: 1e5 } });
//   store.syncEvery(180_000, (err) => log.warn(err.message));   // new, deleted, marked blocks
//   await serveStoreApi(store, { address, componentType: "store" });
export {
  /** The gateway: synced blocks, local index-headers, range GETs, an LRU index cache, limits. */
  BucketStore,
  type BucketStoreOptions,
  type BucketStoreLimits,
  type MetaSyncReport,
  DEFAULT_INDEX_CACHE_BYTES,
  DEFAULT_CHUNK_CACHE_BYTES,
  DEFAULT_IGNORE_DELETION_MARKS_DELAY_MS,
  /** "deletion-mark.json", as Thanos names it. */
  DELETION_MARK_FILE,
} from "./bucket-store.js";
export {
  /** The per-block local file of the index's symbols, postings offset table and TOC. */
  INDEX_HEADER_FILE,
} from "./index-header.js";
export {
  /** The byte-bounded LRU of postings and series. */
  LruIndexCache,
  /** The byte-bounded LRU of chunks read and CRC-checked. */
  LruChunkCache,
} from "./cache.js";
