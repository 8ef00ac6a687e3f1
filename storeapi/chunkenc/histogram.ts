// The HISTOGRAM chunk (integer counts), byte-identical to Prometheus's tsdb/chunkenc histogram.go.
// After the 3-byte header and the layout, each sample holds (varbit = Prometheus's putVarbitInt buckets):
//   sample 0:  varbit t, varbit-uint count, varbit-uint zero count, 64-bit sum, varbit bucket deltas
//   sample n:  varbit dod of t, of count, of zero count; XOR sum; varbit dod of each bucket delta
// where a bucket delta is the difference to the previous bucket of the same histogram (as Prometheus
// stores integer buckets). A stale marker writes zero dods for the counts, its sum, and no buckets.
import { CounterResetHint, type NativeHistogram } from "../histogram.js";
import { type BitWriter, XorState } from "./bstream.js";
import { HistogramChunkBase, HistogramIteratorBase, Refusal } from "./histogram-chunk.js";

/** A HISTOGRAM chunk being appended to; bytes() is always a valid Prometheus chunk. */
export class HistogramChunk extends HistogramChunkBase {
  protected readonly isFloat = false;
  private tDelta = 0;
  private countDelta = 0;
  private zeroCountDelta = 0;
  private readonly sumState = new XorState(1);
  /** Per bucket: the last sample's in-histogram delta, and its change from the sample before. */
  private pPrev = new Float64Array(0);
  private pChange = new Float64Array(0);
  private nPrev = new Float64Array(0);
  private nChange = new Float64Array(0);

  constructor(capacity = 128) {
    super(capacity);
  }

  protected encodeFirst(t: number, count: number, zeroCount: number, sum: number, p: Float64Array, n: Float64Array): void {
    const w = this.w;
    w.writeVarbitInt(t);
    w.writeVarbitUint(count);
    w.writeVarbitUint(zeroCount);
    w.writeFloat(sum);
    this.sumState.start(0, sum, this.fb);
    this.pPrev = new Float64Array(p.length);
    this.pChange = new Float64Array(p.length);
    this.nPrev = new Float64Array(n.length);
    this.nChange = new Float64Array(n.length);
    writeFirstDeltas(w, p, this.pPrev);
    writeFirstDeltas(w, n, this.nPrev);
    this.tDelta = 0;
    this.countDelta = 0;
    this.zeroCountDelta = 0;
  }

  protected encodeNext(t: number, count: number, zeroCount: number, sum: number, stale: boolean, p: Float64Array, n: Float64Array): void {
    const w = this.w;
    const tDelta = t - this.lastT;
    const countDelta = count - this.lastCount;
    const zeroCountDelta = zeroCount - this.lastZeroCount;
    w.writeVarbitInt(tDelta - this.tDelta);
    w.writeVarbitInt(stale ? 0 : countDelta - this.countDelta);
    w.writeVarbitInt(stale ? 0 : zeroCountDelta - this.zeroCountDelta);
    w.writeXor(sum, this.sumState, 0);
    if (!stale) {
      writeNextDeltas(w, p, this.pPrev, this.pChange);
      writeNextDeltas(w, n, this.nPrev, this.nChange);
    }
    this.tDelta = tDelta;
    this.countDelta = countDelta;
    this.zeroCountDelta = zeroCountDelta;
  }

  protected decodeOwn(): { t: number; h: NativeHistogram }[] {
    const it = new HistogramChunkIterator(this.bytes());
    const out: { t: number; h: NativeHistogram }[] = [];
    while (it.next()) out.push({ t: it.t, h: it.at() });
    if (it.err !== undefined) throw new Error(`HistogramChunk: recoding its own bytes failed: ${it.err}`);
    return out;
  }

  protected headerOnRefusal(r: Refusal): CounterResetHint {
    if (r === Refusal.Reset) return CounterResetHint.CounterReset;
    if (r === Refusal.GaugeChunk) return CounterResetHint.NotCounterReset;
    return CounterResetHint.Unknown;
  }

