// A hand-written decoder for remote_write 1.0's prometheus.WriteRequest. It reads straight from the
// buffer into columns: per series the byte ranges of its label names and values and a range of
// shared timestamp/value arrays; no object per sample. Field numbers follow prompb (types.proto):
//   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//   TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3;
//                repeated Histogram histograms = 4; }
//   Label { string name = 1; string value = 2; }   Sample { double value = 1; int64 timestamp = 2; }
//   Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
//   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
// Histogram (shared with remote_write 2.0) is read by WireReader.histogram (wire.ts).
import { type NativeHistogram, scratchCapacity } from "../../../storeapi/index.js";
import { WireReader, WireType } from "./wire.js";
import { BatchScratch } from "./batch-scratch.js";

export { ProtoDecodeError, WireType } from "./wire.js";

export const METRIC_TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface MetricMetadata {
  readonly type: MetricType;
  readonly metricFamilyName: string;
  readonly help: string;
  readonly unit: string;
}

/** Int32 column that doubles when full. */
export class IntColumn {
  data: Int32Array;
  constructor(cap: number) {
    this.data = new Int32Array(Math.max(16, cap));
  }
  grow(): Int32Array {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
    return next;
  }
}

/**
 * A decoded WriteRequest. Series i has labels [labelStart[i], labelStart[i+1]) (byte ranges
 * nameStart/nameEnd/valueStart/valueEnd into `buf`) and samples [sampleStart[i], sampleStart[i+1])
 * of `t`/`v`. Exemplar j belongs to series exSeries[j], has labels [exLabelStart[j],
 * exLabelStart[j+1]) of the ex* label ranges and value exV[j] at exT[j]. `v` and `exV` hold the
 * values' raw bits (stale markers intact).
 */
export interface DecodedWriteRequest {
  readonly buf: Uint8Array;
  readonly seriesCount: number;
  readonly labelStart: Int32Array;
  readonly nameStart: Int32Array;
  readonly nameEnd: Int32Array;
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
  /** Byte range of series i's label fields when they are contiguous (Prometheus writes them so), else -1. */
  readonly keyStart: Int32Array;
  readonly keyEnd: Int32Array;
  readonly sampleCount: number;
  readonly sampleStart: Int32Array;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** Start (created) timestamp of each sample (remote_write 2.0; 0: none given), or undefined when no sample has one. */
  readonly st: Float64Array | undefined;
  /** Series i has native histograms [histogramStart[i], histogramStart[i+1]) of ht/hs/hst. */
  readonly histogramStart: Int32Array;
  readonly histogramCount: number;
  readonly ht: readonly number[];
  readonly hs: readonly NativeHistogram[];
  /** Start timestamps of the histograms (0: none given). */
  readonly hst: readonly number[];
  readonly exemplarCount: number;
  readonly exSeries: Int32Array;
  readonly exLabelStart: Int32Array;
  readonly exNameStart: Int32Array;
  readonly exNameEnd: Int32Array;
  readonly exValueStart: Int32Array;
  readonly exValueEnd: Int32Array;
  readonly exT: Float64Array;
  readonly exV: Float64Array;
  readonly metadata: readonly MetricMetadata[];
}

/**
 * The columns a Decoder fills and the buffer snappy decodes into, kept for the next request once one
 * is answered (DecodeScratchPool), so each request does not allocate (and leave to the GC) its own.
 */
export class DecodeScratch {
  raw: Uint8Array = new Uint8Array(0);
  /** A copy of the compressed body, for the snappy thread (see SnappyWorker). */
  body: Uint8Array = new Uint8Array(0);
  t: Float64Array = new Float64Array(0);
  v: Float64Array = new Float64Array(0);
  labelStart = new IntColumn(0);
  keyStart = new IntColumn(0);
  keyEnd = new IntColumn(0);
  sampleStart = new IntColumn(0);
  histogramStart = new IntColumn(0);
  labels = new LabelColumns(0);
  /** The head batch the receiver builds from these columns. */
  readonly batch = new BatchScratch();
}

/** Scratch column sets for the requests in flight; at most a few kept while idle. */
export class DecodeScratchPool {
  private readonly spare: DecodeScratch[] = [];

  take(): DecodeScratch {
    return this.spare.pop() ?? new DecodeScratch();
  }

  giveBack(s: DecodeScratch): void {
    // The columns are sized from the body: one huge request must not stay resident in the pool.
    if (this.spare.length < MAX_SPARE_SCRATCH && s.raw.length <= MAX_POOLED_BODY_BYTES) this.spare.push(s);
  }
}

