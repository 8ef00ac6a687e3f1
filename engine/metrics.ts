// The engine's Prometheus metrics, registered on the Registry the owner passes in (never the global one).
import { Counter, type Registry } from "prom-client";

/** Why the engine could not read a chunk; each is a value of the `reason` label. */
export type ChunkSkipReason = "downsampled" | "unknown_encoding";

export const CHUNK_SKIP_REASONS: readonly ChunkSkipReason[] = ["downsampled", "unknown_encoding"];

export interface EngineMetrics {
  readonly chunksSkipped: Counter<"reason">;
}

const CHUNKS_SKIPPED = "orrery_engine_chunks_skipped_total";

/** The engine's metrics on `registry`; engines sharing a registry share the counters. */
export function createEngineMetrics(registry: Registry): EngineMetrics {
  const existing = registry.getSingleMetric(CHUNKS_SKIPPED);
  if (existing !== undefined) return { chunksSkipped: existing as Counter<"reason"> };
  const chunksSkipped = new Counter({
    name: CHUNKS_SKIPPED,
    help: "Chunks a query could not read (downsampled without raw data, unknown encoding), by reason.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  // Every reason is exported from the start, so rate() over it works before the first skip.
  for (const reason of CHUNK_SKIP_REASONS) chunksSkipped.labels(reason).inc(0);
  return { chunksSkipped };
}
