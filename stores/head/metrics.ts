// The head's Prometheus metrics, registered on the Registry the owner passes in.
// Gauges are computed on scrape from the head's own counters, so appends pay nothing for them.
import { Counter, Gauge, type Registry } from "prom-client";
import { HISTOGRAM_REJECT_REASONS, type HistogramRejectReason } from "../../storeapi/index.js";

/** Why a sample was not stored; each is a value of the `reason` label. */
export type RejectReason =
  | "out_of_order"
  | "duplicate_sample_for_timestamp"
  | "too_old"
  | "too_far_in_future"
  | "invalid_timestamp"
  | "invalid_labels"
  | HistogramRejectReason;

export const REJECT_REASONS: readonly RejectReason[] = [
  "out_of_order",
  "duplicate_sample_for_timestamp",
  "too_old",
  "too_far_in_future",
  "invalid_timestamp",
  "invalid_labels",
  ...HISTOGRAM_REJECT_REASONS,
];

/** What the gauges (and the series-created counter) read when scraped. */
export interface HeadGaugeSource {
  numSeries(): number;
  seriesCreated(): number;
  numChunks(): number;
  memoryBytes(): number;
  minTime(): number;
  maxTime(): number;
}

export interface HeadMetrics {
  readonly samplesAppended: Counter;
  readonly samplesRejected: Counter<"reason">;
  readonly seriesRemoved: Counter;
  readonly chunksCreated: Counter;
  readonly chunksRemoved: Counter;
  readonly truncations: Counter;
  readonly truncationFailures: Counter;
}

export function createHeadMetrics(registry: Registry, source: HeadGaugeSource): HeadMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  gauge("orrery_head_series", "Series held in the head.", () => source.numSeries());
  gauge("orrery_head_chunks", "Chunks held in the head (closed and open).", () => source.numChunks());
  gauge("orrery_head_memory_bytes", "Estimated bytes of memory the head's series, chunks and index use.", () =>
    source.memoryBytes(),
  );
  gauge("orrery_head_min_time", "Oldest sample time in the head, in ms (0 when empty).", () => finite(source.minTime()));
  gauge("orrery_head_max_time", "Newest sample time in the head, in ms (0 when empty).", () => finite(source.maxTime()));
  // Read from the head's own count when scraped, so creating a series makes no counter call.
  new Counter({
    name: "orrery_head_series_created_total",
    help: "Series created.",
    registers,
    collect() {
      this.reset();
      this.inc(source.seriesCreated());
    },
  });
  const samplesRejected = new Counter({
    name: "orrery_head_samples_rejected_total",
    help: "Samples the head refused, by reason.",
    labelNames: ["reason"] as const,
    registers,
  });
  // Every reason is exported from the start, so a rate() over it works before the first rejection.
  for (const reason of REJECT_REASONS) samplesRejected.labels(reason).inc(0);
  return {
    samplesAppended: new Counter({
      name: "orrery_head_samples_appended_total",
      help: "Samples stored in the head.",
      registers,
    }),
    samplesRejected,
    seriesRemoved: new Counter({
      name: "orrery_head_series_removed_total",
      help: "Series removed: by truncation, or created by a batch the WAL failed to log.",
      registers,
    }),
    chunksCreated: new Counter({ name: "orrery_head_chunks_created_total", help: "Chunks created.", registers }),
    chunksRemoved: new Counter({
      name: "orrery_head_chunks_removed_total",
      help: "Chunks removed by truncation.",
      registers,
    }),
    truncations: new Counter({ name: "orrery_head_truncations_total", help: "Head truncations run.", registers }),
    truncationFailures: new Counter({
      name: "orrery_head_truncations_failed_total",
      help: "Head truncations whose WAL checkpoint failed.",
      registers,
    }),
  };
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
