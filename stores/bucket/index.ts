// The bucket store's parts: object storage (objstore/), where blocks live, and the TSDB block format (block/).
export * from "./objstore/index.js";
export * from "./block/index.js";
