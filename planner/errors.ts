import type { PosRange } from "../promql/index.js";

/** A query the planner cannot plan (a bad duration, …); the engine maps it to bad_data. */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly pos?: PosRange,
  ) {
    super(message);
    this.name = "PlanError";
  }
}
