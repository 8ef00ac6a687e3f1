// Cost before execution: the series and samples a plan will touch, estimated from the stores'
// postings and chunk statistics (Store.estimate) before any chunk is fetched. Samples are counted
// as the engine counts them against --query.max-samples (engine/exec/context.ts), the largest of
// what it holds at once: the result (series × steps), a subquery's points (series × inner steps), a
// range function's outputs with one series' window (and its subquery's points). Fetched chunks
// count only as that window's share of them.
import { formatDuration, formatExpr, lookupFunction, type PosRange, type VectorSelector } from "../promql/index.js";
import {
  aggregatesFor,
  estimateSeries,
  weakerBasis,
  type EstimateBasis,
  type EstimateOptions,
  type SeriesRequest,
  type Store,
  type StoreEstimate,
} from "../storeapi/index.js";
import type { PlanContext, PlanNode, SelectorNode } from "./plan.js";
import { children, planType } from "./plan.js";
import { subquerySpan, type Span } from "./timelines.js";

/** One distinct store fetch of the plan (identical selectors share one, as the engine shares them). */
export interface SelectorCost {
  /** The selector as PromQL, e.g. `demo_total{job="api"}[5m]` (the first selector of the fetch). */
  readonly selector: string;
  readonly pos: PosRange;
  /** The series request the engine will send (matchers, range, hints). */
  readonly request: SeriesRequest;
  /** Whether `@` pins the selector's time (its range does not move with the query's). */
  readonly pinned: boolean;
  /** The fetch's inclusive time range, ms. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly series: number;
  /** Samples of the chunks overlapping the range. */
  readonly samples: number;
  readonly basis: EstimateBasis;
  /** The stores the fetch reaches with their shares (empty when the store is not a proxy). */
  readonly stores: readonly StoreEstimate[];
}

export interface QueryCost {
  /** Series fetched, summed over the distinct fetches. */
  readonly series: number;
  /** Samples the engine would hold at once at its peak (what --query.max-samples limits). */
  readonly samples: number;
  readonly basis: EstimateBasis;
  /** Steps of the query (1 for an instant query). */
  readonly steps: number;
  /** The part of `samples` that shrinks with a longer step: outputs over the query's own steps. */
  readonly resultSamples: number;
  readonly selectors: readonly SelectorCost[];
}

interface Fetch {
  readonly id: string;
  readonly node: SelectorNode;
  readonly rangeMs: number;
}

/**
 * Estimates a plan's cost against `store`; runs one estimate per distinct fetch, concurrently.
 * `options.countSeries: false` when no check needs series: stores without an estimate of their own cost no round trip.
 */
export async function estimateCost(root: PlanNode, ctx: PlanContext, store: Store, signal?: AbortSignal, options?: EstimateOptions): Promise<QueryCost> {
  const fetches = new Map<string, Fetch>();
  collectFetches(root, fetches);
  const costs = await Promise.all([...fetches.values()].map((f) => estimateFetch(f, ctx, store, signal, options)));
  const byId = new Map<string, SelectorCost>();
  [...fetches.keys()].forEach((id, i) => byId.set(id, costs[i]!));
  const seriesOf = (sel: SelectorNode): number => byId.get(fetchId(sel))?.series ?? 0;
  const span = { start: ctx.startMs, end: ctx.endMs, step: ctx.stepMs || 1 };
  const steps = stepsOf({ start: ctx.startMs, end: ctx.endMs, step: ctx.stepMs });
  const peak = largest(rootHeld(root, span, ctx.stepMs > 0, byId, seriesOf), heldWithin(root, span, true, byId, seriesOf));
  let series = 0;
  let basis: EstimateBasis = "exact";
  for (const c of costs) {
    series += c.series;
    basis = weakerBasis(basis, c.basis);
  }
  return { series, samples: peak.samples, basis, steps, resultSamples: peak.perQueryStep, selectors: costs };
}

/** Samples held at one moment, and the part of them that grows with the query's own steps. */
interface Held {
  readonly samples: number;
  readonly perQueryStep: number;
}

const NOTHING: Held = { samples: 0, perQueryStep: 0 };

function largest(a: Held, b: Held): Held {
  return b.samples > a.samples ? b : a;
}

