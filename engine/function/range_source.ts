// What a range function reads: every input series' samples (stale markers removed), in time order,
// through a sliding buffer per series.
import type { SeriesMeta } from "../model.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";

export interface RangeData {
  meta: SeriesMeta[];
  buffers: SampleBuffer[];
  /** Points the source holds for the whole evaluation (a subquery's; none for a selector's chunks), as --query.max-samples weighs them. */
  points?: number;
}

/** A matrix selector or subquery whose windows a range function evaluates. */
export interface RangeSource {
  load(): Promise<RangeData>;
  /** The window's reference time for an evaluation step: (at ?? t) − offset. */
  refTime(t: number): number;
  readonly rangeMs: number;
  readonly anchored: boolean;
  readonly smoothed: boolean;
  /** True when the loaded series never repeat a label set (a selector's, joined by the fetch). */
  readonly distinctLabels: boolean;
  describe(): string;
}
