// The histograms of a selector only histogram_count/sum/avg read (planner/histogram_stats.ts), as
// Prometheus's HistogramStatsIterator returns them: schema, count and sum without buckets, and a
// counter-reset hint detected on the fly — it reads a series in time order from each seek, and a
// histogram with an unknown hint gets "reset" or "not reset" by comparison (buckets included) with
// the histogram read just before it, when there is one since the last seek. Those hints decide
// whether sum/avg warn about conflicting counter resets; without buckets, custom bounds never need
// reconciling.
import { CounterResetHint } from "../../storeapi/index.js";
import type { DecodedSamples, SeriesInput } from "./sample_buffer.js";
import type { Timeline } from "../model.js";
import { FloatHistogram } from "../histogram/index.js";

/** The reference times a selector is read at: `first`, `first + step`, … (`steps` of them). */
export interface ReadSteps {
  first: number;
  step: number;
  steps: number;
}

/**
 * `input` as a stats read returns it (new histograms: the input is shared by merged selectors and
 * left untouched). `windowMs`: the lookback of a vector selector, the range of a matrix selector;
 * a step reads from its window's first millisecond on.
 */
export function withStatsReadHints(input: SeriesInput, steps: ReadSteps, windowMs: number): SeriesInput {
  const d = input.decoded;
  if (d?.h === undefined) return input;
  const hints = statsReadHints(d, steps, windowMs);
  const h = d.h.map((x, i) => (x === undefined ? undefined : statsOf(x, hints?.[i] ?? x.counterResetHint)));
  return { ...input, decoded: { t: d.t, v: d.v, h } };
}

/** A histogram's schema, count and sum with the given hint (custom buckets keep an empty bound list). */
function statsOf(x: FloatHistogram, hint: CounterResetHint): FloatHistogram {
  const s = new FloatHistogram();
  s.schema = x.schema;
  s.count = x.count;
  s.sum = x.sum;
  s.counterResetHint = hint;
  if (x.usesCustomBuckets()) s.customValues = [];
  return s;
}

/** Each sample's hint after the read, or undefined when none changes. */
function statsReadHints(d: DecodedSamples, steps: ReadSteps, windowMs: number): CounterResetHint[] | undefined {
  const { t, h } = d;
  const n = t.length;
  let hints: CounterResetHint[] | undefined;
  const done = new Uint8Array(n);
  let pos = -1; // where the iterator stands (not yet read); -1 before the first seek
  let prev = -1; // the histogram read last since the seek; -1: none
  const read = (i: number): void => {
    const x = h![i];
    if (x === undefined) return; // floats and stale markers leave the previous histogram as it is
    if (done[i] === 0) {
      done[i] = 1;
      if (x.counterResetHint === CounterResetHint.Unknown && prev >= 0) {
        hints ??= h!.map((y) => y?.counterResetHint ?? CounterResetHint.Unknown);
        hints[i] = x.detectReset(h![prev]!) ? CounterResetHint.CounterReset : CounterResetHint.NotCounterReset;
      }
    }
    prev = i;
  };
  for (let k = 0; k < steps.steps; k++) {
    const ref = steps.first + k * steps.step;
    const from = ref - windowMs;
    // A seek that lands past where the iterator stands forgets the previous histogram.
    if (pos < 0 || (pos < n && from > t[pos]!)) {
      prev = -1;
      pos = Math.max(pos, 0);
      while (pos < n && t[pos]! < from) pos++;
    }
    while (pos < n && t[pos]! < ref) read(pos++);
    if (pos < n && t[pos] === ref) read(pos);
  }
  return hints;
}

/** The reference times of a selector evaluated over `tl` (one, when pinned by `@`). */
export function readSteps(tl: Timeline, atMs: number | undefined, offsetMs: number): ReadSteps {
  if (atMs !== undefined) return { first: atMs - offsetMs, step: 0, steps: Math.min(tl.steps, 1) };
  return { first: tl.start - offsetMs, step: tl.step, steps: tl.steps };
}
