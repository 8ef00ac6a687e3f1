// Query results as the Prometheus HTTP API returns them, decoded for comparison,
// and the comparison itself (as the PromLabs tester judges: same type, same series
// set, values within a relative tolerance, NaN equal to NaN, exact timestamps).

import { parse, type Expr } from "../../promql/index.js";

export type Labels = Readonly<Record<string, string>>;

/** One point: time in ms, and a float value or a histogram kept as canonical JSON text. */
export interface Point {
  t: number;
  v: number;
  h?: string;
}

export interface Series {
  metric: Labels;
  points: Point[];
}

export type QueryResult =
  | { resultType: "matrix"; series: Series[] }
  | { resultType: "vector"; series: Series[] }
  | { resultType: "scalar"; point: Point }
  | { resultType: "string"; t: number; value: string };

export class ResultDecodeError extends Error {
  override name = "ResultDecodeError";
}

/** Prometheus writes values as strings, with "+Inf", "-Inf" and "NaN". */
export function parseSampleValue(s: unknown): number {
  if (typeof s !== "string") throw new ResultDecodeError(`sample value must be a string, got ${JSON.stringify(s)}`);
  if (s === "+Inf" || s === "Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new ResultDecodeError(`bad sample value ${JSON.stringify(s)}`);
  return v;
}

function parseTime(t: unknown): number {
  if (typeof t !== "number" || !Number.isFinite(t)) throw new ResultDecodeError(`bad timestamp ${JSON.stringify(t)}`);
  return Math.round(t * 1000);
}

function floatPoint(p: unknown): Point {
  if (!Array.isArray(p) || p.length !== 2) throw new ResultDecodeError(`bad sample ${JSON.stringify(p)}`);
  return { t: parseTime(p[0]), v: parseSampleValue(p[1]) };
}

function histogramPoint(p: unknown): Point {
  if (!Array.isArray(p) || p.length !== 2) throw new ResultDecodeError(`bad histogram sample ${JSON.stringify(p)}`);
  return { t: parseTime(p[0]), v: NaN, h: canonicalJson(p[1]) };
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function metricOf(m: unknown): Labels {
  if (m === null || typeof m !== "object" || Array.isArray(m)) throw new ResultDecodeError("series without a metric object");
  for (const v of Object.values(m)) if (typeof v !== "string") throw new ResultDecodeError("label values must be strings");
  return m as Labels;
}

/** Decodes the `data` object of a successful /api/v1/query or /api/v1/query_range answer. */
export function decodeResult(data: unknown): QueryResult {
  if (data === null || typeof data !== "object") throw new ResultDecodeError("missing data");
  const { resultType, result } = data as { resultType?: unknown; result?: unknown };
  switch (resultType) {
    case "matrix":
    case "vector": {
      if (!Array.isArray(result)) throw new ResultDecodeError(`${resultType} result must be a list`);
      const series = result.map((s: Record<string, unknown>): Series => {
        const points: Point[] = [];
        if (resultType === "vector") {
          if (s.value !== undefined) points.push(floatPoint(s.value));
          if (s.histogram !== undefined) points.push(histogramPoint(s.histogram));
        } else {
          if (s.values !== undefined) points.push(...(s.values as unknown[]).map(floatPoint));
          if (s.histograms !== undefined) points.push(...(s.histograms as unknown[]).map(histogramPoint));
          points.sort((a, b) => a.t - b.t);
        }
        return { metric: metricOf(s.metric), points };
      });
      return { resultType, series };
    }
    case "scalar":
      return { resultType, point: floatPoint(result) };
    case "string": {
      if (!Array.isArray(result) || result.length !== 2 || typeof result[1] !== "string") throw new ResultDecodeError("bad string result");
      return { resultType, t: parseTime(result[0]), value: result[1] };
    }
    default:
      throw new ResultDecodeError(`unknown resultType ${JSON.stringify(resultType)}`);
  }
}

/** `{a="1", b="2"}` with names sorted: the identity of a series. */
export function labelsKey(m: Labels): string {
  const names = Object.keys(m).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(m[n])}`).join(", ")}}`;
}

export interface Tolerance {
  /** Relative: |a-b| ≤ fraction × min(|a|,|b|). */
  fraction: number;
  /** Absolute: |a-b| ≤ margin. */
  margin: number;
}

/** The PromLabs tester's defaults. */
export const DEFAULT_TOLERANCE: Tolerance = { fraction: 1e-5, margin: 0 };

/** Equal as the tester judges floats: NaN equals NaN, infinities only themselves, else approximately. */
export function valuesEqual(a: number, b: number, tol: Tolerance = DEFAULT_TOLERANCE): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const d = Math.abs(a - b);
  return d <= tol.margin || d <= tol.fraction * Math.min(Math.abs(a), Math.abs(b));
}

function pointsEqual(a: Point, b: Point, tol: Tolerance): boolean {
  if (a.t !== b.t) return false;
  if (a.h !== undefined || b.h !== undefined) return a.h === b.h;
  return valuesEqual(a.v, b.v, tol);
}

/** A point that differs: one side may lack it (undefined). */
export interface PointDiff {
  series: Labels;
  t: number;
  reference?: Point;
  target?: Point;
}

