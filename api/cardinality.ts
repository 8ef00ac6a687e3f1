// Cardinality from series labels (chunks skipped): /api/v1/status/tsdb's statistics over the
// merged view, and /api/v1/status/cardinality's per store and merged, with growth since a time.
import type { Store } from "../storeapi/index.js";
import type { ApiContext, HeadStatus, JsonBody } from "./context.js";
import { successJson, toJson } from "./encode.js";
import { ApiError, badParam, durationParam, MAX_TIME_MS, MIN_TIME_MS, timeParam, type Params } from "./params.js";
import { storeError } from "./query.js";

/** Label statistics of the series a store holds in a time range. */
export interface SeriesCounts {
  numSeries: number;
  /** The series limit stopped the count: the figures are of the first series in label order only. */
  truncated: boolean;
  byMetric: Map<string, number>;
  byPair: Map<string, number>;
  valuesByName: Map<string, Set<string>>;
  warnings: string[];
}

const ALL_SERIES = [{ name: "__name__", op: "=~" as const, value: ".+" }];

/** Counts the labels of every series of `store` with data in [minTime, maxTime]; at most `seriesLimit` series (0: all). */
export async function countSeries(store: Store, minTime: number, maxTime: number, seriesLimit: number, signal: AbortSignal): Promise<SeriesCounts> {
  const counts: SeriesCounts = { numSeries: 0, truncated: false, byMetric: new Map(), byPair: new Map(), valuesByName: new Map(), warnings: [] };
  // One more than the limit tells a store that has more from one that has exactly as many.
  const request = { minTime, maxTime, matchers: ALL_SERIES, skipChunks: true, limit: seriesLimit > 0 ? seriesLimit + 1 : undefined };
  for await (const frame of store.series(request, signal)) {
    counts.warnings.push(...frame.warnings);
    for (const s of frame.series) {
      if (seriesLimit > 0 && counts.numSeries === seriesLimit) {
        counts.truncated = true;
        return counts;
      }
      counts.numSeries++;
      for (const l of s.labels) {
        if (l.name === "__name__") bump(counts.byMetric, l.value);
        bump(counts.byPair, l.name + "=" + l.value);
        let values = counts.valuesByName.get(l.name);
        if (values === undefined) counts.valuesByName.set(l.name, (values = new Set()));
        values.add(l.value);
      }
    }
  }
  return counts;
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

export interface Count {
  name: string;
  value: number;
}

/** The `limit` largest entries, ties by name. */
export function top(m: ReadonlyMap<string, number>, limit: number): Count[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([name, value]) => ({ name, value }));
}

export function valueCounts(counts: SeriesCounts): Map<string, number> {
  return new Map([...counts.valuesByName].map(([name, values]) => [name, values.size]));
}

