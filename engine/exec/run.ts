// Drives the root operator to the end and assembles the API's result value, applying the
// delayed `__name__` removal and the duplicate-labelset check on the way out.
import type { PlanNode } from "../../planner/index.js";
import { planType } from "../../planner/index.js";
import { execution } from "../errors.js";
import { dropMetricName, getLabel, labelsKey, compareLabels, METRIC_NAME } from "../../storeapi/index.js";
import type { Explain, Operator, SeriesMeta, Timeline } from "../model.js";
import type { HistogramPoints, MatrixSeries, Sample, Value } from "../types.js";
import type { FloatHistogram } from "../histogram/index.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";
import { extendedRangeSamples, type RangeWindow } from "../functions/index.js";
import { build } from "./build.js";
import { checkAborted, LoopTurns, type QueryContext, yieldToLoop } from "./context.js";
import type { RangeSource } from "../function/range_source.js";
import { MatrixSelectorSource } from "../scan/matrix_selector.js";
import { SubquerySource } from "../subquery/subquery.js";
import { subquerySpan } from "../../planner/index.js";
import { stepVectorWeight, timeline } from "../model.js";

const DUPLICATE = "vector cannot contain metrics with the same labelset";

export async function evaluate(ctx: QueryContext, root: PlanNode, tl: Timeline): Promise<Value> {
  const type = planType(root);
  if (type === "string") {
    if (root.type !== "StringLiteral") throw execution("string expression without a literal");
    return { type: "string", t: tl.start, v: root.value };
  }
  if (type === "matrix") return evaluateMatrix(ctx, root, tl);
  return evaluateOperator(ctx, await build(ctx, root, tl), tl);
}

function evaluateOperator(ctx: QueryContext, op: Operator, tl: Timeline): Promise<Value> {
  if (op.kind === "scalar") return evaluateScalar(ctx, op, tl);
  return ctx.isRangeQuery ? evaluateRange(ctx, op, tl) : evaluateInstant(ctx, op, tl);
}

/** Runs the plan as a query would (ctx.analyze set: every operator measured) and returns the measured tree. */
export async function analyzePlan(ctx: QueryContext, root: PlanNode, tl: Timeline): Promise<Explain> {
  const type = planType(root);
  if (type === "string" || type === "matrix") return explainPlan(ctx, root, tl);
  const op = await build(ctx, root, tl);
  await evaluateOperator(ctx, op, tl);
  return op.explain();
}

/** The operator tree for a plan (range vectors at the root have none: they are read directly). */
export async function explainPlan(ctx: QueryContext, root: PlanNode, tl: Timeline): Promise<Explain> {
  const type = planType(root);
  if (type === "string" || type === "matrix") return { name: `[${type}] ${root.type}`, children: [] };
  return (await build(ctx, root, tl)).explain();
}

function finalLabels(m: SeriesMeta): SeriesMeta["labels"] {
  return m.dropName ? dropMetricName(m.labels) : m.labels;
}

/**
 * Whether two output series may end up with one label set: not when the operator's series are
 * distinct and the delayed name drop takes from all of them one same name (or from none).
 */
function mayRepeatLabels(op: Operator, meta: readonly SeriesMeta[]): boolean {
  if (op.distinctLabels !== true || meta.length === 0) return true;
  const dropName = meta[0]!.dropName;
  const name = getLabel(meta[0]!.labels, METRIC_NAME);
  for (const m of meta) {
    if (m.dropName !== dropName) return true;
    if (dropName && getLabel(m.labels, METRIC_NAME) !== name) return true;
  }
  return false;
}

async function evaluateInstant(ctx: QueryContext, op: Operator, tl: Timeline): Promise<Value> {
  const meta = await op.series();
  const samples: Sample[] = [];
  const check = mayRepeatLabels(op, meta);
  const seen = new Set<string>();
  for (;;) {
    checkAborted(ctx.signal);
    const batch = await op.next();
    if (batch === null) break;
    for (const sv of batch) {
      for (let k = 0; k < sv.n; k++) {
        const labels = finalLabels(meta[sv.ids[k]!]!);
        if (check) noteLabels(seen, labels);
        samples.push({ labels, t: tl.start, v: sv.v[k]! });
      }
      for (let k = 0; k < sv.hn; k++) {
        const labels = finalLabels(meta[sv.hIds![k]!]!);
        if (check) noteLabels(seen, labels);
        samples.push({ labels, t: tl.start, v: 0, h: sv.h![k]! });
      }
      ctx.samples.hold(stepVectorWeight(sv));
      ctx.pool.put(sv);
    }
  }
  return { type: "vector", samples };
}

