// The bucket store's parts: object storage (objstore/), where blocks live, the TSDB block format (block/),
// the shipper from head to bucket (shipper/), the store gateway over a bucket (gateway/) and the
// compactor (compact/).
export * from "./objstore/index.js";
export * from "./block/index.js";
export * from "./shipper/index.js";
export * from "./gateway/index.js";
export * from "./compact/index.js";
