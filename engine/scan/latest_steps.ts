// A vector selector's float reads over a slice of steps, series by series: each series' latest
// sample in (ref − lookback, ref] at every step, into step-major cells (the layout window workers
// return, engine/parallel/). One series' samples are decoded and read while they are in cache.
import { isStaleNaN } from "../../storeapi/index.js";
import type { SampleBuffer } from "./sample_buffer.js";

/**
 * What a float read gives: the sample's value, its timestamp in seconds (timestamp()), its start
 * timestamp in seconds, 0 for none (start_timestamp()); or only whether there is one (presence:
 * count and group read whole, which never look at values).
 */
export type LatestRead = "value" | "timestamp" | "startTimestamp" | "presence";

/** Cursor a moved to the last of the samples ts[0, len) at or before ref (a step's references never decrease). */
export function latestAtOrBefore(ts: Float64Array, len: number, a: number, ref: number): number {
  while (a + 1 < len && ts[a + 1]! <= ref) a++;
  return a;
}

/** Whether a read at ref takes sample a (the latest at or before ref): within (ref − lookback, ref] and not a stale marker. */
export function readsSampleAt(ts: Float64Array, vs: Float64Array, len: number, a: number, ref: number, lookbackMs: number): boolean {
  if (a >= len || !inLookback(ts, a, ref, lookbackMs)) return false;
  const v = vs[a]!;
  return !(v !== v && isStaleNaN(v));
}

/** Whether sample a (of at least one) lies within (ref − lookback, ref]: readsSampleAt for samples known to hold no stale marker. */
export function inLookback(ts: Float64Array, a: number, ref: number, lookbackMs: number): boolean {
  const t = ts[a]!;
  return t <= ref && t > ref - lookbackMs;
}

/**
 * Reads float-only series (no histograms) at steps [k0, k1): series j's output at step k goes to
 * values[(k−k0)·series + j] (seriesMajor: values[j·(k1−k0) + k−k0]), with present[·] = 1 when it
 * has one (a sample in the lookback that is not a stale marker). refs: each step's reference time,
 * (at ?? t) − offset, never decreasing. Returns the outputs written.
 */
export function readLatestSteps(
  buffers: readonly SampleBuffer[],
  refs: Float64Array,
  k0: number,
  k1: number,
  lookbackMs: number,
  read: LatestRead,
  values: Float64Array,
  present: Uint8Array,
  seriesMajor = false,
): number {
  const series = buffers.length;
  const width = k1 - k0;
  present.fill(0, 0, series * width);
  // Every step in one slice: each series unread so far decodes whole into the shared scratch, no buffer grown or compacted.
  const whole = k0 === 0 && k1 === refs.length;
  let written = 0;
  for (let j = 0; j < series; j++) {
    const b = buffers[j]!;
    if (whole && b.fillOnceInScratch()) {
      written += readWhole(b, refs, lookbackMs, read, values, present, seriesMajor ? j * width : j, seriesMajor ? 1 : series);
      // Read to its last step out of the scratch the next series decodes into.
      b.release();
      continue;
    }
    let ts = b.t;
    let vs = b.v;
    let len = b.len;
    // Cursor a: the last sample at or before the step's reference.
    let a = b.a;
    for (let k = k0; k < k1; k++) {
      const ref = refs[k]!;
      if (len === 0 || ts[len - 1]! <= ref) {
        // Decoded only as the steps reach it, so the buffer holds about a chunk (filling may compact it).
        b.a = a;
        b.keep = a;
        b.fill(ref);
        ts = b.t;
        vs = b.v;
        len = b.len;
        a = b.a;
      }
      a = latestAtOrBefore(ts, len, a, ref);
      if (!readsSampleAt(ts, vs, len, a, ref, lookbackMs)) continue;
      const v = vs[a]!;
      const cell = seriesMajor ? j * width + (k - k0) : (k - k0) * series + j;
      if (read !== "presence") values[cell] = readOutput(read, b, a, v);
      present[cell] = 1;
      written++;
    }
    b.a = a;
    b.keep = a;
  }
  return written;
}

/** What a read gives for buffer slot a, whose value is v (read is not "presence"). */
function readOutput(read: LatestRead, b: SampleBuffer, a: number, v: number): number {
  return read === "value" ? v : read === "timestamp" ? b.t[a]! / 1000 : (b.st?.[a] ?? 0) / 1000;
}

/**
 * readLatestSteps's rule over every step for a series whose samples are all in its buffer (decoded
 * whole): nothing to fill, its cells `stride` apart from `cell`. Returns the outputs written.
 */
function readWhole(b: SampleBuffer, refs: Float64Array, lookbackMs: number, read: LatestRead, values: Float64Array, present: Uint8Array, cell: number, stride: number): number {
  const ts = b.t;
  const vs = b.v;
  const len = b.len;
  const withValues = read !== "presence";
  let written = 0;
  // Cursor a: the last sample at or before the step's reference.
  let a = 0;
  for (let k = 0; k < refs.length; k++, cell += stride) {
    const ref = refs[k]!;
    a = latestAtOrBefore(ts, len, a, ref);
    if (!readsSampleAt(ts, vs, len, a, ref, lookbackMs)) continue;
    const v = vs[a]!;
    if (withValues) values[cell] = readOutput(read, b, a, v);
    present[cell] = 1;
    written++;
  }
  return written;
}