/** The result the engine keeps: a range query's points (series × steps), an instant vector, or a range vector's points. */
function rootHeld(root: PlanNode, span: Span, isRangeQuery: boolean, byId: Map<string, SelectorCost>, seriesOf: (sel: SelectorNode) => number): Held {
  const type = planType(root);
  if (type === "vector") {
    const n = outputSeries(root, seriesOf) * (isRangeQuery ? stepsOf(span) : 1);
    return { samples: n, perQueryStep: isRangeQuery ? n : 0 };
  }
  if (type === "scalar") return { samples: stepsOf(span), perQueryStep: isRangeQuery ? stepsOf(span) : 0 };
  if (root.type === "MatrixSelector") return { samples: windowSamples(root.selector, root.rangeMs, byId), perQueryStep: 0 };
  return NOTHING;
}

/**
 * The largest set of points held at once inside the plan (its result apart): a subquery's points,
 * a range function's outputs with one series' window and its subquery's points, a selector's step.
 * `ownSteps`: the span is the query's own, so outputs over it shrink with a longer step.
 */
function heldWithin(n: PlanNode, span: Span, ownSteps: boolean, byId: Map<string, SelectorCost>, seriesOf: (sel: SelectorNode) => number): Held {
  switch (n.type) {
    case "VectorSelector":
      return { samples: seriesOf(n), perQueryStep: 0 };
    case "StepInvariant":
      return heldWithin(n.expr, { start: span.start, end: span.start, step: span.step }, false, byId, seriesOf);
    case "Subquery": {
      const inner = subquerySpan(span, n.rangeMs, n.stepMs, n.offsetMs, n.atMs);
      const points = outputSeries(n.expr, seriesOf) * stepsOf(inner);
      return largest({ samples: points, perQueryStep: 0 }, heldWithin(n.expr, inner, false, byId, seriesOf));
    }
    case "Call": {
      const inside = children(n).reduce<Held>((a, c) => largest(a, heldWithin(c, span, ownSteps, byId, seriesOf)), NOTHING);
      const arg = n.args.find((a) => a.type === "MatrixSelector" || a.type === "Subquery");
      if (arg === undefined) return inside;
      return largest(inside, rangeFunctionHeld(n, arg, span, ownSteps, byId, seriesOf));
    }
    default:
      return children(n).reduce<Held>((a, c) => largest(a, heldWithin(c, span, ownSteps, byId, seriesOf)), NOTHING);
  }
}

/** A range function at its last series: every series' outputs, that series' window, the subquery's points it reads. */
function rangeFunctionHeld(call: PlanNode, arg: PlanNode, span: Span, ownSteps: boolean, byId: Map<string, SelectorCost>, seriesOf: (sel: SelectorNode) => number): Held {
  const atFixed = (arg.type === "MatrixSelector" ? arg.selector.atMs : arg.type === "Subquery" ? arg.atMs : undefined) !== undefined;
  const outputs = outputSeries(call, seriesOf) * (atFixed ? 1 : stepsOf(span));
  const perQueryStep = ownSteps && !atFixed ? outputs : 0;
  if (arg.type === "MatrixSelector") return { samples: outputs + windowSamples(arg.selector, arg.rangeMs, byId), perQueryStep };
  if (arg.type !== "Subquery") return NOTHING;
  const inner = subquerySpan(span, arg.rangeMs, arg.stepMs, arg.offsetMs, arg.atMs);
  const series = outputSeries(arg.expr, seriesOf);
  const window = series > 0 ? Math.min(stepsOf(inner), Math.ceil(arg.rangeMs / arg.stepMs)) : 0;
  return { samples: outputs + series * stepsOf(inner) + window, perQueryStep };
}

/** One series' window of a range selector: its share of the series' fetched samples. */
function windowSamples(sel: SelectorNode, rangeMs: number, byId: Map<string, SelectorCost>): number {
  const c = byId.get(fetchId(sel));
  if (c === undefined || c.series === 0) return 0;
  const fetchedMs = Math.max(1, c.maxTime - c.minTime + 1);
  return Math.floor((c.samples / c.series) * Math.min(1, rangeMs / fetchedMs));
}

/** The engine's key for a fetch: the same matchers and aggregate over the same range are read once. */
function fetchId(sel: SelectorNode): string {
  const f = sel.fetch;
  return f === undefined ? "" : `${f.key}\xfd${f.minTime}:${f.maxTime}`;
}

