// One range function over the windows of many series, step by step: where each step's window lies
// in a series' buffer, and what the function gives there. The operator (range_function.ts) and its
// window workers (engine/parallel/) both evaluate through this, so they cannot disagree.
import { rangeFunctions, slidingEvaluator, type RangeFunction, type RangeWindow, type SlidingEvaluator } from "../functions/index.js";
import type { Timeline } from "../model.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";

/** What a range function call looks like, without its data: plain data, so it crosses to a worker. */
export interface WindowShape {
  name: string;
  rangeMs: number;
  anchored: boolean;
  smoothed: boolean;
  lookbackMs: number;
  /** Whether a step's window shares samples with the step before's (then the incremental evaluators pay off). */
  overlapping: boolean;
}

/** Whether consecutive steps' windows share samples: an @-fixed window repeats; one step, or steps a range or more apart, do not. */
export function windowsOverlap(tl: Timeline, rangeMs: number, atFixed: boolean): boolean {
  return tl.steps > 1 && (atFixed || tl.step < rangeMs);
}

export class SeriesWindows {
  /** The window last placed; the function reads it. */
  readonly w: RangeWindow;
  readonly fn: RangeFunction;
  /** Incremental state across steps, for the functions that have it. */
  private readonly sliding: SlidingEvaluator | undefined;
  private readonly extended: boolean;
  /** How far past the window's end a buffer must be filled (smoothed windows read one sample beyond). */
  private readonly ahead: number;

  constructor(
    private readonly shape: WindowShape,
    series: number,
    /** Each buffer is read for one step only, then released (an instant query's call): its window is decoded in the shared scratch. */
    private readonly oneStep = false,
  ) {
    this.fn = rangeFunctions[shape.name]!;
    // One window per series (an instant query, or steps at least a range apart): the direct function reads it once, with no per-series state to set up.
    this.sliding = shape.overlapping ? slidingEvaluator(shape.name, series, shape.anchored, shape.smoothed) : undefined;
    this.extended = shape.anchored || shape.smoothed;
    this.ahead = shape.smoothed ? shape.lookbackMs : 0;
    this.w = {
      t: new Float64Array(0),
      v: new Float64Array(0),
      start: 0,
      end: 0,
      rangeStartMs: 0,
      rangeEndMs: 0,
      evalTimeMs: 0,
      anchored: shape.anchored,
      smoothed: shape.smoothed,
      lookbackDeltaMs: shape.lookbackMs,
      scratch: new Float64Array(256),
    };
  }

  /**
   * Moves buffer b's window to the step at t (window (ref − range, ref]) and points w at it; returns
   * the samples in the window, or −1 when there is nothing to evaluate (an empty plain window).
   * Steps only move forward.
   */
  place(b: SampleBuffer, t: number, ref: number): number {
    const from = ref - this.shape.rangeMs;
    if (!this.oneStep || this.extended || !b.fillOnceInScratch()) b.fill(ref + this.ahead);
    const ts = b.t;
    // Window (from, ref]: s is its first index, e one past its last.
    let s = b.a;
    while (s < b.len && ts[s]! <= from) s++;
    let e = b.b < s ? s : b.b;
    while (e < b.len && ts[e]! <= ref) e++;
    b.a = s;
    b.b = e;
    // The anchor sample just before the window stays for anchored/smoothed windows.
    b.keep = s > 0 ? s - 1 : 0;
    if (s === e && !this.extended) return -1;
    const w = this.w;
    w.rangeStartMs = from;
    w.rangeEndMs = ref;
    w.evalTimeMs = t;
    w.t = ts;
    w.v = b.v;
    w.st = b.st;
    w.rawCounts = b.rawCounts;
    w.start = s;
    w.end = e;
    if (w.scratch!.length < e - s) w.scratch = new Float64Array(2 * (e - s));
    return e - s;
  }

  /** Whether windows are evaluated incrementally across steps (else each directly). */
  get incremental(): boolean {
    return this.sliding !== undefined;
  }

  /** The function's float result for series i's placed window; undefined: no output at this step. */
  value(i: number, b: SampleBuffer, argv: number[]): number | undefined {
    // The incremental evaluators know nothing of start timestamps.
    if (this.sliding !== undefined && b.st === undefined) return this.sliding.value(i, this.w, b.offset, argv);
    return this.fn(this.w, argv);
  }
}

/** The steps a part of a range function call is evaluated at: evaluation and reference times, scalar arguments. */
export interface StepTimes {
  /** Evaluation time of each step. */
  times: Float64Array;
  /** Each step's window end: (at ?? t) − offset. */
  refs: Float64Array;
  /** Scalar arguments per step, in argument order (without the range vector). */
  args: Float64Array[];
}

/**
 * Evaluates float-only series (no histograms, no start timestamps) for steps [k0, k1): series j's
 * result at step k goes to values[(k−k0)·series + j], with present[·] = 1 when there is one —
 * step-major, so whoever merges the cells into step vectors reads them in order.
 * Returns the samples read. What a window worker runs over its part.
 */
export function evaluateFloatSteps(
  sw: SeriesWindows,
  buffers: readonly SampleBuffer[],
  steps: StepTimes,
  k0: number,
  k1: number,
  values: Float64Array,
  present: Uint8Array,
): number {
  const series = buffers.length;
  const argv = steps.args.map(() => NaN);
  present.fill(0, 0, series * (k1 - k0));
  let read = 0;
  // Series outer, steps inner: one series' samples stay in cache across the steps.
  for (let j = 0; j < series; j++) {
    const b = buffers[j]!;
    for (let k = k0; k < k1; k++) {
      const n = sw.place(b, steps.times[k]!, steps.refs[k]!);
      if (n < 0) continue;
      read += n;
      for (let a = 0; a < argv.length; a++) argv[a] = steps.args[a]![k]!;
      const r = sw.value(j, b, argv);
      if (r === undefined) continue;
      const cell = (k - k0) * series + j;
      values[cell] = r;
      present[cell] = 1;
    }
  }
  return read;
}
