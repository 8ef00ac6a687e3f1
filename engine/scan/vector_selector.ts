// Instant vector selector: for each step, each series' latest sample in (t − lookback, t],
// unless that sample is a stale marker (Prometheus 3 semantics); `x smoothed` interpolates at t.
import type { SelectorNode } from "../../planner/index.js";
import type { AnnotationText } from "../annotations.js";
import { mixedExponentialCustomHistogramsWarning, mixedFloatsHistogramsWarning } from "../annotations.js";
import { interpolateLinear } from "../functions/index.js";
import { interpolateHistograms, type FloatHistogram } from "../histogram/index.js";
import { CounterResetHint, getLabel, isStaleNaN, METRIC_NAME } from "../../storeapi/index.js";
import type { QueryContext } from "../exec/context.js";
import { pushHistogram, sliceStepsMost, stepVectorWeight, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";
import { fetchSeries, type LoadedSeries } from "./fetch.js";
import { readSteps, withStatsReadHints } from "./histogram_stats.js";
import { statsReadExtension } from "../../planner/index.js";
import { SampleBuffer, type LatestSample } from "./sample_buffer.js";
import { latestAtOrBefore, readLatestSteps, readsSampleAt, type LatestRead } from "./latest_steps.js";
import type { FloatGrouping } from "../aggregate/grouped_steps.js";
import { offloadSeries, shareGroups, type GroupShare, type Offload, type WorkerPart } from "../parallel/offload.js";
import { timelineSteps, type StepTimes } from "../function/range_windows.js";

export interface VectorSelectorOptions {
  /** Output the sample's timestamp in seconds instead of its value (for `timestamp(x)`). */
  timestampValues?: boolean;
  /** With timestampValues: the error a histogram sample of series i raises (info series must be floats), if any. */
  histogramError?: (series: number) => Error | undefined;
  /** Output the sample's start timestamp in seconds (0 when it has none) instead of its value (for `start_timestamp(x)`). */
  startTimestampValues?: boolean;
}

/**
 * A window worker's share of a grouped read against the query's thread's: half the series. Both
 * decode their series whole; the thread then adds the worker's cells into the groups (~10 ms over
 * 4,000 series × 721 steps), and fetches and answers besides (A/B on the bench:compare data: 1.0
 * slightly ahead of 0.75 on `count by` and `sum by`).
 */
const GROUPED_WORKER_WEIGHT = 1;

export class VectorSelectorOperator implements Operator {
  readonly kind = "vector";
  /** The fetch joins every label set the stores send more than once. */
  readonly distinctLabels = true;
  private buffers: SampleBuffer[] | undefined;
  private meta: SeriesMeta[] | undefined;
  private step = 0;
  /** Each step's reference time, (at ?? t) − offset. */
  private refs: Float64Array = new Float64Array(0);
  private stepTimes: StepTimes | undefined;
  /** Set when every series holds floats only: they are read a slice of steps at a time. */
  private cells: LatestCells | undefined;
  /** With cells: the trailing series a window worker reads (the query's thread reads the others into the cells). */
  private offload: Offload | undefined;

  constructor(
    private readonly ctx: QueryContext,
    private readonly node: SelectorNode,
    private readonly tl: Timeline,
    private readonly opts: VectorSelectorOptions = {},
  ) {}

  private async load(): Promise<SampleBuffer[]> {
    if (this.buffers !== undefined) return this.buffers;
    const n = this.node;
    const ext = n.smoothed ? this.ctx.lookbackMs : 0;
    const refStart = (n.atMs ?? this.tl.start) - n.offsetMs;
    const refEnd = (n.atMs ?? this.tl.end) - n.offsetMs;
    const fallback = { key: "vs" + n.pos.start, minTime: refStart - this.ctx.lookbackMs + 1 - statsReadExtension(n), maxTime: refEnd + ext };
    const data = await fetchSeries(this.ctx, n, fallback);
    const dropName = !!this.opts.timestampValues || !!this.opts.startTimestampValues;
    this.meta = data.map((s) => ({ labels: s.labels, dropName }));
    const steps = readSteps(this.tl, n.atMs, n.offsetMs);
    const input = (s: LoadedSeries) => (n.histogramStats ? withStatsReadHints(s.input, steps, this.ctx.lookbackMs) : s.input);
    this.buffers = data.map((s) => new SampleBuffer(input(s), false));
    this.stepTimes = timelineSteps(this.tl, (t) => (n.atMs ?? t) - n.offsetMs);
    this.refs = this.stepTimes.refs;
    return this.buffers;
  }

  /** Whether every series holds floats only (then they are read a slice of steps at a time, or whole by floatReads). */
  private floatsOnly(bufs: readonly SampleBuffer[]): boolean {
    return !bufs.some((b) => b.h !== undefined);
  }

  /** Before the first batch: the float series' cells, and the share of them the window workers read. */
  private startCells(bufs: readonly SampleBuffer[]): void {
    if (this.step > 0 || this.cells !== undefined) return;
    // `x smoothed` reads around each step (not under timestamp(), which reads plain); one batch of steps (an instant query) is read straight into its vectors.
    if (!this.floatsOnly(bufs) || (this.node.smoothed && !this.opts.timestampValues) || this.tl.steps <= this.ctx.stepsBatch) return;
    this.offload = offloadSeries(this.ctx.workers, { kind: "latest", lookbackMs: this.ctx.lookbackMs, read: this.latestRead(), seriesMajor: false }, bufs, this.stepTimes!, this.ctx.stepsBatch);
    this.cells = new LatestCells(bufs.slice(0, this.offload.mainSeries), bufs.length, this.tl.steps, this.ctx.stepsBatch);
  }

  /**
   * The selector's plain float reads, for an aggregation that takes them whole instead of step
   * vectors (grouped_steps.ts): undefined, and nothing read, unless every series holds floats
   * only and the selector reads values as they are (no `smoothed`, timestamp() or stats reads).
   * `grouping`: how the aggregation groups them (shared by group with the workers when there are
   * enough groups; else by series, a count's workers sending no values). Taken, the selector gives no batches.
   */
  async floatReads(grouping: FloatGrouping): Promise<FloatReads | undefined> {
    const bufs = await this.load();
    const n = this.node;
    if (this.step > 0 || this.cells !== undefined || n.smoothed || n.histogramStats || this.latestRead() !== "value" || !this.floatsOnly(bufs)) return undefined;
    this.step = this.tl.steps;
    const reads = { buffers: bufs, times: this.stepTimes!.times, refs: this.refs, lookbackMs: this.ctx.lookbackMs };
    // A count over chunks that tell when they give a sample reads no samples: nothing to share.
    if (!grouping.sum && bufs.every((b) => b.presenceRun(this.refs, this.ctx.lookbackMs) !== undefined)) return { ...reads, mainSeries: bufs.length, parts: [] };
    const share = shareGroups(this.ctx.workers, { kind: "latest", lookbackMs: this.ctx.lookbackMs }, grouping.sum, bufs, this.stepTimes!, grouping.of, grouping.groups);
    if (share !== undefined) return { ...reads, mainSeries: bufs.length, parts: [], share };
    const read = grouping.sum ? "value" : "presence";
    const offload = offloadSeries(this.ctx.workers, { kind: "latest", lookbackMs: this.ctx.lookbackMs, read, seriesMajor: true }, bufs, this.stepTimes!, this.ctx.stepsBatch, GROUPED_WORKER_WEIGHT);
    return { ...reads, mainSeries: offload.mainSeries, parts: offload.parts };
  }

  /** The steps the selector reads at. */
  steps(): number {
    return this.tl.steps;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.load();
    return this.meta!;
  }

  async next(): Promise<StepVector[] | null> {
    const bufs = await this.load();
    if (this.step >= this.tl.steps) return null;
    this.startCells(bufs);
    const first = this.step;
    const last = Math.min(this.tl.steps, first + this.ctx.stepsBatch);
    const out: StepVector[] = [];
    for (let k = first; k < last; k++) out.push(this.ctx.pool.get(this.tl.start + k * this.tl.step, bufs.length));
    if (this.cells !== undefined) await this.fromCells(out, first);
    const failure = this.cells !== undefined ? undefined : this.node.smoothed && !this.opts.timestampValues ? this.smoothedSteps(bufs, out, first) : this.latestSamples(bufs, out, first);
    for (let j = 0; j < out.length; j++) {
      // Thrown where a step-by-step evaluation would have met it: before that step's count.
      if (failure?.step === j) throw failure.error;
      const sv = out[j]!;
      this.ctx.samples.read(sv.n + sv.hn);
      this.ctx.samples.check(stepVectorWeight(sv));
    }
    this.step = last;
    return out;
  }

  private latestRead(): LatestRead {
    return this.opts.timestampValues ? "timestamp" : this.opts.startTimestampValues ? "startTimestamp" : "value";
  }

  /**
   * The batch's steps (out[j] is step first + j): the query's thread's series from the cells of the
   * slice holding them (read first when it is not), then the window workers' series after them.
   */
  private async fromCells(out: StepVector[], first: number): Promise<void> {
    const c = this.cells!;
    if (first >= c.k1) {
      c.k0 = first;
      c.k1 = Math.min(this.tl.steps, first + c.width);
      for (const part of this.offload!.parts) part.requestThrough(c.k1);
      readLatestSteps(c.buffers, this.refs, c.k0, c.k1, this.ctx.lookbackMs, this.latestRead(), c.values, c.present);
    }
    const series = c.buffers.length;
    const { values, present } = c;
    for (let j = 0; j < out.length; j++) {
      const sv = out[j]!;
      let n = 0;
      for (let i = 0, cell = (first + j - c.k0) * series; i < series; i++, cell++) {
        if (present[cell] === 0) continue;
        sv.ids[n] = i;
        sv.v[n++] = values[cell]!;
      }
      sv.n = n;
    }
    for (const part of this.offload!.parts) await part.appendTo(out, first, first + out.length, c.emitted);
  }

  /**
   * The batch's steps (out[j] is step first + j): each series' latest sample in (ref − lookback, ref],
   * series outer and steps inner, so one series' samples stay in cache across the batch. Returns the
   * first step (then lowest series) whose histogram a timestamp() read may not take, if any.
   */
  private latestSamples(bufs: readonly SampleBuffer[], out: StepVector[], first: number): StepFailure | undefined {
    const lookback = this.ctx.lookbackMs;
    const steps = out.length;
    const plain = !this.opts.timestampValues && !this.opts.startTimestampValues;
    // Steps only move forward: the last step's reference is the batch's latest.
    const lastRef = this.refs[first + steps - 1]!;
    let failure: StepFailure | undefined;
    const firstRef = this.refs[first]!;
    // An instant read of a store's raw chunks takes each series' latest sample straight from its chunks.
    const oneStep = steps === 1 && this.tl.steps === 1 && plain;
    const latest: LatestSample = { t: 0, v: 0 };
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      if (oneStep) {
        const found = b.readLatestFromChunks(firstRef, lookback, latest);
        if (found === 0) continue;
        if (found === 1) {
          const v = latest.v;
          if (v !== v && isStaleNaN(v)) continue;
          const sv = out[0]!;
          sv.ids[sv.n] = i;
          sv.v[sv.n++] = v;
          continue;
        }
      }
      b.skipSuperseded(firstRef);
      b.fill(lastRef);
      const ts = b.t;
      const vs = b.v;
      const len = b.len;
      const floats = plain && b.h === undefined;
      // Cursor a: the last sample at or before the step's reference.
      let a = b.a;
      for (let j = 0; j < steps; j++) {
        const ref = this.refs[first + j]!;
        a = latestAtOrBefore(ts, len, a, ref);
        if (!readsSampleAt(ts, vs, len, a, ref, lookback)) continue;
        const v = vs[a]!;
        const sv = out[j]!;
        if (floats) {
          sv.ids[sv.n] = i;
          sv.v[sv.n++] = v;
          continue;
        }
        const error = this.pushRead(sv, i, b, a);
        if (error !== undefined && (failure === undefined || j < failure.step)) failure = { step: j, error };
      }
      b.a = a;
      b.keep = a;
    }
    return failure;
  }

  /** Series i's sample a as the read asks for it (its start time, its timestamp, a histogram); the error a histogram raises under timestamp(), if any. */
  private pushRead(sv: StepVector, i: number, b: SampleBuffer, a: number): Error | undefined {
    if (this.opts.startTimestampValues) {
      sv.ids[sv.n] = i;
      sv.v[sv.n++] = (b.st?.[a] ?? 0) / 1000;
      return undefined;
    }
    const tsValues = !!this.opts.timestampValues;
    const h = b.h?.[a];
    if (h !== undefined && !tsValues) {
      pushHistogram(sv, i, h);
      return undefined;
    }
    if (h !== undefined) {
      const error = this.opts.histogramError?.(i);
      if (error !== undefined) return error;
    }
    sv.ids[sv.n] = i;
    sv.v[sv.n++] = tsValues ? b.t[a]! / 1000 : b.v[a]!;
    return undefined;
  }

  /** The batch's steps of `x smoothed`, step by step (its annotations come in step order). */
  private smoothedSteps(bufs: readonly SampleBuffer[], out: StepVector[], first: number): undefined {
    for (let j = 0; j < out.length; j++) {
      const ref = this.refs[first + j]!;
      const sv = out[j]!;
      for (let i = 0; i < bufs.length; i++) {
        const x = this.smoothedValue(i, bufs[i]!, ref);
        if (x === undefined) continue;
        if (typeof x !== "number") {
          pushHistogram(sv, i, x);
          continue;
        }
        sv.ids[sv.n] = i;
        sv.v[sv.n++] = x;
      }
    }
    return undefined;
  }

  /**
   * `x smoothed` at ref for series i, as Prometheus's smoothSeries: among the samples in
   * (ref − lookback, ref + lookback], stale markers skipped, the one at ref, else the value
   * interpolated between the last before and the first after, else the last before carried
   * forward (its counter-reset hint cleared); none before gives nothing. Floats and histograms
   * mixed in that span, or exponential and custom buckets across the interpolation, give nothing
   * and a warning. A histogram interpolation is counter-aware unless both samples are gauges.
   */
  private smoothedValue(i: number, b: SampleBuffer, ref: number): number | FloatHistogram | undefined {
    const lookback = this.ctx.lookbackMs;
    b.fill(ref + lookback);
    const ts = b.t;
    let a = b.a;
    while (a + 1 < b.len && ts[a + 1]! <= ref) a++;
    b.a = a;
    if (b.h !== undefined && mixesKinds(b, ref - lookback, ref + lookback, a)) {
      this.ctx.annotations.report(mixedFloatsHistogramsWarning(this.metricName(i)), this.node.pos);
      return undefined;
    }
    let p = a < b.len && ts[a]! <= ref ? a : -1;
    while (p >= 0 && ts[p]! > ref - lookback && isStaleAt(b, p)) p--;
    if (p < 0 || ts[p]! <= ref - lookback) return undefined;
    b.keep = p;
    const hp = b.h?.[p];
    if (ts[p] === ref) return hp ?? b.v[p]!;
    let q = a + 1;
    while (q < b.len && ts[q]! <= ref + lookback && isStaleAt(b, q)) q++;
    if (q >= b.len || ts[q]! > ref + lookback) {
      if (hp === undefined) return b.v[p]!;
      // The hint speaks of the step from the sample before, which the carried copy does not follow.
      const carried = hp.copy();
      carried.counterResetHint = CounterResetHint.Unknown;
      return carried;
    }
    const hq = b.h?.[q];
    if (hp === undefined || hq === undefined) return interpolateLinear(ts[p]!, b.v[p]!, ts[q]!, b.v[q]!, ref, false);
    const metricName = this.metricName(i);
    if (hp.usesCustomBuckets() !== hq.usesCustomBuckets()) {
      this.ctx.annotations.report(mixedExponentialCustomHistogramsWarning(metricName), this.node.pos);
      return undefined;
    }
    const isCounter = hp.counterResetHint !== CounterResetHint.Gauge || hq.counterResetHint !== CounterResetHint.Gauge;
    const annotations: AnnotationText[] = [];
    const h = interpolateHistograms(hp, ts[p]!, hq, ts[q]!, ref, isCounter, annotations, metricName);
    for (const x of annotations) this.ctx.annotations.report(x, this.node.pos);
    return h;
  }

  private metricName(i: number): string {
    return getLabel(this.meta![i]!.labels, METRIC_NAME);
  }

  explain(): Explain {
    const n = this.node;
    return { name: `[vectorSelector] {${n.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ")}}`, children: [] };
  }
}

