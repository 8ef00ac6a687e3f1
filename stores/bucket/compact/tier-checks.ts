// Downsampled answers against raw ones, shared by the tiers test and the downsampling bench (not part
// of the module's public face). The exact functions must match raw to float tolerance at window-aligned
// steps; any other expression (a plain selector reads the window average) must lie within the raw
// min and max of the resolution window ending at each step.
import { Engine, type MatrixValue } from "../../../engine/index.js";
import { formatLabels, type Store } from "../../../storeapi/index.js";

/** A range query's answer: series key → steps and values. */
export type Answer = Map<string, { t: number[]; v: number[] }>;

/** The range functions a tier answers exactly at window-aligned steps (README: Downsampled data). */
export function exactQueries(range: string): string[] {
  return [
    `rate(bench_requests_total[${range}])`,
    `increase(bench_requests_total[${range}])`,
    `resets(bench_requests_total[${range}])`,
    `rate(bench_latency_seconds_bucket[${range}])`,
    `histogram_quantile(0.9, sum by (le) (rate(bench_latency_seconds_bucket[${range}])))`,
    `resets(bench_flapping_total[${range}])`,
    // Stops and restarts inside ranges: extrapolated by the raw sample spacing, from the windows' counts.
    `rate(bench_flapping_total[${range}])`,
    `increase(bench_flapping_total[${range}])`,
    `count_over_time(bench_flapping_total[${range}])`,
    `count_over_time(bench_temperature[${range}])`,
    `min_over_time(bench_temperature[${range}])`,
    `max_over_time(bench_temperature[${range}])`,
    `sum_over_time(bench_temperature[${range}])`,
    `avg_over_time(bench_temperature[${range}])`,
  ];
}

export async function rangeAnswer(store: Store, q: string, start: number, end: number, step: number, maxResolutionMs: number, engine = new Engine()): Promise<{ answer: Answer; samples: number }> {
  const res = await engine.rangeQuery(store, q, start, end, step, { maxResolutionMs }).exec();
  const answer: Answer = new Map();
  for (const s of (res.value as MatrixValue).series) answer.set(formatLabels(s.labels), { t: [...s.t], v: [...s.v] });
  return { answer, samples: res.stats.totalSamples };
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Differences of `got` from `want` (series, missing or extra steps, values beyond float tolerance), at most `limit`. */
export function differences(q: string, got: Answer, want: Answer, limit = 5): string[] {
  const out: string[] = [];
  const keys = new Set([...got.keys(), ...want.keys()]);
  for (const k of [...keys].sort()) {
    const [g, w] = [got.get(k), want.get(k)];
    if (g === undefined || w === undefined) {
      out.push(`${q} ${k}: ${g === undefined ? "missing" : "extra"} series`);
      continue;
    }
    const gt = new Map(g.t.map((t, i) => [t, g.v[i]!]));
    for (let i = 0; i < w.t.length && out.length < limit; i++) {
      const v = gt.get(w.t[i]!);
      if (v === undefined) out.push(`${q} ${k}: no value at ${new Date(w.t[i]!).toISOString()} (raw ${w.v[i]})`);
      else if (!close(v, w.v[i]!)) out.push(`${q} ${k} at ${new Date(w.t[i]!).toISOString()}: got ${v}, raw ${w.v[i]}`);
    }
    const wt = new Set(w.t);
    for (const t of g.t) if (!wt.has(t) && out.length < limit) out.push(`${q} ${k}: extra step ${new Date(t).toISOString()}`);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The bound for a plain selector over downsampled data: every step has a value where raw has one,
 * within the raw min and max of the `windowMs` window ending at the step.
 */
export async function selectorOutsideBounds(
  raw: Store,
  tiered: Store,
  metric: string,
  start: number,
  end: number,
  step: number,
  windowMs: number,
): Promise<string[]> {
  const w = `${windowMs / 1000}s`;
  const got = (await rangeAnswer(tiered, metric, start, end, step, step / 5)).answer;
  const lo = (await rangeAnswer(raw, `min_over_time(${metric}[${w}])`, start, end, step, 0)).answer;
  const hi = (await rangeAnswer(raw, `max_over_time(${metric}[${w}])`, start, end, step, 0)).answer;
  const plain = (await rangeAnswer(raw, metric, start, end, step, 0)).answer;
  const out: string[] = [];
  for (const [k, p] of plain) {
    const g = got.get(k);
    const key = k.replace(`__name__="${metric}", `, "");
    const [l, h] = [lo.get(key), hi.get(key)];
    if (g === undefined || l === undefined || h === undefined) {
      out.push(`${metric} ${k}: missing series`);
      continue;
    }
    const gv = new Map(g.t.map((t, i) => [t, g.v[i]!]));
    const lv = new Map(l.t.map((t, i) => [t, l.v[i]!]));
    const hv = new Map(h.t.map((t, i) => [t, h.v[i]!]));
    for (const t of p.t) {
      const v = gv.get(t);
      if (v === undefined) out.push(`${metric} ${k}: no value at ${new Date(t).toISOString()}`);
      else if (!(v >= lv.get(t)! - 1e-9 && v <= hv.get(t)! + 1e-9)) out.push(`${metric} ${k} at ${new Date(t).toISOString()}: ${v} outside [${lv.get(t)}, ${hv.get(t)}]`);
      if (out.length >= 5) return out;
    }
  }
  return out;
}