/** Adds a sample's label set to those of its step's vector; a second one is the duplicate-labelset error. */
function noteLabels(seen: Set<string>, labels: SeriesMeta["labels"]): void {
  const key = labelsKey(labels);
  if (seen.has(key)) throw execution(DUPLICATE);
  seen.add(key);
}

async function evaluateScalar(ctx: QueryContext, op: Operator, tl: Timeline): Promise<Value> {
  await op.series();
  const t: number[] = [];
  const v: number[] = [];
  for (;;) {
    checkAborted(ctx.signal);
    const batch = await op.next();
    if (batch === null) break;
    for (const sv of batch) {
      t.push(sv.t);
      v.push(sv.n > 0 ? sv.v[0]! : NaN);
      ctx.pool.put(sv);
    }
    ctx.samples.hold(batch.length);
  }
  if (!ctx.isRangeQuery) return { type: "scalar", t: tl.start, v: v[0] ?? NaN };
  return { type: "matrix", series: [{ labels: [], t: Float64Array.from(t), v: Float64Array.from(v) }] };
}

async function evaluateRange(ctx: QueryContext, op: Operator, tl: Timeline): Promise<Value> {
  const meta = await op.series();
  // Series that become equal once names are dropped share one output series.
  const outOf = new Int32Array(meta.length);
  const outLabels: SeriesMeta["labels"][] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < meta.length; i++) {
    const labels = finalLabels(meta[i]!);
    const key = labelsKey(labels);
    let o = index.get(key);
    if (o === undefined) {
      o = outLabels.length;
      index.set(key, o);
      outLabels.push(labels);
    }
    outOf[i] = o;
  }
  // An operator emits a series at most once per step, so only merged series can collide.
  const mayCollide = outLabels.length < meta.length;
  // Values by (output series, step) in one flat column per series, and which cells hold one.
  const nOut = outLabels.length;
  const steps = tl.steps;
  const values = new Float64Array(nOut * steps);
  const present = new Uint8Array(nOut * steps);
  const counts = new Int32Array(nOut);
  // Histogram cells exist only once a histogram arrives, so float-only queries pay nothing for them.
  let histograms: (FloatHistogram | undefined)[] | undefined;
  let step = 0;
  const turns = new LoopTurns();
  for (;;) {
    checkAborted(ctx.signal);
    const batch = await op.next();
    if (batch === null) break;
    for (const sv of batch) {
      for (let k = 0; k < sv.n; k++) {
        const o = outOf[sv.ids[k]!]!;
        const cell = o * steps + step;
        if (mayCollide && present[cell] !== 0) throw execution(DUPLICATE);
        present[cell] = 1;
        values[cell] = sv.v[k]!;
        counts[o]++;
      }
      for (let k = 0; k < sv.hn; k++) {
        const o = outOf[sv.hIds![k]!]!;
        const cell = o * steps + step;
        if (present[cell] !== 0) throw execution(DUPLICATE);
        present[cell] = 2;
        histograms ??= new Array<FloatHistogram | undefined>(nOut * steps);
        histograms[cell] = sv.h![k]!;
      }
      ctx.samples.hold(stepVectorWeight(sv));
      ctx.pool.put(sv);
      step++;
    }
    if (turns.due()) await yieldToLoop();
  }
  const series: MatrixSeries[] = [];
  for (let o = 0; o < nOut; o++) {
    const n = counts[o]!;
    const base = o * steps;
    const hs = histograms === undefined ? undefined : histogramPoints(histograms, present, base, tl);
    if (n === 0 && hs === undefined) continue;
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    let j = 0;
    for (let s = 0; s < steps; s++) {
      if (present[base + s] !== 1) continue;
      t[j] = tl.start + s * tl.step;
      v[j++] = values[base + s]!;
    }
    series.push(hs === undefined ? { labels: outLabels[o]!, t, v } : { labels: outLabels[o]!, t, v, histograms: hs });
  }
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  return { type: "matrix", series };
}

/** One output series' histogram cells as points, or undefined when it has none. */
function histogramPoints(cells: (FloatHistogram | undefined)[], present: Uint8Array, base: number, tl: Timeline): HistogramPoints | undefined {
  let out: HistogramPoints | undefined;
  for (let s = 0; s < tl.steps; s++) {
    if (present[base + s] !== 2) continue;
    out ??= { t: [], h: [] };
    out.t.push(tl.start + s * tl.step);
    out.h.push(cells[base + s]!);
  }
  return out;
}

