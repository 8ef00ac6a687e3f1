// Truncation: drops chunks wholly before the head's window and series left
// empty, then checkpoints the WAL when the truncation point has moved far
// enough since the last checkpoint. Runs on a timer or on demand, one at a time.
import type { HeadState } from "./state.js";
import type { HeadWal, TruncateReport } from "./types.js";

export interface TruncateOptions {
  readonly windowMs: number;
  readonly intervalMs: number;
  readonly checkpointIntervalMs: number;
  /** Samples at or after this are never truncated (see HeadOptions.truncationLimit). */
  readonly limit?: () => number;
}

export class Truncator {
  private lastCheckpointMint = -Infinity;
  private running: Promise<TruncateReport> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: HeadState,
    private readonly wal: HeadWal | undefined,
    private readonly opts: TruncateOptions,
  ) {}

  /** Starts the truncation timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.truncate().catch(() => undefined);
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Truncates before mint (default: newest sample - windowMs; never past the limit), after any truncation already running. */
  async truncate(mint?: number): Promise<TruncateReport> {
    if (this.running !== undefined) await this.running.catch(() => undefined);
    const wanted = mint ?? this.state.maxTime - this.opts.windowMs;
    const run = this.truncateNow(Math.min(wanted, this.opts.limit?.() ?? Infinity));
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** Resolves once no truncation is running. */
  async settled(): Promise<void> {
    if (this.running !== undefined) await this.running.catch(() => undefined);
  }

  private async truncateNow(mint: number): Promise<TruncateReport> {
    if (!Number.isFinite(mint)) return { mint, chunksRemoved: 0, seriesRemoved: 0, checkpointed: false };
    const state = this.state;
    state.metrics.truncations.inc();
    if (mint > state.truncatedBefore) state.truncatedBefore = mint;
    let chunksRemoved = 0;
    const gone = new Set<number>();
    let minT = Infinity;
    for (const s of state.byId.values()) {
      chunksRemoved += s.truncateBefore(mint, state.arena).chunks;
      if (s.empty && !s.pending) gone.add(s.id);
      else minT = Math.min(minT, s.minTime());
    }
    state.dropSeries(gone);
    state.chunks -= chunksRemoved;
    state.minTime = minT;
    state.metrics.chunksRemoved.inc(chunksRemoved);
    const report = { mint, chunksRemoved, seriesRemoved: gone.size, checkpointed: false };
    if (this.wal === undefined || mint - this.lastCheckpointMint < this.opts.checkpointIntervalMs) return report;
    try {
      await this.wal.checkpoint((ref) => state.byId.has(ref), mint);
    } catch (err) {
      state.metrics.truncationFailures.inc();
      throw err;
    }
    this.lastCheckpointMint = mint;
    return { ...report, checkpointed: true };
  }
}
