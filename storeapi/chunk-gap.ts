// Chunk.maxGap, the word a store that tracks it keeps beside an XOR chunk: the longest time between
// two consecutive samples (0 for one sample); −that − 1 while the chunk's last sample is its only
// stale marker; Infinity once a stale marker is followed by another sample. Written as the chunk is
// appended (the head), read by the engine to tell where the chunk gives a sample within a lookback.

/** The word after one more sample, sinceLast ms after the one before it (0 for the chunk's first; start from 0). */
export function gapWordWithSample(word: number, sinceLast: number, stale: boolean): number {
  if (word < 0 || word === Infinity) return Infinity;
  const gap = sinceLast > word ? sinceLast : word;
  return stale ? -gap - 1 : gap;
}

/** The longest time between two consecutive samples the word tells (Infinity, NaN as they are). */
export function gapOfWord(word: number): number {
  return word < 0 ? -word - 1 : word;
}

/** Whether the word says the chunk's last sample is a stale marker (its only one). */
export function endsWithStaleMarker(word: number): boolean {
  return word < 0;
}
