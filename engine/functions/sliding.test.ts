// Property test: every incremental evaluator equals the direct per-window function (the
// reference) on random series — resets, NaN, ±Inf, stale markers, gaps, cancellation — over
// random ranges and steps, in runs of steps, with the buffer compacting under it as the engine's does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { STALE_NAN, isStaleNaN } from "../../storeapi/index.js";
import { rangeFunctions, slidingEvaluator, type PlacedWindows, type RangeWindow } from "./index.js";

/** Deterministic PRNG (mulberry32), so a failure names a reproducible seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Series {
  t: Float64Array;
  v: Float64Array;
}

/** A random series as the engine sees it: stale markers written, then removed. */
function randomSeries(r: () => number): Series {
  const n = Math.floor(r() * 400);
  const ts: number[] = [];
  const vs: number[] = [];
  let t = Math.floor(r() * 60_000);
  let x = r() < 0.3 ? 1e12 * r() : 100 * r();
  const shape = r();
  for (let i = 0; i < n; i++) {
    t += r() < 0.05 ? Math.floor(r() * 1_200_000) : 1_000 + Math.floor(r() * 29_000);
    const p = r();
    let v: number;
    if (p < 0.02) v = NaN;
    else if (p < 0.03) v = Infinity;
    else if (p < 0.04) v = -Infinity;
    else if (p < 0.07) v = STALE_NAN;
    else if (p < 0.12) v = x = r() * 10; // counter reset
    else if (p < 0.2) v = x; // unchanged
    else if (shape > 0.9 && p < 0.3) v = (r() < 0.5 ? -1 : 1) * 1e18 * r(); // spikes among small values
    else if (shape < 0.3) v = x = (r() - 0.5) * 1e6; // gauge around zero: cancellation
    else v = x += r() * 50;
    ts.push(t);
    vs.push(v);
  }
  const keep = vs.map((v) => !(v !== v && isStaleNaN(v)));
  return { t: Float64Array.from(ts.filter((_, i) => keep[i])), v: Float64Array.from(vs.filter((_, i) => keep[i])) };
}

function sameValue(got: number | undefined, want: number | undefined, msg: string): void {
  if (got === undefined || want === undefined) return assert.equal(got, want, msg);
  if (want !== want) return assert.ok(got !== got, `${msg}: want NaN, got ${got}`);
  if (got === want) return;
  const diff = Math.abs(got - want);
  assert.ok(diff <= 1e-9 * Math.max(Math.abs(got), Math.abs(want)), `${msg}: want ${want}, got ${got}`);
}

/** exact: the same bits as the direct function (rate/increase add the same terms in the same order). */
const CASES: { name: string; anchored: boolean; exact?: boolean }[] = [
  { name: "rate", anchored: false, exact: true },
  { name: "increase", anchored: false, exact: true },
  { name: "resets", anchored: false },
  { name: "resets", anchored: true },
  { name: "changes", anchored: false },
  { name: "changes", anchored: true },
  { name: "max_over_time", anchored: false },
  { name: "min_over_time", anchored: false },
  { name: "quantile_over_time", anchored: false },
];

describe("sliding evaluators equal the direct functions", () => {
  for (const c of CASES) {
    it(`${c.name}${c.anchored ? " anchored" : ""}`, () => {
      for (let seed = 1; seed <= 25; seed++) checkSeed(c.name, c.anchored, seed, c.exact === true);
    });
  }
  for (const c of CASES.filter((c) => slidingEvaluator(c.name, 1, c.anchored, false, false) !== undefined)) {
    it(`${c.name}${c.anchored ? " anchored" : ""}, disjoint windows`, () => {
      for (let seed = 1; seed <= 25; seed++) checkSeed(c.name, c.anchored, seed, c.exact === true, true);
    });
  }
});

/**
 * Walks the steps as RangeFunctionOperator does, in runs of random length, compacting the arrays
 * at random between runs (as a buffer's fill does), or for some series in one run of every step
 * (a buffer holding the whole series).
 */
