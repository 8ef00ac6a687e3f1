// Range functions over a series that holds native histograms (the float-only fast path never
// comes here): Prometheus's rules for each function on histogram and mixed windows.
//   rate/increase/delta, irate/idelta, sum/avg_over_time  computed on histograms; a window mixing
//                                                          floats and histograms gives no result
//                                                          and a warning
//                                                          (anchored/smoothed: between the window's
//                                                          boundary values, no extrapolation)
//   count/present/first/last/ts_of_first/ts_of_last_over_time, changes, resets
//                                                          count every sample, of either kind
//                                                          (anchored: from the anchor, of either kind)
//   every other function                                   reads the floats only; histograms
//                                                          beside floats are ignored with an info
import type { AnnotationText } from "../annotations.js";
import {
  histogramCounterResetCollisionWarning,
  histogramIgnoredInMixedRangeInfo,
  mismatchedCustomBucketsHistogramsInfo,
  mixedExponentialCustomHistogramsWarning,
  mixedFloatsHistogramsWarning,
  startTimeOverlapWarning,
} from "../annotations.js";
import type { QueryContext } from "../exec/context.js";
import {
  anchoredFrom,
  DEFAULT_LOOKBACK_DELTA_MS,
  extrapolationFactor,
  isStartTimestampReset,
  startTimeOverlaps,
  zeroPointInWindow,
  type RangeFunction,
  type RangeWindow,
} from "../functions/index.js";
import { CombineFlags, extendedHistogramDelta, HistogramMean, histogramInstantDelta, histogramWindowDelta, type FloatHistogram } from "../histogram/index.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";
import { CounterResetHint } from "../../storeapi/index.js";
import type { PosRange } from "../types.js";

/** What a window gives: a float, a histogram, or nothing. */
export type WindowValue = number | FloatHistogram | undefined;

const ALL_SAMPLES = new Set(["count_over_time", "present_over_time", "ts_of_first_over_time", "ts_of_last_over_time"]);