function collectFetches(n: PlanNode, out: Map<string, Fetch>): void {
  if (n.type === "VectorSelector" || n.type === "MatrixSelector") {
    const node = n.type === "VectorSelector" ? n : n.selector;
    const id = fetchId(node);
    if (node.fetch !== undefined && !out.has(id)) out.set(id, { id, node, rangeMs: n.type === "MatrixSelector" ? n.rangeMs : 0 });
    return;
  }
  for (const c of children(n)) collectFetches(c, out);
}

async function estimateFetch(f: Fetch, ctx: PlanContext, store: Store, signal?: AbortSignal, options?: EstimateOptions): Promise<SelectorCost> {
  const sel = f.node;
  const { minTime, maxTime } = sel.fetch!;
  const request: SeriesRequest = {
    minTime,
    maxTime,
    matchers: sel.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
    queryHints: sel.hints,
    ...(sel.read !== undefined ? { maxResolutionWindow: ctx.maxResolutionMs ?? 0, aggregates: aggregatesFor(sel.read) } : {}),
  };
  const e = await estimateSeries(store, request, signal, options);
  return { selector: selectorText(sel, f.rangeMs), pos: sel.pos, request, pinned: sel.atMs !== undefined, minTime, maxTime, series: e.series, samples: e.samples, basis: e.basis, stores: e.stores ?? [] };
}

function selectorText(sel: SelectorNode, rangeMs: number): string {
  const vs: VectorSelector = { type: "VectorSelector", name: sel.name, matchers: sel.matchers, anchored: sel.anchored, smoothed: sel.smoothed, pos: sel.pos };
  return formatExpr(vs) + (rangeMs > 0 ? `[${formatDuration(rangeMs)}]` : "");
}

function stepsOf(span: Span): number {
  return span.step > 0 && span.end >= span.start ? Math.floor((span.end - span.start) / span.step) + 1 : 1;
}

/** Functions whose result has at most one series whatever the input (lower bound: one if there is input). */
const ONE_SERIES_FUNCTIONS = new Set(["histogram_quantile", "histogram_fraction", "histogram_quantiles"]);
/** Functions whose result may be empty however large the input. */
const MAYBE_EMPTY_FUNCTIONS = new Set(["absent", "absent_over_time"]);
const COMPARISONS = new Set(["==", "!=", ">", "<", ">=", "<="]);

/**
 * A lower bound of the series a node outputs: selectors and per-series functions keep their input's
 * series, aggregations at least one group, filters and vector matching possibly none. A lower bound
 * keeps the estimate from refusing a query the engine would have answered.
 */
function outputSeries(n: PlanNode, seriesOf: (sel: SelectorNode) => number): number {
  switch (n.type) {
    case "VectorSelector":
      return seriesOf(n);
    case "MatrixSelector":
      return seriesOf(n.selector);
    case "Subquery":
    case "Unary":
    case "StepInvariant":
      return outputSeries(n.expr, seriesOf);
    case "Aggregate":
      return Math.min(1, outputSeries(n.expr, seriesOf));
    case "Call": {
      if (n.func === "vector") return 1;
      if (MAYBE_EMPTY_FUNCTIONS.has(n.func) || lookupFunction(n.func) === undefined) return 0;
      const arg = n.args.find((a) => planType(a) === "vector" || planType(a) === "matrix");
      if (arg === undefined) return 0;
      const input = outputSeries(arg, seriesOf);
      return ONE_SERIES_FUNCTIONS.has(n.func) ? Math.min(1, input) : input;
    }
    case "Binary": {
      const l = planType(n.lhs) === "scalar";
      const r = planType(n.rhs) === "scalar";
      if (l === r || (COMPARISONS.has(n.op) && !n.returnBool)) return 0;
      return outputSeries(l ? n.rhs : n.lhs, seriesOf);
    }
    default:
      return 0;
  }
}

// ── The check before execution ──

/** How far above the samples actually held an estimate on statistics may be (the factor the tests hold it to). */
export const STATISTICS_FACTOR = 2;

/** A limit the check enforces: its value and how the user names it (a flag, a per-tenant setting). */
export interface CostLimit {
  readonly max: number;
  readonly name: string;
}

export interface CostLimits {
  /** Samples one query may hold (--query.max-samples). */
  readonly samples?: CostLimit;
  /** Series one query may fetch. */
  readonly series?: CostLimit;
}

