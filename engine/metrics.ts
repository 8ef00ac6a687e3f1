// The engine's Prometheus metrics, registered on the Registry the owner passes in (never the global one).
import { Counter, type Registry } from "prom-client";

/** Why the engine could not read a chunk; each is a value of the `reason` label. */
export type ChunkSkipReason = "downsampled" | "unknown_encoding";

export const CHUNK_SKIP_REASONS: readonly ChunkSkipReason[] = ["downsampled", "unknown_encoding"];

export interface EngineMetrics {
  readonly chunksSkipped: Counter<"reason">;
  /** Parts of range function calls and range queries' selectors evaluated on window worker threads. */
  readonly windowWorkerParts: Counter;
}

const CHUNKS_SKIPPED = "orrery_engine_chunks_skipped_total";
const WINDOW_WORKER_PARTS = "orrery_engine_window_worker_parts_total";

/** The engine's metrics on `registry`; engines sharing a registry share the counters. */
export function createEngineMetrics(registry: Registry): EngineMetrics {
  const existing = registry.getSingleMetric(CHUNKS_SKIPPED);
  if (existing !== undefined) return { chunksSkipped: existing as Counter<"reason">, windowWorkerParts: registry.getSingleMetric(WINDOW_WORKER_PARTS) as Counter };
  const chunksSkipped = new Counter({
    name: CHUNKS_SKIPPED,
    help: "Chunks a query could not read (downsampled without raw data, unknown encoding), by reason.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  // Every reason is exported from the start, so rate() over it works before the first skip.
  for (const reason of CHUNK_SKIP_REASONS) chunksSkipped.labels(reason).inc(0);
  const windowWorkerParts = new Counter({
    name: WINDOW_WORKER_PARTS,
    help: "Parts of range function calls (chunk decoding and window evaluation) and of range queries' selectors (chunk decoding and reads) run on window worker threads (--query.parallelism).",
    registers: [registry],
  });
  return { chunksSkipped, windowWorkerParts };
}
