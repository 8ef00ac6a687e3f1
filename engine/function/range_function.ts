// A range-vector function (rate, *_over_time, …) evaluated over sliding windows of a range source.
import { lookupFunction } from "../../promql/index.js";
import { mightNotBeCounter, rangeFunctions, slidingEvaluator, type RangeFunction, type RangeWindow, type SlidingEvaluator } from "../functions/index.js";
import type { QueryContext } from "../exec/context.js";
import { possibleNonCounterInfo, startTimeOverlapWarning } from "../annotations.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";
import { HistogramWindows } from "./histogram_range.js";
import { getLabel, METRIC_NAME } from "../../storeapi/index.js";
import type { PosRange } from "../types.js";
import type { RangeData, RangeSource } from "./range_source.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";

export function hasRangeFunction(name: string): boolean {
  return rangeFunctions[name] !== undefined;
}

export class RangeFunctionOperator implements Operator {
  readonly kind = "vector";
  private data: RangeData | undefined;
  private meta: SeriesMeta[] | undefined;
  /** Series that gave a float result (the possible-non-counter info is about floats only). */
  private emitted = new Uint8Array(0);
  private step = 0;
  private readonly fn: RangeFunction;
  /** Incremental state across steps, for the functions that have it (set once series are known). */
  private sliding: SlidingEvaluator | undefined;
  private readonly window: RangeWindow;
  private readonly argv: number[];
  /** Windows of series holding histograms go here (made on the first such series). */
  private histogramWindows: HistogramWindows | undefined;

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: string,
    private readonly source: RangeSource,
    /** Scalar arguments per step, in argument order (without the range vector). */
    private readonly args: Float64Array[],
    private readonly tl: Timeline,
    private readonly argPos: PosRange,
  ) {
    this.fn = rangeFunctions[name]!;
    this.argv = args.map(() => NaN);
    this.window = {
      t: new Float64Array(0),
      v: new Float64Array(0),
      start: 0,
      end: 0,
      rangeStartMs: 0,
      rangeEndMs: 0,
      evalTimeMs: 0,
      anchored: source.anchored,
      smoothed: source.smoothed,
      lookbackDeltaMs: ctx.lookbackMs,
      scratch: new Float64Array(256),
    };
  }

  private async load(): Promise<RangeData> {
    if (this.data !== undefined) return this.data;
    const d = await this.source.load();
    this.data = d;
    const keep = lookupFunction(this.name)?.keepsMetricName === true;
    this.meta = d.meta.map((m) => (keep ? m : { labels: m.labels, dropName: true }));
    this.emitted = new Uint8Array(d.buffers.length);
    this.sliding = slidingEvaluator(this.name, d.buffers.length, this.source.anchored, this.source.smoothed);
    return d;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.load();
    return this.meta!;
  }

  async next(): Promise<StepVector[] | null> {
    const d = await this.load();
    if (this.step >= this.tl.steps) {
      this.finish(d);
      return null;
    }
    const w = this.window;
    const extended = this.source.anchored || this.source.smoothed;
    const ahead = this.source.smoothed ? this.ctx.lookbackMs : 0;
    const first = this.step;
    const last = Math.min(this.tl.steps, first + this.ctx.stepsBatch);
    const out: StepVector[] = [];
    for (let k = first; k < last; k++) out.push(this.ctx.pool.get(this.tl.start + k * this.tl.step, d.buffers.length));
    let read = 0;
    const sliding = this.sliding;
    // Series outer, steps inner: one series' samples stay in cache across the batch's steps.
    for (let i = 0; i < d.buffers.length; i++) {
      const b = d.buffers[i]!;
      for (let k = first; k < last; k++) {
        const t = this.tl.start + k * this.tl.step;
        const ref = this.source.refTime(t);
        const from = ref - this.source.rangeMs;
        b.fill(ref + ahead);
        const ts = b.t;
        // Window (from, ref]: a is its first index, e one past its last; steps only move forward.
        let s = b.a;
        while (s < b.len && ts[s]! <= from) s++;
        let e = b.b < s ? s : b.b;
        while (e < b.len && ts[e]! <= ref) e++;
        b.a = s;
        b.b = e;
        // The anchor sample just before the window stays for anchored/smoothed windows.
        b.keep = s > 0 ? s - 1 : 0;
        if (s === e && !extended) continue;
        read += e - s;
        for (let a = 0; a < this.args.length; a++) this.argv[a] = this.args[a]![k]!;
        w.rangeStartMs = from;
        w.rangeEndMs = ref;
        w.evalTimeMs = t;
        w.t = ts;
        w.v = b.v;
        w.st = b.st;
        w.rawCounts = b.rawCounts;
        w.start = s;
        w.end = e;
        if (w.scratch!.length < e - s) w.scratch = new Float64Array(2 * (e - s));
        if (b.h !== undefined) {
          this.emitHistogramWindow(d, i, b, out[k - first]!);
          continue;
        }
        // The incremental evaluators know nothing of start timestamps.
        const r = sliding !== undefined && b.st === undefined ? sliding.value(i, w, b.offset, this.argv) : this.fn(w, this.argv);
        if (w.startTimeOverlap === true) this.reportStartTimeOverlap(d, i);
        if (r === undefined) continue;
        const sv = out[k - first]!;
        sv.ids[sv.n] = i;
        sv.v[sv.n++] = r;
        this.emitted[i] = 1;
      }
    }
    this.step = last;
    this.ctx.samples.read(read);
    return out;
  }

  /** One window of a series holding histograms, through Prometheus's histogram rules. */
  private emitHistogramWindow(d: RangeData, i: number, b: SampleBuffer, sv: StepVector): void {
    this.histogramWindows ??= new HistogramWindows(this.ctx, this.name, this.fn, this.argPos);
    const r = this.histogramWindows.eval(b, this.window, this.argv, getLabel(d.meta[i]!.labels, METRIC_NAME));
    if (r === undefined) return;
    if (typeof r === "number") {
      sv.ids[sv.n] = i;
      sv.v[sv.n++] = r;
      this.emitted[i] = 1;
      return;
    }
    pushHistogram(sv, i, r);
  }

  private reportStartTimeOverlap(d: RangeData, i: number): void {
    this.window.startTimeOverlap = false;
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