/** A positive integer parameter, `dflt` when absent; at most `max`. */
function countParam(params: Params, name: string, dflt: number, max: number): number {
  const text = params.get(name);
  if (text === "") return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badParam(name, `must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

const DEFAULT_WINDOW_MS = 5 * 60_000;
const DEFAULT_SERIES_LIMIT = 100_000;
const MAX_SERIES_LIMIT = 10_000_000;

interface Window {
  minTime: number;
  maxTime: number;
}

interface StoreCardinality {
  numSeries: number;
  truncated: boolean;
  seriesCountByMetricName: Count[];
  labelValueCountByLabelName: Count[];
  seriesCountByLabelValuePair: Count[];
  growth?: { numSeriesThen: number; truncatedThen: boolean; seriesCountByMetricName: { name: string; then: number; now: number }[] };
}

/** One store's figures at `now` and, with `then`, the metrics whose series count grew most since. */
async function storeCardinality(store: Store, now: Window, then: Window | undefined, limit: number, seriesLimit: number, signal: AbortSignal, warnings: string[]): Promise<StoreCardinality> {
  const [a, b] = await Promise.all([countSeries(store, now.minTime, now.maxTime, seriesLimit, signal), then === undefined ? undefined : countSeries(store, then.minTime, then.maxTime, seriesLimit, signal)]);
  warnings.push(...a.warnings, ...(b?.warnings ?? []));
  const out: StoreCardinality = {
    numSeries: a.numSeries,
    truncated: a.truncated,
    seriesCountByMetricName: top(a.byMetric, limit),
    labelValueCountByLabelName: top(valueCounts(a), limit),
    seriesCountByLabelValuePair: top(a.byPair, limit),
  };
  if (b === undefined) return out;
  const names = new Set([...a.byMetric.keys(), ...b.byMetric.keys()]);
  const growth = [...names]
    .map((name) => ({ name, then: b.byMetric.get(name) ?? 0, now: a.byMetric.get(name) ?? 0 }))
    .sort((x, y) => y.now - y.then - (x.now - x.then) || (x.name < y.name ? -1 : 1))
    .slice(0, limit);
  out.growth = { numSeriesThen: b.numSeries, truncatedThen: b.truncated, seriesCountByMetricName: growth };
  return out;
}

/**
 * GET /api/v1/status/cardinality: top metrics, label names (by value count) and label-value pairs
 * (by series) of the series with data in the window (default 5m) ending at `time` (default now),
 * merged (the query's view) and per store; with `since`, each metric's series count then and now.
 * A store reads at most `series_limit` series per time; a store that fails is listed with its error.
 */
export async function cardinality(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const limit = countParam(params, "limit", 10, 10_000);
  const seriesLimit = countParam(params, "series_limit", DEFAULT_SERIES_LIMIT, MAX_SERIES_LIMIT);
  const windowMs = durationParam(params, "window") ?? DEFAULT_WINDOW_MS;
  if (windowMs <= 0) throw badParam("window", "must be a positive duration");
  const timeMs = timeParam(params, "time", ctx.now());
  const sinceMs = params.get("since") === "" ? undefined : timeParam(params, "since", 0);
  if (sinceMs !== undefined && sinceMs >= timeMs) throw badParam("since", "must be before time");
  const at = (t: number): Window => ({ minTime: Math.round(t - windowMs), maxTime: Math.round(t) });
  const now = at(timeMs);
  const then = sinceMs === undefined ? undefined : at(sinceMs);
  const warnings: string[] = [];
  let merged: StoreCardinality;
  try {
    merged = await storeCardinality(ctx.store, now, then, limit, seriesLimit, signal, warnings);
  } catch (err) {
    throw storeError(err, signal);
  }
  const stores = await Promise.all(
    ctx.individualStores().map(async ({ name, store }) => {
      try {
        return { name, error: null, ...(await storeCardinality(store, now, then, limit, seriesLimit, signal, [])) };
      } catch (err) {
        if (signal.aborted) throw storeError(err, signal);
        return { name, error: (err as Error).message };
      }
    }),
  );
  const data = { time: timeMs / 1000, since: sinceMs === undefined ? null : sinceMs / 1000, window: windowMs / 1000, seriesLimit, merged, stores };
  return { json: successJson(toJson(data), warnings) };
}

/** Prometheus's headStats, and orrery's resident bytes of the head per series and per sample when there is a head. */
function headStats(head: HeadStatus | undefined, counts: SeriesCounts, minTime: number, maxTime: number): Record<string, number> {
  const stats = { numSeries: counts.numSeries, numLabelPairs: counts.byPair.size, chunkCount: head?.chunkCount ?? 0, minTime, maxTime };
  if (head === undefined) return stats;
  const per = (n: number): number => (n === 0 ? 0 : Math.round((head.memoryBytes / n) * 100) / 100);
  return { ...stats, numSamples: head.numSamples, memoryBytes: head.memoryBytes, memoryBytesPerSeries: per(head.numSeries), memoryBytesPerSample: per(head.numSamples) };
}

/** Prometheus's /api/v1/status/tsdb, computed from the store's series (labels only, all time). */
export async function tsdbStatus(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const limitText = params.get("limit");
  const limit = limitText === "" ? 10 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) throw new ApiError("bad_data", "limit must be a positive number");
  let counts: SeriesCounts;
  let info;
  try {
    info = await ctx.store.info();
    counts = await countSeries(ctx.store, MIN_TIME_MS, MAX_TIME_MS, 0, signal);
  } catch (err) {
    throw storeError(err, signal);
  }
  const memory = new Map<string, number>();
  for (const [name, values] of counts.valuesByName) {
    let bytes = 0;
    for (const v of values) bytes += Buffer.byteLength(v);
    memory.set(name, bytes);
  }
  const data = {
    headStats: headStats(ctx.headStatus?.(), counts, info.minTime, info.maxTime),
    seriesCountByMetricName: top(counts.byMetric, limit),
    labelValueCountByLabelName: top(valueCounts(counts), limit),
    memoryInBytesByLabelName: top(memory, limit),
    seriesCountByLabelValuePair: top(counts.byPair, limit),
  };
  return { json: successJson(toJson(data)) };
}
