// Prometheus 2.42 closes range windows on the left ([t-r, t]); Prometheus 3 and orrery
// leave them open ((t-r, t]). A differing point is put down to that only when the
// reference itself shows a raw sample (or subquery point) exactly on a window's left
// edge at that evaluation time, for a series the output could have come from.
import { evalDuration, formatExpr, parse, walk, type Expr, type MatrixSelector, type SubqueryExpr } from "../../promql/index.js";
import { instantQuery, type Endpoint, type RangeParams } from "./client.js";
import type { Labels, PointDiff } from "./result.js";

/** A range window evaluated at the query's own step times (not nested in a subquery). */
interface Window {
  /** The window as PromQL, queried as an instant query to list what it holds. */
  text: string;
  rangeMs: number;
  offsetMs: number;
  /** Fixed evaluation time from `@`, if any. */
  at?: number | "start" | "end";
}

/** The outermost range windows of a query; undefined when it does not parse. */
export function rangeWindows(query: string): Window[] | undefined {
  let expr: Expr;
  try {
    expr = parse(query);
  } catch {
    return undefined;
  }
  const out: Window[] = [];
  const ctx = { stepMs: 0, rangeMs: 0 };
  walk(expr, (node) => {
    if (node.type !== "MatrixSelector" && node.type !== "SubqueryExpr") return;
    out.push(windowOf(node, ctx));
    return false; // Windows inside a subquery move with its steps: not followed.
  });
  return out;
}

/**
 * The query with every range window (outer and nested, selectors and subqueries) one
 * millisecond shorter: on Prometheus 2.42, `[r - 1ms]` left-closed holds what `[r]`
 * left-open holds on Prometheus 3. Undefined when the query does not parse. Also says
 * whether an extrapolating function (rate, increase, delta) is involved: its value moves
 * with the window's start, by up to 1 ms over the extrapolated span.
 */
export function withOpenWindows(query: string): { query: string; minRangeMs: number; extrapolates: boolean } | undefined {
  let expr: Expr;
  try {
    expr = parse(query);
  } catch {
    return undefined;
  }
  const edits: { start: number; end: number; text: string }[] = [];
  let minRangeMs = Infinity;
  let extrapolates = false;
  walk(expr, (node) => {
    if (node.type === "Call" && EXTRAPOLATING.has(node.func)) extrapolates = true;
    if (node.type !== "MatrixSelector" && node.type !== "SubqueryExpr") return;
    const ms = evalDuration(node.range, { stepMs: 0, rangeMs: 0 });
    minRangeMs = Math.min(minRangeMs, ms);
    edits.push({ start: node.range.pos.start, end: node.range.pos.end, text: `${ms - 1}ms` });
  });
  let out = query;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { query: out, minRangeMs, extrapolates };
}

/** Functions whose value depends on where the window starts, not only on the samples in it. */
const EXTRAPOLATING = new Set(["rate", "increase", "delta"]);

function windowOf(node: MatrixSelector | SubqueryExpr, ctx: { stepMs: number; rangeMs: number }): Window {
  const offset = node.type === "MatrixSelector" ? node.vectorSelector.offset : node.offset;
  const at = node.type === "MatrixSelector" ? node.vectorSelector.at : node.at;
  return {
    text: formatExpr(node),
    rangeMs: evalDuration(node.range, ctx),
    offsetMs: offset === undefined ? 0 : evalDuration(offset, ctx),
    at: at === undefined ? undefined : at.kind === "timestamp" ? at.ms : at.kind,
  };
}

export interface Explanation {
  explained: boolean;
  reason: string;
}

/** Most reference look-ups one case may spend before giving up (and calling it a failure). */
export const MAX_PROBES = 200;

/**
 * Explains every differing point by the 2.42 window difference, or says which one it
 * cannot. `range` is the range query's parameters, or undefined for an instant query
 * (the diffs' times are then the evaluation time).
 */
