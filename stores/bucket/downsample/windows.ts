// The downsampling windows, shared by the float and the histogram paths.

/** Windows per aggregate chunk: 10h of 5m windows, 5 days of 1h windows. */
export const WINDOWS_PER_CHUNK = 120;

/**
 * Start of the window holding t: windows are (start, start + res], left-open like PromQL's ranges,
 * so a sample exactly on a window boundary is in the window a range ending there reads. (Thanos's
 * [start, start + res) put it in the next window: count/min/max and the counter's first sample of
 * every window-aligned range were off by that sample.)
 */
export function windowStart(t: number, res: number): number {
  return t - 1 - ((((t - 1) % res) + res) % res);
}
