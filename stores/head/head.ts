// The head: series in memory with their XOR chunks, a postings index, appends
// validated per sample and made durable through the WAL before they are
// committed, and truncation of data older than the head's window.
//
// Head is the public face; each job lives in its own file, all working on one
// HeadState (state.ts): validation (append.ts), commit and rollback
// (commit.ts), WAL replay (replay.ts), truncation and checkpoints
// (truncate.ts), and reads through the Store interface (read.ts).
import { Registry } from "prom-client";
import { formatLabels } from "../../storeapi/index.js";
import type {
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  SeriesEstimate,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../../storeapi/index.js";
import { BatchPool, Rejections, minValidTime, validateSeries, type AppendRules, type PendingBatch } from "./append.js";
import { CommitQueue } from "./commit.js";
import { blockSeries } from "./cut.js";
import { HeadReader } from "./read.js";
import { createReplaySink, type CountingReplaySink } from "./replay.js";
import { HeadState, normaliseLabels } from "./state.js";
import { Truncator } from "./truncate.js";
import type { AppendBatch, AppendResult, HeadBlockSeries, HeadOptions, HeadWal, SeriesHandle, TruncateReport } from "./types.js";


export const HOUR_MS = 3_600_000;

export class Head implements Store {
  readonly registry: Registry;
  private readonly state: HeadState;
  private readonly wal: HeadWal | undefined;
  private readonly rules: AppendRules;
  private readonly chunkRangeMs: number;
  private readonly pool = new BatchPool();
  private readonly commits: CommitQueue;
  private readonly truncator: Truncator;
  private readonly reader: HeadReader;
  private readonly giveBack = (b: PendingBatch): void => this.pool.giveBack(b);

  constructor(opts: HeadOptions = {}) {
    const windowMs = opts.windowMs ?? 2 * HOUR_MS;
    this.chunkRangeMs = opts.chunkRangeMs ?? 2 * HOUR_MS;
    if (!(windowMs > 0)) throw new RangeError(`head windowMs must be positive, got ${windowMs}`);
    if (!(this.chunkRangeMs > 0)) throw new RangeError(`head chunkRangeMs must be positive, got ${this.chunkRangeMs}`);
    const externalLabels = externalLabelsOf(opts.externalLabels);
    this.wal = opts.wal;
    this.registry = opts.registry ?? new Registry();
    this.state = new HeadState(this.registry);
    this.rules = {
      windowMs,
      fixedMinValidTime: opts.minValidTime,
      floor: opts.appendFloor,
      tooFarInFutureMs: opts.tooFarInFutureMs,
      now: opts.now ?? Date.now,
    };
    this.commits = new CommitQueue(this.state, this.chunkRangeMs, this.wal);
    this.truncator = new Truncator(this.state, this.wal, {
      windowMs,
      intervalMs: opts.truncateIntervalMs ?? 60_000,
      checkpointIntervalMs: opts.checkpointIntervalMs ?? Math.min(windowMs / 2, 6 * HOUR_MS),
      limit: opts.truncationLimit,
    });
    this.reader = new HeadReader(this.state, externalLabels);
  }

  // ---- appending ----

  /** Samples before this are rejected as too_old. */
  minValidTime(): number {
    return minValidTime(this.state, this.rules);
  }

  /**
   * Validates every sample, logs the accepted ones (and new series) to the WAL,
   * then commits them to memory. Rejections are counted and reported, never thrown;
   * a WAL failure rejects the promise and nothing of the batch is committed.
   */
  async appendBatch(
    batch: AppendBatch,
    /** Filled with each entry's series (undefined when it does not exist), to give as SeriesSamples.series later. */
    handles?: (SeriesHandle | undefined)[],
  ): Promise<AppendResult> {
    let total = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!;
      total += (s.n ?? s.t.length) + (s.histograms?.h.length ?? 0);
    }
    const pending = this.pool.take(total);
    const rejections = new Rejections();
    let accepted = 0;
    for (let i = 0; i < batch.length; i++) {
      accepted += validateSeries(this.state, this.rules, batch[i]!, pending, rejections);
      if (handles !== undefined) handles[i] = pending.lastSeries;
    }
    const rejected = rejections.list();
    for (const r of rejected) this.state.metrics.samplesRejected.labels(r.reason).inc(r.count);
    if (!this.commits.needsLog(pending)) {
      this.commits.commitNow(pending);
      this.pool.giveBack(pending);
      return { accepted, rejected };
    }
    await this.commits.logThenCommit(pending, this.giveBack);
    return { accepted, rejected };
  }

  // ---- WAL replay ----

  /**
   * A sink for WAL replay: series records recreate series under their WAL ref,
   * samples are committed directly (no window check; out-of-order ones and those of
   * unknown refs are counted in `skipped`; a ref reused for another label set in
   * `conflicts`). Call before any append.
   */
  replaySink(): CountingReplaySink {
    return createReplaySink(this.state, this.chunkRangeMs);
  }

  // ---- truncation ----

  /** Starts the truncation timer (unref'd: it never keeps the process alive). */
  start(): void {
    this.truncator.start();
  }

  stop(): void {
    this.truncator.stop();
  }

  /**
   * Drops chunks wholly before mint (default: newest sample - windowMs) and series
   * left without samples, then checkpoints the WAL when mint has moved on by
   * checkpointIntervalMs since the last checkpoint. One truncation runs at a time.
   */
  truncate(mint?: number): Promise<TruncateReport> {
    return this.truncator.truncate(mint);
  }

  /** Stops the timer, waits for pending commits and truncation, and closes the WAL. */
  async close(): Promise<void> {
    this.stop();
    await this.commits.settled();
    await this.truncator.settled();
    await this.wal?.close();
  }

  // ---- cutting blocks ----

  /** Oldest and newest sample times held (Infinity and -Infinity when empty). */
  bounds(): { minTime: number; maxTime: number } {
    return { minTime: this.state.minTime, maxTime: this.state.maxTime };
  }

  /**
   * The series with samples in [mint, maxt) and their chunks there, own labels only, in
   * label order: a block's content. Waits for appends already accepted to be committed;
   * call it for a range before minValidTime(), where no new sample can land. The chunk
   * bytes stay valid until the range is truncated.
   */
  async blockSeries(mint: number, maxt: number): Promise<HeadBlockSeries[]> {
    await this.commits.settled();
    return blockSeries(this.state, mint, maxt);
  }

  // ---- reading: the Store interface ----

  async info(): Promise<StoreInfo> {
    return this.reader.info();
  }

  series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    return this.reader.series(request, signal);
  }

  /** Series and samples series(request) would return, exactly, from postings and chunk headers. */
  estimate(request: SeriesRequest, signal?: AbortSignal): Promise<SeriesEstimate> {
    return this.reader.estimate(request, signal);
  }

  labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.reader.labelNames(request, signal);
  }

  labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.reader.labelValues(request, signal);
  }

  // ---- sizes ----

  numSeries(): number {
    return this.state.byId.size;
  }

  numChunks(): number {
    return this.state.chunks;
  }

  /** Samples in the head's chunks, from their headers. */
  numSamples(): number {
    return this.state.numSamples();
  }

  /** Estimated bytes held (see HeadState.memoryBytes). */
  memoryBytes(): number {
    return this.state.memoryBytes();
  }
}

/** The external labels sorted as a label set; a repeated or empty name is a configuration error. */
function externalLabelsOf(labels: Labels | undefined): Labels {
  if (labels === undefined || labels.length === 0) return [];
  const out = normaliseLabels(labels);
  if (out === undefined || labels.some((l) => l.value === "")) {
    throw new RangeError(`head externalLabels ${formatLabels(labels)} must have distinct, non-empty names and values`);
  }
  return out;
}
