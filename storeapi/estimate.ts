// Estimates of what a Series request would return, for the planner's cost check before any chunk
// is read. A store with its own `estimate` (head, blocks, proxy) answers from postings and chunk
// statistics; any other store (a Thanos StoreAPI, remote_read) is asked for its series with
// skip_chunks, and its samples are taken as one per scrape interval over the time it holds.
import type { EstimateBasis, EstimateOptions, SeriesEstimate, SeriesRequest, Store } from "./types.js";

/** Prometheus's default scrape_interval: the sample spacing assumed where a store cannot count its chunks. */
export const ASSUMED_SCRAPE_INTERVAL_MS = 60_000;

/**
 * The store's own estimate, or the series counted with skip_chunks and samples from the time range;
 * with `countSeries: false`, no round trip for a store without an estimate (see EstimateOptions).
 */
export async function estimateSeries(store: Store, request: SeriesRequest, signal?: AbortSignal, options?: EstimateOptions): Promise<SeriesEstimate> {
  if (store.estimate !== undefined) return store.estimate(request, signal, options);
  if (options?.countSeries === false) return { series: 0, samples: 0, basis: "assumed" };
  let series = 0;
  for await (const frame of store.series({ ...request, skipChunks: true }, signal)) series += frame.series.length;
  if (series === 0) return { series: 0, samples: 0, basis: "exact" };
  const info = await store.info();
  const from = Math.max(request.minTime, info.minTime);
  const to = Math.min(request.maxTime, info.maxTime);
  const perSeries = to < from ? 0 : Math.floor((to - from) / ASSUMED_SCRAPE_INTERVAL_MS) + 1;
  return { series, samples: series * perSeries, basis: "assumed" };
}

const BASIS_ORDER: readonly EstimateBasis[] = ["exact", "statistics", "assumed"];

/** The weaker of two bases (an estimate is as good as its weakest part). */
export function weakerBasis(a: EstimateBasis, b: EstimateBasis): EstimateBasis {
  return BASIS_ORDER.indexOf(a) >= BASIS_ORDER.indexOf(b) ? a : b;
}