const MAX_SPARE_SCRATCH = 4;
/** Largest decompressed body whose buffers are kept (Prometheus's requests are well below). */
export const MAX_POOLED_BODY_BYTES = 4 << 20;

function intColumn(kept: IntColumn | undefined, cap: number): IntColumn {
  return kept !== undefined && kept.data.length >= cap ? kept : new IntColumn(scratchCapacity(cap));
}

function floatColumn(kept: Float64Array | undefined, cap: number): Float64Array {
  return kept !== undefined && kept.length >= cap ? kept : new Float64Array(scratchCapacity(cap));
}

/** Label byte ranges, for series labels or exemplar labels. */
export class LabelColumns {
  count = 0;
  nameStart: IntColumn;
  nameEnd: IntColumn;
  valueStart: IntColumn;
  valueEnd: IntColumn;
  constructor(cap: number) {
    this.nameStart = new IntColumn(cap);
    this.nameEnd = new IntColumn(cap);
    this.valueStart = new IntColumn(cap);
    this.valueEnd = new IntColumn(cap);
  }
  add(ns: number, ne: number, vs: number, ve: number): void {
    const i = this.count++;
    if (i === this.nameStart.data.length) {
      this.nameStart.grow();
      this.nameEnd.grow();
      this.valueStart.grow();
      this.valueEnd.grow();
    }
    this.nameStart.data[i] = ns;
    this.nameEnd.data[i] = ne;
    this.valueStart.data[i] = vs;
    this.valueEnd.data[i] = ve;
  }
}

export class Decoder extends WireReader {
  series = 0;
  labelStart: IntColumn;
  keyStart: IntColumn;
  keyEnd: IntColumn;
  sampleStart: IntColumn;
  histogramStart: IntColumn;
  readonly ht: number[] = [];
  readonly hs: NativeHistogram[] = [];
  readonly hst: number[] = [];
  st: Float64Array | undefined;
  labels: LabelColumns;
  samples = 0;
  t: Float64Array;
  v: Float64Array;
  vb: Uint8Array;
  exemplars = 0;
  exSeries: IntColumn;
  exLabelStart: IntColumn;
  exLabels: LabelColumns;
  exT: Float64Array;
  exV: Float64Array;
  metadata: MetricMetadata[] = [];
  protected readonly text: Buffer;

  /** With `scratch`, its columns are filled when big enough (and keep() puts the ones used back). */
  constructor(buf: Uint8Array, scratch?: DecodeScratch) {
    super(buf);
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const sampleCap = Math.floor(buf.length / 48) + 16;
    this.t = floatColumn(scratch?.t, sampleCap);
    this.v = floatColumn(scratch?.v, sampleCap);
    this.vb = new Uint8Array(this.v.buffer);
    const seriesCap = Math.floor(buf.length / 64) + 1;
    this.labelStart = intColumn(scratch?.labelStart, seriesCap + 1);
    this.keyStart = intColumn(scratch?.keyStart, seriesCap);
    this.keyEnd = intColumn(scratch?.keyEnd, seriesCap);
    this.sampleStart = intColumn(scratch?.sampleStart, seriesCap + 1);
    this.histogramStart = intColumn(scratch?.histogramStart, seriesCap + 1);
    const labels = scratch?.labels;
    if (labels !== undefined && labels.nameStart.data.length >= seriesCap * 4) {
      labels.count = 0;
      this.labels = labels;
    } else this.labels = new LabelColumns(scratchCapacity(seriesCap * 4));
    this.exSeries = new IntColumn(4);
    this.exLabelStart = new IntColumn(5);
    this.exLabels = new LabelColumns(4);
    this.exT = new Float64Array(16);
    this.exV = new Float64Array(16);
  }

