// The WAL's Prometheus metrics, created on a Registry the caller passes in (no global registry).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface WalMetrics {
  /** Segment files in the WAL directory (checkpoints not counted). */
  readonly segments: Gauge;
  /** Index of the segment being written. */
  readonly currentSegment: Gauge;
  readonly fsyncDuration: Histogram;
  readonly bytesWritten: Counter;
  readonly recordsWritten: Counter;
  /** Corrupt or torn records found on replay (each one truncates a segment). */
  readonly corruptions: Counter;
  readonly checkpointCreations: Counter;
  readonly checkpointFailures: Counter;
  readonly truncatedSegments: Counter;
}

export function createWalMetrics(registry: Registry): WalMetrics {
  const registers = [registry];
  return {
    segments: new Gauge({ name: "orrery_tsdb_wal_segments", help: "Number of WAL segment files.", registers }),
    currentSegment: new Gauge({
      name: "orrery_tsdb_wal_segment_current",
      help: "Index of the WAL segment being written.",
      registers,
    }),
    fsyncDuration: new Histogram({
      name: "orrery_tsdb_wal_fsync_duration_seconds",
      help: "Duration of WAL fsyncs.",
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    bytesWritten: new Counter({
      name: "orrery_tsdb_wal_bytes_written_total",
      help: "Bytes written to WAL segments.",
      registers,
    }),
    recordsWritten: new Counter({
      name: "orrery_tsdb_wal_records_written_total",
      help: "Records written to WAL segments.",
      registers,
    }),
    corruptions: new Counter({
      name: "orrery_tsdb_wal_corruptions_total",
      help: "Corrupt or torn WAL records found on replay.",
      registers,
    }),
    checkpointCreations: new Counter({
      name: "orrery_tsdb_checkpoint_creations_total",
      help: "WAL checkpoints written.",
      registers,
    }),
    checkpointFailures: new Counter({
      name: "orrery_tsdb_checkpoint_creations_failed_total",
      help: "WAL checkpoints that failed.",
      registers,
    }),
    truncatedSegments: new Counter({
      name: "orrery_tsdb_wal_segments_deleted_total",
      help: "WAL segments deleted after a checkpoint.",
      registers,
    }),
  };
}
