// The bucket store's parts: object storage (objstore/), where blocks live, the TSDB block format (block/),
// the shipper from head to bucket (shipper/), the store gateway over a bucket (gateway/), the
// compactor (compact/) and downsampling into 5m and 1h tiers (downsample/).
export * from "./objstore/index.js";
export * from "./block/index.js";
export * from "./shipper/index.js";
export * from "./gateway/index.js";
export * from "./compact/index.js";
export * from "./downsample/index.js";
