// Downsampling (Thanos's 5m and 1h tiers): a block's series as count, sum, min, max and counter
// aggregates per window, in Thanos's aggregate chunks. The compactor calls downsampleBlock.
export {
  /** Downsamples a local block directory to 5m (from raw) or 1h (from 5m) into a new block; returns its meta. */
  downsampleBlock,
  /** The aggregation of one series into windows, and its encoding as aggregate chunks (for tests and tools). */
  downsampleWindows,
  encodeWindows,
  type AggregateInput,
  type Windows,
  /** Thanos's resolutions in ms: 0, 300000, 3600000. */
  RESOLUTION_RAW,
  RESOLUTION_5M,
  RESOLUTION_1H,
} from "./downsample.js";
