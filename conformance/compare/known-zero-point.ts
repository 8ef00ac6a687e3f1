// The third known 2.x difference: rate/increase near a counter's first sample.
//
// rate and increase extrapolate towards the window's start, but by only half the average
// sample interval when the first sample lies 1.1 intervals or more after the start (the series
// began there), and never past the point where the counter would have been zero. Prometheus
// up to 2.51 applied the zero-point limit first and then the 1.1-interval test to the limited
// duration; 2.52 (prometheus/prometheus#13725, "Fix limiting of extrapolation to negative
// values") makes the 1.1-interval test first and limits the result to the zero point, as
// Prometheus 3 and orrery do. The two differ when the first sample is 1.1 intervals or more
// after the start and the zero point lies between 0.5 and 1.1 intervals before it: 2.42
// extrapolates to the zero point, 2.52 by half an interval.
//
// A differing point is put down to this only when all of these hold at its time: the
// reference's raw samples of a rate/increase window make the two orders differ for a series
// the point could come from; the call alone, asked of both sides, gives the 2.42 order's value
// on the reference and the 2.52 order's on the target for every such series; and the whole
// query, asked of both with those series left out of that call, agrees.
import { evalDuration, formatExpr, parse, walk, type Call, type Expr, type MatrixSelector } from "../../promql/index.js";
import { instantQuery, type Endpoint, type RangeParams } from "./client.js";
import { covers, labelsText, type Explanation } from "./known242.js";
import { compareResults, DEFAULT_TOLERANCE, isEmptyDiff, valuesEqual, type Labels, type PointDiff, type Tolerance } from "./result.js";

/** A rate/increase call over a range selector, evaluated at the query's own step times. */
export interface ExtrapolatingCall {
  /** The call as PromQL, asked alone to isolate it. */
  text: string;
  /** The call's span in the query, replaced to leave series out of it. */
  start: number;
  end: number;
  isRate: boolean;
  matrix: MatrixSelector;
  rangeMs: number;
  offsetMs: number;
  at?: number | "start" | "end";
}

/** The outermost rate/increase calls over a range selector; undefined when the query does not parse. */
export function extrapolatingCalls(query: string): ExtrapolatingCall[] | undefined {
  let expr: Expr;
  try {
    expr = parse(query);
  } catch {
    return undefined;
  }
  const out: ExtrapolatingCall[] = [];
  walk(expr, (node) => {
    if (node.type === "SubqueryExpr") return false; // Evaluated at the subquery's steps: not followed.
    const call = node.type === "Call" ? counterCall(node) : undefined;
    if (call !== undefined) out.push(call);
  });
  return out;
}

function counterCall(node: Call): ExtrapolatingCall | undefined {
  if (node.func !== "rate" && node.func !== "increase") return undefined;
  const matrix = node.args[0];
  if (matrix?.type !== "MatrixSelector") return undefined;
  const vs = matrix.vectorSelector;
  if (vs.anchored || vs.smoothed) return undefined;
  const ctx = { stepMs: 0, rangeMs: 0 };
  return {
    text: formatExpr(node),
    start: node.pos.start,
    end: node.pos.end,
    isRate: node.func === "rate",
    matrix,
    rangeMs: evalDuration(matrix.range, ctx),
    offsetMs: vs.offset === undefined ? 0 : evalDuration(vs.offset, ctx),
    at: vs.at === undefined ? undefined : vs.at.kind === "timestamp" ? vs.at.ms : vs.at.kind,
  };
}

/** Where the zero-point limit is applied: before the first-sample test (up to 2.51) or after it (2.52+). */
export type ZeroPointOrder = "2.42" | "2.52";

/**
 * A model of Prometheus's extrapolated rate/increase of a counter over one window, in either
 * order. `t` ascending (ms), at least two samples; undefined otherwise.
 */
