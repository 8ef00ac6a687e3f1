// The bucket store's parts: object storage (objstore/) and, beside it, the TSDB block format.
export * from "./objstore/index.js";
