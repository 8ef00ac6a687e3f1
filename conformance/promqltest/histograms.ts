// Native histograms in promqltest scripts: a `{{...}}` literal as the shared sample shape,
// comparison of expected and actual histograms by the reference runner's rules, and the
// literal rendering of a histogram for messages (Prometheus's TestExpression).
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type HistogramSpan, type NativeHistogram } from "../../storeapi/index.js";
import { FloatHistogram } from "../../engine/index.js";
import { almostEqual } from "./compare.js";
import type { HistogramLiteral, ScriptLabel, SequenceValue } from "./values.js";

/** The fields a comparison reads: the shared sample shape, which the engine's histograms also have. */
export type HistogramFields = Omit<NativeHistogram, "float">;

const HINTS: Record<NonNullable<HistogramLiteral["counterResetHint"]>, CounterResetHint> = {
  unknown: CounterResetHint.Unknown,
  reset: CounterResetHint.CounterReset,
  not_reset: CounterResetHint.NotCounterReset,
  gauge: CounterResetHint.Gauge,
};

/** A script literal as a float histogram sample: one span per side, starting at its offset (as the reference parser builds it). */
export function literalToNative(lit: HistogramLiteral): NativeHistogram {
  const positive = lit.buckets ?? [];
  const negative = lit.negativeBuckets ?? [];
  return {
    float: true,
    counterResetHint: HINTS[lit.counterResetHint ?? "unknown"],
    schema: lit.schema ?? 0,
    zeroThreshold: lit.zeroThreshold ?? 0,
    zeroCount: lit.zeroCount ?? 0,
    count: lit.count ?? 0,
    sum: lit.sum ?? 0,
    positiveSpans: positive.length > 0 ? [{ offset: lit.offset ?? 0, length: positive.length }] : [],
    positiveBuckets: positive,
    negativeSpans: negative.length > 0 ? [{ offset: lit.negativeOffset ?? 0, length: negative.length }] : [],
    negativeBuckets: negative,
    ...(lit.customValues !== undefined ? { customValues: lit.customValues } : {}),
  };
}

/**
 * Whether an actual histogram matches the expected one as the reference runner judges it: same
 * schema, zero threshold and custom bounds; count, sum, zero count and every non-empty bucket
 * within the relative epsilon at the same index (both sides compacted, so empty buckets and span
 * layout do not matter); the counter-reset hint only when the script wrote one.
 */
export function histogramsMatch(exp: HistogramFields, got: HistogramFields, hintSet: boolean): boolean {
  if (exp.schema !== got.schema || !almostEqual(exp.count, got.count) || !almostEqual(exp.sum, got.sum)) return false;
  if (exp.schema === CUSTOM_BUCKETS_SCHEMA && !sameNumbers(exp.customValues ?? [], got.customValues ?? [])) return false;
  if (exp.zeroThreshold !== got.zeroThreshold || !almostEqual(exp.zeroCount, got.zeroCount)) return false;
  if (!bucketsMatch(exp.negativeSpans, exp.negativeBuckets, got.negativeSpans, got.negativeBuckets)) return false;
  if (!bucketsMatch(exp.positiveSpans, exp.positiveBuckets, got.positiveSpans, got.positiveBuckets)) return false;
  return !hintSet || exp.counterResetHint === got.counterResetHint;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The non-empty buckets of one side as (index, count) pairs in index order. */
function nonEmptyBuckets(spans: readonly HistogramSpan[], buckets: readonly number[]): { idx: number[]; count: number[] } {
  const idx: number[] = [];
  const count: number[] = [];
  let at = 0;
  let b = 0;
  for (const s of spans) {
    at += s.offset;
    for (let k = 0; k < s.length && b < buckets.length; k++, at++, b++) {
      if (buckets[b] === 0) continue;
      idx.push(at);
      count.push(buckets[b]!);
    }
  }
  return { idx, count };
}

function bucketsMatch(sa: readonly HistogramSpan[], ba: readonly number[], sb: readonly HistogramSpan[], bb: readonly number[]): boolean {
  const a = nonEmptyBuckets(sa, ba);
  const b = nonEmptyBuckets(sb, bb);
  if (a.idx.length !== b.idx.length) return false;
  for (let i = 0; i < a.idx.length; i++) {
    if (a.idx[i] !== b.idx[i] || !almostEqual(a.count[i]!, b.count[i]!)) return false;
  }
  return true;
}

const HINT_TEXT = ["", "counter_reset_hint:reset", "counter_reset_hint:not_reset", "counter_reset_hint:gauge"];

/** The histogram as a script literal (`{{schema:1 count:3 buckets:[1 2]}}`), one span per side as the reference prints it. */
export function formatHistogram(h: HistogramFields): string {
  const parts: string[] = [];
  if (h.schema !== 0) parts.push(`schema:${h.schema}`);
  if (h.count !== 0) parts.push(`count:${goFloat(h.count)}`);
  if (h.sum !== 0) parts.push(`sum:${goFloat(h.sum)}`);
  if (h.zeroCount !== 0) parts.push(`z_bucket:${goFloat(h.zeroCount)}`);
  if (h.zeroThreshold !== 0) parts.push(`z_bucket_w:${goFloat(h.zeroThreshold)}`);
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) parts.push(`custom_values:[${(h.customValues ?? []).map(goFloat).join(" ")}]`);
  const hint = HINT_TEXT[h.counterResetHint];
  if (hint !== undefined && hint !== "") parts.push(hint);
  pushSide(parts, h.positiveSpans, h.positiveBuckets, "offset", "buckets");
  pushSide(parts, h.negativeSpans, h.negativeBuckets, "n_offset", "n_buckets");
  return `{{${parts.join(" ")}}}`;
}