export function extrapolatedCounterRate(
  t: readonly number[],
  v: readonly number[],
  startMs: number,
  endMs: number,
  isRate: boolean,
  order: ZeroPointOrder,
): number | undefined {
  const n = t.length;
  if (n < 2) return undefined;
  let increase = v[n - 1]! - v[0]!;
  for (let i = 1; i < n; i++) if (v[i]! < v[i - 1]!) increase += v[i - 1]!;
  const sampled = (t[n - 1]! - t[0]!) / 1000;
  const average = sampled / (n - 1);
  const threshold = average * 1.1;
  let toStart = (t[0]! - startMs) / 1000;
  let toEnd = (endMs - t[n - 1]!) / 1000;
  const toZero = increase > 0 && v[0]! >= 0 ? sampled * (v[0]! / increase) : Infinity;
  if (order === "2.42") {
    toStart = Math.min(toStart, toZero);
    if (toStart >= threshold) toStart = average / 2;
  } else {
    if (toStart >= threshold) toStart = average / 2;
    toStart = Math.min(toStart, toZero);
  }
  if (toEnd >= threshold) toEnd = average / 2;
  const extrapolated = increase * ((sampled + toStart + toEnd) / sampled);
  return isRate ? extrapolated / ((endMs - startMs) / 1000) : extrapolated;
}

/** A series whose value the two orders make differ at one evaluation time. */
interface Affected {
  call: ExtrapolatingCall;
  metric: Labels;
  old: number;
  new: number;
}

/**
 * Explains every differing point by the zero-point order (see the top of this file), or says
 * which it cannot. `range` is the range query's parameters, or undefined for an instant query.
 */
export async function explainByZeroPointOrder(
  reference: Endpoint,
  target: Endpoint,
  query: string,
  diffs: readonly PointDiff[],
  range: RangeParams | undefined,
  tolerance: Tolerance = DEFAULT_TOLERANCE,
  maxProbes = 200,
): Promise<Explanation> {
  const calls = extrapolatingCalls(query);
  if (calls === undefined || calls.length === 0) return { explained: false, reason: "the query has no rate/increase over a range selector" };
  const times = [...new Set(diffs.map((d) => d.t))];
  if (times.length * (calls.length * 3 + 2) > maxProbes) return { explained: false, reason: `too many differing steps (${times.length}) to check` };
  let example = "";
  for (const t of times) {
    const at = diffs.filter((d) => d.t === t);
    const why = await explainAt(reference, target, query, calls, at, t, range, tolerance);
    if (typeof why !== "string") return why;
    example ||= why;
  }
  return { explained: true, reason: example };
}

async function explainAt(
  reference: Endpoint,
  target: Endpoint,
  query: string,
  calls: readonly ExtrapolatingCall[],
  diffs: readonly PointDiff[],
  t: number,
  range: RangeParams | undefined,
  tolerance: Tolerance,
): Promise<string | Explanation> {
  const when = new Date(t).toISOString();
  const affected: Affected[] = [];
  for (const call of calls) affected.push(...(await affectedSeries(reference, call, t, range, tolerance)));
  for (const d of diffs) {
    if (!affected.some((a) => covers(a.metric, d.series))) {
      return { explained: false, reason: `the first-sample extrapolation order changes no input series of ${labelsText(d.series)} at ${when}` };
    }
  }
  for (const call of new Set(affected.map((a) => a.call))) {
    const mine = affected.filter((a) => a.call === call);
    const [ref, tgt] = await Promise.all([valuesOf(reference, call.text, t), valuesOf(target, call.text, t)]);
    for (const a of mine) {
      const key = seriesKey(a.metric);
      const r = ref?.get(key);
      const g = tgt?.get(key);
      if (r === undefined || !valuesEqual(r, a.old, tolerance)) {
        return { explained: false, reason: `the reference's ${call.text} at ${when} for ${labelsText(a.metric)} is ${r}, not the zero-point-first value ${a.old}` };
      }
      if (g === undefined || !valuesEqual(g, a.new, tolerance)) {
        return { explained: false, reason: `the target's ${call.text} at ${when} for ${labelsText(a.metric)} is ${g}, not the 2.52 value ${a.new}` };
      }
    }
  }
  const without = withoutSeries(query, affected);
  const [ref, tgt] = await Promise.all([instantQuery(reference, without, t), instantQuery(target, without, t)]);
  if (!ref.ok || !tgt.ok) {
    const failed = !ref.ok ? `reference: ${ref.errorType}: ${ref.error}` : !tgt.ok ? `target: ${tgt.errorType}: ${tgt.error}` : "";
    return { explained: false, reason: `${without} failed at ${when} (${failed})` };
  }
  if (!isEmptyDiff(compareResults(ref.result, tgt.result, { tolerance }))) {
    return { explained: false, reason: `the answers differ even with the first-sample series left out (${without} at ${when})` };
  }
  const a = affected[0]!;
  return (
    `Prometheus 2.52 changed rate/increase extrapolation near a series' first sample (prometheus#13725): ` +
    `${a.call.text} for ${labelsText(a.metric)} at ${when} is ${a.old} on the reference (zero point first) and ${a.new} on the target; ` +
    `both agree when asked ${without}`
  );
}

