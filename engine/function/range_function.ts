// A range-vector function (rate, *_over_time, …) evaluated over sliding windows of a range source.
import { lookupFunction } from "../../promql/index.js";
import { mightNotBeCounter, rangeFunctions, type RangeFunction } from "../functions/index.js";
import type { QueryContext } from "../exec/context.js";
import { possibleNonCounterInfo, startTimeOverlapWarning } from "../annotations.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";
import { HistogramWindows } from "./histogram_range.js";
import { getLabel, METRIC_NAME } from "../../storeapi/index.js";
import type { PosRange } from "../types.js";
import type { RangeData, RangeSource } from "./range_source.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";
import { SeriesWindows, timelineSteps, windowsOverlap, type StepTimes, type WindowShape } from "./range_windows.js";
import type { FloatGrouping } from "../aggregate/grouped_steps.js";
import { offloadSeries, shareGroups, type GroupShare, type Offload, type WorkerPart } from "../parallel/offload.js";

/** A window worker's share against the query's thread's when each series is evaluated whole into rows (floatRows): the thread also adds the workers' rows into groups. */
const ROWS_WORKER_WEIGHT = 1;

export function hasRangeFunction(name: string): boolean {
  return rangeFunctions[name] !== undefined;
}

/** A range function call's results a series' row at a time (RangeFunctionOperator.floatRows). */
export interface FloatRows {
  /** Each step's evaluation time. */
  times: Float64Array;
  /** The query's thread evaluates series [0, mainSeries) by evaluate(); the window workers' parts hold the rest, in order, as series-major cells. */
  mainSeries: number;
  parts: readonly WorkerPart[];
  /** Shared by group instead (then no parts): the query's thread evaluates the series of the groups it takes. */
  share: GroupShare | undefined;
  /** Series i's result at every step into values/present (a step's cell: its number); returns the samples read. */
  evaluate(i: number, values: Float64Array, present: Uint8Array): number;
  /** Series i (a worker's) gave a float at some step. */
  emitted(i: number): void;
  /** Every row is in: the samples all rows read counted, the call's annotations reported. */
  finish(read: number): void;
}