  protected headerAfter(r: Refusal): CounterResetHint {
    if (r === Refusal.Reset) return CounterResetHint.CounterReset;
    if (r === Refusal.Unknown) return CounterResetHint.Unknown;
    return CounterResetHint.NotCounterReset;
  }
}

function writeFirstDeltas(w: BitWriter, abs: Float64Array, prev: Float64Array): void {
  let last = 0;
  for (let i = 0; i < abs.length; i++) {
    const d = abs[i]! - last;
    last = abs[i]!;
    w.writeVarbitInt(d);
    prev[i] = d;
  }
}

function writeNextDeltas(w: BitWriter, abs: Float64Array, prev: Float64Array, change: Float64Array): void {
  let last = 0;
  for (let i = 0; i < abs.length; i++) {
    const d = abs[i]! - last;
    last = abs[i]!;
    const delta = d - prev[i]!;
    w.writeVarbitInt(delta - change[i]!);
    change[i] = delta;
    prev[i] = d;
  }
}

/**
 * Iterates a HISTOGRAM chunk: next(), then t, count, zeroCount, sum and positiveBuckets/negativeBuckets
 * (absolute counts, reused between samples), or at() for a NativeHistogram copy. err says why it stopped early.
 */
export class HistogramChunkIterator extends HistogramIteratorBase {
  protected readonly isFloat = false;
  private tDelta = 0;
  private countDelta = 0;
  private zeroCountDelta = 0;
  private sumState = new XorState(1);
  private pPrev = new Float64Array(0);
  private pChange = new Float64Array(0);
  private nPrev = new Float64Array(0);
  private nChange = new Float64Array(0);

  protected resetState(): void {
    this.tDelta = 0;
    this.countDelta = 0;
    this.zeroCountDelta = 0;
    if (this.sumState === undefined) this.sumState = new XorState(1);
    this.sumState.resize(1);
  }

  protected readFirst(): void {
    const r = this.r;
    this.t = r.varbitInt();
    this.count = r.varbitUint();
    this.zeroCount = r.varbitUint();
    this.sum = r.float(this.fb);
    this.sumState.start(0, this.sum, this.fb, 0);
    this.pPrev = new Float64Array(this.positiveBuckets.length);
    this.pChange = new Float64Array(this.positiveBuckets.length);
    this.nPrev = new Float64Array(this.negativeBuckets.length);
    this.nChange = new Float64Array(this.negativeBuckets.length);
    let last = 0;
    for (let i = 0; i < this.pPrev.length; i++) {
      this.pPrev[i] = r.varbitInt();
      last += this.pPrev[i]!;
      this.positiveBuckets[i] = last;
    }
    last = 0;
    for (let i = 0; i < this.nPrev.length; i++) {
      this.nPrev[i] = r.varbitInt();
      last += this.nPrev[i]!;
      this.negativeBuckets[i] = last;
    }
  }

  protected readNext(): void {
    const r = this.r;
    this.tDelta += r.varbitInt();
    this.t += this.tDelta;
    this.countDelta += r.varbitInt();
    this.count += this.countDelta;
    this.zeroCountDelta += r.varbitInt();
    this.zeroCount += this.zeroCountDelta;
    r.readXor(this.sumState, 0);
    this.sum = this.sumState.value(0, this.fb);
    if (this.sumState.isStale(0)) return;
    readNextDeltas(r, this.pPrev, this.pChange, this.positiveBuckets);
    readNextDeltas(r, this.nPrev, this.nChange, this.negativeBuckets);
  }
}

function readNextDeltas(r: { varbitInt(): number }, prev: Float64Array, change: Float64Array, abs: Float64Array): void {
  let last = 0;
  for (let i = 0; i < prev.length; i++) {
    change[i] = change[i]! + r.varbitInt();
    prev[i] = prev[i]! + change[i]!;
    last += prev[i]!;
    abs[i] = last;
  }
}