/** One side's buckets as a single run from its first bucket, empty gaps filled with 0. */
function pushSide(parts: string[], spans: readonly HistogramSpan[], buckets: readonly number[], offsetKey: string, bucketsKey: string): void {
  if (buckets.length === 0) return;
  const run: number[] = [];
  let first: number | undefined;
  let at = 0;
  let b = 0;
  for (const s of spans) {
    at += s.offset;
    for (let k = 0; k < s.length && b < buckets.length; k++, at++, b++) {
      if (first === undefined) first = at;
      while (first + run.length < at) run.push(0);
      run.push(buckets[b]!);
    }
  }
  if (first !== undefined && first !== 0) parts.push(`${offsetKey}:${first}`);
  parts.push(`${bucketsKey}:[${run.map(goFloat).join(" ")}]`);
}

/** Go's %g for the magnitudes scripts use. */
function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e21 || abs < 1e-4)) return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return String(v);
}

/**
 * A series' values with every histogram as the shared sample shape: `{{a}}+{{b}}xN` expanded by
 * adding (or subtracting) `b` to the previous element, as the reference parser does; undefined
 * for floats, stale markers and omitted points.
 */
export function expandHistograms(values: readonly SequenceValue[]): (NativeHistogram | undefined)[] {
  const out: (NativeHistogram | undefined)[] = [];
  let prev: { step: NonNullable<Extract<SequenceValue, { kind: "histogram" }>["step"]>; h: FloatHistogram } | undefined;
  for (const v of values) {
    if (v.kind !== "histogram") {
      out.push(undefined);
      continue;
    }
    if (v.step === undefined) {
      prev = undefined;
      out.push(literalToNative(v.histogram));
      continue;
    }
    const base =
      prev !== undefined && prev.step.histogram === v.step.histogram && prev.step.times === v.step.times - 1
        ? prev.h
        : stepped(v.histogram, v.step.histogram, v.step.op, v.step.times - 1);
    const next = combined(base, v.step.histogram, v.step.op);
    prev = { step: v.step, h: next };
    out.push(next.toNative());
  }
  return out;
}

/** base op incr, `times` times over. */
function stepped(base: HistogramLiteral, incr: HistogramLiteral, op: "+" | "-", times: number): FloatHistogram {
  let h = FloatHistogram.fromNative(literalToNative(base));
  for (let k = 0; k < times; k++) h = combined(h, incr, op);
  return h;
}