  writeRequest(): void {
    const end = this.buf.length;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 0) this.fail("invalid field number 0", at);
      if (field === 1) {
        this.expect(wt, WireType.Bytes, "WriteRequest", 1, at);
        const n = this.length(end);
        this.timeSeries(this.pos + n);
      } else if (field === 3) {
        this.expect(wt, WireType.Bytes, "WriteRequest", 3, at);
        const n = this.length(end);
        this.metricMetadata(this.pos + n);
      } else {
        this.skip(wt, end, field);
      }
    }
  }

  /** Opens series s: its label, sample and histogram ranges start here. */
  protected beginSeries(): number {
    const s = this.series++;
    if (s + 1 >= this.labelStart.data.length) {
      this.labelStart.grow();
      this.sampleStart.grow();
      this.histogramStart.grow();
    }
    if (s >= this.keyStart.data.length) {
      this.keyStart.grow();
      this.keyEnd.grow();
    }
    this.labelStart.data[s] = this.labels.count;
    this.sampleStart.data[s] = this.samples;
    this.histogramStart.data[s] = this.hs.length;
    return s;
  }

  /** Closes series s; keyStart/keyEnd: the byte range of its contiguous label fields, or -1. */
  protected endSeries(s: number, keyStart: number, keyEnd: number): void {
    this.keyStart.data[s] = keyStart;
    this.keyEnd.data[s] = keyEnd;
    this.labelStart.data[s + 1] = this.labels.count;
    this.sampleStart.data[s + 1] = this.samples;
    this.histogramStart.data[s + 1] = this.hs.length;
  }

  private timeSeries(end: number): void {
    const s = this.beginSeries();
    let keyStart = -1;
    let keyEnd = -1;
    let contiguous = true;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 0) this.fail("invalid field number 0", at);
      if (field === 1) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 1, at);
        if (keyStart < 0) keyStart = at;
        else if (keyEnd !== at) contiguous = false;
        const n = this.length(end);
        this.label(this.pos + n, this.labels);
        keyEnd = this.pos;
      } else if (field === 2) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 2, at);
        const n = this.length(end);
        this.sample(this.pos + n, false);
      } else if (field === 3) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 3, at);
        const n = this.length(end);
        this.exemplar(this.pos + n, s);
      } else if (field === 4) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 4, at);
        const n = this.length(end);
        this.histogramField(this.pos + n);
      } else {
        this.skip(wt, end, field);
      }
    }
    this.endSeries(s, contiguous ? keyStart : -1, contiguous ? keyEnd : -1);
  }

  protected label(end: number, into: LabelColumns): void {
    let ns = 0;
    let ne = 0;
    let vs = 0;
    let ve = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expect(wt, WireType.Bytes, "Label", 1, at);
        const n = this.length(end);
        ns = this.pos;
        ne = this.pos += n;
      } else if (field === 2) {
        this.expect(wt, WireType.Bytes, "Label", 2, at);
        const n = this.length(end);
        vs = this.pos;
        ve = this.pos += n;
      } else {
        if (field === 0) this.fail("invalid field number 0", at);
        this.skip(wt, end, field);
      }
    }
    into.add(ns, ne, vs, ve);
  }

  private growSamples(): void {
    const t = new Float64Array(this.t.length * 2);
    t.set(this.t);
    const v = new Float64Array(this.v.length * 2);
    const vb = new Uint8Array(v.buffer);
    vb.set(this.vb);
    this.t = t;
    this.v = v;
    this.vb = vb;
  }

  /** One Sample message; `withStart`: 2.0's, whose field 3 is the start timestamp. */
  protected sample(end: number, withStart: boolean): void {
    const i = this.samples++;
    if (i === this.t.length) this.growSamples();
    this.t[i] = 0;
    this.v[i] = 0;
    if (this.st !== undefined) this.st[i] = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expect(wt, WireType.Fixed64, "Sample", 1, at);
        this.doubleInto(this.vb, i, end);
      } else if (field === 2) {
        this.expect(wt, WireType.Varint, "Sample", 2, at);
        this.t[i] = this.int64(end);
      } else if (field === 3 && withStart) {
        this.expect(wt, WireType.Varint, "Sample", 3, at);
        const st = this.int64(end);
        if (st !== 0) this.startTimes()[i] = st;
      } else {
        if (field === 0) this.fail("invalid field number 0", at);
        this.skip(wt, end, field);
      }
    }
  }

  /** The start-timestamp column, created (zeroed) on the first sample that has one. */
  private startTimes(): Float64Array {
    if (this.st === undefined || this.st.length < this.t.length) {
      const st = new Float64Array(this.t.length);
      if (this.st !== undefined) st.set(this.st);
      this.st = st;
    }
    return this.st;
  }

  /** One Histogram message, appended to ht/hs/hst. */
  protected histogramField(end: number): void {
    const w = this.histogram(end);
    this.ht.push(w.t);
    this.hs.push(w.h);
    this.hst.push(w.startT);
  }

  /** Starts exemplar j of a series: its columns grown and zeroed; labels follow. */
  protected newExemplar(series: number): number {
    const j = this.exemplars++;
    if (j + 1 >= this.exLabelStart.data.length) {
      this.exSeries.grow();
      this.exLabelStart.grow();
    }
    if (j >= this.exT.length) {
      const t = new Float64Array(this.exT.length * 2);
      t.set(this.exT);
      this.exT = t;
      const v = new Float64Array(this.exV.length * 2);
      new Uint8Array(v.buffer).set(new Uint8Array(this.exV.buffer));
      this.exV = v;
    }
    this.exSeries.data[j] = series;
    this.exLabelStart.data[j] = this.exLabels.count;
    this.exT[j] = 0;
    this.exV[j] = 0;
    return j;
  }

  private exemplar(end: number, series: number): void {
    const j = this.newExemplar(series);
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expect(wt, WireType.Bytes, "Exemplar", 1, at);
        const n = this.length(end);
        this.label(this.pos + n, this.exLabels);
      } else if (field === 2) {
        this.expect(wt, WireType.Fixed64, "Exemplar", 2, at);
        this.doubleInto(new Uint8Array(this.exV.buffer), j, end);
      } else if (field === 3) {
        this.expect(wt, WireType.Varint, "Exemplar", 3, at);
        this.exT[j] = this.int64(end);
      } else {
        if (field === 0) this.fail("invalid field number 0", at);
        this.skip(wt, end, field);
      }
    }
    this.exLabelStart.data[j + 1] = this.exLabels.count;
  }

  private metricMetadata(end: number): void {
    let type = 0;
    let family = "";
    let help = "";
    let unit = "";
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expect(wt, WireType.Varint, "MetricMetadata", 1, at);
        type = this.varint32(end);
      } else if (field === 2 || field === 4 || field === 5) {
        this.expect(wt, WireType.Bytes, "MetricMetadata", field, at);
        const n = this.length(end);
        const s = this.text.toString("utf8", this.pos, this.pos + n);
        this.pos += n;
        if (field === 2) family = s;
        else if (field === 4) help = s;
        else unit = s;
      } else {
        if (field === 0) this.fail("invalid field number 0", at);
        this.skip(wt, end, field);
      }
    }
    this.metadata.push({ type: METRIC_TYPES[type] ?? "unknown", metricFamilyName: family, help, unit });
  }

  /** Puts the columns this decoder filled (grown ones included) into `scratch`, for the next request. */
  keep(scratch: DecodeScratch): void {
    scratch.t = this.t;
    scratch.v = this.v;
    scratch.labelStart = this.labelStart;
    scratch.keyStart = this.keyStart;
    scratch.keyEnd = this.keyEnd;
    scratch.sampleStart = this.sampleStart;
    scratch.histogramStart = this.histogramStart;
    scratch.labels = this.labels;
  }

  result(): DecodedWriteRequest {
    if (this.series === 0) {
      this.labelStart.data[0] = 0;
      this.sampleStart.data[0] = 0;
      this.histogramStart.data[0] = 0;
    }
    if (this.exemplars === 0) this.exLabelStart.data[0] = 0;
    return {
      buf: this.buf,
      seriesCount: this.series,
      labelStart: this.labelStart.data,
      nameStart: this.labels.nameStart.data,
      nameEnd: this.labels.nameEnd.data,
      valueStart: this.labels.valueStart.data,
      valueEnd: this.labels.valueEnd.data,
      keyStart: this.keyStart.data,
      keyEnd: this.keyEnd.data,
      sampleCount: this.samples,
      sampleStart: this.sampleStart.data,
      t: this.t,
      v: this.v,
      st: this.st,
      histogramStart: this.histogramStart.data,
      histogramCount: this.hs.length,
      ht: this.ht,
      hs: this.hs,
      hst: this.hst,
      exemplarCount: this.exemplars,
      exSeries: this.exSeries.data,
      exLabelStart: this.exLabelStart.data,
      exNameStart: this.exLabels.nameStart.data,
      exNameEnd: this.exLabels.nameEnd.data,
      exValueStart: this.exLabels.valueStart.data,
      exValueEnd: this.exLabels.valueEnd.data,
      exT: this.exT,
      exV: this.exV,
      metadata: this.metadata,
    };
  }
}

/** Decodes an uncompressed WriteRequest body into columns; throws ProtoDecodeError on bad input. */
export type WriteRequestDecoder = (buf: Uint8Array) => DecodedWriteRequest;

/**
 * The hand-written decoder (the receiver's): reads straight from the buffer into columns. Kept over
 * the protobufjs one (decode-protobufjs.ts) because it is faster (bench/remote-write-decode.bench.ts)
 * and sees label bytes as sent, so invalid UTF-8 is rejected rather than replaced.
 * Throws ProtoDecodeError (message with byte offset) on bad input.
 */
export function decodeWriteRequest(buf: Uint8Array, scratch?: DecodeScratch): DecodedWriteRequest {
  const d = new Decoder(buf, scratch);
  d.writeRequest();
  if (scratch !== undefined) d.keep(scratch);
  return d.result();
}
