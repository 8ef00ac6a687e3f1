// Replica deduplication: several replicas' samples of one series → one series with no gap where any
// replica has data and no jitter between replicas where all have data.
//
// Thanos's penalty algorithm picks samples by a penalty window derived from the last delta, so when the
// chosen replica has a hole it can skip the other replica's samples inside the window (gaps: thanos
// issues 981, 1744, 7364, 7656). Instead orrery follows ONE replica and leaves it only at a hole:
//   - each replica's scrape interval is estimated from its own samples (median delta);
//   - while following replica c, its next sample is a hole when it lies later than
//     lastEmitted + holeFactor × interval(c) (or c has no more samples);
//   - at a hole, switch to the replica with the earliest sample after lastEmitted (ignoring samples within
//     a fifth of an interval of lastEmitted: a near-duplicate fills no hole, so a gap every replica shares
//     stays one copy), and stay on it until it has a hole itself;
//   - a stale marker of c is kept only if no other replica has data right after it (else: a hole).
// Counter mode (the enclosing function is rate/increase/irate/resets): the switched-to replica's values
// get an offset so the output continues from the last emitted value plus that replica's own increase
// since then (linearly interpolated), never a fake reset from another scrape phase or start value. A
// reset of the followed replica alone is treated like a hole when another replica did not reset then;
// when every replica resets, the output resets (values restart from the raw counter).
import { ChunkEncoding, FloatBits, XorChunk, XOR_CHUNK_TARGET_SAMPLES, isStaleNaN } from "../storeapi/index.js";
import type { AggrChunk } from "../storeapi/index.js";

export interface ReplicaSamples {
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly length: number;
}

export interface DedupOptions {
  /** Keep counters continuous across switches (see the header). */
  readonly counter: boolean;
  /** A gap longer than this many scrape intervals is a hole (default 2). */
  readonly holeFactor?: number;
}

export interface DedupResult extends ReplicaSamples {
  /** How many times the output changed replica (for tests and metrics). */
  readonly switches: number;
}

export const DEFAULT_HOLE_FACTOR = 2;
/** At a switch, a sample closer than interval/this to the last one is skipped when a later one fills the hole. */
const MIN_SPACING_DIVISOR = 5;

/** Deltas sampled for the interval estimate: enough for a robust median, cheap on long series. */
const INTERVAL_PROBES = 63;

/** Median delta between consecutive samples (over at most 63 evenly spread deltas), or NaN with fewer than two. */
export function estimateInterval(r: ReplicaSamples): number {
  const n = r.length - 1;
  if (n < 1) return NaN;
  const probes = Math.min(n, INTERVAL_PROBES);
  const deltas = new Float64Array(probes);
  for (let k = 0; k < probes; k++) {
    const i = 1 + Math.floor((k * n) / probes);
    deltas[k] = r.ts[i]! - r.ts[i - 1]!;
  }
  deltas.sort();
  return deltas[probes >> 1]!;
}

function intervals(replicas: readonly ReplicaSamples[]): Float64Array {
  const out = new Float64Array(replicas.length);
  let known = Infinity;
  for (let i = 0; i < replicas.length; i++) {
    out[i] = estimateInterval(replicas[i]!);
    if (!Number.isNaN(out[i]!)) known = Math.min(known, out[i]!);
  }
  // A replica with too few samples borrows the shortest interval seen (Infinity: only exhaustion is a hole).
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i]!)) out[i] = known;
  return out;
}

/** The deduplicating walk over replicas; one instance per series. */
class DedupWalk {
  private readonly interval: Float64Array;
  private readonly pos: Int32Array;
  private readonly offset: Float64Array;
  private readonly outT: Float64Array;
  private readonly outV: Float64Array;
  private n = 0;
  private cur = -1;
  private lastT = -Infinity;
  /** Raw value of the followed replica at lastT (counter mode; NaN right after a switch). */
  private lastRaw = NaN;
  /** Last emitted non-stale value (with offset). */
  private lastValue = NaN;
  switches = 0;