/** The series of one call whose value at `t` the two orders make differ, from the reference's raw samples. */
async function affectedSeries(reference: Endpoint, call: ExtrapolatingCall, t: number, range: RangeParams | undefined, tolerance: Tolerance): Promise<Affected[]> {
  const evalAt = call.at === undefined ? t : call.at === "start" ? (range?.startMs ?? t) : call.at === "end" ? (range?.endMs ?? t) : call.at;
  const endMs = evalAt - call.offsetMs;
  const startMs = endMs - call.rangeMs;
  const raw = await instantQuery(reference, formatExpr(call.matrix), t);
  if (!raw.ok || raw.result.resultType !== "matrix") return [];
  const out: Affected[] = [];
  for (const s of raw.result.series) {
    const floats = s.points.filter((p) => p.h === undefined);
    // The reference (2.42) holds the left edge's sample; Prometheus 3 and orrery do not.
    const open = floats.filter((p) => p.t > startMs);
    const old = extrapolatedCounterRate(floats.map((p) => p.t), floats.map((p) => p.v), startMs, endMs, call.isRate, "2.42");
    const now = extrapolatedCounterRate(open.map((p) => p.t), open.map((p) => p.v), startMs, endMs, call.isRate, "2.52");
    if (old === undefined || now === undefined || valuesEqual(old, now, tolerance)) continue;
    out.push({ call, metric: s.metric, old, new: now });
  }
  return out;
}

/** An instant vector's values by series (metric name dropped, as rate drops it); undefined when it is not one. */
async function valuesOf(ep: Endpoint, query: string, t: number): Promise<Map<string, number> | undefined> {
  const o = await instantQuery(ep, query, t);
  if (!o.ok || o.result.resultType !== "vector") return undefined;
  return new Map(o.result.series.map((s) => [seriesKey(s.metric), s.points[0]!.v]));
}

/**
 * The query with each affected call replaced by `(call unless (…))`, the right side selecting
 * exactly the affected series (same window and modifiers), so they drop out on both sides.
 */
export function withoutSeries(query: string, affected: readonly { call: ExtrapolatingCall; metric: Labels }[]): string {
  const byCall = new Map<ExtrapolatingCall, Labels[]>();
  for (const a of affected) byCall.set(a.call, [...(byCall.get(a.call) ?? []), a.metric]);
  let out = query;
  for (const [call, metrics] of [...byCall].sort((a, b) => b[0].start - a[0].start)) {
    const excluded = balancedOr(metrics.map((m) => `last_over_time(${exactSelector(call.matrix, m)})`));
    out = out.slice(0, call.start) + `(${call.text} unless (${excluded}))` + out.slice(call.end);
  }
  return out;
}

/** `a or b or …` as a balanced tree, so thousands of series nest log2(n) deep, within a parser's nesting limit. */
function balancedOr(terms: readonly string[]): string {
  if (terms.length === 1) return terms[0]!;
  const half = terms.length >> 1;
  const side = (part: readonly string[]): string => (part.length === 1 ? part[0]! : `(${balancedOr(part)})`);
  return `${side(terms.slice(0, half))} or ${side(terms.slice(half))}`;
}

/** The call's range selector narrowed to one series by an equality matcher per label. */
function exactSelector(matrix: MatrixSelector, metric: Labels): string {
  const matchers = Object.entries(metric).map(([name, value]) => ({ name, op: "=" as const, value }));
  return formatExpr({ ...matrix, vectorSelector: { ...matrix.vectorSelector, name: "", matchers } });
}

function seriesKey(metric: Labels): string {
  return Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
}