function combined(cur: FloatHistogram, incr: HistogramLiteral, op: "+" | "-"): FloatHistogram {
  const inc = FloatHistogram.fromNative(literalToNative(incr));
  if (cur.schema > inc.schema) throw new Error(`error combining histograms: cannot merge from schema ${inc.schema} to ${cur.schema}`);
  const next = cur.copy();
  if (op === "+") next.add(inc);
  else next.sub(inc);
  return next;
}

/** The classic histograms of a `load_with_nhcb` (x_bucket{le}, x_count, x_sum) as NHCB series, by base labels and time. */
export function classicToCustomBuckets(series: readonly { labels: readonly ScriptLabel[]; values: readonly SequenceValue[] }[], intervalMs: number): { labels: ScriptLabel[]; points: { t: number; h: NativeHistogram }[] }[] {
  const byBase = new Map<string, { labels: ScriptLabel[]; at: Map<number, ClassicPoint> }>();
  for (const s of series) {
    const name = s.labels.find((l) => l.name === "__name__")?.value ?? "";
    const m = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (m === null) continue;
    const suffix = m[2] as "bucket" | "count" | "sum";
    let le = NaN;
    if (suffix === "bucket") {
      le = parseLe(s.labels.find((l) => l.name === "le")?.value);
      if (Number.isNaN(le)) continue;
    }
    const base = s.labels.filter((l) => l.name !== "le").map((l) => (l.name === "__name__" ? { name: l.name, value: m[1]! } : l));
    const key = JSON.stringify(base);
    let entry = byBase.get(key);
    if (entry === undefined) byBase.set(key, (entry = { labels: base, at: new Map() }));
    s.values.forEach((v, i) => {
      if (v.kind !== "float") return;
      const t = i * intervalMs;
      let p = entry!.at.get(t);
      if (p === undefined) entry!.at.set(t, (p = { buckets: [], count: undefined, sum: 0 }));
      if (suffix === "bucket") p.buckets.push({ le, count: v.value });
      else if (suffix === "count") p.count = v.value;
      else p.sum = v.value;
    });
  }
  return [...byBase.values()].map((e) => ({
    labels: e.labels,
    points: [...e.at].sort((a, b) => a[0] - b[0]).map(([t, p]) => ({ t, h: customBucketsHistogram(p) })),
  }));
}

interface ClassicPoint {
  buckets: { le: number; count: number }[];
  count: number | undefined;
  sum: number;
}

function parseLe(text: string | undefined): number {
  if (text === undefined) return NaN;
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  const v = Number(text);
  return text.trim() === "" ? NaN : v;
}

/** One classic histogram point as NHCB: cumulative counts de-cumulated, +Inf added when missing. */
function customBucketsHistogram(p: ClassicPoint): NativeHistogram {
  const buckets = [...p.buckets].sort((a, b) => a.le - b.le);
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i]!.count < buckets[i - 1]!.count) throw new Error(`histogram counts are not cumulative: ${buckets[i]!.count} < ${buckets[i - 1]!.count}`);
  }
  const count = p.count ?? buckets[buckets.length - 1]?.count ?? 0;
  if (buckets.length === 0 || buckets[buckets.length - 1]!.le !== Infinity) buckets.push({ le: Infinity, count });
  const last = buckets[buckets.length - 1]!.count;
  if (count !== last) throw new Error(`histogram count mismatch: count=${count} != le=+Inf count=${last}`);
  const counts: number[] = [];
  let prev = 0;
  for (const b of buckets) {
    counts.push(b.count - prev);
    prev = b.count;
  }
  const h = FloatHistogram.fromNative({
    float: true,
    counterResetHint: CounterResetHint.Unknown,
    schema: CUSTOM_BUCKETS_SCHEMA,
    zeroThreshold: 0,
    zeroCount: 0,
    count,
    sum: p.sum,
    positiveSpans: [{ offset: 0, length: counts.length }],
    positiveBuckets: counts,
    negativeSpans: [],
    negativeBuckets: [],
    customValues: buckets.slice(0, -1).map((b) => b.le),
  });
  return h.compact(0).toNative();
}