/** A vector selector's float series and each step's reference time, for an aggregation reading them whole. */
export interface FloatReads {
  buffers: readonly SampleBuffer[];
  /** The query's thread reads series [0, mainSeries); the window workers' parts the rest, in order, as series-major cells. */
  mainSeries: number;
  parts: readonly WorkerPart[];
  /** Shared by group instead (then no parts): the query's thread reads the groups it takes. */
  share?: GroupShare;
  /** Each step's evaluation time. */
  times: Float64Array;
  /** Each step's reference time, (at ?? t) − offset. */
  refs: Float64Array;
  lookbackMs: number;
}

/** The slice of steps [k0, k1) read series by series into step-major cells (latest_steps.ts). */
class LatestCells {
  k0 = 0;
  k1 = 0;
  /** Steps in a slice: whole batches, as many as a slice holds. */
  readonly width: number;
  readonly values: Float64Array;
  readonly present: Uint8Array;
  /** Which series gave a sample: the workers' parts mark theirs (nothing here reads it). */
  readonly emitted: Uint8Array;

  constructor(
    /** The series the query's thread reads: the first ones, before any worker's. */
    readonly buffers: readonly SampleBuffer[],
    allSeries: number,
    steps: number,
    stepsBatch: number,
  ) {
    const series = buffers.length;
    this.width = Math.min(sliceStepsMost(series, stepsBatch), steps);
    this.values = new Float64Array(series * this.width);
    this.present = new Uint8Array(series * this.width);
    this.emitted = new Uint8Array(allSeries);
  }
}

/** An error met at one of a batch's steps (its index in the batch). */
interface StepFailure {
  step: number;
  error: Error;
}

function isStaleAt(b: SampleBuffer, i: number): boolean {
  const v = b.v[i]!;
  return v !== v && isStaleNaN(v) && b.h?.[i] === undefined;
}

/** Whether the non-stale samples with from < t <= to include floats and histograms both (a: an index near from..to). */
function mixesKinds(b: SampleBuffer, from: number, to: number, a: number): boolean {
  const ts = b.t;
  let lo = Math.min(a, b.len - 1);
  while (lo > 0 && ts[lo - 1]! > from) lo--;
  let floats = false;
  let histograms = false;
  for (let k = Math.max(lo, 0); k < b.len && ts[k]! <= to; k++) {
    if (ts[k]! <= from || isStaleAt(b, k)) continue;
    if (b.h![k] === undefined) floats = true;
    else histograms = true;
    if (floats && histograms) return true;
  }
  return false;
}
