// Runs each case as a range query and as an instant query at the range's end against
// a reference and a target endpoint, and judges the pair.
import { parse, walk, type Expr } from "../../promql/index.js";
import { EndpointError, instantQuery, rangeQuery, type Endpoint, type QueryOutcome, type RangeParams } from "./client.js";
import { explainByClosedWindows, explainUtf8LabelName, rangeWindows, withOpenWindows } from "./known242.js";
import { explainByZeroPointOrder } from "./known-zero-point.js";
import type { CompareCase } from "./queries.js";
import { compareResults, DEFAULT_TOLERANCE, isEmptyDiff, orderIsDefined, type PointDiff, type QueryResult, type ResultDiff, type Series, type Tolerance } from "./result.js";

export type CaseStatus = "passed" | "failed" | "skipped" | "known-2.42";

/** How one query mode (range or instant) of a case went. */
export interface ModeResult {
  mode: "range" | "instant";
  status: CaseStatus;
  /** Why it failed / is a known difference / was skipped. */
  reason?: string;
  diff?: ResultDiff;
}

export interface CaseResult {
  case: CompareCase;
  group: string;
  status: CaseStatus;
  modes: ModeResult[];
}

export interface CompareRunOptions {
  reference: Endpoint;
  target: Endpoint;
  range: RangeParams;
  tolerance?: Tolerance;
  /** Queries in flight at once (default 4). */
  parallelism?: number;
  /** Check differing points against the known 2.x differences: closed windows, first-sample extrapolation order (default true). */
  detectClosedWindows?: boolean;
  onCase?: (r: CaseResult) => void;
}

export async function runComparison(cases: readonly CompareCase[], opts: CompareRunOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await compareCase(cases[i], opts);
      opts.onCase?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.parallelism ?? 4) }, worker));
  return results;
}

export async function compareCase(c: CompareCase, opts: CompareRunOptions): Promise<CaseResult> {
  const modes: ModeResult[] = [];
  modes.push(await compareMode(c, "range", opts));
  modes.push(await compareMode(c, "instant", opts));
  return { case: c, group: featureGroup(c.query), status: combine(modes.map((m) => m.status)), modes };
}

/** failed beats known-2.42 beats skipped beats passed. */
function combine(statuses: CaseStatus[]): CaseStatus {
  for (const s of ["failed", "known-2.42", "skipped"] as const) if (statuses.includes(s)) return s;
  return "passed";
}

async function ask(ep: Endpoint, c: CompareCase, mode: "range" | "instant", r: RangeParams): Promise<QueryOutcome | EndpointError> {
  try {
    return mode === "range" ? await rangeQuery(ep, c.query, r) : await instantQuery(ep, c.query, r.endMs);
  } catch (err) {
    if (err instanceof EndpointError) return err;
    throw err;
  }
}

async function compareMode(c: CompareCase, mode: "range" | "instant", opts: CompareRunOptions): Promise<ModeResult> {
  const [ref, tgt] = await Promise.all([ask(opts.reference, c, mode, opts.range), ask(opts.target, c, mode, opts.range)]);
  if (ref instanceof EndpointError) return { mode, status: "failed", reason: `reference unreachable: ${ref.message}` };
  if (tgt instanceof EndpointError) return { mode, status: "failed", reason: `target unreachable: ${tgt.message}` };
  if (c.shouldFail) {
    if (ref.ok) return { mode, status: "failed", reason: "expected to fail, but the reference succeeded" };
    if (tgt.ok) {
      const utf8 = explainUtf8LabelName(c.query, ref.error);
      if (utf8 !== undefined) return { mode, status: "known-2.42", reason: utf8 };
      return { mode, status: "failed", reason: "expected to fail, but the target succeeded" };
    }
    return { mode, status: "passed" };
  }
  if (!ref.ok) return { mode, status: "failed", reason: `reference failed: ${ref.errorType}: ${ref.error}` };
  if (!tgt.ok) return { mode, status: "failed", reason: `target failed: ${tgt.errorType}: ${tgt.error}` };
  if (c.skipComparison) return { mode, status: "skipped", reason: "skip_comparison" };
  const diff = compareResults(ref.result, tgt.result, { tolerance: opts.tolerance, ordered: mode === "instant" && orderIsDefined(c.query) });
  if (isEmptyDiff(diff)) return { mode, status: "passed" };
  if (opts.detectClosedWindows !== false && onlyDataDiffers(diff) && (rangeWindows(c.query)?.length ?? 0) > 0) {
    const points = [...diff.points, ...seriesAsPoints(ref.result, diff.missingSeries, "reference"), ...seriesAsPoints(tgt.result, diff.extraSeries, "target")];
    const range = mode === "range" ? opts.range : undefined;
    const why = await explainByClosedWindows(opts.reference, c.query, points, range);
    if (why.explained) return confirmOpenWindows(c, mode, opts, tgt.result, why.reason, diff);
    const zero = await explainByZeroPointOrder(opts.reference, opts.target, c.query, points, range, opts.tolerance);
    if (zero.explained) return { mode, status: "known-2.42", reason: zero.reason, diff };
    return { mode, status: "failed", reason: `results differ (not explained by 2.42's closed windows: ${why.reason}; nor by the first-sample extrapolation order: ${zero.reason})`, diff };
  }
  return { mode, status: "failed", reason: "results differ", diff };
}

