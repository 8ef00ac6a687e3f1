// The write-ahead log: numbered segment files of framed records, group-committed fsyncs,
// replay that repairs torn or corrupt tails, and checkpoints that let old segments go.
import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import {
  RecordType,
  START_COLUMN_BYTES_PER_ROW,
  SampleColumns,
  decodeSamplesPayload,
  decodeSeriesPayload,
  encodeSamplesRecord,
  encodeSeriesRecord,
  isFrameProblem,
  readFrame,
  type WalSampleRecord,
  type WalSeriesRecord,
} from "./records.js";
import type { WalMetrics } from "./metrics.js";
import type { NativeHistogram } from "../../../storeapi/index.js";
import { HistogramColumns, decodeHistogramsPayload, encodeHistogramsRecord } from "./histogram-records.js";

/**
 * When a write is made durable.
 * - "always" (default): `log` resolves only after the data is written and fsynced; calls that arrive
 *   while an fsync runs share the next one (group commit).
 * - "batch": `log` resolves once the data is written to the OS; an fsync runs every `fsyncIntervalMs`.
 *   Survives a process crash, may lose the last interval on power loss.
 * - "never": written to the OS, fsynced only on close. For tests and benchmarks.
 */
export type FsyncPolicy = "always" | "batch" | "never";

export interface WalOptions {
  /** Maximum segment size in bytes (default 128 MiB). A single record larger than this gets a segment of its own. */
  readonly segmentSize?: number;
  readonly fsync?: FsyncPolicy;
  /** Interval of the "batch" policy's fsync (default 1000 ms). */
  readonly fsyncIntervalMs?: number;
  readonly metrics?: WalMetrics;
}

/** A record that could not be read: everything before it in the file was recovered. */
export interface WalCorruption {
  readonly file: string;
  /** Segment index, or -1 for a file inside a checkpoint. */
  readonly segment: number;
  readonly offset: number;
  readonly reason: string;
  /** True when the record ran past the end of the file (an interrupted write). */
  readonly torn: boolean;
}

export interface ReplayReport {
  series: number;
  samples: number;
  warnings: string[];
  /** Each problem found; the file was truncated at `offset` (except inside a checkpoint). */
  corruptions: WalCorruption[];
  /** Samples whose series record was lost to corruption, skipped. */
  droppedSamples: number;
}

/** Columns valid only during the call: copy what you keep. `vs` holds the raw float bits. */
export type SampleColumnsCallback = (refs: Float64Array, ts: Float64Array, vs: Float64Array, n: number, sts?: Float64Array) => void;
/** Native histogram samples as replayed: rows i < n of refs/ts/hs, sts their start timestamps when the record had them (the arrays are reused after the call). */
export type HistogramColumnsCallback = (refs: readonly number[], ts: readonly number[], hs: readonly NativeHistogram[], n: number, sts?: Float64Array) => void;

export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;
const SEGMENT_RE = /^\d{8}$/;
const CHECKPOINT_RE = /^checkpoint\.(\d{8})$/;
const CHECKPOINT_TMP_RE = /^checkpoint\.\d{8}\.tmp$/;
const MAX_SAMPLES_PER_RECORD = 16384;
const MAX_HISTOGRAMS_PER_RECORD = 1024;

export function segmentName(index: number): string {
  return String(index).padStart(8, "0");
}

interface DirListing {
  segments: number[];
  checkpoints: number[];
  tmp: string[];
}

