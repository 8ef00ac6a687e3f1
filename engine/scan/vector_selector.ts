// Instant vector selector: for each step, each series' latest sample in (t − lookback, t],
// unless that sample is a stale marker (Prometheus 3 semantics); `x smoothed` interpolates at t.
import type { SelectorNode } from "../../planner/index.js";
import type { AnnotationText } from "../annotations.js";
import { mixedExponentialCustomHistogramsWarning, mixedFloatsHistogramsWarning } from "../annotations.js";
import { interpolateLinear } from "../functions/index.js";
import { interpolateHistograms, type FloatHistogram } from "../histogram/index.js";
import { CounterResetHint, getLabel, isStaleNaN, METRIC_NAME } from "../../storeapi/index.js";
import type { QueryContext } from "../exec/context.js";
import { pushHistogram, stepVectorWeight, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";
import { fetchSeries, type LoadedSeries } from "./fetch.js";
import { readSteps, withStatsReadHints } from "./histogram_stats.js";
import { statsReadExtension } from "../../planner/index.js";
import { SampleBuffer } from "./sample_buffer.js";

export interface VectorSelectorOptions {
  /** Output the sample's timestamp in seconds instead of its value (for `timestamp(x)`). */
  timestampValues?: boolean;
  /** With timestampValues: the error a histogram sample of series i raises (info series must be floats), if any. */
  histogramError?: (series: number) => Error | undefined;
  /** Output the sample's start timestamp in seconds (0 when it has none) instead of its value (for `start_timestamp(x)`). */
  startTimestampValues?: boolean;
}

export class VectorSelectorOperator implements Operator {
  readonly kind = "vector";
  /** The fetch joins every label set the stores send more than once. */
  readonly distinctLabels = true;
  private buffers: SampleBuffer[] | undefined;
  private meta: SeriesMeta[] | undefined;
  private step = 0;

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
    return this.buffers;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.load();
    return this.meta!;
  }

  async next(): Promise<StepVector[] | null> {
    const bufs = await this.load();
    if (this.step >= this.tl.steps) return null;
    const out: StepVector[] = [];
    const lookback = this.ctx.lookbackMs;
    const smoothed = this.node.smoothed;
    const tsValues = !!this.opts.timestampValues;
    const stValues = !!this.opts.startTimestampValues;
    const last = Math.min(this.tl.steps, this.step + this.ctx.stepsBatch);
    for (; this.step < last; this.step++) {
      const t = this.tl.start + this.step * this.tl.step;
      const ref = (this.node.atMs ?? t) - this.node.offsetMs;
      const sv = this.ctx.pool.get(t, bufs.length);
      let n = 0;
      for (let i = 0; i < bufs.length; i++) {
        const b = bufs[i]!;
        if (smoothed && !tsValues) {
          const x = this.smoothedValue(i, b, ref);
          if (x === undefined) continue;
          if (typeof x === "number") {
            sv.ids[n] = i;
            sv.v[n++] = x;
          } else pushHistogram(sv, i, x);
          continue;
        }
        b.fill(ref);
        const ts = b.t;
        // Cursor a: the last sample at or before ref (steps only move forward).
        let a = b.a;
        while (a + 1 < b.len && ts[a + 1]! <= ref) a++;
        b.a = a;
        b.keep = a;
        if (a >= b.len || ts[a]! > ref || ts[a]! <= ref - lookback) continue;
        const v = b.v[a]!;
        if (v !== v && isStaleNaN(v)) continue;
        if (stValues) {
          sv.ids[n] = i;
          sv.v[n++] = (b.st?.[a] ?? 0) / 1000;
          continue;
        }
        const h = b.h?.[a];
        if (h !== undefined) {
          if (tsValues) {
            const err = this.opts.histogramError?.(i);
            if (err !== undefined) throw err;
            sv.ids[n] = i;
            sv.v[n++] = ts[a]! / 1000;
          } else pushHistogram(sv, i, h);
          continue;
        }
        sv.ids[n] = i;
        sv.v[n++] = tsValues ? ts[a]! / 1000 : v;
      }
      sv.n = n;
      this.ctx.samples.read(n + sv.hn);
      this.ctx.samples.check(stepVectorWeight(sv));
      out.push(sv);
    }
    return out;
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
