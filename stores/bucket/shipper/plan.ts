// Which range of the head is the next block, by Prometheus's rule for head compaction:
// once the head spans more than 1.5 block durations, its oldest block-aligned range is
// cut. orrery also waits until no sample can still be appended to that range.

/** What the decision reads from the head, in ms. */
export interface HeadSpan {
  /** Oldest sample held (Infinity when empty). */
  readonly minTime: number;
  /** Newest sample held (-Infinity when empty). */
  readonly maxTime: number;
  /** Samples before this are refused (too_old). */
  readonly minValidTime: number;
}

export interface BlockRange {
  readonly minTime: number;
  /** Exclusive, as in meta.json. */
  readonly maxTime: number;
}

/** The range of `durationMs` (aligned to multiples of it) holding t. */
export function alignedRange(t: number, durationMs: number): BlockRange {
  const minTime = Math.floor(t / durationMs) * durationMs;
  return { minTime, maxTime: minTime + durationMs };
}

/**
 * The next block to cut, or undefined when none is due. `cutBefore` is where the last cut
 * ended: the head's data before it is already in blocks.
 */
export function nextBlockRange(head: HeadSpan, cutBefore: number, durationMs: number): BlockRange | undefined {
  if (!(head.maxTime >= head.minTime)) return undefined;
  const from = Math.max(head.minTime, cutBefore);
  // Prometheus's Head.compactable: the head spans more than 1.5 block durations.
  if (!(head.maxTime - from > (durationMs / 2) * 3)) return undefined;
  const range = alignedRange(from, durationMs);
  return range.maxTime <= head.minValidTime ? range : undefined;
}
