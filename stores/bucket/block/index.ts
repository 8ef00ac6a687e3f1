// Prometheus TSDB blocks (index v2, XOR chunk segments, meta.json with Thanos's section),
// byte-compatible with Prometheus 2.42 both ways: a streaming writer, readers over byte-range
// sources (a local file here, object storage's ranges later), and a Store over local blocks.
export {
  /** Writes one block directory: `create(parentDir, {symbols, source, externalLabels})`, `addSeries` in label order, `finish()`. */
  BlockWriter,
  type BlockWriterOptions,
  /** A chunk to write: bytes as chunkenc encodes them, first and last sample times. */
  type BlockChunk,
} from "./writer.js";
export {
  /** One file readable by byte range: `{ size, read(offset, length), close() }`. */
  type ByteRangeSource,
  /** A ByteRangeSource over a local file (fs.FileHandle). */
  openFileSource,
  /** A ByteRangeSource over bytes in memory. */
  bytesSource,
  /** A ByteRangeSource over an object in an ObjectBucket: range GETs, small nearby reads sharing one. */
  bucketObjectSource,
  /** Groups ascending offsets into few range reads (gap-based, as Thanos's partitioner). */
  partitionReads,
  type ReadPartition,
} from "./source.js";
export {
  /** A block opened for reading from its files' sources: meta, index, chunks; select(matchers, mint, maxt). */
  Block,
  /** Opens a local block directory. */
  openBlockDir,
  type BlockFiles,
  type BlockSeries,
} from "./block.js";
export {
  /** Reads a block's index: postings, matchers → series refs, series and chunk metas. */
  IndexReader,
  type ChunkMeta,
  type IndexSeries,
  /** Where an IndexReader keeps postings and series it read (the gateway's LRU). */
  type IndexCache,
} from "./index-reader.js";
export {
  /** Reads chunks by ref from a block's segment files, CRC-checked. */
  ChunkReader,
  /** Where a ChunkReader keeps chunks it read and checked (the gateway's chunk LRU). */
  type ChunkCache,
} from "./chunk-reader.js";
export {
  /** The Store over a directory of local blocks. */
  BlocksStore,
  type BlocksStoreOptions,
  /** The blocks a BlocksStore.over(view) serves at one moment, and why others are not. */
  type BlocksView,
  type BlocksStoreOverOptions,
  /** A per-request check on every series read (throws to stop the request). */
  type SeriesCheck,
  /** The blocks a series request reads: the coarsest resolution allowed, gaps filled from finer ones. */
  blocksForResolution,
} from "./store.js";
export {
  /** A block failure naming the block (ULID) and the file. */
  BlockError,
  parseMeta,
  formatMeta,
  isUlid,
  type BlockMeta,
  type ThanosSource,
  DEFAULT_SEGMENT_BYTES,
  /** File names inside a block directory, and the index TOC's size. */
  META_FILE,
  INDEX_FILE,
  CHUNKS_DIR,
  INDEX_TOC_BYTES,
  /** chunks/ segment file name of sequence number i (0 → "000001"). */
  segmentFileName,
} from "./format.js";
export {
  /** ULIDs of blocks whose compaction sources another block of the same resolution holds (Thanos's DeduplicateFilter). */
  coveredBlocks,
  /** A block's downsampling resolution in ms (0: raw). */
  resolution as blockResolution,
} from "./covered.js";
export {
  /** Uploads a local block directory: chunks, index, then meta.json (as Thanos's block.Upload). */
  uploadBlock,
} from "./upload.js";
export {
  /** A new ULID (time-ordered, Crockford base32). */
  newUlid,
  /** The millisecond time in a ULID. */
  ulidTime,
} from "./ulid.js";
export {
  /** `orrery tsdb create-blocks-from openmetrics`: 2h-aligned blocks from an exposition file. */
  createBlocksFromExposition,
  type CreateBlocksOptions,
  type CreateBlocksReport,
} from "./create-from-exposition.js";