/** An instant query for a range vector (`x[5m]`, `rate(x[5m])[10m:1m]`): its raw points. */
async function evaluateMatrix(ctx: QueryContext, root: PlanNode, tl: Timeline): Promise<Value> {
  if (ctx.isRangeQuery) {
    throw execution(`invalid expression type "range vector" for range query, must be Scalar or instant Vector`);
  }
  let source: RangeSource;
  if (root.type === "MatrixSelector") source = new MatrixSelectorSource(ctx, root, tl);
  else if (root.type === "Subquery") {
    const span = subquerySpan(tl, root.rangeMs, root.stepMs, root.offsetMs, root.atMs);
    source = new SubquerySource(ctx, root, await build(ctx, root.expr, timeline(span.start, span.end, span.step)));
  } else throw execution("unexpected range vector expression");
  const d = await source.load();
  const ref = source.refTime(tl.start);
  const from = ref - source.rangeMs;
  const extended = source.anchored || source.smoothed;
  const series: MatrixSeries[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < d.buffers.length; i++) {
    const b = d.buffers[i]!;
    b.fill(source.smoothed ? ref + ctx.lookbackMs : ref);
    const ts = b.t;
    let s = 0;
    while (s < b.len && ts[s]! <= from) s++;
    let e = s;
    while (e < b.len && ts[e]! <= ref) e++;
    if (e === s && !extended) continue;
    const labels = finalLabels(d.meta[i]!);
    const points = extended ? extendedPoints(ctx, source, labels, b, s, e, from, ref) : rangePoints(labels, b, s, e);
    if (points === undefined) continue;
    const key = labelsKey(labels);
    if (seen.has(key)) throw execution(DUPLICATE);
    seen.add(key);
    series.push(points);
    ctx.samples.hold(matrixSeriesWeight(points));
  }
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  return { type: "matrix", series };
}

/** A result series' points as --query.max-samples weighs them. */
function matrixSeriesWeight(s: MatrixSeries): number {
  let n = s.t.length;
  for (const h of s.histograms?.h ?? []) n += h.sampleWeight();
  return n;
}

/**
 * A bare `x[r] anchored|smoothed`: a point at each window edge (the anchor's value, or for
 * smoothed the value interpolated there) around the samples inside, or undefined when nothing
 * lies after the window's start. Histograms anywhere in the selection are an error, as in
 * Prometheus, which defines these points for floats only.
 */
function extendedPoints(ctx: QueryContext, source: RangeSource, labels: SeriesMeta["labels"], b: SampleBuffer, s: number, e: number, from: number, ref: number): MatrixSeries | undefined {
  if (b.h !== undefined) {
    const lo = from - ctx.lookbackMs;
    const hi = source.smoothed ? ref + ctx.lookbackMs : ref;
    for (let i = 0; i < b.len && b.t[i]! <= hi; i++) {
      if (b.t[i]! > lo && b.h[i] !== undefined) throw execution(`${source.anchored ? "anchored" : "smoothed"} modifier is not supported with histograms`);
    }
  }
  const w: RangeWindow = {
    t: b.t,
    v: b.v,
    start: s,
    end: e,
    rangeStartMs: from,
    rangeEndMs: ref,
    evalTimeMs: ref,
    anchored: source.anchored,
    smoothed: source.smoothed,
    lookbackDeltaMs: ctx.lookbackMs,
  };
  const t = new Float64Array(e - s + 2);
  const v = new Float64Array(e - s + 2);
  const n = extendedRangeSamples(w, t, v);
  return n === 0 ? undefined : { labels, t: t.subarray(0, n), v: v.subarray(0, n) };
}

/** Samples [s, e) of a buffer as a series, its histogram samples apart from its floats. */
function rangePoints(labels: SeriesMeta["labels"], b: SampleBuffer, s: number, e: number): MatrixSeries {
  const hs = b.h;
  if (hs === undefined) return { labels, t: b.t.slice(s, e), v: b.v.slice(s, e) };
  const t: number[] = [];
  const v: number[] = [];
  const histograms: HistogramPoints = { t: [], h: [] };
  for (let i = s; i < e; i++) {
    const h = hs[i];
    if (h === undefined) {
      t.push(b.t[i]!);
      v.push(b.v[i]!);
    } else {
      histograms.t.push(b.t[i]!);
      histograms.h.push(h);
    }
  }
  const out: MatrixSeries = { labels, t: Float64Array.from(t), v: Float64Array.from(v) };
  if (histograms.t.length > 0) out.histograms = histograms;
  return out;
}