function checkSeed(name: string, anchored: boolean, seed: number, exact: boolean, disjoint = false): void {
  const r = rng(seed);
  const all = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomSeries(r));
  const ev = slidingEvaluator(name, all.length, anchored, false, !disjoint);
  assert.ok(ev !== undefined, `${name} has an evaluator`);
  // Disjoint: each step a range or more after the last, adjacent or with samples between windows.
  const rangeMs = disjoint ? 1_000 + Math.floor(r() * 600_000) : 1_000 + Math.floor(r() * 3_600_000);
  const stepMs = disjoint ? rangeMs + (r() < 0.3 ? 0 : Math.floor(r() * 600_000)) : 1_000 + Math.floor(r() * 600_000);
  const steps = 1 + Math.floor(r() * 300);
  const fn = rangeFunctions[name];
  const refs = Float64Array.from({ length: steps }, (_, k) => k * stepMs);
  // quantile_over_time's φ, per step as a scalar argument may be: mostly in [0, 1], sometimes not.
  const phis = Float64Array.from({ length: steps }, () => (r() < 0.9 ? r() : [NaN, -0.5, 1.5, 0, 1][Math.floor(r() * 5)]));
  const w: RangeWindow = { t: new Float64Array(0), v: new Float64Array(0), start: 0, end: 0, rangeStartMs: 0, rangeEndMs: 0, evalTimeMs: 0, anchored, smoothed: false, lookbackDeltaMs: 300_000 };
  for (let i = 0; i < all.length; i++) {
    const { t, v } = all[i];
    let base = 0;
    let s = 0;
    let e = 0;
    const whole = r() < 0.3;
    for (let k0 = 0; k0 < steps; ) {
      const k1 = whole ? steps : Math.min(steps, k0 + 1 + Math.floor(r() * 12));
      // The buffer may have dropped anything before the last window's anchor.
      if (r() < 0.3) base = Math.max(base, Math.floor(r() * Math.max(0, s - 1)));
      const n = k1 - k0;
      const starts = new Int32Array(n);
      const ends = new Int32Array(n);
      for (let k = k0; k < k1; k++) {
        while (s < t.length && t[s] <= refs[k] - rangeMs) s++;
        if (e < s) e = s;
        while (e < t.length && t[e] <= refs[k]) e++;
        starts[k - k0] = s - base;
        ends[k - k0] = e - base;
      }
      const pw: PlacedWindows = { t: t.subarray(base), v: v.subarray(base), rawCounts: undefined, base, n, starts, ends, step0: k0, refs, times: refs, rangeMs };
      // The run's results land at an offset of the caller's arrays.
      const at = Math.floor(r() * 3);
      const out = new Float64Array(at + n);
      const present = new Uint8Array(at + n);
      ev.values(i, pw, [phis], w, out, present, at);
      for (let j = 0; j < n; j++) {
        const k = k0 + j;
        const start = starts[j] + base;
        const end = ends[j] + base;
        const direct: RangeWindow = { t, v, start, end, rangeStartMs: refs[k] - rangeMs, rangeEndMs: refs[k], evalTimeMs: refs[k], anchored, smoothed: false, scratch: new Float64Array(end - start) };
        // An empty plain window is no window: the engine evaluates nothing there.
        const want = start === end && !anchored ? undefined : fn(direct, [phis[k]]);
        const got = present[at + j] === 1 ? out[at + j] : undefined;
        const what = `${name} seed ${seed} series ${i} step ${k} window [${start}, ${end})`;
        if (exact && got !== undefined && want !== undefined && !(got !== got && want !== want)) assert.ok(Object.is(got, want), `${what}: want ${want}, got ${got}`);
        sameValue(got, want, what);
      }
      k0 = k1;
    }
  }
}

describe("sliding evaluator choice", () => {
  it("only where the result stays the direct one's", () => {
    assert.equal(slidingEvaluator("rate", 1, false, true), undefined, "smoothed rate is direct");
    assert.equal(slidingEvaluator("rate", 1, true, false), undefined, "anchored rate is direct");
    assert.equal(slidingEvaluator("stddev_over_time", 1, false, false), undefined);
    assert.ok(slidingEvaluator("changes", 1, true, false) !== undefined);
  });
});
