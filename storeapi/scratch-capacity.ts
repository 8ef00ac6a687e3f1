// How big a buffer kept for reuse is made when the one kept is too small.

/**
 * Room for `need` elements and a quarter more. A request's buffers are kept for the next request,
 * whose body is seldom exactly as long: made to the exact size, any body a few bytes longer than
 * the longest so far replaced them (a fresh zero-filled allocation, and on this kind of VM ~11 µs
 * a 4 KiB page for first touching it), so a sender whose bodies creep up replaced them again and again.
 */
export function scratchCapacity(need: number): number {
  return need + (need >>> 2);
}
