// Object-storage blocks: the TSDB block format, and (in objstore/) where blocks live.
export * from "./block/index.js";
