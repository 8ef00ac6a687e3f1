// Opening a head on a storage directory: open its WAL (DIR/wal, as Prometheus lays
// it out) under the directory's lock, replay it into memory, and hand back the head
// ready for appends. Closing the head releases the lock.
import { join } from "node:path";
import { Registry } from "prom-client";
import { Wal, createWalMetrics, type FsyncPolicy, type ReplayReport } from "./wal/index.js";
import { Head } from "./head.js";
import { lockDir, type DirLock } from "./lock.js";
import type { HeadOptions, HeadWal } from "./types.js";

export interface OpenHeadOptions extends Omit<HeadOptions, "wal"> {
  /** When the WAL fsyncs (default "always": an append resolves once durable). */
  readonly fsync?: FsyncPolicy;
  /** Maximum WAL segment size in bytes (the WAL's default when absent). */
  readonly segmentSize?: number;
}

export interface OpenedHead {
  readonly head: Head;
  /** What replaying the WAL found (undefined for an in-memory head). */
  readonly replay: ReplayReport | undefined;
  /** Replayed samples the head could not take (out of order or of an unknown series). */
  readonly replaySkipped: number;
  /** Warnings for the operator: the WAL's own and the head's (skipped samples, conflicting refs). */
  readonly warnings: readonly string[];
}

/**
 * Opens the head stored under `dir` (its WAL in `dir/wal`), or an in-memory head
 * when dir is undefined. The WAL's metrics go to the same registry as the head's.
 * Throws DirLockError when a live process owns the directory.
 */
export async function openHead(dir: string | undefined, opts: OpenHeadOptions = {}): Promise<OpenedHead> {
  const registry = opts.registry ?? new Registry();
  if (dir === undefined) {
    return { head: new Head({ ...opts, registry }), replay: undefined, replaySkipped: 0, warnings: [] };
  }
  const lock = await lockDir(dir);
  let wal: Wal;
  try {
    wal = await Wal.open(join(dir, "wal"), {
      fsync: opts.fsync,
      segmentSize: opts.segmentSize,
      metrics: createWalMetrics(registry),
    });
  } catch (err) {
    await lock.release();
    throw err;
  }
  const head = new Head({ ...opts, registry, wal: releasingOnClose(wal, lock) });
  try {
    const sink = head.replaySink();
    const replay = await wal.replayColumns(sink.onSeries, sink.onSamples, sink.onHistograms);
    const warnings = [...replay.warnings];
    if (sink.skipped() > 0) warnings.push(`WAL replay: ${sink.skipped()} samples skipped (out of order or of an unknown series)`);
    if (sink.conflicts() > 0) warnings.push(`WAL replay: ${sink.conflicts()} series records reuse a ref of another label set; ignored`);
    return { head, replay, replaySkipped: sink.skipped(), warnings };
  } catch (err) {
    await wal.close().catch(() => undefined);
    await lock.release();
    throw err;
  }
}

/** The WAL as the head writes through it, releasing the directory's lock once it is closed. */
function releasingOnClose(wal: Wal, lock: DirLock): HeadWal {
  return {
    logSamples: (refs, ts, vs, n, series, hs, sts) => wal.logSamples(refs, ts, vs, n, series, hs, sts),
    checkpoint: (isLive, minTimeMs) => wal.checkpoint(isLive, minTimeMs),
    close: async () => {
      await wal.close();
      await lock.release();
    },
  };
}
