// The compactor (Thanos Compactor's role): merges a bucket's blocks into larger ones, hands
// eligible blocks to a Downsampler, applies retention per resolution, deletes what is marked.
//
//   const c = new Compactor({ bucket, dataDir, deleteDelayMs, retention, replicaLabels, downsampler: downsampleBlock });
//   await c.run();   // one pass; safe to kill at any moment and run again
export {
  /** One pass over the bucket: compact, downsample, retention, delete; halts on input it cannot merge. */
  Compactor,
  type CompactorOptions,
  type CompactorEvent,
  type CompactorLog,
  type PassReport,
  type BucketState,
  /** `(blockDir, resolutionMs, outDir) => Promise<BlockMeta>`: stores/bucket/downsample's downsampleBlock fits. */
  type Downsampler,
  DEFAULT_DELETE_DELAY_MS,
} from "./compactor.js";
export {
  /** Merges opened blocks into one new block directory (k-way by labels, ≤120-sample chunks, replica dedup). */
  mergeBlocks,
  type MergeOptions,
  /** An error retrying cannot fix: the compactor halts. */
  CompactionHaltError,
} from "./merge.js";
export {
  planCompactions,
  planGroup,
  groupBlocks,
  splitByRange,
  planDownsampling,
  planRetention,
  type CompactionGroup,
  type CompactionPlan,
  type PlanOptions,
  type DownsampleTask,
  type RetentionPolicy,
  type RetentionPlan,
  DEFAULT_COMPACTION_RANGES_MS,
  DOWNSAMPLE_RAW_MIN_SPAN_MS,
  DOWNSAMPLE_5M_MIN_SPAN_MS,
} from "./plan.js";
export { NO_COMPACT_MARK_FILE } from "./markers.js";
