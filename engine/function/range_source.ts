// What a range function reads: every input series' samples (stale markers removed), in time order.
import type { SeriesMeta } from "../model.js";

export interface RangeData {
  meta: SeriesMeta[];
  t: Float64Array[];
  v: Float64Array[];
  /** Samples held for the query's sample limit; released when the query ends. */
  samples: number;
}

/** A matrix selector or subquery, loaded in full before its windows are evaluated. */
export interface RangeSource {
  load(): Promise<RangeData>;
  /** The window's reference time for an evaluation step: (at ?? t) − offset. */
  refTime(t: number): number;
  readonly rangeMs: number;
  readonly anchored: boolean;
  readonly smoothed: boolean;
  describe(): string;
}
