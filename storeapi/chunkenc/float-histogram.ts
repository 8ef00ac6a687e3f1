// The FLOAT_HISTOGRAM chunk, byte-identical to Prometheus's tsdb/chunkenc float_histogram.go.
// After the 3-byte header and the layout, each sample holds:
//   sample 0:  varbit t, then 64-bit count, zero count, sum and each bucket (absolute counts)
//   sample n:  varbit dod of t, then Gorilla XOR of count, zero count, sum and each bucket, each its own stream
// A stale marker XORs zero counts and its sum, and writes no buckets.
import { CounterResetHint, type NativeHistogram } from "../histogram.js";
import { XorState } from "./bstream.js";
import { HistogramChunkBase, HistogramIteratorBase, Refusal } from "./histogram-chunk.js";

const COUNT = 0;
const ZERO_COUNT = 1;
const SUM = 2;

/** A FLOAT_HISTOGRAM chunk being appended to; bytes() is always a valid Prometheus chunk. */
export class FloatHistogramChunk extends HistogramChunkBase {
  protected readonly isFloat = true;
  private tDelta = 0;
  private readonly fields = new XorState(3);
  private pState = new XorState(0);
  private nState = new XorState(0);

  constructor(capacity = 128) {
    super(capacity);
  }

  protected encodeFirst(t: number, count: number, zeroCount: number, sum: number, p: Float64Array, n: Float64Array): void {
    const w = this.w;
    const fb = this.fb;
    w.writeVarbitInt(t);
    w.writeFloat(count);
    w.writeFloat(zeroCount);
    w.writeFloat(sum);
    this.fields.start(COUNT, count, fb);
    this.fields.start(ZERO_COUNT, zeroCount, fb);
    this.fields.start(SUM, sum, fb);
    this.pState = new XorState(p.length);
    this.nState = new XorState(n.length);
    for (let i = 0; i < p.length; i++) {
      w.writeFloat(p[i]!);
      this.pState.start(i, p[i]!, fb);
    }
    for (let i = 0; i < n.length; i++) {
      w.writeFloat(n[i]!);
      this.nState.start(i, n[i]!, fb);
    }
    this.tDelta = 0;
  }

  protected encodeNext(t: number, count: number, zeroCount: number, sum: number, stale: boolean, p: Float64Array, n: Float64Array): void {
    const w = this.w;
    const tDelta = t - this.lastT;
    w.writeVarbitInt(tDelta - this.tDelta);
    this.tDelta = tDelta;
    w.writeXor(count, this.fields, COUNT);
    w.writeXor(zeroCount, this.fields, ZERO_COUNT);
    w.writeXor(sum, this.fields, SUM);
    if (stale) return;
    for (let i = 0; i < p.length; i++) w.writeXor(p[i]!, this.pState, i);
    for (let i = 0; i < n.length; i++) w.writeXor(n[i]!, this.nState, i);
  }

  protected decodeOwn(): { t: number; h: NativeHistogram }[] {
    const it = new FloatHistogramChunkIterator(this.bytes());
    const out: { t: number; h: NativeHistogram }[] = [];
    while (it.next()) out.push({ t: it.t, h: it.at() });
    if (it.err !== undefined) throw new Error(`FloatHistogramChunk: recoding its own bytes failed: ${it.err}`);
    return out;
  }

  protected headerOnRefusal(r: Refusal): CounterResetHint {
    return r === Refusal.Reset ? CounterResetHint.CounterReset : CounterResetHint.Unknown;
  }

  protected headerAfter(r: Refusal): CounterResetHint {
    return r === Refusal.Reset ? CounterResetHint.CounterReset : CounterResetHint.NotCounterReset;
  }
}

/**
 * Iterates a FLOAT_HISTOGRAM chunk: next(), then t, count, zeroCount, sum and positiveBuckets/negativeBuckets
 * (reused between samples), or at() for a NativeHistogram copy. err says why it stopped early.
 */
export class FloatHistogramChunkIterator extends HistogramIteratorBase {
  protected readonly isFloat = true;
  private tDelta = 0;
  private fields = new XorState(3);
  private pState = new XorState(0);
  private nState = new XorState(0);

  protected resetState(): void {
    this.tDelta = 0;
  }

  protected readFirst(): void {
    const r = this.r;
    const fb = this.fb;
    this.t = r.varbitInt();
    this.count = r.float(fb);
    this.zeroCount = r.float(fb);
    this.sum = r.float(fb);
    this.fields.start(COUNT, this.count, fb, 0);
    this.fields.start(ZERO_COUNT, this.zeroCount, fb, 0);
    this.fields.start(SUM, this.sum, fb, 0);
    this.pState = new XorState(this.positiveBuckets.length);
    this.nState = new XorState(this.negativeBuckets.length);
    for (let i = 0; i < this.positiveBuckets.length; i++) {
      this.positiveBuckets[i] = r.float(fb);
      this.pState.start(i, this.positiveBuckets[i]!, fb, 0);
    }
    for (let i = 0; i < this.negativeBuckets.length; i++) {
      this.negativeBuckets[i] = r.float(fb);
      this.nState.start(i, this.negativeBuckets[i]!, fb, 0);
    }
  }

  protected readNext(): void {
    const r = this.r;
    const fb = this.fb;
    this.tDelta += r.varbitInt();
    this.t += this.tDelta;
    r.readXor(this.fields, COUNT);
    r.readXor(this.fields, ZERO_COUNT);
    r.readXor(this.fields, SUM);
    this.count = this.fields.value(COUNT, fb);
    this.zeroCount = this.fields.value(ZERO_COUNT, fb);
    this.sum = this.fields.value(SUM, fb);
    if (this.fields.isStale(SUM)) return;
    for (let i = 0; i < this.positiveBuckets.length; i++) {
      r.readXor(this.pState, i);
      this.positiveBuckets[i] = this.pState.value(i, fb);
    }
    for (let i = 0; i < this.negativeBuckets.length; i++) {
      r.readXor(this.nState, i);
      this.negativeBuckets[i] = this.nState.value(i, fb);
    }
  }
}
