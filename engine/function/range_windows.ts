// One range function over the windows of many series, a run of steps at a time: where each step's
// window lies in a series' buffer, and what the function gives there. The operator
// (range_function.ts) and its window workers (engine/parallel/) both evaluate through this, so they
// cannot disagree.
import { pointAtWindow, rangeFunctions, slidingEvaluator, type PlacedWindows, type RangeFunction, type RangeWindow, type SlidingEvaluator } from "../functions/index.js";
import type { Timeline } from "../model.js";
import type { SampleBuffer } from "../scan/sample_buffer.js";

/** The most steps evaluateSteps places at once in a buffer still filling. */
const RUN_STEPS_MOST = 16;

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
  /** The windows of evaluateSteps' run. */
  private readonly placed: PlacedWindows;
  /** Scalar arguments of one window. */
  private readonly argv: number[] = [];
  /** What the last evaluateSteps read: the samples in its windows, the widest window and the last one (0: empty). */
  readonly run = { read: 0, widest: 0, last: 0 };
  /** place()'s one step, as a run of one. */
  private readonly oneRef = new Float64Array(1);
  private readonly oneTime = new Float64Array(1);

  constructor(
    private readonly shape: WindowShape,
    series: number,
    /** Each buffer is read for one step only, then released (an instant query's call): its window is decoded in the shared scratch. */
    private readonly oneStep = false,
  ) {
    this.fn = rangeFunctions[shape.name]!;
    // One window per series (an instant query): the direct function reads it once, with no per-series state to set up.
    this.sliding = oneStep ? undefined : slidingEvaluator(shape.name, series, shape.anchored, shape.smoothed, shape.overlapping);
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
    const none = new Float64Array(0);
    this.placed = { t: none, v: none, rawCounts: undefined, base: 0, n: 0, starts: new Int32Array(0), ends: new Int32Array(0), step0: 0, refs: none, times: none, rangeMs: shape.rangeMs };
  }

  /**
   * Moves buffer b's window to the step at t (window (ref − range, ref]) and points w at it; returns
   * the samples in the window, or −1 when there is nothing to evaluate (an empty plain window).
   * Steps only move forward.
   */
  place(b: SampleBuffer, t: number, ref: number): number {
    if (!this.oneStep || this.extended || !b.fillOnceInScratch()) b.fill(ref + this.ahead);
    this.oneRef[0] = ref;
    this.oneTime[0] = t;
    const pw = this.placeRun(b, this.oneRef, this.oneTime, 0, 1);
    const n = pw.ends[0]! - pw.starts[0]!;
    if (n === 0 && !this.extended) return -1;
    this.windowAt(pw, 0).st = b.st;
    return n;
  }

  /** this.w pointed at window j of a run, its scratch big enough for the window's samples. */
  private windowAt(pw: PlacedWindows, j: number): RangeWindow {
    const w = this.w;
    pointAtWindow(w, pw, j);
    const n = pw.ends[j]! - pw.starts[j]!;
    if (w.scratch!.length < n) w.scratch = new Float64Array(2 * n);
    return w;
  }

  /**
   * Places buffer b's windows at steps [k0, k1) (filled far enough already): each step's window
   * (ref − range, ref] as sample indices, the buffer's cursors moved to the last, and what they
   * hold in `run`.
   */
  private placeRun(b: SampleBuffer, refs: Float64Array, times: Float64Array, k0: number, k1: number): PlacedWindows {
    const pw = this.placed;
    const n = k1 - k0;
    if (pw.starts.length < n) {
      pw.starts = new Int32Array(n);
      pw.ends = new Int32Array(n);
    }
    const { starts, ends } = pw;
    const ts = b.t;
    const len = b.len;
    const rangeMs = this.shape.rangeMs;
    const extended = this.extended;
    let s = b.a;
    let e = b.b;
    let read = 0;
    let widest = 0;
    let last = 0;
    for (let k = k0; k < k1; k++) {
      const ref = refs[k]!;
      const from = ref - rangeMs;
      // Window (from, ref]: s is its first index, e one past its last.
      while (s < len && ts[s]! <= from) s++;
      if (e < s) e = s;
      while (e < len && ts[e]! <= ref) e++;
      starts[k - k0] = s;
      ends[k - k0] = e;
      // An empty plain window is no window: nothing read, nothing evaluated.
      last = s === e && !extended ? 0 : e - s;
      read += last;
      if (last > widest) widest = last;
    }
    b.a = s;
    b.b = e;
    // The anchor sample just before the window stays for anchored/smoothed windows.
    b.keep = s > 0 ? s - 1 : 0;
    pw.t = ts;
    pw.v = b.v;
    pw.rawCounts = b.rawCounts;
    pw.base = b.offset;
    pw.n = n;
    pw.step0 = k0;
    pw.refs = refs;
    pw.times = times;
    this.run.read = read;
    this.run.widest = widest;
    this.run.last = last;
    return pw;
  }

  /** Whether windows are evaluated incrementally across steps (else each directly). */
  get incremental(): boolean {
    return this.sliding !== undefined;
  }

  /** The function's float result for the placed window (one step at a time: no incremental state); undefined: no output. */
  value(argv: number[]): number | undefined {
    return this.fn(this.w, argv);
  }

  /**
   * Evaluates series i at steps [k0, k1), in runs of at most RUN_STEPS_MOST steps: the buffer
   * filled for a run's last step, the run's windows placed in one loop, then the function over the
   * run (incrementally where it can be). Results go to out[at + k − k0], present[at + k − k0] = 1
   * where there is one; `run` says what was read. Returns false, having placed nothing, for a buffer
   * holding histograms or start timestamps, or a call of one step per buffer (then place() and
   * value() go step by step).
   */
  evaluateSteps(i: number, b: SampleBuffer, steps: StepTimes, k0: number, k1: number, out: Float64Array, present: Uint8Array, at = 0): boolean {
    if (this.oneStep || b.h !== undefined || b.st !== undefined) return false;
    let read = 0;
    let widest = 0;
    // Runs of a few steps: a run's samples are all buffered at once, so a long one would grow the
    // buffer; one run when it holds the whole series already.
    const runSteps = b.complete ? k1 - k0 : RUN_STEPS_MOST;
    for (let r0 = k0; r0 < k1; r0 += runSteps) {
      const r1 = Math.min(k1, r0 + runSteps);
      b.fill(steps.refs[r1 - 1]! + this.ahead);
      const pw = this.placeRun(b, steps.refs, steps.times, r0, r1);
      read += this.run.read;
      if (this.run.widest > widest) widest = this.run.widest;
      if (this.sliding !== undefined) this.sliding.values(i, pw, steps.args, this.w, out, present, at + r0 - k0);
      else this.directRun(pw, steps.args, out, present, at + r0 - k0);
    }
    this.run.read = read;
    this.run.widest = widest;
    return true;
  }

  /**
   * evaluateSteps over every step of a buffer read whole: its chunks decoded into the shared scratch
   * when nothing was read from it yet, released after, so the next series decodes there. Throws
   * for a buffer evaluateSteps does not take (histograms, start timestamps).
   */
  evaluateOnce(i: number, b: SampleBuffer, steps: StepTimes, k0: number, k1: number, out: Float64Array, present: Uint8Array, at = 0): void {
    b.fillOnceInScratch();
    const taken = this.evaluateSteps(i, b, steps, k0, k1, out, present, at);
    b.release();
    if (!taken) throw new Error(`series ${i} holds histograms or start timestamps: its windows are evaluated step by step`);
  }

  /** Each window of a run evaluated on its own. */
  private directRun(pw: PlacedWindows, args: readonly Float64Array[], out: Float64Array, present: Uint8Array, at: number): void {
    const argv = this.argv;
    for (let j = 0; j < pw.n; j++) {
      present[at + j] = 0;
      if (pw.starts[j] === pw.ends[j] && !this.extended) continue;
      const w = this.windowAt(pw, j);
      for (let a = 0; a < args.length; a++) argv[a] = args[a]![pw.step0 + j]!;
      const r = this.fn(w, argv);
      if (r === undefined) continue;
      out[at + j] = r;
      present[at + j] = 1;
    }
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

/** A timeline's step times, each step's reference time (refOf of its time) and the steps' arguments. */
export function timelineSteps(tl: Timeline, refOf: (t: number) => number, args: Float64Array[] = []): StepTimes {
  const times = new Float64Array(tl.steps);
  const refs = new Float64Array(tl.steps);
  for (let k = 0; k < tl.steps; k++) {
    times[k] = tl.start + k * tl.step;
    refs[k] = refOf(times[k]!);
  }
  return { times, refs, args };
}

/**
 * Evaluates float-only series (no histograms, no start timestamps) for steps [k0, k1): series j's
 * result at step k goes to values[cell], with present[cell] = 1 when there is one, where cell is
 * (k−k0)·series + j (step-major, for whoever merges the cells into step vectors) or, seriesMajor,
 * j·(k1−k0) + k−k0 (for a reader adding each series' row into its group). Every step at once: each
 * series decoded whole into the shared scratch first. Returns the samples read. What a window
 * worker runs over its part.
 */
export function evaluateFloatSteps(
  sw: SeriesWindows,
  buffers: readonly SampleBuffer[],
  steps: StepTimes,
  k0: number,
  k1: number,
  values: Float64Array,
  present: Uint8Array,
  seriesMajor = false,
): number {
  const series = buffers.length;
  const n = k1 - k0;
  const whole = k0 === 0 && k1 === steps.times.length;
  const out = seriesMajor ? values : new Float64Array(n);
  const has = seriesMajor ? present : new Uint8Array(n);
  let read = 0;
  // Series outer, steps inner: one series' samples stay in cache across the steps.
  for (let j = 0; j < series; j++) {
    const b = buffers[j]!;
    const at = seriesMajor ? j * n : 0;
    if (whole) sw.evaluateOnce(j, b, steps, k0, k1, out, has, at);
    else if (!sw.evaluateSteps(j, b, steps, k0, k1, out, has, at)) throw new Error(`window worker: series ${j} holds histograms or start timestamps`);
    read += sw.run.read;
    if (seriesMajor) continue;
    for (let k = 0; k < n; k++) {
      const cell = k * series + j;
      present[cell] = has[k]!;
      if (has[k] === 1) values[cell] = out[k]!;
    }
  }
  return read;
}
