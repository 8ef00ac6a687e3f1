// Helpers shared by the head's tests (not part of the module's public face).

import type { Value } from "../../engine/index.js";
import type { SeriesFrame, SeriesRequest, Store } from "../../storeapi/index.js";
import type { Head } from "./head.js";

export { rng } from "../../testing/index.js";

/** The head's series with chunk bytes only (no samples decoded by the head): what the engine decodes itself. */
export async function* bytesOnly(frames: AsyncIterable<SeriesFrame>): AsyncIterable<SeriesFrame> {
  for await (const f of frames) {
    const series = f.series.map((s) => ({
      labels: s.labels,
      chunks: s.chunks.map((c) => {
        const { encoding, data, startTimestamps } = c.raw!;
        return { minTime: c.minTime, maxTime: c.maxTime, raw: startTimestamps === undefined ? { encoding, data } : { encoding, data, startTimestamps } };
      }),
    }));
    yield { series, warnings: f.warnings };
  }
}

/** The head as a store that never sees latestOnly and sends only chunk bytes: the full read, to compare with. */
export function fullReads(head: Head): Store {
  return {
    info: () => head.info(),
    series: (request: SeriesRequest, signal?: AbortSignal) => {
      const { latestOnly: _dropped, ...rest } = request;
      return bytesOnly(head.series(rest, signal));
    },
    labelNames: (r, s) => head.labelNames(r, s),
    labelValues: (r, s) => head.labelValues(r, s),
  };
}

/** Values made comparable: NaN equal to NaN, stale markers and all. */
export function canonical(v: Value): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === "number") return Number.isNaN(x) ? "NaN" : Object.is(x, -0) ? "-0" : x;
    if (x instanceof Float64Array) return [...x].map((y) => (Number.isNaN(y) ? "NaN" : y));
    return x;
  });
}

