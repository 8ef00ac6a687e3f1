// The frontend's Prometheus metrics, on the Registry its owner passes in.
import { Counter, type Registry } from "prom-client";

export interface FrontendMetrics {
  /** Requests the frontend answered, by route and how (cached / split / passed / shared with one in flight). */
  readonly requests: Counter<"route" | "path">;
  /** Cache look-ups of one piece, by backend and result. */
  readonly lookups: Counter<"backend" | "result">;
  /** Sub-ranges fetched from downstream because no extent covered them. */
  readonly extentsFetched: Counter<"backend">;
  /** Bytes written to the cache, by backend. */
  readonly bytesStored: Counter<"backend">;
  /** Cache operations that failed or timed out (the request went on uncached), by backend and operation. */
  readonly backendErrors: Counter<"backend" | "op">;
  /** Answers not stored, by reason (warnings, no-store, too fresh). */
  readonly notStored: Counter<"reason">;
  /** Downstream requests retried after a 5xx or a connection failure. */
  readonly retries: Counter;
  /** Range fetches split into vertical shards, by result (joined, or overlap: asked again unsharded). */
  readonly verticalShards: Counter<"result">;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** The frontend's metrics on `registry`; frontends sharing a registry share the counters. */
export function createFrontendMetrics(registry: Registry): FrontendMetrics {
  return {
    requests: counter(registry, "orrery_frontend_requests_total", "Requests through the query frontend, by route and path taken (cache, split, passthrough; shared: joined an identical request in flight).", ["route", "path"]),
    lookups: counter(registry, "orrery_frontend_cache_lookups_total", "Results cache look-ups of one split piece, by backend and result (hit, partial, miss).", ["backend", "result"]),
    extentsFetched: counter(registry, "orrery_frontend_extents_fetched_total", "Sub-ranges fetched downstream because the cache did not cover them.", ["backend"]),
    bytesStored: counter(registry, "orrery_frontend_cache_stored_bytes_total", "Bytes written to the results cache.", ["backend"]),
    backendErrors: counter(registry, "orrery_frontend_cache_errors_total", "Results cache operations that failed or timed out; the request was answered uncached.", ["backend", "op"]),
    notStored: counter(registry, "orrery_frontend_not_stored_total", "Fetched answers kept out of the cache, by reason (warnings, no_store, fresh).", ["reason"]),
    retries: counter(registry, "orrery_frontend_retries_total", "Downstream requests retried after a 5xx answer or a connection failure.", []),
    verticalShards: counter(
      registry,
      "orrery_frontend_vertical_sharded_total",
      "Range fetches split into vertical shards, by result (joined; overlap: the downstream ignored shard_info, asked again unsharded).",
      ["result"],
    ),
  };
}