export interface ResultDiff {
  /** Set when the result types differ; nothing else is compared then. */
  typeMismatch?: { reference: string; target: string };
  missingSeries: Labels[];
  extraSeries: Labels[];
  /** Every differing point of the series both sides have, in series then time order. */
  points: PointDiff[];
  /** A label set that appears twice in one answer. */
  duplicateSeries: { side: "reference" | "target"; metric: Labels }[];
  /** First position where an ordered result's order differs. */
  order?: { index: number; reference: Labels; target: Labels };
}

export interface CompareOptions {
  tolerance?: Tolerance;
  /** Compare the order of series (instant queries whose order PromQL defines). */
  ordered?: boolean;
}

export function isEmptyDiff(d: ResultDiff): boolean {
  return (
    d.typeMismatch === undefined &&
    d.missingSeries.length === 0 &&
    d.extraSeries.length === 0 &&
    d.points.length === 0 &&
    d.duplicateSeries.length === 0 &&
    d.order === undefined
  );
}

function emptyDiff(): ResultDiff {
  return { missingSeries: [], extraSeries: [], points: [], duplicateSeries: [] };
}

/** Compares the target's answer against the reference's; an empty diff means they agree. */
export function compareResults(reference: QueryResult, target: QueryResult, opts: CompareOptions = {}): ResultDiff {
  const tol = opts.tolerance ?? DEFAULT_TOLERANCE;
  const diff = emptyDiff();
  if (reference.resultType !== target.resultType) {
    diff.typeMismatch = { reference: reference.resultType, target: target.resultType };
    return diff;
  }
  if (reference.resultType === "scalar" && target.resultType === "scalar") {
    if (!pointsEqual(reference.point, target.point, tol)) diff.points.push({ series: {}, t: reference.point.t, reference: reference.point, target: target.point });
    return diff;
  }
  if (reference.resultType === "string" && target.resultType === "string") {
    if (reference.t !== target.t || reference.value !== target.value) {
      diff.points.push({ series: {}, t: reference.t, reference: { t: reference.t, v: NaN, h: reference.value }, target: { t: target.t, v: NaN, h: target.value } });
    }
    return diff;
  }
  if ((reference.resultType !== "matrix" && reference.resultType !== "vector") || (target.resultType !== "matrix" && target.resultType !== "vector")) return diff;
  const ref = indexSeries(reference.series, "reference", diff);
  const tgt = indexSeries(target.series, "target", diff);
  for (const [key, s] of ref) {
    const t = tgt.get(key);
    if (t === undefined) diff.missingSeries.push(s.metric);
    else diff.points.push(...comparePoints(s, t, tol));
  }
  for (const [key, s] of tgt) if (!ref.has(key)) diff.extraSeries.push(s.metric);
  if (opts.ordered && diff.missingSeries.length === 0 && diff.extraSeries.length === 0) {
    diff.order = firstOrderDifference(reference.series, target.series, tol);
  }
  return diff;
}

function indexSeries(series: readonly Series[], side: "reference" | "target", diff: ResultDiff): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const s of series) {
    const key = labelsKey(s.metric);
    if (out.has(key)) diff.duplicateSeries.push({ side, metric: s.metric });
    else out.set(key, s);
  }
  return out;
}

/** Merges two time-sorted point lists and reports every timestamp where they disagree. */
function comparePoints(ref: Series, tgt: Series, tol: Tolerance): PointDiff[] {
  const out: PointDiff[] = [];
  let i = 0;
  let j = 0;
  while (i < ref.points.length || j < tgt.points.length) {
    const a = ref.points[i];
    const b = tgt.points[j];
    if (b === undefined || (a !== undefined && a.t < b.t)) {
      out.push({ series: ref.metric, t: a.t, reference: a });
      i++;
    } else if (a === undefined || b.t < a.t) {
      out.push({ series: ref.metric, t: b.t, target: b });
      j++;
    } else {
      if (!pointsEqual(a, b, tol)) out.push({ series: ref.metric, t: a.t, reference: a, target: b });
      i++;
      j++;
    }
  }
  return out;
}

/**
 * Order is judged by value, not identity: the series at each position must hold the
 * value the reference holds there, so ties (whose order PromQL leaves open) may swap.
 */
function firstOrderDifference(ref: readonly Series[], tgt: readonly Series[], tol: Tolerance): ResultDiff["order"] {
  for (let i = 0; i < ref.length && i < tgt.length; i++) {
    const a = ref[i].points[0];
    const b = tgt[i].points[0];
    if (labelsKey(ref[i].metric) === labelsKey(tgt[i].metric)) continue;
    if (a !== undefined && b !== undefined && a.h === undefined && b.h === undefined && valuesEqual(a.v, b.v, tol)) continue;
    return { index: i, reference: ref[i].metric, target: tgt[i].metric };
  }
  return undefined;
}

/** Series order is defined by PromQL for sort*, and for ungrouped topk/bottomk at one step. */
export function orderIsDefined(query: string): boolean {
  let e: Expr;
  try {
    e = parse(query);
  } catch {
    return false;
  }
  while (e.type === "ParenExpr") e = e.expr;
  if (e.type === "Call") return /^sort(_desc|_by_label|_by_label_desc)?$/.test(e.func);
  if (e.type !== "AggregateExpr" || (e.op !== "topk" && e.op !== "bottomk")) return false;
  return !e.hasGrouping || (!e.without && e.grouping.length === 0);
}
