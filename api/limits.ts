// Per-tenant limits, as Mimir's runtime overrides: defaults from flags, a file of
// `overrides: {<tenant>: {<limit>: value}}` reloaded when it changes, and one check per limit.
// A refusal names the limit, its value and the tenant, and counts
// orrery_limits_rejected_total{limit,tenant}. 0 means unlimited everywhere.
import { readFileSync, statSync } from "node:fs";
import { Counter, type Registry } from "prom-client";
import { parseYaml, YamlError, YamlKeyReader, type YamlMapping } from "../storeapi/index.js";
import type { EstimateOptions, SeriesFrame, SeriesRequest, Store } from "../storeapi/index.js";
import type { CostRefusal } from "../planner/index.js";
import type { CostPolicy } from "./cost.js";
import { ApiError } from "./params.js";

export interface TenantLimits {
  /** ingestion_rate: samples per second accepted by remote_write (token bucket). */
  readonly ingestionRate: number;
  /** ingestion_burst_size: samples the bucket holds; 0: one second's worth. */
  readonly ingestionBurstSize: number;
  /** max_global_series_per_user: series of the tenant in the head. */
  readonly maxGlobalSeriesPerUser: number;
  /** max_concurrent_queries: API requests of the tenant running at once. */
  readonly maxConcurrentQueries: number;
  /** max_fetched_series_per_query. */
  readonly maxFetchedSeriesPerQuery: number;
  /** max_samples_per_query: samples in the chunks a request fetches. */
  readonly maxSamplesPerQuery: number;
  /** max_query_length, ms: the time range a request may read (selector ranges and lookback included); over it, `execution`. */
  readonly maxQueryLengthMs: number;
  /** max_response_size_bytes: the JSON answer's size. */
  readonly maxResponseSizeBytes: number;
}

export const UNLIMITED: TenantLimits = {
  ingestionRate: 0,
  ingestionBurstSize: 0,
  maxGlobalSeriesPerUser: 0,
  maxConcurrentQueries: 0,
  maxFetchedSeriesPerQuery: 0,
  maxSamplesPerQuery: 0,
  maxQueryLengthMs: 0,
  maxResponseSizeBytes: 0,
};

/** The override file's key of each limit (Mimir's names where Mimir has the limit). */
export const LIMIT_KEYS: Readonly<Record<keyof TenantLimits, string>> = {
  ingestionRate: "ingestion_rate",
  ingestionBurstSize: "ingestion_burst_size",
  maxGlobalSeriesPerUser: "max_global_series_per_user",
  maxConcurrentQueries: "max_concurrent_queries",
  maxFetchedSeriesPerQuery: "max_fetched_series_per_query",
  maxSamplesPerQuery: "max_samples_per_query",
  maxQueryLengthMs: "max_query_length",
  maxResponseSizeBytes: "max_response_size_bytes",
};

export class LimitsConfigError extends Error {
  override name = "LimitsConfigError";
}

/** Parses an overrides file; each tenant's limits start from `defaults`. `source` names the file in errors. */
export function parseLimitsOverrides(text: string, source: string, defaults: TenantLimits): Map<string, TenantLimits> {
  let doc;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YamlError) throw new LimitsConfigError(`${source}: ${err.message}`);
    throw err;
  }
  const r = new YamlKeyReader(source, (message) => new LimitsConfigError(message));
  const top = r.mapping(doc, "");
  r.onlyKeys(top, "", ["overrides"]);
  const overrides = r.mapping(top.overrides ?? {}, "overrides");
  const out = new Map<string, TenantLimits>();
  for (const tenant of Object.keys(overrides)) out.set(tenant, tenantLimits(r, r.mapping(overrides[tenant]!, `overrides.${tenant}`), `overrides.${tenant}`, defaults));
  return out;
}

function tenantLimits(r: YamlKeyReader, m: YamlMapping, at: string, d: TenantLimits): TenantLimits {
  r.onlyKeys(m, at, Object.values(LIMIT_KEYS));
  const int = (k: keyof TenantLimits): number => r.integer(m, at, LIMIT_KEYS[k], d[k], 0);
  return {
    ingestionRate: r.number(m, at, LIMIT_KEYS.ingestionRate, d.ingestionRate, 0),
    ingestionBurstSize: int("ingestionBurstSize"),
    maxGlobalSeriesPerUser: int("maxGlobalSeriesPerUser"),
    maxConcurrentQueries: int("maxConcurrentQueries"),
    maxFetchedSeriesPerQuery: int("maxFetchedSeriesPerQuery"),
    maxSamplesPerQuery: int("maxSamplesPerQuery"),
    maxQueryLengthMs: r.duration(m, at, LIMIT_KEYS.maxQueryLengthMs, d.maxQueryLengthMs),
    maxResponseSizeBytes: int("maxResponseSizeBytes"),
  };
}

