// The Store interface the engine reads from, and the chunk encoding every store speaks.
export type * from "./types.js";
export { ChunkEncoding } from "./types.js";
