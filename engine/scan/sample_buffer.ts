// A sliding buffer of one series' samples: chunks are decoded only as the steps reach them and
// samples behind the window are dropped, so a long range query never holds a series in full.
import { decodeXorChunk, isStaleNaN, xorChunkNumSamples } from "../../storeapi/index.js";

/** One series' input: XOR chunk bytes overlapping [minTime, maxTime], or samples already decoded. */
export interface SeriesInput {
  chunks: readonly Uint8Array[];
  minTime: number;
  maxTime: number;
  decoded?: { t: Float64Array; v: Float64Array };
}

export class SampleBuffer {
  t: Float64Array = new Float64Array(0);
  v: Float64Array = new Float64Array(0);
  /** Valid samples are [0, len). */
  len = 0;
  /** First index still needed; everything before it may be dropped when space is short. */
  keep = 0;
  /** Two cursors owned by the reader, shifted when the buffer compacts. */
  a = 0;
  b = 0;
  private nextChunk = 0;

  constructor(
    private readonly input: SeriesInput,
    private readonly dropStale: boolean,
  ) {
    if (input.decoded !== undefined) this.useDecoded(input.decoded);
  }

  private useDecoded(d: { t: Float64Array; v: Float64Array }): void {
    if (!this.dropStale) {
      this.t = d.t;
      this.v = d.v;
      this.len = d.t.length;
      return;
    }
    this.t = new Float64Array(d.t.length);
    this.v = new Float64Array(d.t.length);
    let n = 0;
    for (let i = 0; i < d.t.length; i++) {
      const x = d.v[i]!;
      if (x !== x && isStaleNaN(x)) continue;
      this.t[n] = d.t[i]!;
      this.v[n++] = x;
    }
    this.len = n;
  }

  /** Decodes chunks until a sample later than upTo is buffered or no chunk remains. */
  fill(upTo: number): void {
    const chunks = this.input.chunks;
    while (this.nextChunk < chunks.length && (this.len === 0 || this.t[this.len - 1]! <= upTo)) {
      const bytes = chunks[this.nextChunk++]!;
      this.reserve(xorChunkNumSamples(bytes));
      const from = this.len;
      const got = decodeXorChunk(bytes, this.input.minTime, this.input.maxTime, this.t, this.v, from);
      this.len = this.dropStale ? from + this.removeStale(from, from + got) : from + got;
    }
  }

  /** Compacts [from, to) in place without stale markers; returns how many remain. */
  private removeStale(from: number, to: number): number {
    let n = from;
    for (let i = from; i < to; i++) {
      const x = this.v[i]!;
      if (x !== x && isStaleNaN(x)) continue;
      this.t[n] = this.t[i]!;
      this.v[n++] = x;
    }
    return n - from;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.t.length) return;
    const k = this.keep;
    if (k > 0) {
      this.t.copyWithin(0, k, this.len);
      this.v.copyWithin(0, k, this.len);
      this.len -= k;
      this.a -= k;
      this.b -= k;
      this.keep = 0;
      if (this.len + n <= this.t.length) return;
    }
    const cap = Math.max(2 * this.t.length, this.len + n, 128);
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    t.set(this.t.subarray(0, this.len));
    v.set(this.v.subarray(0, this.len));
    this.t = t;
    this.v = v;
  }
}

/** Chunk samples a series input holds in total (for the query's sample limit). */
export function inputSamples(input: SeriesInput): number {
  if (input.decoded !== undefined) return input.decoded.t.length;
  let n = 0;
  for (const c of input.chunks) n += xorChunkNumSamples(c);
  return n;
}