  constructor(
    private readonly replicas: readonly ReplicaSamples[],
    private readonly counter: boolean,
    private readonly holeFactor: number,
  ) {
    this.interval = intervals(replicas);
    this.pos = new Int32Array(replicas.length);
    this.offset = new Float64Array(replicas.length);
    let total = 0;
    for (const r of replicas) total += r.length;
    this.outT = new Float64Array(total);
    this.outV = new Float64Array(total);
  }

  run(): DedupResult {
    this.cur = this.earliestReplica();
    while (this.cur >= 0) {
      const c = this.replicas[this.cur]!;
      const idx = this.seekAfter(this.cur, this.lastT);
      const hasNext = idx < c.length;
      const tNext = hasNext ? c.ts[idx]! : Infinity;
      const switchTo = this.lastT === -Infinity ? undefined : this.switchCandidate(idx, hasNext, tNext);
      if (switchTo !== undefined) {
        this.switchReplica(switchTo.replica, switchTo.index);
        continue;
      }
      if (!hasNext) break;
      this.emit(this.cur, idx);
    }
    return { ts: this.outT.subarray(0, this.n), vs: this.outV.subarray(0, this.n), length: this.n, switches: this.switches };
  }

  /** The replica whose first non-stale sample is earliest, or -1. */
  private earliestReplica(): number {
    let best = -1;
    let bestT = Infinity;
    for (let i = 0; i < this.replicas.length; i++) {
      const j = this.nextData(i, -Infinity);
      const r = this.replicas[i]!;
      if (j < r.length && r.ts[j]! < bestT) {
        best = i;
        bestT = r.ts[j]!;
      }
    }
    return best;
  }

  /** Where to go instead of the followed replica's next sample (idx), or undefined to stay. */
  private switchCandidate(idx: number, hasNext: boolean, tNext: number): { replica: number; index: number } | undefined {
    const c = this.replicas[this.cur]!;
    if (!hasNext || tNext > this.lastT + this.holeFactor * this.interval[this.cur]!) return this.fillHole(tNext, false);
    const v = c.vs[idx]!;
    if (isStaleNaN(v)) return this.fillHole(tNext, true);
    if (this.counter && v < this.lastRaw) return this.fillHole(tNext, true);
    return undefined;
  }

  /**
   * The other replica with the earliest usable sample after lastT and before `until` (a hole), or up to
   * an interval after it (a stale marker or a lone reset at `until`, then that replica must not reset).
   */
  private fillHole(until: number, around: boolean): { replica: number; index: number } | undefined {
    let best: { replica: number; index: number } | undefined;
    let bestT = Infinity;
    for (let o = 0; o < this.replicas.length; o++) {
      if (o === this.cur) continue;
      const r = this.replicas[o]!;
      // Replicas not followed move their cursor here, so each walks its samples once in all.
      this.seekAfter(o, this.lastT);
      const bound = around ? until + this.interval[o]! : until;
      // A sample within a fifth of an interval of lastT only repeats it: the gap after it is the same hole.
      const j = this.nextData(o, this.lastT + this.interval[o]! / MIN_SPACING_DIVISOR);
      if (!(j < r.length && r.ts[j]! < bound) || r.ts[j]! >= bestT) continue;
      if (around && this.counter && this.resetsAt(o, j)) continue;
      best = { replica: o, index: j };
      bestT = r.ts[j]!;
    }
    return best;
  }

  /** Whether replica o's sample j is lower than its previous non-stale sample. */
  private resetsAt(o: number, j: number): boolean {
    const p = this.previousData(o, j);
    return p >= 0 && this.replicas[o]!.vs[j]! < this.replicas[o]!.vs[p]!;
  }

  private switchReplica(o: number, j: number): void {
    if (this.counter) this.offset[o] = this.switchOffset(o, j);
    this.cur = o;
    this.switches++;
    this.lastRaw = NaN;
    this.emit(o, j);
  }

