// orrery's PromQL parser: a dependency-free library (no Node-only APIs).
export type * from "./ast.js";
