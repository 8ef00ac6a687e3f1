// Min/max decimation for drawing (the graph's, bundled into the page; no DOM, no Node): a series on
// the step grid becomes two points per bucket of pixel columns, its minimum and maximum in time
// order, so every peak and trough is still drawn while the canvas strokes a few points per pixel
// instead of every step. Hover values and the table read the exact grid, never these points.

/** Points drawn over all series that a loaded 2-core machine still paints in well under a second (bench/ui-render). */
export const DRAWN_POINTS_BUDGET = 600_000;
/** Widest bucket: beyond it the shape of a series coarsens visibly; more series then simply take longer. */
const MAX_BUCKET_PX = 8;

/**
 * Pixel columns per bucket: one (each column's min and max) while `series` lines fit the budget,
 * wider as they do not (1,000 series over 1,120 px: 4).
 */
export function bucketPixels(series: number, plotWidthPx: number): number {
  const wanted = Math.ceil((series * 2 * plotWidthPx) / DRAWN_POINTS_BUDGET);
  return Math.min(MAX_BUCKET_PX, Math.max(1, wanted));
}

/**
 * Where each bucket starts on a grid of `steps` (one entry more: `steps`, the end), for `buckets`
 * buckets; undefined when two points per bucket would be no fewer than the steps: draw every step.
 */
export function drawBuckets(steps: number, buckets: number): Int32Array | undefined {
  const n = Math.floor(buckets);
  if (n < 1 || 2 * n >= steps) return undefined;
  const starts = new Int32Array(n + 1);
  for (let k = 0; k <= n; k++) starts[k] = Math.floor((k * steps) / n);
  return starts;
}

/** The drawn points' times, seconds: every step, or each bucket's first and last step (each bucket holds two or more). */
export function drawnTimes(starts: Int32Array | undefined, startMs: number, stepMs: number, steps: number): number[] {
  if (starts === undefined) return Array.from({ length: steps }, (_, i) => (startMs + i * stepMs) / 1000);
  const xs = new Array<number>(2 * (starts.length - 1));
  for (let k = 0; k + 1 < starts.length; k++) {
    xs[2 * k] = (startMs + starts[k]! * stepMs) / 1000;
    xs[2 * k + 1] = (startMs + (starts[k + 1]! - 1) * stepMs) / 1000;
  }
  return xs;
}

/**
 * A series' drawn values into `out` (as long as drawnTimes' answer): every step, or per bucket its
 * minimum and maximum, the earlier first; null where the grid has no value (NaN).
 */
export function decimate(grid: Float64Array, starts: Int32Array | undefined, out: (number | null)[]): void {
  if (starts === undefined) {
    for (let i = 0; i < grid.length; i++) out[i] = Number.isNaN(grid[i]!) ? null : grid[i]!;
    return;
  }
  for (let k = 0; k + 1 < starts.length; k++) {
    let minAt = -1;
    let maxAt = -1;
    for (let i = starts[k]!; i < starts[k + 1]!; i++) {
      const v = grid[i]!;
      if (Number.isNaN(v)) continue;
      if (minAt < 0 || v < grid[minAt]!) minAt = i;
      if (maxAt < 0 || v > grid[maxAt]!) maxAt = i;
    }
    if (minAt < 0) {
      out[2 * k] = null;
      out[2 * k + 1] = null;
      continue;
    }
    out[2 * k] = grid[Math.min(minAt, maxAt)]!;
    out[2 * k + 1] = grid[Math.max(minAt, maxAt)]!;
  }
}