export async function explainByClosedWindows(reference: Endpoint, query: string, diffs: readonly PointDiff[], range: RangeParams | undefined): Promise<Explanation> {
  const windows = rangeWindows(query);
  if (windows === undefined || windows.length === 0) return { explained: false, reason: "the query has no range window" };
  const cache = new Map<string, Promise<{ t: number; metric: Labels }[] | undefined>>();
  const samplesAt = (w: Window, t: number): Promise<{ t: number; metric: Labels }[] | undefined> => {
    const key = `${w.text}@${t}`;
    let p = cache.get(key);
    if (p === undefined) {
      p = instantQuery(reference, w.text, t).then((o) => (o.ok && o.result.resultType === "matrix" ? o.result.series.flatMap((s) => s.points.map((pt) => ({ t: pt.t, metric: s.metric }))) : undefined));
      cache.set(key, p);
    }
    return p;
  };
  const times = [...new Set(diffs.map((d) => d.t))];
  if (times.length * windows.length > MAX_PROBES) return { explained: false, reason: `too many differing steps (${times.length}) to check` };
  let example = "";
  for (const d of diffs) {
    const found = await edgeSampleFor(d, windows, range, samplesAt);
    if (found === undefined) return { explained: false, reason: `no sample on a window's left edge explains the difference at ${new Date(d.t).toISOString()} for ${labelsText(d.series)}` };
    example ||= found;
  }
  return { explained: true, reason: `Prometheus 2.42 includes samples on the window's left edge, e.g. ${example}` };
}

async function edgeSampleFor(
  d: PointDiff,
  windows: readonly Window[],
  range: RangeParams | undefined,
  samplesAt: (w: Window, t: number) => Promise<{ t: number; metric: Labels }[] | undefined>,
): Promise<string | undefined> {
  for (const w of windows) {
    const evalAt = w.at === undefined ? d.t : w.at === "start" ? (range?.startMs ?? d.t) : w.at === "end" ? (range?.endMs ?? d.t) : w.at;
    const edge = evalAt - w.offsetMs - w.rangeMs;
    const samples = await samplesAt(w, d.t);
    if (samples === undefined) continue;
    const related = samples.filter((s) => covers(s.metric, d.series));
    const pool = related.length > 0 ? related : samples;
    const hit = pool.find((s) => s.t === edge);
    if (hit !== undefined) return `${w.text} has a sample at ${new Date(edge).toISOString()} (evaluated at ${new Date(d.t).toISOString()})`;
  }
  return undefined;
}

/** Whether an input series carries every label of an output series (metric names aside). */
export function covers(input: Labels, output: Labels): boolean {
  for (const [k, v] of Object.entries(output)) if (k !== "__name__" && input[k] !== v) return false;
  return true;
}

export function labelsText(l: Labels): string {
  const entries = Object.entries(l);
  return entries.length === 0 ? "{}" : `{${entries.map(([k, v]) => `${k}="${v}"`).join(", ")}}`;
}

/** Label names Prometheus 2.x accepts: [a-zA-Z_][a-zA-Z0-9_]*. */
const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Prometheus 3 accepts any non-empty UTF-8 label name where 2.42 accepted only legacy
 * names. A case the query set expects to fail is put down to that only when the
 * reference's error names an invalid label name and that name, a string argument of
 * the query, is non-empty valid UTF-8 but not a legacy name. Undefined otherwise.
 */
export function explainUtf8LabelName(query: string, referenceError: string): string | undefined {
  if (!/invalid (destination |source )?label name/i.test(referenceError)) return undefined;
  let expr: Expr;
  try {
    expr = parse(query);
  } catch {
    return undefined;
  }
  let name: string | undefined;
  walk(expr, (node) => {
    if (node.type !== "Call" || (node.func !== "label_replace" && node.func !== "label_join")) return;
    const dst = node.args[1];
    if (dst?.type === "StringLiteral" && dst.value !== "" && !LEGACY_LABEL_NAME.test(dst.value) && referenceError.includes(dst.value)) name = dst.value;
  });
  if (name === undefined) return undefined;
  return `Prometheus 3 accepts the UTF-8 label name ${JSON.stringify(name)} that 2.42 rejects (reference: ${referenceError})`;
}
