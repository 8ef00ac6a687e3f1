// Prometheus 3's start-timestamp rules for counters: when a sample's start (created) timestamp says
// the counter restarted since the previous sample, and when it overlaps the previous sample.
// A start timestamp of 0 means "none given".

/**
 * Whether the counter restarted between the previous sample (prevSt, prevT) and the current one
 * (currSt, currT), by their start timestamps alone.
 */
export function isStartTimestampReset(prevSt: number, prevT: number, currSt: number, currT: number): boolean {
  // None given, clearly invalid (after its sample), or OTel's "unknown start" (equal to its sample).
  if (currSt === 0 || currSt >= currT) return false;
  if (currSt < prevT) return false;
  if (currSt > prevT) return true;
  // currSt points at the previous sample: a delta (a reset) unless that sample's own start was
  // unknown (a cumulative series with unknown start); an invalid previous start counts as unknown.
  if (prevSt > prevT) return false;
  return prevSt !== 0 && prevSt !== prevT;
}

/** Whether a sample's start time reaches back before the previous sample without sharing its start (bad data). */
export function startTimeOverlaps(prevSt: number, prevT: number, currSt: number): boolean {
  return currSt !== 0 && currSt < prevT && currSt !== prevSt;
}

/**
 * The first sample's start timestamp when it lies inside the window (rangeStartMs, firstT): a
 * counter then counts from a zero-valued sample there instead of extrapolating left. 0 otherwise.
 */
export function zeroPointInWindow(st: Float64Array | undefined, first: number, firstT: number, rangeStartMs: number): number {
  if (st === undefined) return 0;
  const s = st[first]!;
  return s !== 0 && s > rangeStartMs && s < firstT ? s : 0;
}
