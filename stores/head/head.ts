// The head: series in memory with their XOR chunks, a postings index, appends
// validated per sample and made durable through the WAL before they are
// committed, and truncation of data older than the head's window.
import { Registry } from "prom-client";
import {
  FloatBits,
  STALE_NAN,
  compareUtf8,
  formatLabels,
  isStaleNaN,
  labelsEqual,
  labelsHash,
} from "../../storeapi/index.js";
import type {
  Label,
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Series,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../../storeapi/index.js";
import { createHeadMetrics, type HeadMetrics, type RejectReason } from "./metrics.js";
import { ChunkArena } from "./arena.js";
import { PostingsIndex } from "./postings.js";
import { selectIds } from "./select.js";
import { ByteSlab, MemSeries } from "./series.js";
import { sortByLabels } from "./sort.js";
import type { WalSeriesRecord } from "./wal/index.js";

export const HOUR_MS = 3_600_000;
/** Series per frame of a series() stream. */
const FRAME_SERIES = 256;

/** One series' samples in an append batch: columns, no per-sample objects. */
export interface SeriesSamples {
  readonly labels: Labels;
  /** Timestamps in ms, ascending for an in-order series. */
  readonly t: ArrayLike<number>;
  /** Values; a Float64Array keeps stale-marker bits exactly (plain arrays quiet NaNs, which the head undoes). */
  readonly v: ArrayLike<number>;
  /** Samples to take from t/v (default t.length), so a decoder can reuse bigger buffers. */
  readonly n?: number;
}

export type AppendBatch = readonly SeriesSamples[];

export interface Rejection {
  readonly reason: RejectReason;
  readonly count: number;
  /** A description of the first sample rejected for this reason. */
  readonly firstError?: string;
}

export interface AppendResult {
  /** Samples accepted, counting exact duplicates of stored samples (accepted silently, not stored twice). */
  readonly accepted: number;
  readonly rejected: readonly Rejection[];
}

/** The part of the WAL (./wal) the head writes through. */
export interface HeadWal {
  logSamples(
    refs: ArrayLike<number>,
    ts: ArrayLike<number>,
    vs: Float64Array,
    n: number,
    series?: readonly WalSeriesRecord[],
  ): Promise<void>;
  checkpoint(isLive: (ref: number) => boolean, minTimeMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What the WAL replays: series records, then sample columns (valid only during the call). */
export interface ReplaySink {
  onSeries(recs: readonly WalSeriesRecord[]): void;
  onSamples(refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, n: number): void;
}

export interface HeadOptions {
  /** Where accepted samples are logged before they are committed; none for an in-memory head. */
  readonly wal?: HeadWal;
  /** Registry for the head's metrics; a private one when absent (never the global default). */
  readonly registry?: Registry;
  /** How much data the head keeps behind its newest sample (default 2h); older chunks are truncated. */
  readonly windowMs?: number;
  /** Chunks are cut at multiples of this (default 2h), as well as at 120 samples. */
  readonly chunkRangeMs?: number;
  /**
   * Samples before this are rejected as too_old, instead of the default rule
   * (before newest sample - windowMs). -Infinity accepts samples of any age (import).
   */
  readonly minValidTime?: number;
  /**
   * Samples more than this ahead of the wall clock are rejected as
   * too_far_in_future (Thanos receive's --tsdb.too-far-in-future.time-window).
   * Off by default, as in Prometheus; without it one far-future sample moves the
   * head's window forward and the next truncation drops everything else.
   */
  readonly tooFarInFutureMs?: number;
  /** The store's external labels, reported by info(). */
  readonly externalLabels?: Labels;
  /** Interval of the truncation timer started by start() (default 1 minute). */
  readonly truncateIntervalMs?: number;
  /**
   * How far the truncation point must have moved since the last WAL checkpoint for
   * a truncation to write a new one (default windowMs / 2, at most 6h). A checkpoint rewrites
   * the window's samples, so it runs far less often than memory truncation; the WAL
   * holds up to windowMs + this much data.
   */
  readonly checkpointIntervalMs?: number;
  /** The wall clock, in ms (tests replace it). */
  readonly now?: () => number;
}

export interface TruncateReport {
  readonly mint: number;
  readonly chunksRemoved: number;
  readonly seriesRemoved: number;
  /** Whether the WAL was checkpointed. */
  readonly checkpointed: boolean;
}

/** Per-batch rejection tally. */
class Rejections {
  private readonly counts = new Map<RejectReason, { count: number; firstError: string }>();

  add(reason: RejectReason, count: number, describe: () => string): void {
    const r = this.counts.get(reason);
    if (r !== undefined) r.count += count;
    else this.counts.set(reason, { count, firstError: describe() });
  }

  list(): Rejection[] {
    return [...this.counts].map(([reason, r]) => ({ reason, count: r.count, firstError: r.firstError }));
  }
}

/** Samples accepted by validation, waiting for the WAL; one row per sample. */
interface PendingBatch {
  readonly owners: MemSeries[];
  readonly refs: Float64Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  n: number;
  readonly newSeries: WalSeriesRecord[];
}

/** Batch buffers kept for reuse, and the largest batch (in samples) worth keeping one for. */
const MAX_SPARE_BUFFERS = 8;
const MAX_POOLED_SAMPLES = 1 << 16;

export class Head implements Store {
  private readonly postings = new PostingsIndex();
  /** Closed chunks' bytes. */
  private readonly arena = new ChunkArena();
  private readonly byId = new Map<number, MemSeries>();
  /** Label-set hash → series; a collision keeps an array of the series sharing the hash. */
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  private nextId = 1;
  private readonly wal: HeadWal | undefined;
  readonly registry: Registry;
  private readonly metrics: HeadMetrics;
  private readonly windowMs: number;
  private readonly chunkRangeMs: number;
  private readonly fixedMinValidTime: number | undefined;
  private readonly tooFarInFutureMs: number | undefined;
  private readonly now: () => number;
  private readonly externalLabels: Labels;
  private readonly truncateIntervalMs: number;
  private readonly checkpointIntervalMs: number;
  private lastCheckpointMint = -Infinity;
  /** Float scratch for bit comparisons and for every open chunk (one per chunk would cost ~30% of a series). */
  private readonly bits = new FloatBits();
  private headMinTime = Infinity;
  private headMaxTime = -Infinity;
  /** Samples before this were truncated away; none may be appended again. */
  private truncatedBefore = -Infinity;
  private chunks = 0;
  /** Commits happen in validation order: each batch waits for the one before it. */
  private commitChain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly spareBuffers: PendingBatch[] = [];
  private truncating: Promise<TruncateReport> | undefined;

  constructor(opts: HeadOptions = {}) {
    this.wal = opts.wal;
    this.registry = opts.registry ?? new Registry();
    this.windowMs = opts.windowMs ?? 2 * HOUR_MS;
    this.chunkRangeMs = opts.chunkRangeMs ?? 2 * HOUR_MS;
    this.fixedMinValidTime = opts.minValidTime;
    this.tooFarInFutureMs = opts.tooFarInFutureMs;
    this.now = opts.now ?? Date.now;
    this.externalLabels = opts.externalLabels ?? [];
    this.truncateIntervalMs = opts.truncateIntervalMs ?? 60_000;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? Math.min(this.windowMs / 2, 6 * HOUR_MS);
    if (!(this.windowMs > 0)) throw new RangeError(`head windowMs must be positive, got ${this.windowMs}`);
    if (!(this.chunkRangeMs > 0)) throw new RangeError(`head chunkRangeMs must be positive, got ${this.chunkRangeMs}`);
    this.metrics = createHeadMetrics(this.registry, {
      numSeries: () => this.byId.size,
      numChunks: () => this.chunks,
      memoryBytes: () => this.memoryBytes(),
      minTime: () => this.headMinTime,
      maxTime: () => this.headMaxTime,
    });
  }

  // ---- appending ----

  /** Samples before this are rejected as too_old. */
  minValidTime(): number {
    const base = this.fixedMinValidTime ?? this.headMaxTime - this.windowMs;
    return Math.max(base, this.truncatedBefore);
  }

  /**
   * Validates every sample, logs the accepted ones (and new series) to the WAL,
   * then commits them to memory. Rejections are counted and reported, never thrown;
   * a WAL failure rejects the promise and nothing of the batch is committed.
   */
  async appendBatch(batch: AppendBatch): Promise<AppendResult> {
    let total = 0;
    for (const s of batch) total += s.n ?? s.t.length;
    const pending = this.takeBuffers(total);
    const rejections = new Rejections();
    let accepted = 0;
    for (const entry of batch) accepted += this.validate(entry, pending, rejections);
    const rejected = rejections.list();
    for (const r of rejected) this.metrics.samplesRejected.labels(r.reason).inc(r.count);
    if (this.wal === undefined || (pending.n === 0 && pending.newSeries.length === 0)) {
      this.commit(pending);
      this.giveBack(pending);
      return { accepted, rejected };
    }
    let logged: Promise<void>;
    try {
      logged = this.wal.logSamples(pending.refs, pending.ts, pending.vs, pending.n, pending.newSeries);
    } catch (err) {
      logged = Promise.reject(err);
    }
    const turn = this.commitChain.then(
      () => logged,
      () => logged,
    );
    const committed = turn.then(
      () => {
        this.commit(pending);
        this.giveBack(pending);
      },
      (err: unknown) => {
        this.rollback(pending);
        this.giveBack(pending);
        throw err;
      },
    );
    this.commitChain = committed.catch(() => undefined);
    await committed;
    return { accepted, rejected };
  }

  /** Batch buffers from the pool (big typed arrays are costly to allocate per batch). */
  private takeBuffers(total: number): PendingBatch {
    for (let i = this.spareBuffers.length - 1; i >= 0; i--) {
      const b = this.spareBuffers[i]!;
      if (b.ts.length < total) continue;
      this.spareBuffers.splice(i, 1);
      return b;
    }
    const size = Math.max(total, 1024);
    return {
      owners: new Array<MemSeries>(size),
      refs: new Float64Array(size),
      ts: new Float64Array(size),
      vs: new Float64Array(size),
      n: 0,
      newSeries: [],
    };
  }

  private giveBack(b: PendingBatch): void {
    // Drop series references, so the pool never keeps truncated series alive.
    b.owners.fill(undefined as unknown as MemSeries, 0, b.n);
    b.n = 0;
    b.newSeries.length = 0;
    if (this.spareBuffers.length < MAX_SPARE_BUFFERS && b.ts.length <= MAX_POOLED_SAMPLES) this.spareBuffers.push(b);
  }

  /** Validates one series' samples into `pending`; returns how many were accepted. */
  private validate(entry: SeriesSamples, pending: PendingBatch, rejections: Rejections): number {
    const n = entry.n ?? entry.t.length;
    if (n === 0) return 0;
    const labels = normaliseLabels(entry.labels);
    if (labels === undefined) {
      rejections.add("invalid_labels", n, () => `invalid label set ${describeLabels(entry.labels)}`);
      return 0;
    }
    const hash = seriesHashKey(labels);
    let series = this.lookup(labels, hash);
    let lastT = series !== undefined ? series.lastT : -Infinity;
    let lastV = series !== undefined ? series.lastV : 0;
    const minValid = this.minValidTime();
    const maxValid = this.tooFarInFutureMs !== undefined ? this.now() + this.tooFarInFutureMs : Infinity;
    const ts = entry.t;
    const vs = entry.v;
    const start = pending.n;
    let accepted = 0;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      let v = vs[i]!;
      if (!Number.isSafeInteger(t)) {
        rejections.add("invalid_timestamp", 1, () => `timestamp ${t} is not an integer of ms, series ${formatLabels(labels)}`);
        continue;
      }
      if (t < minValid) {
        rejections.add("too_old", 1, () => `sample at ${t} is before the head's min valid time ${minValid}, series ${formatLabels(labels)}`);
        continue;
      }
      if (t > maxValid) {
        rejections.add("too_far_in_future", 1, () => `sample at ${t} is more than ${this.tooFarInFutureMs} ms ahead of the clock, series ${formatLabels(labels)}`);
        continue;
      }
      if (v !== v && isStaleNaN(v, this.bits)) v = STALE_NAN;
      if (t < lastT) {
        rejections.add("out_of_order", 1, () => `sample at ${t} is before the series' last sample at ${lastT}, series ${formatLabels(labels)}`);
        continue;
      }
      if (t === lastT) {
        if (this.sameBits(v, lastV)) {
          accepted++;
          continue;
        }
        rejections.add("duplicate_sample_for_timestamp", 1, () => `sample at ${t} has value ${v}, the stored one ${lastV}, series ${formatLabels(labels)}`);
        continue;
      }
      const k = pending.n++;
      pending.ts[k] = t;
      pending.vs[k] = v;
      lastT = t;
      lastV = v;
      accepted++;
    }
    if (pending.n === start) return accepted;
    if (series === undefined) {
      series = this.createSeries(this.nextId++, labels, hash);
      pending.newSeries.push({ ref: series.id, labels: series.labels });
    }
    for (let k = start; k < pending.n; k++) {
      pending.owners[k] = series;
      pending.refs[k] = series.id;
    }
    series.lastT = lastT;
    series.lastV = lastV;
    return accepted;
  }

  /** Compares float bits, so NaN equals NaN and stale equals stale but not each other. */
  private sameBits(a: number, b: number): boolean {
    if (a === a && b === b) return a === b && (a !== 0 || 1 / a === 1 / b);
    const bits = this.bits;
    // A stale marker may have been quieted on its way through a plain array or field.
    const staleA = isStaleNaN(a, bits);
    const staleB = isStaleNaN(b, bits);
    if (staleA || staleB) return staleA && staleB;
    bits.set(a);
    const hi = bits.hi();
    const lo = bits.lo();
    bits.set(b);
    return hi === bits.hi() && lo === bits.lo();
  }

  private commit(pending: PendingBatch): void {
    const { owners, ts, vs, n } = pending;
    let chunksCreated = 0;
    let minT = this.headMinTime;
    let maxT = this.headMaxTime;
    for (let k = 0; k < n; k++) {
      const t = ts[k]!;
      const cut = owners[k]!.append(t, vs[k]!, this.chunkRangeMs, this.arena, this.bits);
      if (cut !== 0) chunksCreated++;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
    this.headMinTime = minT;
    this.headMaxTime = maxT;
    this.chunks += chunksCreated;
    if (chunksCreated > 0) this.metrics.chunksCreated.inc(chunksCreated);
    if (n > 0) this.metrics.samplesAppended.inc(n);
  }

  /** After a WAL failure: forget the batch's accepted samples where no later batch built on them. */
  private rollback(pending: PendingBatch): void {
    const seen = new Set<MemSeries>();
    for (let k = pending.n - 1; k >= 0; k--) {
      const s = pending.owners[k]!;
      if (seen.has(s)) continue;
      seen.add(s);
      // Only undo when this batch's last sample is still the series' last accepted one.
      if (s.lastT === pending.ts[k]) {
        s.lastT = s.commitT;
        s.lastV = s.commitV;
      }
    }
  }

  private lookup(labels: Labels, hash: number): MemSeries | undefined {
    const hit = this.byHash.get(hash);
    if (hit === undefined) return undefined;
    if (!Array.isArray(hit)) return labelsEqual(hit.labels, labels) ? hit : undefined;
    for (const s of hit) if (labelsEqual(s.labels, labels)) return s;
    return undefined;
  }

  private createSeries(id: number, labels: Labels, hash: number): MemSeries {
    const series = new MemSeries(id, this.postings.add(id, labels), hash);
    this.byId.set(id, series);
    const hit = this.byHash.get(hash);
    if (hit === undefined) this.byHash.set(hash, series);
    else if (Array.isArray(hit)) hit.push(series);
    else this.byHash.set(hash, [hit, series]);
    this.metrics.seriesCreated.inc();
    return series;
  }

  private forgetSeries(series: MemSeries): void {
    this.byId.delete(series.id);
    const hit = this.byHash.get(series.hash);
    if (hit === series) this.byHash.delete(series.hash);
    else if (Array.isArray(hit)) {
      const rest = hit.filter((s) => s !== series);
      if (rest.length === 1) this.byHash.set(series.hash, rest[0]!);
      else this.byHash.set(series.hash, rest);
    }
  }

  // ---- WAL replay ----

  /**
   * A sink for WAL replay: series records recreate series under their WAL ref,
   * samples are committed directly (no window check; out-of-order ones and those of
   * unknown refs are counted in `skipped`; a ref reused for another label set in
   * `conflicts`). Call before any append.
   */
  replaySink(): ReplaySink & { skipped: () => number; conflicts: () => number } {
    /** WAL ref → series, for refs whose label set already exists under another ref. */
    const aliases = new Map<number, MemSeries>();
    let skipped = 0;
    let conflicts = 0;
    const sink = {
      onSeries: (recs: readonly WalSeriesRecord[]): void => {
        for (const r of recs) {
          const labels = normaliseLabels(r.labels);
          if (labels === undefined) continue;
          const hash = seriesHashKey(labels);
          const existing = this.lookup(labels, hash);
          if (existing !== undefined) {
            if (existing.id !== r.ref) aliases.set(r.ref, existing);
          } else if (this.byId.has(r.ref)) {
            // A ref reused for another label set: the WAL is inconsistent; its samples are skipped.
            conflicts++;
          } else {
            this.createSeries(r.ref, labels, hash);
          }
          if (r.ref >= this.nextId) this.nextId = r.ref + 1;
        }
      },
      onSamples: (refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, n: number): void => {
        const pending: PendingBatch = {
          owners: new Array<MemSeries>(n),
          refs: new Float64Array(0),
          ts: new Float64Array(n),
          vs: new Float64Array(n),
          n: 0,
          newSeries: [],
        };
        for (let i = 0; i < n; i++) {
          const ref = refs[i]!;
          const s = aliases.get(ref) ?? this.byId.get(ref);
          const t = ts[i]!;
          if (s === undefined || !(t > s.lastT)) {
            skipped++;
            continue;
          }
          const k = pending.n++;
          pending.owners[k] = s;
          pending.ts[k] = t;
          pending.vs.set(vs.subarray(i, i + 1), k);
          s.lastT = t;
          s.lastV = pending.vs[k]!;
        }
        this.commit(pending);
      },
      skipped: () => skipped,
      conflicts: () => conflicts,
    };
    return sink;
  }

  // ---- truncation ----

  /** Starts the truncation timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.truncate().catch(() => undefined);
    }, this.truncateIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Drops chunks wholly before mint (default: newest sample - windowMs) and series
   * left without samples, then checkpoints the WAL when mint has moved on by
   * checkpointIntervalMs since the last checkpoint. One truncation runs at a time.
   */
  async truncate(mint?: number): Promise<TruncateReport> {
    if (this.truncating !== undefined) await this.truncating.catch(() => undefined);
    const run = this.truncateNow(mint ?? this.headMaxTime - this.windowMs);
    this.truncating = run;
    try {
      return await run;
    } finally {
      if (this.truncating === run) this.truncating = undefined;
    }
  }

  private async truncateNow(mint: number): Promise<TruncateReport> {
    if (!Number.isFinite(mint)) return { mint, chunksRemoved: 0, seriesRemoved: 0, checkpointed: false };
    this.metrics.truncations.inc();
    if (mint > this.truncatedBefore) this.truncatedBefore = mint;
    let chunksRemoved = 0;
    const gone = new Set<number>();
    let minT = Infinity;
    for (const s of this.byId.values()) {
      chunksRemoved += s.truncateBefore(mint, this.arena).chunks;
      if (s.empty && !s.pending) gone.add(s.id);
      else minT = Math.min(minT, s.minTime());
    }
    this.postings.remove(gone, (id) => this.byId.get(id)?.labels);
    for (const id of gone) this.forgetSeries(this.byId.get(id)!);
    this.chunks -= chunksRemoved;
    this.headMinTime = minT;
    this.metrics.chunksRemoved.inc(chunksRemoved);
    this.metrics.seriesRemoved.inc(gone.size);
    const report = { mint, chunksRemoved, seriesRemoved: gone.size, checkpointed: false };
    if (this.wal === undefined || mint - this.lastCheckpointMint < this.checkpointIntervalMs) return report;
    try {
      await this.wal.checkpoint((ref) => this.byId.has(ref), mint);
    } catch (err) {
      this.metrics.truncationFailures.inc();
      throw err;
    }
    this.lastCheckpointMint = mint;
    return { ...report, checkpointed: true };
  }

  /** Stops the timer and closes the WAL. */
  async close(): Promise<void> {
    this.stop();
    await this.commitChain;
    if (this.truncating !== undefined) await this.truncating.catch(() => undefined);
    await this.wal?.close();
  }

  // ---- reading: the Store interface ----

  async info(): Promise<StoreInfo> {
    const empty = this.byId.size === 0 || this.headMinTime > this.headMaxTime;
    return {
      labelSets: this.externalLabels.length > 0 ? [this.externalLabels] : [],
      // An empty head covers no time: min above max, so no range selects it.
      minTime: empty ? Number.MAX_SAFE_INTEGER : this.headMinTime,
      maxTime: empty ? Number.MIN_SAFE_INTEGER : this.headMaxTime,
      resolutions: [0],
      supportsAggregationPushdown: false,
    };
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    throwIfAborted(signal);
    const { minTime, maxTime } = request;
    let selected = this.selectSeries(request.matchers, minTime, maxTime);
    sortByLabels(selected);
    if (request.limit !== undefined && request.limit > 0 && selected.length > request.limit) {
      selected = selected.slice(0, request.limit);
    }
    // The open chunks' copies share slab blocks (see chunksIn).
    const copies = new ByteSlab();
    for (let from = 0; from < selected.length; from += FRAME_SERIES) {
      throwIfAborted(signal);
      const frame: Series[] = [];
      for (let i = from; i < Math.min(selected.length, from + FRAME_SERIES); i++) {
        const s = selected[i]!;
        if (request.skipChunks) {
          frame.push({ labels: s.labels, chunks: [] });
          continue;
        }
        // Chunks are gathered per frame: truncation between frames may have emptied a series.
        const chunks = s.chunksIn(minTime, maxTime, this.arena, copies);
        if (chunks.length > 0) frame.push({ labels: s.labels, chunks });
      }
      yield { series: frame, warnings: [] };
    }
  }

  async labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    throwIfAborted(signal);
    if (!this.overlaps(request.minTime, request.maxTime)) return { values: [], warnings: [] };
    let values: readonly string[];
    if (request.matchers.length === 0) {
      values = this.postings.labelNames();
    } else {
      const names = new Set<string>();
      for (const s of this.selectSeries(request.matchers, request.minTime, request.maxTime)) {
        for (const l of s.labels) names.add(l.name);
      }
      values = [...names].sort(compareUtf8);
    }
    return { values: limitList(values, request.limit), warnings: [] };
  }

  async labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    throwIfAborted(signal);
    if (!this.overlaps(request.minTime, request.maxTime)) return { values: [], warnings: [] };
    let values: readonly string[];
    if (request.matchers.length === 0) {
      values = this.postings.labelValues(request.label);
    } else {
      const found = new Set<string>();
      for (const s of this.selectSeries(request.matchers, request.minTime, request.maxTime)) {
        for (const l of s.labels) if (l.name === request.label) found.add(l.value);
      }
      values = [...found].sort(compareUtf8);
    }
    return { values: limitList(values, request.limit), warnings: [] };
  }

  /** Series matching the matchers with a chunk overlapping [mint, maxt], in id order. */
  private selectSeries(matchers: SeriesRequest["matchers"], mint: number, maxt: number): MemSeries[] {
    const ids = selectIds(this.postings, matchers, (id) => this.byId.get(id)?.labels);
    const out: MemSeries[] = [];
    for (let i = 0; i < ids.length; i++) {
      const s = this.byId.get(ids[i]!);
      if (s !== undefined && s.hasDataIn(mint, maxt)) out.push(s);
    }
    return out;
  }

  private overlaps(mint: number, maxt: number): boolean {
    return this.headMinTime <= maxt && this.headMaxTime >= mint;
  }

  // ---- sizes ----

  numSeries(): number {
    return this.byId.size;
  }

  numChunks(): number {
    return this.chunks;
  }

  /**
   * Estimated bytes held: chunk bytes plus fixed per-object overheads measured on
   * V8 (bench/head.bench.ts prints the estimate beside the measured heap).
   */
  memoryBytes(): number {
    let openBytes = 0;
    let labelRefs = 0;
    for (const s of this.byId.values()) {
      openBytes += s.openBytes();
      labelRefs += s.labels.length;
    }
    const closedChunks = this.chunks - this.byId.size;
    return (
      this.arena.allocatedBytes() +
      openBytes +
      this.byId.size * SERIES_OVERHEAD_BYTES +
      Math.max(0, closedChunks) * CLOSED_CHUNK_OVERHEAD_BYTES +
      labelRefs * 12 +
      this.postings.labelPairCount() * LABEL_PAIR_OVERHEAD_BYTES
    );
  }
}

/** Series object, its two map entries, open XorChunk with its buffer and scratch (steady state, measured by bench/head.bench.ts). */
const SERIES_OVERHEAD_BYTES = 500;
/** A closed chunk's four numbers in its series' list, with the list's slack. */
const CLOSED_CHUNK_OVERHEAD_BYTES = 48;
/** An interned label, its postings list and map entry, with typical strings. */
const LABEL_PAIR_OVERHEAD_BYTES = 200;

/**
 * The series map key: 30 bits of labelsHash, so the key is a small integer (V8
 * boxes bigger numbers, which makes Map lookups several times slower). Collisions
 * are handled by the map's collision lists.
 */
function seriesHashKey(labels: Labels): number {
  return labelsHash(labels) % 0x40000000;
}

/**
 * The label set as the head stores it: sorted by name, no empty names, empty
 * values dropped (an empty value means the label is absent). Undefined when the
 * set is empty or repeats a name.
 */
export function normaliseLabels(labels: Labels): Labels | undefined {
  let clean = true;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name === "") return undefined;
    if (l.value === "" || (i > 0 && compareUtf8(labels[i - 1]!.name, l.name) >= 0)) clean = false;
  }
  let out: Labels = labels;
  if (!clean) {
    const sorted: Label[] = labels.filter((l) => l.value !== "").sort((a, b) => compareUtf8(a.name, b.name));
    for (let i = 1; i < sorted.length; i++) if (sorted[i - 1]!.name === sorted[i]!.name) return undefined;
    out = sorted;
  }
  return out.length > 0 ? out : undefined;
}

function describeLabels(labels: Labels): string {
  return "{" + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(", ") + "}";
}

function limitList(values: readonly string[], limit: number | undefined): string[] {
  return limit !== undefined && limit > 0 && values.length > limit ? values.slice(0, limit) : values.slice();
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException("aborted", "AbortError");
}
