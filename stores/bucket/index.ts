// The bucket store's parts: object storage (objstore/), where blocks live, the TSDB block format (block/), and the shipper from head to bucket (shipper/).
export * from "./objstore/index.js";
export * from "./block/index.js";
export * from "./shipper/index.js";