  /** Offset for replica o so its sample j continues the output (see the header). */
  private switchOffset(o: number, j: number): number {
    const r = this.replicas[o]!;
    const x = r.vs[j]!;
    if (Number.isNaN(this.lastValue)) return 0;
    const c = this.replicas[this.cur]!;
    const curNext = this.nextData(this.cur, this.lastT);
    const curResets = curNext < c.length && c.vs[curNext]! < this.lastRaw;
    const p = this.previousData(o, j);
    if (p >= 0 && x < r.vs[p]!) return curResets ? 0 : this.lastValue - x;
    if (p < 0) return curResets ? 0 : this.lastValue - x;
    const tp = r.ts[p]!;
    const t = r.ts[j]!;
    let jump = 0;
    if (this.lastT - tp <= this.holeFactor * this.interval[o]! && t > tp) {
      jump = ((x - r.vs[p]!) * (t - this.lastT)) / (t - tp);
    }
    return this.lastValue + jump - x;
  }

  private emit(i: number, idx: number): void {
    const r = this.replicas[i]!;
    const t = r.ts[idx]!;
    const raw = r.vs[idx]!;
    this.lastT = t;
    this.pos[i] = idx + 1;
    if (isStaleNaN(raw)) {
      this.push(t, raw);
      return;
    }
    // The followed replica reset and no other replica could take over: a real reset, raw values again.
    if (this.counter && raw < this.lastRaw) this.offset[i] = 0;
    this.lastRaw = raw;
    const v = raw + this.offset[i]!;
    this.lastValue = v;
    this.push(t, v);
  }

  private push(t: number, v: number): void {
    this.outT[this.n] = t;
    this.outV[this.n] = v;
    this.n++;
  }

  /** Index of replica i's first sample after t (its cursor only moves forward). */
  private seekAfter(i: number, t: number): number {
    const r = this.replicas[i]!;
    let j = this.pos[i]!;
    while (j < r.length && r.ts[j]! <= t) j++;
    this.pos[i] = j;
    return j;
  }

  /** Index of replica i's first non-stale sample after t. */
  private nextData(i: number, t: number): number {
    const r = this.replicas[i]!;
    let j = this.pos[i]!;
    while (j < r.length && r.ts[j]! <= t) j++;
    while (j < r.length && isStaleNaN(r.vs[j]!)) j++;
    return j;
  }

  private previousData(i: number, j: number): number {
    const r = this.replicas[i]!;
    let p = j - 1;
    while (p >= 0 && isStaleNaN(r.vs[p]!)) p--;
    return p;
  }
}

/** Deduplicates replicas' samples (each sorted by time) into one sorted series. */
export function dedupSamples(replicas: readonly ReplicaSamples[], options: DedupOptions): DedupResult {
  return new DedupWalk(replicas, options.counter, options.holeFactor ?? DEFAULT_HOLE_FACTOR).run();
}

/** XOR chunks of at most XOR_CHUNK_TARGET_SAMPLES samples each. */
export function encodeXorChunks(samples: ReplicaSamples, scratch: FloatBits = new FloatBits()): AggrChunk[] {
  const out: AggrChunk[] = [];
  for (let start = 0; start < samples.length; start += XOR_CHUNK_TARGET_SAMPLES) {
    const end = Math.min(start + XOR_CHUNK_TARGET_SAMPLES, samples.length);
    // ~2 bytes a sample for regular scrapes; sized up front so the buffer rarely grows.
    const chunk = new XorChunk(16 + (end - start) * 4, scratch);
    for (let i = start; i < end; i++) chunk.append(samples.ts[i]!, samples.vs[i]!);
    out.push({
      minTime: samples.ts[start]!,
      maxTime: samples.ts[end - 1]!,
      raw: { encoding: ChunkEncoding.XOR, data: chunk.bytes().slice() },
    });
  }
  return out;
}
