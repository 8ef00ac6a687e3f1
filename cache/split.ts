// Step alignment and splitting of a range query into pieces by interval, with
// every piece's ends on the step grid so the pieces' steps are the whole's.

/** One piece of a split range query: its first and last step, and the split window it lies in. */
export interface RangePiece {
  start: number;
  end: number;
  /** floor(start / interval): part of the cache key; 0 when not split. */
  window: number;
}

/** x mod m, never negative. */
function floorMod(x: number, m: number): number {
  return ((x % m) + m) % m;
}

/** start and end moved down onto multiples of the step (Thanos's --query-range.align-range-with-step). */
export function alignToStep(start: number, end: number, step: number): { start: number; end: number } {
  return { start: start - floorMod(start, step), end: end - floorMod(end, step) };
}

/** The last step of the grid start + k·step at or before t (t ≥ start). */
export function lastStepAtOrBefore(start: number, step: number, t: number): number {
  return start + Math.floor((t - start) / step) * step;
}

/**
 * [start, end] cut at every multiple of intervalMs (since the epoch, UTC): each
 * piece ends on the last step before the next boundary, the next starts one step later.
 */
export function splitByInterval(start: number, end: number, step: number, intervalMs: number): RangePiece[] {
  if (intervalMs <= 0) return [{ start, end, window: 0 }];
  const pieces: RangePiece[] = [];
  for (let s = start; s <= end; ) {
    const window = Math.floor(s / intervalMs);
    const boundary = (window + 1) * intervalMs;
    const e = Math.min(end, lastStepAtOrBefore(s, step, boundary - 1));
    pieces.push({ start: s, end: e, window });
    s = e + step;
  }
  return pieces;
}