export class RangeFunctionOperator implements Operator {
  readonly kind = "vector";
  private data: RangeData | undefined;
  private meta: SeriesMeta[] | undefined;
  /** Series that gave a float result (the possible-non-counter info is about floats only). */
  private emitted = new Uint8Array(0);
  /** Each series' outputs so far, as --query.max-samples weighs them. */
  private outPoints = new Float64Array(0);
  /** Whether every step reads the same window (an @ modifier). */
  private readonly atFixed: boolean;
  private step = 0;
  private readonly fn: RangeFunction;
  /** Where each series' window lies at a step and what the function gives there (set once series are known). */
  private windows: SeriesWindows | undefined;
  /** Every step's times and scalar arguments. */
  private readonly stepTimes: StepTimes;
  /** Series [0, offload.mainSeries) are evaluated here, the rest by window workers. */
  private offload: Offload | undefined;
  private readonly argv: number[];
  /** One series' results over a batch's steps (SeriesWindows.evaluateSteps). */
  private runValues = new Float64Array(0);
  private runPresent = new Uint8Array(0);
  /** Windows of series holding histograms go here (made on the first such series). */
  private histogramWindows: HistogramWindows | undefined;
  private shape: WindowShape | undefined;
  /** floatRows: the source's points and the outputs of the series evaluated so far, as --query.max-samples weighs them. */
  private rowsHeld = 0;

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: string,
    private readonly source: RangeSource,
    /** Scalar arguments per step, in argument order (without the range vector). */
    args: Float64Array[],
    private readonly tl: Timeline,
    private readonly argPos: PosRange,
  ) {
    this.fn = rangeFunctions[name]!;
    this.argv = args.map(() => NaN);
    this.stepTimes = timelineSteps(tl, (t) => source.refTime(t), args);
    const refs = this.stepTimes.refs;
    this.atFixed = tl.steps > 1 && refs[0] === refs[tl.steps - 1];
  }

  /** One output series per input series, labels kept (the name dropped after, if at all). */
  get distinctLabels(): boolean {
    return this.source.distinctLabels;
  }

  private async load(): Promise<RangeData> {
    if (this.data !== undefined) return this.data;
    const d = await this.source.load();
    this.data = d;
    const keep = lookupFunction(this.name)?.keepsMetricName === true;
    this.meta = d.meta.map((m) => (keep ? m : { labels: m.labels, dropName: true }));
    this.emitted = new Uint8Array(d.buffers.length);
    this.outPoints = new Float64Array(d.buffers.length);
    const shape: WindowShape = { name: this.name, rangeMs: this.source.rangeMs, anchored: this.source.anchored, smoothed: this.source.smoothed, lookbackMs: this.ctx.lookbackMs, overlapping: windowsOverlap(this.tl, this.source.rangeMs, this.atFixed) };
    this.shape = shape;
    this.windows = new SeriesWindows(shape, d.buffers.length, this.tl.steps === 1);
    return d;
  }

  /**
   * Every series' result at every step a row at a time, for an aggregation adding the rows into
   * groups instead of reading step vectors (grouped_steps.ts): undefined, and nothing evaluated,
   * unless every series holds floats only (no histograms, no start timestamps), the call has more
   * than one batch of steps and its windows move (no @). Taken, the operator gives no batches.
   */
  async floatRows(grouping: FloatGrouping): Promise<FloatRows | undefined> {
    const d = await this.load();
    if (this.step > 0 || this.offload !== undefined || this.atFixed || this.tl.steps <= this.ctx.stepsBatch) return undefined;
    if (d.buffers.some((b) => b.h !== undefined || b.st !== undefined)) return undefined;
    this.step = this.tl.steps;
    const share = shareGroups(this.ctx.workers, { kind: "windows", shape: this.shape! }, grouping.sum, d.buffers, this.stepTimes, grouping.of, grouping.groups);
    const offload: Offload =
      share !== undefined ? { mainSeries: d.buffers.length, parts: [] } : offloadSeries(this.ctx.workers, { kind: "windows", shape: this.shape!, seriesMajor: true }, d.buffers, this.stepTimes, this.ctx.stepsBatch, ROWS_WORKER_WEIGHT);
    this.offload = offload;
    this.rowsHeld = d.points ?? 0;
    return {
      times: this.stepTimes.times,
      mainSeries: offload.mainSeries,
      parts: offload.parts,
      share,
      evaluate: (i, values, present) => this.evaluateRow(d, i, values, present),
      emitted: (i) => (this.emitted[i] = 1),
      finish: (read) => {
        this.ctx.samples.read(read);
        this.finish(d);
      },
    };
  }

  /**
   * Series i at every step into values/present, decoded whole into the fetch's scratch first; counted
   * as Prometheus counts a function over windows series by series: the source's points, the outputs
   * of the series before, the widest window; then its own outputs and its last window. Returns the
   * samples its windows read.
   */
  private evaluateRow(d: RangeData, i: number, values: Float64Array, present: Uint8Array): number {
    const sw = this.windows!;
    sw.evaluateOnce(i, d.buffers[i]!, this.stepTimes, 0, this.tl.steps, values, present);
    const run = sw.run;
    this.ctx.samples.check(this.rowsHeld + run.widest);
    let outputs = 0;
    for (let k = 0; k < present.length; k++) outputs += present[k]!;
    this.ctx.samples.check(this.rowsHeld + outputs + run.last);
    this.rowsHeld += outputs;
    if (outputs > 0) this.emitted[i] = 1;
    return run.read;
  }

  /** The steps the call is evaluated at. */
  steps(): number {
    return this.tl.steps;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.load();
    return this.meta!;
  }

  async next(): Promise<StepVector[] | null> {
    const d = await this.load();
    if (this.offload === undefined) this.offload = offloadSeries(this.ctx.workers, { kind: "windows", shape: this.shape!, seriesMajor: false }, d.buffers, this.stepTimes, this.ctx.stepsBatch);
    if (this.step >= this.tl.steps) {
      this.finish(d);
      return null;
    }
    const sw = this.windows!;
    const { times, refs, args } = this.stepTimes;
    const first = this.step;
    const last = Math.min(this.tl.steps, first + this.ctx.stepsBatch);
    const out: StepVector[] = [];
    for (let k = first; k < last; k++) out.push(this.ctx.pool.get(times[k]!, d.buffers.length));
    let read = 0;
    // As Prometheus counts a function over windows series by series: the source's points, the
    // outputs of the series before, this window; after a series' last step, its outputs too.
    const held = d.points ?? 0;
    let before = 0;
    const runValues = this.runValues.length >= last - first ? this.runValues : (this.runValues = new Float64Array(last - first));
    const runPresent = this.runPresent.length >= last - first ? this.runPresent : (this.runPresent = new Uint8Array(last - first));
    // Series outer, steps inner: one series' samples stay in cache across the batch's steps.
    for (let i = 0; i < this.offload!.mainSeries; i++) {
      const b = d.buffers[i]!;
      let window = 0;
      if (sw.evaluateSteps(i, b, this.stepTimes, first, last, runValues, runPresent)) {
        read += sw.run.read;
        this.ctx.samples.check(held + before + sw.run.widest);
        window = sw.run.last;
        for (let k = first; k < last; k++) {
          if (runPresent[k - first] === 0) continue;
          this.emitFloat(out[k - first]!, i, runValues[k - first]!);
          if (this.counted(k)) this.outPoints[i]++;
        }
      } else for (let k = first; k < last; k++) {
        const n = sw.place(b, times[k]!, refs[k]!);
        window = n < 0 ? 0 : b.h === undefined ? n : histogramWindowWeight(b, sw.w.start, sw.w.end);
        if (n < 0) continue;
        read += n;
        this.ctx.samples.check(held + before + window);
        for (let a = 0; a < args.length; a++) this.argv[a] = args[a]![k]!;
        const sv = out[k - first]!;
        const counted = this.counted(k);
        if (b.h !== undefined) {
          const weight = this.emitHistogramWindow(d, i, b, sv);
          if (counted) this.outPoints[i] += weight;
          continue;
        }
        const r = sw.value(this.argv);
        if (sw.w.startTimeOverlap === true) this.reportStartTimeOverlap(d, i);
        if (r === undefined) continue;
        this.emitFloat(sv, i, r);
        if (counted) this.outPoints[i]++;
      }
      if (last === this.tl.steps) {
        this.ctx.samples.check(held + before + this.outPoints[i]! + window);
        b.release();
      }
      before += this.outPoints[i]!;
    }
    // The workers' series come after this thread's, so each step's ids stay in series order.
    for (const part of this.offload!.parts) read += await part.appendTo(out, first, last, this.emitted);
    this.step = last;
    this.ctx.samples.read(read);
    return out;
  }

  /** Series i's float result at a step. */
  private emitFloat(sv: StepVector, i: number, r: number): void {
    sv.ids[sv.n] = i;
    sv.v[sv.n++] = r;
    this.emitted[i] = 1;
  }

  /** Whether step k's output counts against --query.max-samples: an @-fixed window is evaluated once by Prometheus (a step-invariant expression), so its output counts once. */
  private counted(k: number): boolean {
    return k === 0 || !this.atFixed;
  }

  /** One window of a series holding histograms, through Prometheus's histogram rules; returns the output's weight (0: none). */
  private emitHistogramWindow(d: RangeData, i: number, b: SampleBuffer, sv: StepVector): number {
    this.histogramWindows ??= new HistogramWindows(this.ctx, this.name, this.fn, this.argPos);
    const r = this.histogramWindows.eval(b, this.windows!.w, this.argv, getLabel(d.meta[i]!.labels, METRIC_NAME));
    if (r === undefined) return 0;
    if (typeof r === "number") {
      this.emitFloat(sv, i, r);
      return 1;
    }
    pushHistogram(sv, i, r);
    return r.sampleWeight();
  }

  private reportStartTimeOverlap(d: RangeData, i: number): void {
    this.windows!.w.startTimeOverlap = false;
    this.ctx.annotations.report(startTimeOverlapWarning(getLabel(d.meta[i]!.labels, METRIC_NAME)), this.argPos);
  }

  /** Prometheus's hint that rate/increase over a non-counter name is probably a mistake. */
  private finish(d: RangeData): void {
    if (lookupFunction(this.name)?.warnsNonCounter !== true) return;
    for (let i = 0; i < d.meta.length; i++) {
      if (this.emitted[i] === 0) continue;
      const name = getLabel(d.meta[i]!.labels, METRIC_NAME);
      if (!mightNotBeCounter(name)) continue;
      this.ctx.annotations.report(possibleNonCounterInfo(name), this.argPos);
    }
  }

  explain(): Explain {
    return { name: `[rangeFunction] ${this.name}`, children: [{ name: this.source.describe(), children: [] }] };
  }
}

/** Samples [s, e) of a series holding histograms, each histogram weighed by its size. */
function histogramWindowWeight(b: SampleBuffer, s: number, e: number): number {
  let n = 0;
  for (let j = s; j < e; j++) n += b.h![j]?.sampleWeight() ?? 1;
  return n;
}