/** A refused remote_write: the status to answer (429 for the rate, 400 otherwise) and why. */
export interface IngestionRefusal {
  readonly status: number;
  readonly message: string;
}

export interface TenantLimiterOptions {
  readonly defaults: TenantLimits;
  readonly registry: Registry;
  /** The overrides file; absent: the defaults apply to every tenant. */
  readonly file?: string;
  /** How often the file is checked for a change, ms. */
  readonly reloadMs?: number;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TenantLimiter {
  private overrides = new Map<string, TenantLimits>();
  private fileStamp = "";
  private readonly buckets = new Map<string, Bucket>();
  private readonly running = new Map<string, number>();
  private readonly rejected: Counter<"limit" | "tenant">;
  private readonly reloads: Counter<"result">;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  /** Loads the overrides file at once: a bad one throws LimitsConfigError naming the file and key. */
  constructor(private readonly opts: TenantLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.rejected = new Counter({ name: "orrery_limits_rejected_total", help: "Requests refused by a per-tenant limit, by limit and tenant.", labelNames: ["limit", "tenant"], registers: [opts.registry] });
    this.reloads = new Counter({ name: "orrery_limits_config_reloads_total", help: "Loads of the limits overrides file, by result.", labelNames: ["result"], registers: [opts.registry] });
    if (opts.file !== undefined) this.load(opts.file);
  }

  /** Checks the file every reloadMs; a file that does not load leaves the previous limits in force. */
  start(): void {
    const file = this.opts.file;
    if (file === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      try {
        this.load(file);
      } catch (err) {
        this.reloads.inc({ result: "failure" });
        this.opts.log?.(`limits: keeping the previous limits: ${(err as Error).message}`);
      }
    }, this.opts.reloadMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private load(file: string): void {
    let stamp: string;
    let text: string;
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}`;
      if (stamp === this.fileStamp) return;
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new LimitsConfigError(`cannot read limits file ${file}: ${(err as Error).message}`);
    }
    this.overrides = parseLimitsOverrides(text, file, this.opts.defaults);
    this.fileStamp = stamp;
    this.reloads.inc({ result: "success" });
  }

  limits(tenant: string): TenantLimits {
    return this.overrides.get(tenant) ?? this.opts.defaults;
  }

  private refuse(limit: keyof TenantLimits, tenant: string): void {
    this.rejected.inc({ limit: LIMIT_KEYS[limit], tenant });
  }

  /** Takes `samples` from the tenant's token bucket; a refusal (429) when there are not enough. */
  admitSamples(tenant: string, samples: number): IngestionRefusal | undefined {
    const { ingestionRate: rate, ingestionBurstSize } = this.limits(tenant);
    if (rate <= 0 || samples === 0) return undefined;
    const burst = ingestionBurstSize > 0 ? ingestionBurstSize : rate;
    const now = this.now();
    const b = this.buckets.get(tenant) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(tenant, b);
    if (samples <= b.tokens) {
      b.tokens -= samples;
      return undefined;
    }
    this.refuse("ingestionRate", tenant);
    const why = samples > burst ? `the request's ${samples} samples exceed the burst size (ingestion_burst_size=${burst})` : `${samples} samples asked, ${Math.floor(b.tokens)} left`;
    return { status: 429, message: `ingestion rate limit (ingestion_rate=${rate} samples/s, ingestion_burst_size=${burst}) exceeded for tenant ${JSON.stringify(tenant)}: ${why}` };
  }

  /** A refusal (400) when the tenant already has max_global_series_per_user series in the head. */
  admitSeries(tenant: string, activeSeries: number): IngestionRefusal | undefined {
    const max = this.limits(tenant).maxGlobalSeriesPerUser;
    if (max <= 0 || activeSeries < max) return undefined;
    this.refuse("maxGlobalSeriesPerUser", tenant);
    return { status: 400, message: `per-tenant series limit (max_global_series_per_user=${max}) reached for tenant ${JSON.stringify(tenant)}: ${activeSeries} active series` };
  }

  /** Counts a request of the tenant as running; the release function ends it. Throws a 429 past max_concurrent_queries. */
  acquireQuery(tenant: string): () => void {
    const max = this.limits(tenant).maxConcurrentQueries;
    const n = this.running.get(tenant) ?? 0;
    if (max > 0 && n >= max) {
      this.refuse("maxConcurrentQueries", tenant);
      throw new ApiError("unavailable", `concurrent query limit (max_concurrent_queries=${max}) reached for tenant ${JSON.stringify(tenant)}: try again later`, 429);
    }
    this.running.set(tenant, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(tenant) ?? 1) - 1;
      if (left === 0) this.running.delete(tenant);
      else this.running.set(tenant, left);
    };
  }

