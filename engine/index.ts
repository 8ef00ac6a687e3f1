// The vectorized PromQL engine: instant and range queries over any Store.
export type * from "./types.js";
export { QueryError } from "./errors.js";
export { Engine } from "./engine.js";
export type { Operator, StepVector, SeriesMeta, Explain } from "./model.js";
