// Commit and rollback: a validated batch is logged to the WAL, then committed
// to the series' chunks in validation order; when the WAL fails, the batch is
// rolled back so it leaves no trace (series it created are removed again, so
// a retry logs their series records anew).
import type { PendingBatch } from "./append.js";
import type { MemSeries } from "./series.js";
import type { HeadState } from "./state.js";
import type { HeadWal } from "./types.js";

/** Writes a pending batch's samples into its series' chunks and updates the head's bounds. */
export function commitBatch(state: HeadState, chunkRangeMs: number, pending: PendingBatch): void {
  const { owners, ts, vs, hs, sts, n } = pending;
  const withSt = pending.startTimestamps;
  const arena = state.arena;
  const appender = state.appender;
  let chunksCreated = 0;
  let minT = state.minTime;
  let maxT = state.maxTime;
  for (let k = 0; k < n; k++) {
    const t = ts[k]!;
    const h = pending.histograms ? hs[k] : undefined;
    const st = withSt ? sts[k]! : 0;
    const cut = h === undefined ? owners[k]!.append(t, vs[k]!, chunkRangeMs, arena, appender, st) : owners[k]!.appendHistogram(t, h, chunkRangeMs, arena, st);
    if (cut !== 0) chunksCreated++;
    if (t < minT) minT = t;
    if (t > maxT) maxT = t;
  }
  state.minTime = minT;
  state.maxTime = maxT;
  state.chunks += chunksCreated;
  if (chunksCreated > 0) state.metrics.chunksCreated.inc(chunksCreated);
  if (n > 0) state.metrics.samplesAppended.inc(n);
}

/**
 * After a WAL failure: forgets the batch's accepted samples where no later batch
 * built on them, and removes every series the batch created. Those hold no
 * chunks (commits run in order, so nothing was committed to them); a later batch
 * that used one is failed in its turn (see CommitQueue), since the series record
 * it relied on never reached the WAL.
 */
export function rollbackBatch(state: HeadState, pending: PendingBatch): void {
  const seen = new Set<MemSeries>();
  for (let k = pending.n - 1; k >= 0; k--) {
    const s = pending.owners[k]!;
    if (seen.has(s)) continue;
    seen.add(s);
    // Only undo when this batch's last sample is still the series' last accepted one.
    if (s.lastT === pending.ts[k]) {
      s.lastT = s.commitT;
      s.lastV = s.commitV;
      s.lastH = s.commitH;
    }
  }
  const created = new Set<number>();
  for (const rec of pending.newSeries) {
    const s = state.byId.get(rec.ref);
    if (s !== undefined && s.empty) created.add(rec.ref);
  }
  state.dropSeries(created);
}

/** Whether a series the batch appends to was removed by a rollback since it was validated. */
function usesDroppedSeries(state: HeadState, pending: PendingBatch): boolean {
  const { owners, n } = pending;
  for (let k = 0; k < n; k++) if (state.byId.get(owners[k]!.id) !== owners[k]) return true;
  return false;
}

/** Commits batches once the WAL has them, one after another in validation order. */
export class CommitQueue {
  /** Each batch waits for the one before it. */
  private chain: Promise<void> = Promise.resolve();
  /** Rollbacks so far: a batch validated before one must check it still has all its series. */
  private rollbacks = 0;

  constructor(
    private readonly state: HeadState,
    private readonly chunkRangeMs: number,
    private readonly wal: HeadWal | undefined,
  ) {}

  /** Whether the batch must go through the WAL before it is committed. */
  needsLog(pending: PendingBatch): boolean {
    return this.wal !== undefined && (pending.n > 0 || pending.newSeries.length > 0);
  }

  /** Commits at once (no WAL, or nothing to log). */
  commitNow(pending: PendingBatch): void {
    commitBatch(this.state, this.chunkRangeMs, pending);
  }

  /**
   * Logs the batch, then commits it after every earlier batch; on a WAL failure
   * rolls it back and rejects. `done` runs after either (the buffers may be reused).
   */
  logThenCommit(pending: PendingBatch, done: (b: PendingBatch) => void): Promise<void> {
    let logged: Promise<void>;
    try {
      logged = this.wal!.logSamples(
        pending.refs,
        pending.ts,
        pending.vs,
        pending.n,
        pending.newSeries,
        pending.histograms ? pending.hs : undefined,
        pending.startTimestamps ? pending.sts : undefined,
      );
    } catch (err) {
      logged = Promise.reject(err);
    }
    const turn = this.chain.then(
      () => logged,
      () => logged,
    );
    const epoch = this.rollbacks;
    const rollback = (err: unknown): never => {
      rollbackBatch(this.state, pending);
      this.rollbacks++;
      done(pending);
      throw err;
    };
    const committed = turn.then(() => {
      if (this.rollbacks !== epoch && usesDroppedSeries(this.state, pending)) {
        rollback(new Error("append failed: it added samples to a series created by an earlier append whose WAL write failed; retry"));
      }
      commitBatch(this.state, this.chunkRangeMs, pending);
      done(pending);
    }, rollback);
    this.chain = committed.catch(() => undefined);
    return committed;
  }

  /** Resolves once every batch submitted so far is committed or rolled back. */
  settled(): Promise<void> {
    return this.chain;
  }
}