export class HistogramWindows {
  private ft = new Float64Array(64);
  private fv = new Float64Array(64);
  private fst = new Float64Array(64);
  private readonly hs: FloatHistogram[] = [];
  private readonly ht: number[] = [];

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: string,
    private readonly fn: RangeFunction,
    private readonly pos: PosRange,
  ) {}

  /** The function over window [w.start, w.end) of buffer `b` (w.t/w.v are b's arrays). */
  eval(b: SampleBuffer, w: RangeWindow, argv: number[], metricName: string): WindowValue {
    const h = b.h!;
    if (w.anchored || w.smoothed) {
      switch (this.name) {
        case "rate":
        case "increase":
        case "delta":
          return this.extendedDelta(b, w, argv, this.name !== "delta", this.name === "rate", metricName);
        case "changes":
        case "resets":
          return this.countTransitions(b, w, this.name === "resets");
      }
    }
    this.hs.length = 0;
    this.ht.length = 0;
    let floats = 0;
    for (let i = w.start; i < w.end; i++) {
      const x = h[i];
      if (x === undefined) floats++;
      else {
        this.hs.push(x);
        this.ht.push(w.t[i]!);
      }
    }
    // Without histograms in the window, the float function sees its floats (and boundary samples) alone.
    if (this.hs.length === 0) return this.floatsOnly(b, w, argv);
    const mixed = floats > 0;
    switch (this.name) {
      case "rate":
      case "increase":
      case "delta":
        if (mixed) return this.warn(mixedFloatsHistogramsWarning(metricName));
        return this.windowDelta(b, w, this.name !== "delta", this.name === "rate", metricName);
      case "irate":
      case "idelta":
        return this.instantDelta(b, w, this.name === "irate", metricName);
      case "sum_over_time":
      case "avg_over_time":
        if (mixed) return this.warn(mixedFloatsHistogramsWarning(metricName));
        return this.sumOverTime(this.name === "avg_over_time", metricName);
      case "last_over_time":
        return h[w.end - 1] ?? w.v[w.end - 1];
      case "first_over_time":
        return h[w.start] ?? w.v[w.start];
      case "changes":
      case "resets":
        return this.countTransitions(b, w, this.name === "resets");
    }
    if (ALL_SAMPLES.has(this.name)) return this.fn(w, argv);
    if (floats === 0) return undefined;
    this.ctx.annotations.report(histogramIgnoredInMixedRangeInfo(metricName), this.pos);
    return this.floatsOnly(b, w, argv);
  }

  private warn(a: AnnotationText): undefined {
    this.ctx.annotations.report(a, this.pos);
    return undefined;
  }

  /** The float function over the window's floats, keeping one sample either side for anchored/smoothed windows. */
  private floatsOnly(b: SampleBuffer, w: RangeWindow, argv: number[]): WindowValue {
    const h = b.h!;
    const lo = Math.max(0, w.start - 1);
    const hi = Math.min(b.len, w.end + 1);
    if (this.ft.length < hi - lo) {
      this.ft = new Float64Array(2 * (hi - lo));
      this.fv = new Float64Array(2 * (hi - lo));
      this.fst = new Float64Array(2 * (hi - lo));
    }
    let n = 0;
    let start = -1;
    let end = 0;
    for (let i = lo; i < hi; i++) {
      if (i === w.start) start = n;
      if (i === w.end) end = n;
      if (h[i] !== undefined) continue;
      if (w.st !== undefined) this.fst[n] = w.st[i]!;
      this.ft[n] = w.t[i]!;
      this.fv[n++] = w.v[i]!;
    }
    if (start < 0) start = n;
    if (w.end >= hi) end = n;
    const st = w.st === undefined ? undefined : this.fst.subarray(0, n);
    const fw: RangeWindow = { ...w, t: this.ft.subarray(0, n), v: this.fv.subarray(0, n), st, start, end, startTimeOverlap: false };
    const r = this.fn(fw, argv);
    if (fw.startTimeOverlap === true) w.startTimeOverlap = true;
    return r;
  }

  /**
   * rate/increase/delta on histograms: the window's change, extrapolated as for floats (by the count). A counter's
   * start timestamps mark resets too, and a first sample starting inside the window counts from empty there.
   */
  private windowDelta(b: SampleBuffer, w: RangeWindow, isCounter: boolean, isRate: boolean, metricName: string): WindowValue {
    // No floats in the window here, so its histograms are buffer slots w.start … w.end-1.
    const st = isCounter ? b.st : undefined;
    const zeroAt = zeroPointInWindow(st, w.start, w.t[w.start]!, w.rangeStartMs);
    if (this.hs.length < 2 && zeroAt === 0) return undefined;
    let histogram: FloatHistogram | undefined;
    if (this.hs.length >= 2) {
      const d = histogramWindowDelta(this.hs, isCounter, metricName, st === undefined ? undefined : this.startTimestampResets(st, w, metricName));
      for (const a of d.annotations) this.ctx.annotations.report(a, this.pos);
      if (d.histogram === undefined) return undefined;
      histogram = d.histogram;
    }
    if (zeroAt !== 0) {
      // Counted from an empty histogram at the first sample's start.
      if (histogram === undefined) histogram = this.hs[0]!.copy();
      else if ((histogram.add(this.hs[0]!) & CombineFlags.IncompatibleSchema) !== 0) return this.warn(mixedExponentialCustomHistogramsWarning(metricName));
    }
    const times = { t: Float64Array.from(this.ht), start: 0, end: this.ht.length, rangeStartMs: w.rangeStartMs, rangeEndMs: w.rangeEndMs };
    const factor = extrapolationFactor(times, this.hs[0]!.count, histogram!.count, isCounter, isRate, zeroAt);
    return histogram!.mul(factor);
  }

  /** resets[k]: the start timestamps say the counter restarted between window samples k-1 and k; warns on an overlap. */
  private startTimestampResets(st: Float64Array, w: RangeWindow, metricName: string): boolean[] {
    const resets = [false];
    let overlap = false;
    for (let i = w.start + 1; i < w.end; i++) {
      resets.push(isStartTimestampReset(st[i - 1]!, w.t[i - 1]!, st[i]!, w.t[i]!));
      overlap ||= startTimeOverlaps(st[i - 1]!, w.t[i - 1]!, st[i]!);
    }
    if (overlap) this.warn(startTimeOverlapWarning(metricName));
    return resets;
  }

  /**
   * rate/increase/delta over an anchored or smoothed window: every sample of the selection
   * Prometheus makes, (rangeStart − lookback, rangeEnd (+ lookback when smoothed)], decides —
   * floats and histograms mixed give no result and a warning, floats alone go to the float function.
   * A histogram series' buffer holds the whole series, so the samples before the window are there.
   */
  private extendedDelta(b: SampleBuffer, w: RangeWindow, argv: number[], isCounter: boolean, isRate: boolean, metricName: string): WindowValue {
    const h = b.h!;
    const lookback = w.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS;
    let lo = w.start;
    while (lo > 0 && w.t[lo - 1]! > w.rangeStartMs - lookback) lo--;
    let hi = w.end;
    if (w.smoothed) while (hi < b.len && w.t[hi]! <= w.rangeEndMs + lookback) hi++;
    this.hs.length = 0;
    this.ht.length = 0;
    let floats = 0;
    for (let i = lo; i < hi; i++) {
      const x = h[i];
      if (x === undefined) floats++;
      else {
        this.hs.push(x);
        this.ht.push(w.t[i]!);
      }
    }
    if (this.hs.length === 0) return floats === 0 ? undefined : this.floatsOnly(b, w, argv);
    if (floats > 0) return this.warn(mixedFloatsHistogramsWarning(metricName));
    const d = extendedHistogramDelta(Float64Array.from(this.ht), this.hs, w.rangeStartMs, w.rangeEndMs, w.smoothed, isCounter, metricName);
    for (const a of d.annotations) this.ctx.annotations.report(a, this.pos);
    if (d.histogram === undefined) return undefined;
    return isRate ? d.histogram.div((w.rangeEndMs - w.rangeStartMs) / 1000) : d.histogram;
  }

  /** irate/idelta: the last two samples, both histograms (a float among them: no result, a warning). */
  private instantDelta(b: SampleBuffer, w: RangeWindow, isRate: boolean, metricName: string): WindowValue {
    if (w.end - w.start < 2) return undefined;
    const prev = b.h![w.end - 2];
    const curr = b.h![w.end - 1];
    if (prev === undefined || curr === undefined) return this.warn(mixedFloatsHistogramsWarning(metricName));
    const dt = w.t[w.end - 1]! - w.t[w.end - 2]!;
    if (dt === 0) return undefined;
    const a = w.end - 2;
    const stReset = isRate && b.st !== undefined && isStartTimestampReset(b.st[a]!, w.t[a]!, b.st[a + 1]!, w.t[a + 1]!);
    const d = histogramInstantDelta(prev, curr, isRate, metricName, stReset);
    for (const a of d.annotations) this.ctx.annotations.report(a, this.pos);
    if (d.histogram === undefined) return undefined;
    return isRate ? d.histogram.div(dt / 1000) : d.histogram;
  }

  /** sum_over_time / avg_over_time of histograms. */
  private sumOverTime(avg: boolean, metricName: string): WindowValue {
    const first = this.hs[0]!;
    const mean = avg ? new HistogramMean(first) : undefined;
    const acc = avg ? first : first.copy(); // avg leaves acc untouched
    let resetSeen = first.counterResetHint === CounterResetHint.CounterReset;
    let notResetSeen = first.counterResetHint === CounterResetHint.NotCounterReset;
    let reconciled = false;
    let compensation: FloatHistogram | undefined;
    for (let i = 1; i < this.hs.length; i++) {
      const x = this.hs[i]!;
      if (x.counterResetHint === CounterResetHint.CounterReset) resetSeen = true;
      else if (x.counterResetHint === CounterResetHint.NotCounterReset) notResetSeen = true;
      let flags: CombineFlags;
      if (mean !== undefined) flags = mean.add(x);
      else {
        const r = acc.kahanAdd(x, compensation);
        compensation = r.compensation;
        flags = r.flags;
      }
      if ((flags & CombineFlags.IncompatibleSchema) !== 0) return this.warn(mixedExponentialCustomHistogramsWarning(metricName));
      if ((flags & CombineFlags.CustomBoundsReconciled) !== 0) reconciled = true;
    }
    if (resetSeen && notResetSeen) this.warn(histogramCounterResetCollisionWarning("aggregation"));
    if (reconciled) this.warn(mismatchedCustomBucketsHistogramsInfo("aggregation"));
    if (mean !== undefined) return mean.result();
    if (compensation !== undefined) acc.add(compensation);
    return acc.compact(0);
  }

  /**
   * changes/resets over samples of either kind: a switch between kinds counts as one; resets also by
   * start timestamps. Anchored, the count starts from the anchor, of either kind; nothing after
   * rangeStart gives no result.
   */
  private countTransitions(b: SampleBuffer, w: RangeWindow, resets: boolean): WindowValue {
    const h = b.h!;
    const st = resets ? b.st : undefined;
    if (w.end <= w.start) return undefined;
    const from = w.anchored ? anchoredFrom(w) : w.start;
    let count = 0;
    for (let i = from + 1; i < w.end; i++) {
      const ph = h[i - 1];
      const ch = h[i];
      if (st !== undefined && (ph === undefined) === (ch === undefined) && isStartTimestampReset(st[i - 1]!, w.t[i - 1]!, st[i]!, w.t[i]!)) {
        count++;
        continue;
      }
      if (ph === undefined && ch === undefined) {
        const p = w.v[i - 1]!;
        const c = w.v[i]!;
        if (resets ? c < p : c !== p && !(c !== c && p !== p)) count++;
      } else if (ph === undefined || ch === undefined) count++;
      else if (resets ? ch.detectReset(ph) : !ch.equals(ph)) count++;
    }
    return count;
  }
}
