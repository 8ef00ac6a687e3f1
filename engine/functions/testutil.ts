// Test helpers: build series from promqltest's load notation and windows as the engine would.
import assert from "node:assert/strict";
import type { RangeWindow } from "./window.js";
import { firstIndexAfter } from "./smoothed.js";

export interface TestSeries {
  t: Float64Array;
  v: Float64Array;
}

/** Parses "_ 1+1x4 9 NaN Inf -Inf 3-2x2 5x3" (promqltest expanding notation) at `intervalMs`. */
export function load(spec: string, intervalMs: number): TestSeries {
  const ts: number[] = [];
  const vs: number[] = [];
  let slot = 0;
  const push = (v: number): void => {
    ts.push(slot * intervalMs);
    vs.push(v);
    slot++;
  };
  for (const tok of spec.trim().split(/\s+/)) {
    if (tok === "_") {
      slot++;
      continue;
    }
    const x = tok.lastIndexOf("x");
    if (x < 0) {
      push(num(tok));
      continue;
    }
    const times = Number(tok.slice(x + 1));
    const head = tok.slice(0, x);
    let op = -1;
    for (let i = 1; i < head.length; i++) {
      if ((head[i] === "+" || head[i] === "-") && head[i - 1] !== "e" && head[i - 1] !== "E") op = i;
    }
    const base = num(op < 0 ? head : head.slice(0, op));
    const step = op < 0 ? 0 : (head[op] === "-" ? -1 : 1) * num(head.slice(op + 1));
    for (let i = 0; i <= times; i++) push(base + step * i);
  }
  return { t: Float64Array.from(ts), v: Float64Array.from(vs) };
}

function num(s: string): number {
  const l = s.toLowerCase();
  if (l === "nan") return NaN;
  if (l === "inf" || l === "+inf") return Infinity;
  if (l === "-inf") return -Infinity;
  const n = Number(s);
  if (Number.isNaN(n)) throw new Error(`bad number ${s}`);
  return n;
}

export interface WindowOptions {
  offsetMs?: number;
  anchored?: boolean;
  smoothed?: boolean;
  lookbackDeltaMs?: number;
}

/** The window of `series[rangeMs]` evaluated at evalMs, passing the whole arrays as the engine may. */
export function windowAt(s: TestSeries, evalMs: number, rangeMs: number, opts: WindowOptions = {}): RangeWindow {
  const rangeEndMs = evalMs - (opts.offsetMs ?? 0);
  const rangeStartMs = rangeEndMs - rangeMs;
  return {
    t: s.t,
    v: s.v,
    start: firstIndexAfter(s.t, rangeStartMs),
    end: firstIndexAfter(s.t, rangeEndMs),
    rangeStartMs,
    rangeEndMs,
    evalTimeMs: evalMs,
    anchored: opts.anchored ?? false,
    smoothed: opts.smoothed ?? false,
    lookbackDeltaMs: opts.lookbackDeltaMs,
  };
}

/** Same as windowAt, but with arrays trimmed to exactly what the engine is required to pass. */
export function minimalWindowAt(s: TestSeries, evalMs: number, rangeMs: number, opts: WindowOptions = {}): RangeWindow {
  const w = windowAt(s, evalMs, rangeMs, opts);
  const from = Math.max(0, w.start - (opts.anchored || opts.smoothed ? 1 : 0));
  const to = Math.min(s.t.length, w.end + (opts.smoothed ? 1 : 0));
  return { ...w, t: s.t.slice(from, to), v: s.v.slice(from, to), start: w.start - from, end: w.end - from };
}

export const s = (x: number): number => x * 1000;
export const m = (x: number): number => x * 60_000;

/** promqltest's comparison: relative 1e-6, NaN equals NaN, undefined means "no output". */
export function assertClose(actual: number | undefined, expected: number | undefined, msg?: string): void {
  if (expected === undefined || actual === undefined) {
    assert.equal(actual, expected, msg);
    return;
  }
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${msg ?? ""}: expected NaN, got ${actual}`);
    return;
  }
  if (actual === expected) return;
  const diff = Math.abs(actual - expected);
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  assert.ok(diff <= 1e-6 * scale || diff < 1e-12, `${msg ?? ""}: expected ${expected}, got ${actual}`);
}
