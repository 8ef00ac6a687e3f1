// The stores: where series come from. One `export *` line per store part.
export * from "./head/index.js";
export * from "./head/wal/index.js";
export * from "./head/remote-write/index.js";
export * from "./prometheus/index.js";
export * from "./bucket/index.js";