/**
 * Conservative second step: the reference, asked with every window 1 ms shorter (left-open
 * in effect), must then agree with the target; otherwise the difference is a failure.
 */
async function confirmOpenWindows(c: CompareCase, mode: "range" | "instant", opts: CompareRunOptions, target: QueryResult, edgeReason: string, diff: ResultDiff): Promise<ModeResult> {
  const open = withOpenWindows(c.query);
  if (open === undefined) return { mode, status: "failed", reason: "results differ (the query could not be rewritten with open windows)", diff };
  const ref = await ask(opts.reference, { ...c, query: open.query }, mode, opts.range);
  if (ref instanceof EndpointError || !ref.ok) {
    const why = ref instanceof EndpointError ? ref.message : `${ref.errorType}: ${ref.error}`;
    return { mode, status: "failed", reason: `results differ (the reference failed on ${open.query}: ${why})`, diff };
  }
  // Windows 1 ms shorter hold the same samples, but rate/increase/delta extrapolate to the window's
  // start: that moves them by about 1 ms over the extrapolated span (taken as ≥ 1 s here).
  const base = opts.tolerance ?? DEFAULT_TOLERANCE;
  const tolerance = open.extrapolates ? { fraction: Math.max(base.fraction, 2 / Math.min(open.minRangeMs, 1000)), margin: base.margin } : base;
  const rest = compareResults(ref.result, target, { tolerance, ordered: mode === "instant" && orderIsDefined(c.query) });
  if (isEmptyDiff(rest)) return { mode, status: "known-2.42", reason: `${edgeReason}; the reference agrees with the target when asked ${open.query}`, diff };
  return { mode, status: "failed", reason: `results differ, also from the reference asked with open windows (${open.query})`, diff: rest };
}

function onlyDataDiffers(d: ResultDiff): boolean {
  return d.typeMismatch === undefined && d.order === undefined && d.duplicateSeries.length === 0;
}

/** A whole missing or extra series is a run of differing points, each to be explained. */
function seriesAsPoints(result: { resultType: string; series?: Series[] }, wanted: readonly Series["metric"][], side: "reference" | "target"): PointDiff[] {
  if (wanted.length === 0 || result.series === undefined) return [];
  const set = new Set(wanted);
  return result.series.filter((s) => set.has(s.metric)).flatMap((s) => s.points.map((p) => ({ series: s.metric, t: p.t, [side]: p })));
}

/**
 * The feature a query exercises, for the summary: its outermost function, aggregation
 * or operator ("subquery" when it has one, "selector" / "literal" at the leaves).
 */
export function featureGroup(query: string): string {
  let expr: Expr;
  try {
    expr = parse(query);
  } catch {
    return "unparseable";
  }
  let hasSubquery = false;
  walk(expr, (n) => {
    if (n.type === "SubqueryExpr") hasSubquery = true;
  });
  if (hasSubquery) return "subquery";
  return groupOf(expr);
}

function groupOf(e: Expr): string {
  switch (e.type) {
    case "ParenExpr":
      return groupOf(e.expr);
    case "NumberLiteral":
    case "StringLiteral":
      return "literal";
    case "VectorSelector":
      return e.offset !== undefined ? "selector offset" : "selector";
    case "MatrixSelector":
      return "range selector";
    case "SubqueryExpr":
      return "subquery";
    case "Call":
      return `${e.func}()`;
    case "AggregateExpr":
      return e.op;
    case "UnaryExpr":
      return `unary ${e.op}`;
    case "BinaryExpr":
      return `binary ${e.op}${e.returnBool ? " bool" : ""}`;
  }
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  known242: number;
}

export function countResults(results: readonly CaseResult[]): Totals {
  const t: Totals = { passed: 0, failed: 0, skipped: 0, known242: 0 };
  for (const r of results) {
    if (r.status === "known-2.42") t.known242++;
    else t[r.status]++;
  }
  return t;
}