async function listDir(dir: string): Promise<DirListing> {
  const names = await fsp.readdir(dir);
  const out: DirListing = { segments: [], checkpoints: [], tmp: [] };
  for (const name of names) {
    if (SEGMENT_RE.test(name)) out.segments.push(Number(name));
    else if (CHECKPOINT_TMP_RE.test(name)) out.tmp.push(name);
    else {
      const m = CHECKPOINT_RE.exec(name);
      if (m) out.checkpoints.push(Number(m[1]));
    }
  }
  out.segments.sort((a, b) => a - b);
  out.checkpoints.sort((a, b) => a - b);
  return out;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Most buffers one writev is given (Linux's IOV_MAX). */
const MAX_IOVECS = 1024;

/** What writeAllFully needs of a file (a FileHandle). */
export interface VectoredFile {
  writev(buffers: Uint8Array[], position: number): Promise<{ bytesWritten: number }>;
}

/** Writes buffers one after another from `position`, as one vectored write where the OS takes it all (no copy into one buffer). */
export async function writeAllFully(fh: VectoredFile, bufs: readonly Uint8Array[], position: number): Promise<void> {
  let i = 0;
  let skip = 0;
  for (;;) {
    while (i < bufs.length && bufs[i]!.length === skip) {
      i++;
      skip = 0;
    }
    if (i === bufs.length) return;
    const batch = bufs.slice(i, i + MAX_IOVECS);
    if (skip > 0) batch[0] = batch[0]!.subarray(skip);
    const { bytesWritten } = await fh.writev(batch, position);
    if (bytesWritten <= 0) throw new Error("write made no progress");
    position += bytesWritten;
    let left = bytesWritten;
    for (let k = 0; k < batch.length && left > 0; k++) {
      const len = batch[k]!.length;
      if (left >= len) {
        left -= len;
        i++;
        skip = 0;
      } else {
        skip += left;
        left = 0;
      }
    }
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface WalFile {
  path: string;
  segment: number;
  inCheckpoint: boolean;
}

/** Copies sample i to slot k of the columns, bit for bit (values through their raw bytes). */
function moveSample(cols: SampleColumns, i: number, k: number): void {
  cols.refs[k] = cols.refs[i];
  cols.ts[k] = cols.ts[i];
  cols.vb.copyWithin(k * 8, i * 8, i * 8 + 8);
  cols.sts[k] = cols.sts[i];
}

function moveHistogram(cols: HistogramColumns, i: number, k: number): void {
  cols.refs[k] = cols.refs[i]!;
  cols.ts[k] = cols.ts[i]!;
  cols.hs[k] = cols.hs[i]!;
  if (cols.withStart) cols.sts[k] = cols.sts[i]!;
}

function isSamplesRecord(type: number): boolean {
  return type === RecordType.Samples || type === RecordType.SamplesWithStart;
}

function isHistogramsRecord(type: number): boolean {
  return type === RecordType.Histograms || type === RecordType.HistogramsWithStart;
}

/** A histograms record's start column as the callbacks take it. */
function histogramStarts(cols: HistogramColumns): Float64Array | undefined {
  return cols.withStart ? Float64Array.from(cols.sts) : undefined;
}

/** Moves the rows of known refs to the front; returns how many. */
function keepKnown(cols: HistogramColumns, known: ReadonlySet<number>): number {
  let k = 0;
  for (let i = 0; i < cols.n; i++) if (known.has(cols.refs[i]!)) moveHistogram(cols, i, k++);
  return k;
}

export class Wal {
  readonly dir: string;
  private readonly segmentSize: number;
  private readonly policy: FsyncPolicy;
  private readonly metrics: WalMetrics | undefined;
  /** The first segment this process writes; replay reads the ones before it. */
  private readonly firstSegment: number;
  private segment: number;
  private fh: FileHandle | null;
  private segmentBytes = 0;
  private needsNewSegment = false;
  private pending: Buffer[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private ioChain: Promise<unknown> = Promise.resolve();
  private checkpointChain: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly scratch = new SampleColumns();
  private readonly counts = { fsyncs: 0, bytesWritten: 0, recordsWritten: 0, checkpoints: 0 };

  private constructor(dir: string, opts: WalOptions, segment: number, fh: FileHandle) {
    this.dir = dir;
    this.segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    this.policy = opts.fsync ?? "always";
    this.metrics = opts.metrics;
    this.firstSegment = segment;
    this.segment = segment;
    this.fh = fh;
    if (this.policy === "batch") {
      this.timer = setInterval(() => this.backgroundSync(), opts.fsyncIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Opens (creating) the WAL in dir and starts a fresh segment after the existing ones. */
  static async open(dir: string, opts: WalOptions = {}): Promise<Wal> {
    if (opts.segmentSize !== undefined && !(opts.segmentSize >= 64)) {
      throw new RangeError(`segmentSize ${opts.segmentSize} is too small (minimum 64 bytes)`);
    }
    await fsp.mkdir(dir, { recursive: true });
    const list = await listDir(dir);
    for (const tmp of list.tmp) await fsp.rm(join(dir, tmp), { recursive: true, force: true });
    const lastCheckpoint = list.checkpoints.at(-1) ?? -1;
    // Leftovers of a checkpoint interrupted after its rename: they are covered by the checkpoint.
    for (const s of list.segments) if (s <= lastCheckpoint) await fsp.rm(join(dir, segmentName(s)), { force: true });
    for (const c of list.checkpoints) {
      if (c < lastCheckpoint) await fsp.rm(join(dir, `checkpoint.${segmentName(c)}`), { recursive: true, force: true });
    }
    const live = list.segments.filter((s) => s > lastCheckpoint);
    const first = Math.max(lastCheckpoint, live.at(-1) ?? -1) + 1;
    const fh = await fsp.open(join(dir, segmentName(first)), "w");
    if (opts.fsync !== "never") await syncDir(dir);
    const wal = new Wal(dir, opts, first, fh);
    opts.metrics?.segments.set(live.length + 1);
    opts.metrics?.currentSegment.set(first);
    return wal;
  }

  /** Counters for tests and status pages. */
  stats(): { fsyncs: number; bytesWritten: number; recordsWritten: number; checkpoints: number; segment: number } {
    return { ...this.counts, segment: this.segment };
  }

  /**
   * Reads the latest checkpoint and the segments written before this process opened the WAL, in order.
   * A record that cannot be read ends its file: it is reported (segment, offset, reason), the file
   * is truncated there so the next start is clean, and replay goes on with the next file.
   * Samples whose series record was lost are skipped and counted.
   */
  async replay(
    onSeries: (recs: WalSeriesRecord[]) => void,
    onSamples: (recs: WalSampleRecord[]) => void,
  ): Promise<ReplayReport> {
    return this.replayColumns(onSeries, (refs, ts, vs, n) => {
      const recs: WalSampleRecord[] = new Array(n);
      for (let i = 0; i < n; i++) recs[i] = { ref: refs[i], t: ts[i], v: vs[i] };
      onSamples(recs);
    });
  }

  /** `replay` without per-sample objects: samples arrive as columns (see SampleColumnsCallback). */
  async replayColumns(
    onSeries: (recs: WalSeriesRecord[]) => void,
    onSamples: SampleColumnsCallback,
    /** Without it, histogram records are skipped and counted in droppedSamples. */
    onHistograms?: HistogramColumnsCallback,
  ): Promise<ReplayReport> {
    const report: ReplayReport = { series: 0, samples: 0, warnings: [], corruptions: [], droppedSamples: 0 };
    const files = await this.replayFiles(report);
    const known = new Set<number>();
    const cols = new SampleColumns();
    const hcols = new HistogramColumns();
    for (const file of files) {
      const buf = await fsp.readFile(file.path);
      let off = 0;
      while (off < buf.length) {
        const frame = readFrame(buf, off);
        if (isFrameProblem(frame)) {
          await this.reportCorruption(report, file, off, frame.reason, frame.torn);
          break;
        }
        let series: WalSeriesRecord[] | null = null;
        try {
          if (frame.type === RecordType.Series) series = decodeSeriesPayload(buf, frame.payloadStart, frame.end);
          else if (isSamplesRecord(frame.type)) decodeSamplesPayload(buf, frame.payloadStart, frame.end, cols, frame.type === RecordType.SamplesWithStart);
          else if (isHistogramsRecord(frame.type)) decodeHistogramsPayload(buf, frame.payloadStart, frame.end, hcols, undefined, frame.type === RecordType.HistogramsWithStart);
          else throw new RangeError(`unknown record type ${frame.type}`);
        } catch (err) {
          await this.reportCorruption(report, file, off, (err as Error).message, false);
          break;
        }
        if (series) {
          for (const s of series) known.add(s.ref);
          report.series += series.length;
          onSeries(series);
        } else if (isHistogramsRecord(frame.type)) {
          const k = keepKnown(hcols, known);
          const kept = onHistograms !== undefined ? k : 0;
          report.droppedSamples += hcols.n - kept;
          report.samples += kept;
          if (kept > 0) onHistograms!(hcols.refs, hcols.ts, hcols.hs, kept, histogramStarts(hcols));
        } else {
          let k = 0;
          for (let i = 0; i < cols.n; i++) {
            if (!known.has(cols.refs[i])) continue;
            if (k !== i) moveSample(cols, i, k);
            k++;
          }
          report.droppedSamples += cols.n - k;
          report.samples += k;
          if (k > 0) onSamples(cols.refs, cols.ts, cols.vs, k, cols.withStart ? cols.sts : undefined);
        }
        off = frame.end;
      }
    }
    if (report.droppedSamples > 0) {
      report.warnings.push(`${report.droppedSamples} samples skipped: their series records were lost to corruption`);
    }
    return report;
  }

  private async replayFiles(report: ReplayReport): Promise<WalFile[]> {
    const list = await listDir(this.dir);
    const files: WalFile[] = [];
    const checkpoint = list.checkpoints.at(-1);
    let expected: number | undefined;
    if (checkpoint !== undefined) {
      const cpDir = join(this.dir, `checkpoint.${segmentName(checkpoint)}`);
      const names = (await fsp.readdir(cpDir)).filter((n) => SEGMENT_RE.test(n)).sort();
      for (const n of names) files.push({ path: join(cpDir, n), segment: -1, inCheckpoint: true });
      expected = checkpoint + 1;
    }
    for (const s of list.segments) {
      if (s >= this.firstSegment || (checkpoint !== undefined && s <= checkpoint)) continue;
      if (expected !== undefined && s !== expected) {
        report.warnings.push(`WAL segments ${segmentName(expected)} to ${segmentName(s - 1)} are missing`);
      }
      files.push({ path: join(this.dir, segmentName(s)), segment: s, inCheckpoint: false });
      expected = s + 1;
    }
    return files;
  }

  private async reportCorruption(
    report: ReplayReport,
    file: WalFile,
    offset: number,
    reason: string,
    torn: boolean,
  ): Promise<void> {
    report.corruptions.push({ file: file.path, segment: file.segment, offset, reason, torn });
    this.metrics?.corruptions.inc();
    const where = file.inCheckpoint ? `checkpoint file ${file.path}` : `WAL segment ${segmentName(file.segment)} (${file.path})`;
    if (file.inCheckpoint) {
      report.warnings.push(`${where} at offset ${offset}: ${reason}; the rest of the file is skipped`);
      return;
    }
    await fsp.truncate(file.path, offset);
    report.warnings.push(`${where} at offset ${offset}: ${reason}; truncated there, the rest of the segment is lost`);
  }

  /**
   * Appends records for new series and a batch of samples; resolves when durable under the fsync
   * policy. Records are encoded during the call, so they are ordered as calls are made: log a series
   * before (or in the same call as) its first samples.
   */
  log(series: readonly WalSeriesRecord[], samples: readonly WalSampleRecord[]): Promise<void> {
    const n = samples.length;
    const cols = this.scratch;
    cols.reserve(n);
    for (let i = 0; i < n; i++) {
      const s = samples[i];
      cols.refs[i] = s.ref;
      cols.ts[i] = s.t;
      cols.vs[i] = s.v;
    }
    return this.logSamples(cols.refs, cols.ts, cols.vs, n, series);
  }

  /**
   * Columnar `log`: samples i < n of refs/ts/vs, plus optional new series (written first).
   * `vs` is read as raw bytes, so stale-marker NaN bits are kept. The arrays may be reused once
   * this returns (the promise needs them no longer).
   */
  logSamples(
    refs: ArrayLike<number>,
    ts: ArrayLike<number>,
    vs: Float64Array,
    n: number,
    series: readonly WalSeriesRecord[] = [],
    hs?: readonly (NativeHistogram | undefined)[],
    /** Row k's start timestamp (0: none); records whose rows have some carry them. */
    sts?: Float64Array,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new Error("WAL is closed"));
    if (series.length === 0 && n === 0) return Promise.resolve();
    const records: Buffer[] = [];
    try {
      if (series.length > 0) records.push(encodeSeriesRecord(series));
      // Rows keep their order across kinds: each run of floats or histograms becomes its own records.
      for (let from = 0; from < n; ) {
        const histogram = hs !== undefined && hs[from] !== undefined;
        let to = from + 1;
        while (to < n && (hs !== undefined && hs[to] !== undefined) === histogram) to++;
        if (histogram) this.encodeHistogramRun(refs, ts, hs!, from, to, records, sts);
        else this.encodeSampleRun(refs, ts, vs, from, to, records, sts);
        from = to;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    for (const r of records) this.pending.push(r);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private encodeSampleRun(refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, from: number, to: number, out: Buffer[], sts?: Float64Array): void {
    const rowBytes = sts === undefined ? 24 : 24 + START_COLUMN_BYTES_PER_ROW;
    const perRecord = Math.max(1, Math.min(MAX_SAMPLES_PER_RECORD, Math.floor((this.segmentSize - 32) / rowBytes)));
    for (let i = from; i < to; i += perRecord) out.push(encodeSamplesRecord(refs, ts, vs, i, Math.min(to, i + perRecord), sts));
  }

  /** Histograms vary in size: a record is closed at MAX_HISTOGRAMS_PER_RECORD or a quarter segment of buckets. */
  private encodeHistogramRun(
    refs: ArrayLike<number>,
    ts: ArrayLike<number>,
    hs: readonly (NativeHistogram | undefined)[],
    from: number,
    to: number,
    out: Buffer[],
    sts?: Float64Array,
  ): void {
    const budget = Math.max(64, this.segmentSize / 4);
    let start = from;
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const h = hs[i]!;
      bytes += 64 + 8 * (h.positiveBuckets.length + h.negativeBuckets.length + h.positiveSpans.length + h.negativeSpans.length);
      if (i + 1 - start >= MAX_HISTOGRAMS_PER_RECORD || bytes >= budget) {
        out.push(encodeHistogramsRecord(refs, ts, hs, start, i + 1, sts));
        start = i + 1;
        bytes = 0;
      }
    }
    if (start < to) out.push(encodeHistogramsRecord(refs, ts, hs, start, to, sts));
  }

  // Group commit: one batch is written and synced at a time; calls arriving meanwhile form the next.
  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const records = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.exclusive(() => this.writeBatch(records));
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.flushing = null;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.ioChain.then(fn);
    this.ioChain = run.catch(() => undefined);
    return run;
  }

  private async writeBatch(records: Buffer[]): Promise<void> {
    if (this.needsNewSegment || !this.fh) await this.nextSegment();
    let i = 0;
    while (i < records.length) {
      let bytes = 0;
      let j = i;
      while (j < records.length) {
        const len = records[j].length;
        if (this.segmentBytes + bytes + len > this.segmentSize && this.segmentBytes + bytes > 0) break;
        bytes += len;
        j++;
      }
      if (j === i) {
        await this.nextSegment();
        continue;
      }
      await this.writeRecords(records, i, j, bytes);
      i = j;
    }
    if (this.policy === "always") await this.sync();
    else this.dirty = true;
  }

  private async writeRecords(records: Buffer[], from: number, to: number, bytes: number): Promise<void> {
    const fh = this.fh!;
    try {
      await writeAllFully(fh, records.slice(from, to), this.segmentBytes);
    } catch (err) {
      // Cut the partial write off, or failing that leave it behind in a segment no longer written to.
      try {
        await fh.truncate(this.segmentBytes);
      } catch {
        this.needsNewSegment = true;
      }
      throw err;
    }
    this.segmentBytes += bytes;
    this.counts.bytesWritten += bytes;
    this.counts.recordsWritten += to - from;
    this.metrics?.bytesWritten.inc(bytes);
    this.metrics?.recordsWritten.inc(to - from);
  }

  private async sync(): Promise<void> {
    if (!this.fh) return;
    const start = process.hrtime.bigint();
    await this.fh.datasync();
    this.counts.fsyncs++;
    this.dirty = false;
    this.metrics?.fsyncDuration.observe(Number(process.hrtime.bigint() - start) / 1e9);
  }

  private backgroundSync(): void {
    if (!this.dirty || this.closed) return;
    this.exclusive(() => this.sync()).catch(() => {
      // The next interval retries; data stays written to the OS.
      this.dirty = true;
    });
  }

  /** Closes the current segment (synced unless the policy is "never") and starts the next. */
  private async nextSegment(): Promise<void> {
    if (this.fh) {
      const fh = this.fh;
      // A segment abandoned after a failed write is not synced: its tail is not acknowledged.
      try {
        if (this.policy !== "never" && !this.needsNewSegment) await this.sync();
      } finally {
        this.fh = null;
        await fh.close().catch(() => undefined);
      }
    }
    const next = this.segment + 1;
    this.fh = await fsp.open(join(this.dir, segmentName(next)), "w");
    this.segment = next;
    this.segmentBytes = 0;
    this.needsNewSegment = false;
    if (this.policy !== "never") await syncDir(this.dir);
    this.metrics?.segments.inc();
    this.metrics?.currentSegment.set(next);
  }

  /**
   * Compacts all closed segments and the previous checkpoint into a new checkpoint that keeps the
   * series records for which isLive(ref) holds and their samples with t >= minTimeMs, then deletes
   * the segments it covers. Written to checkpoint.N.tmp and renamed, so a crash leaves either the
   * old state or the new one. Concurrent calls run one after another.
   */
  checkpoint(isLive: (ref: number) => boolean, minTimeMs: number): Promise<void> {
    const run = this.checkpointChain.then(() => this.writeCheckpoint(isLive, minTimeMs));
    this.checkpointChain = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      this.metrics?.checkpointFailures.inc();
      throw err;
    });
  }

  private async writeCheckpoint(isLive: (ref: number) => boolean, minTimeMs: number): Promise<void> {
    if (this.closed) throw new Error("WAL is closed");
    const last = await this.exclusive(async () => {
      if (this.segmentBytes > 0 || this.needsNewSegment) await this.nextSegment();
      return this.segment - 1;
    });
    const list = await listDir(this.dir);
    const previous = list.checkpoints.at(-1) ?? -1;
    if (last <= previous) return;
    const sources: string[] = [];
    if (previous >= 0) {
      const cpDir = join(this.dir, `checkpoint.${segmentName(previous)}`);
      for (const n of (await fsp.readdir(cpDir)).filter((x) => SEGMENT_RE.test(x)).sort()) sources.push(join(cpDir, n));
    }
    const covered = list.segments.filter((s) => s > previous && s <= last);
    for (const s of covered) sources.push(join(this.dir, segmentName(s)));

    const name = `checkpoint.${segmentName(last)}`;
    const tmp = join(this.dir, name + ".tmp");
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp);
    const out = new CheckpointWriter(tmp, this.segmentSize);
    try {
      for (const path of sources) await this.compactFile(path, out, isLive, minTimeMs);
      await out.finish();
    } catch (err) {
      await out.abort();
      await fsp.rm(tmp, { recursive: true, force: true });
      throw err;
    }
    await syncDir(tmp);
    await fsp.rename(tmp, join(this.dir, name));
    await syncDir(this.dir);
    for (const s of covered) await fsp.rm(join(this.dir, segmentName(s)), { force: true });
    for (const c of list.checkpoints) {
      await fsp.rm(join(this.dir, `checkpoint.${segmentName(c)}`), { recursive: true, force: true });
    }
    this.counts.checkpoints++;
    this.metrics?.checkpointCreations.inc();
    this.metrics?.truncatedSegments.inc(covered.length);
    this.metrics?.segments.dec(covered.length);
  }

  private async compactFile(
    path: string,
    out: CheckpointWriter,
    isLive: (ref: number) => boolean,
    minTimeMs: number,
  ): Promise<void> {
    const buf = await fsp.readFile(path);
    const cols = new SampleColumns();
    const hcols = new HistogramColumns();
    let off = 0;
    while (off < buf.length) {
      const frame = readFrame(buf, off);
      if (isFrameProblem(frame)) throw new Error(`checkpoint: ${path} at offset ${off}: ${frame.reason}`);
      if (frame.type === RecordType.Series) {
        const kept = decodeSeriesPayload(buf, frame.payloadStart, frame.end).filter((s) => isLive(s.ref));
        if (kept.length > 0) await out.add(encodeSeriesRecord(kept));
      } else if (isHistogramsRecord(frame.type)) {
        decodeHistogramsPayload(buf, frame.payloadStart, frame.end, hcols, undefined, frame.type === RecordType.HistogramsWithStart);
        let k = 0;
        for (let i = 0; i < hcols.n; i++) {
          if (hcols.ts[i]! < minTimeMs || !isLive(hcols.refs[i]!)) continue;
          moveHistogram(hcols, i, k++);
        }
        if (k > 0) await out.add(encodeHistogramsRecord(hcols.refs, hcols.ts, hcols.hs, 0, k, hcols.withStart ? hcols.sts : undefined));
      } else if (isSamplesRecord(frame.type)) {
        decodeSamplesPayload(buf, frame.payloadStart, frame.end, cols, frame.type === RecordType.SamplesWithStart);
        let k = 0;
        for (let i = 0; i < cols.n; i++) {
          if (cols.ts[i] < minTimeMs || !isLive(cols.refs[i])) continue;
          if (k !== i) moveSample(cols, i, k);
          k++;
        }
        if (k > 0) await out.add(encodeSamplesRecord(cols.refs, cols.ts, cols.vs, 0, k, cols.withStart ? cols.sts : undefined));
      } else {
        throw new Error(`checkpoint: ${path} at offset ${off}: unknown record type ${frame.type}`);
      }
      off = frame.end;
    }
  }

  /** Writes what is pending, syncs (unless the policy is "never") and closes. Further logs fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    while (this.flushing) await this.flushing;
    await this.checkpointChain;
    await this.exclusive(async () => {
      if (!this.fh) return;
      if (this.policy !== "never") await this.sync();
      await this.fh.close();
      this.fh = null;
    });
  }
}

/** Writes records into numbered segment files of a checkpoint directory, buffering writes. */
class CheckpointWriter {
  private index = -1;
  private fh: FileHandle | null = null;
  private fileBytes = 0;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentSize: number,
  ) {}

  async add(record: Buffer): Promise<void> {
    if (!this.fh || (this.fileBytes + this.bufferedBytes + record.length > this.segmentSize && this.fileBytes + this.bufferedBytes > 0)) {
      await this.nextFile();
    }
    this.buffered.push(record);
    this.bufferedBytes += record.length;
    if (this.bufferedBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.bufferedBytes === 0 || !this.fh) return;
    await writeAllFully(this.fh, this.buffered, this.fileBytes);
    this.fileBytes += this.bufferedBytes;
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  private async closeFile(): Promise<void> {
    if (!this.fh) return;
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    this.fh = null;
  }

  private async nextFile(): Promise<void> {
    await this.closeFile();
    this.index++;
    this.fh = await fsp.open(join(this.dir, segmentName(this.index)), "w");
    this.fileBytes = 0;
  }

  async finish(): Promise<void> {
    if (this.index < 0) await this.nextFile();
    await this.closeFile();
  }

  async abort(): Promise<void> {
    if (this.fh) await this.fh.close().catch(() => undefined);
    this.fh = null;
  }
}