export interface CostRefusal {
  readonly limit: "samples" | "series";
  /** Prometheus's words for the refusal, then `detail`. */
  readonly message: string;
  /** The estimate against the limit and the advice, for a caller that words the refusal its own way. */
  readonly detail: string;
}

/** Prometheus's ErrTooManySamples for a query refused in execution. */
export const TOO_MANY_SAMPLES = "query processing would load too many samples into memory in query execution";
const TOO_MANY_SERIES = "query would fetch too many series";

/**
 * The refusal of a query whose estimate is over a limit, or undefined. An exact series estimate is
 * refused over the limit; any other only over STATISTICS_FACTOR × the limit (series too: a proxy
 * combines its stores' series by rule). Samples are always refused only over that factor: the engine
 * counts the steps that have data, which no estimate sees; samples assumed from a scrape interval never
 * refuse. The engine's own limit still applies while the query runs. The advice (range, step) is
 * against the limit itself.
 */
export async function checkQueryCost(cost: QueryCost, limits: CostLimits, ctx: PlanContext): Promise<CostRefusal | undefined> {
  const slack = cost.basis === "exact" ? 1 : STATISTICS_FACTOR;
  const samples = limits.samples;
  if (samples !== undefined && cost.basis !== "assumed" && cost.samples > samples.max * STATISTICS_FACTOR) {
    const what = `estimated ${cost.samples} samples before any chunk was read (limit ${samples.max}, ${samples.name})`;
    const parts = [topSelectors(cost)];
    if (ctx.stepMs > 0 && ctx.endMs > ctx.startMs) {
      const fit = fittingRange(cost, ctx, samples.max);
      parts.push(fit === undefined ? "no shorter range would fit" : `a range of at most about ${formatDuration(fit)} would fit`);
      parts.push(stepAdvice(cost, samples.max, ctx.endMs - ctx.startMs));
    }
    const detail = `${what}; ${parts.join("; ")}`;
    return { limit: "samples", message: `${TOO_MANY_SAMPLES}: ${detail}`, detail };
  }
  const series = limits.series;
  if (series !== undefined && cost.series > series.max * slack) {
    const what = `estimated ${cost.series} series before any chunk was read (limit ${series.max}, ${series.name})`;
    const detail = `${what}; ${topSelectors(cost)}`;
    return { limit: "series", message: `${TOO_MANY_SERIES}: ${detail}`, detail };
  }
  return undefined;
}

function topSelectors(cost: QueryCost): string {
  const top = [...cost.selectors].sort((a, b) => b.series - a.series || b.samples - a.samples).slice(0, 3);
  return `selectors matching the most series: ${top.map((s) => `${s.selector} (${s.series} series, ${s.samples} samples)`).join(", ")}`;
}

/**
 * The longest range (whole minutes, or seconds under a minute; same end and step) whose estimate
 * fits `max`: a shorter range has fewer steps, so fewer outputs; windows and subqueries stay.
 */
function fittingRange(cost: QueryCost, ctx: PlanContext, max: number): number | undefined {
  const fixed = cost.samples - cost.resultSamples;
  if (cost.resultSamples === 0 || fixed >= max) return undefined;
  const steps = Math.floor((max - fixed) / (cost.resultSamples / cost.steps));
  if (steps < 2) return undefined;
  const r = roundDown((steps - 1) * ctx.stepMs);
  return r >= ctx.stepMs ? r : undefined;
}

function stepAdvice(cost: QueryCost, budget: number, rangeMs: number): string {
  const fixed = cost.samples - cost.resultSamples;
  if (cost.resultSamples === 0 || fixed >= budget) return `no step would fit: windows and subqueries alone hold about ${fixed} samples`;
  const perStep = cost.resultSamples / cost.steps;
  const maxSteps = Math.floor((budget - fixed) / perStep);
  if (maxSteps < 2) return "no step would fit";
  return `a step of at least ${formatDuration(Math.ceil(rangeMs / (maxSteps - 1) / 1000) * 1000)} would fit`;
}

/** A duration rounded down to a whole minute (a whole second under a minute). */
function roundDown(ms: number): number {
  const unit = ms >= 60_000 ? 60_000 : 1000;
  return Math.max(unit, Math.floor(ms / unit) * unit);
}