  /** Throws an `execution` error (422) when a JSON answer of `bytes` is over max_response_size_bytes. */
  checkResponseSize(tenant: string, bytes: number): void {
    const max = this.limits(tenant).maxResponseSizeBytes;
    if (max <= 0 || bytes <= max) return;
    this.refuse("maxResponseSizeBytes", tenant);
    throw new ApiError("execution", `response size limit (max_response_size_bytes=${max}) exceeded for tenant ${JSON.stringify(tenant)}: the answer has more than ${max} bytes; ask for a shorter range, a larger step or fewer series`);
  }

  /**
   * `policy` with the tenant's max_fetched_series_per_query checked on the cost estimate too, before
   * any chunk is read; its refusal is worded and counted as the streaming check's.
   */
  costPolicy(policy: CostPolicy, tenant: string): CostPolicy {
    const max = this.limits(tenant).maxFetchedSeriesPerQuery;
    if (max <= 0) return policy;
    return {
      limits: { ...policy.limits, series: { max, name: LIMIT_KEYS.maxFetchedSeriesPerQuery } },
      refusal: (refused: CostRefusal) => (refused.limit === "series" ? this.seriesRefusal(tenant, max, refused.detail) : policy.refusal(refused)),
    };
  }

  /** The `execution` error (422) of a request over the tenant's max_fetched_series_per_query, counted. */
  private seriesRefusal(tenant: string, max: number, why: string): ApiError {
    this.refuse("maxFetchedSeriesPerQuery", tenant);
    return new ApiError("execution", `series limit (max_fetched_series_per_query=${max}) exceeded for tenant ${JSON.stringify(tenant)}: ${why}`);
  }

  /**
   * `store` for one request of the tenant: series, samples and time range it reads are checked
   * against the tenant's limits as they stream, so a query over the limit stops before it holds more.
   */
  requestStore(store: Store, tenant: string): Store {
    const limits = this.limits(tenant);
    if (limits.maxFetchedSeriesPerQuery <= 0 && limits.maxSamplesPerQuery <= 0 && limits.maxQueryLengthMs <= 0) return store;
    const counts = { series: 0, samples: 0 };
    const checkLength = (minTime: number, maxTime: number): void => {
      const max = limits.maxQueryLengthMs;
      // Bounds are inclusive milliseconds: [t-1h+1, t] reads exactly 1h.
      const length = maxTime - minTime + 1;
      if (max <= 0 || minTime <= Number.MIN_SAFE_INTEGER || length <= max) return;
      this.refuse("maxQueryLengthMs", tenant);
      throw new ApiError("execution", `query length limit (max_query_length=${formatMs(max)}) exceeded for tenant ${JSON.stringify(tenant)}: the request reads ${formatMs(length)}; ask for a shorter range`);
    };
    const count = (frame: SeriesFrame): void => {
      counts.series += frame.series.length;
      const maxSeries = limits.maxFetchedSeriesPerQuery;
      if (maxSeries > 0 && counts.series > maxSeries) throw this.seriesRefusal(tenant, maxSeries, `the query fetches more than ${maxSeries} series; narrow its selectors`);
      const maxSamples = limits.maxSamplesPerQuery;
      if (maxSamples <= 0) return;
      for (const s of frame.series) for (const c of s.chunks) counts.samples += chunkSamples(c.raw ?? c.count);
      if (counts.samples > maxSamples) {
        this.refuse("maxSamplesPerQuery", tenant);
        throw new ApiError("execution", `sample limit (max_samples_per_query=${maxSamples}) exceeded for tenant ${JSON.stringify(tenant)}: the query fetches more than ${maxSamples} samples; ask for a shorter range or fewer series`);
      }
    };
    return {
      info: () => store.info(),
      // The cost estimate reads no chunks: it passes through, so only the query's own reads are checked and counted.
      ...(store.estimate === undefined ? {} : { estimate: (request: SeriesRequest, signal?: AbortSignal, options?: EstimateOptions) => store.estimate!(request, signal, options) }),
      async *series(request: SeriesRequest, signal?: AbortSignal) {
        checkLength(request.minTime, request.maxTime);
        for await (const frame of store.series(request, signal)) {
          count(frame);
          yield frame;
        }
      },
      labelNames: (request, signal) => {
        checkLength(request.minTime, request.maxTime);
        return store.labelNames(request, signal);
      },
      labelValues: (request, signal) => {
        checkLength(request.minTime, request.maxTime);
        return store.labelValues(request, signal);
      },
    };
  }
}

/** The sample count a Prometheus chunk starts with (2 bytes, big-endian), 0 for none. */
function chunkSamples(chunk: { readonly data: Uint8Array } | undefined): number {
  const d = chunk?.data;
  return d === undefined || d.length < 2 ? 0 : (d[0]! << 8) | d[1]!;
}

/** A duration as Prometheus prints one: 1h, 3h5m, 90s → 1m30s. */
function formatMs(ms: number): string {
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];
  let rest = Math.round(ms);
  let out = "";
  for (const [unit, size] of units) {
    if (rest < size) continue;
    out += `${Math.floor(rest / size)}${unit}`;
    rest %= size;
  }
  return out === "" ? "0s" : out;
}
