// The WriteRequest decoder through the one protobuf layer (storeapi's prompb types), behind the same
// interface as the hand-written one: it decodes to objects, then lays them out as DecodedWriteRequest
// columns over a buffer of the label texts re-encoded as UTF-8. protobufjs replaces invalid UTF-8 with
// U+FFFD, so this path cannot reject it; the receiver uses the hand-written decoder.
import { prompb, int64ToNumber, type NativeHistogram, type PrompbLabel, type PrompbWriteRequest, type ProtoInt64 } from "../../../storeapi/index.js";
import { METRIC_TYPES, ProtoDecodeError, type DecodedWriteRequest, type WriteRequestDecoder } from "./decode.js";

/** Label texts packed into one buffer, with each label's name and value byte ranges. */
class LabelTextColumns {
  readonly parts: Buffer[] = [];
  bytes = 0;
  readonly nameStart: number[] = [];
  readonly nameEnd: number[] = [];
  readonly valueStart: number[] = [];
  readonly valueEnd: number[] = [];

  add(labels: readonly PrompbLabel[]): void {
    for (const l of labels) {
      this.nameStart.push(this.bytes);
      this.nameEnd.push(this.append(l.name));
      this.valueStart.push(this.bytes);
      this.valueEnd.push(this.append(l.value));
    }
  }

  private append(s: string): number {
    const b = Buffer.from(s, "utf8");
    this.parts.push(b);
    this.bytes += b.length;
    return this.bytes;
  }
}

/** WriteRequest bytes → columns, through protobufjs. */
export const decodeWriteRequestProtobufjs: WriteRequestDecoder = (buf) => {
  let msg: PrompbWriteRequest;
  try {
    msg = prompb.WriteRequest.decode(buf) as unknown as PrompbWriteRequest;
  } catch (err) {
    throw new ProtoDecodeError(`protobufjs: ${(err as Error).message}`, -1);
  }
  const series = msg.timeseries;
  let sampleCount = 0;
  let exemplarCount = 0;
  let histogramCount = 0;
  for (const ts of series) {
    sampleCount += ts.samples.length;
    exemplarCount += ts.exemplars.length;
    histogramCount += ts.histograms.length;
  }
  const text = new LabelTextColumns();
  const exText = new LabelTextColumns();
  const labelStart = new Int32Array(series.length + 1);
  const sampleStart = new Int32Array(series.length + 1);
  const histogramStart = new Int32Array(series.length + 1);
  const ht: number[] = [];
  const hs: NativeHistogram[] = [];
  const keyStart = new Int32Array(series.length).fill(-1);
  const keyEnd = new Int32Array(series.length).fill(-1);
  const t = new Float64Array(sampleCount);
  const v = new Float64Array(sampleCount);
  const exSeries = new Int32Array(exemplarCount);
  const exLabelStart = new Int32Array(exemplarCount + 1);
  const exT = new Float64Array(exemplarCount);
  const exV = new Float64Array(exemplarCount);
  let s = 0;
  let e = 0;
  for (let i = 0; i < series.length; i++) {
    const ts = series[i];
    labelStart[i] = text.nameStart.length;
    sampleStart[i] = s;
    text.add(ts.labels);
    for (const sample of ts.samples) {
      t[s] = toTimestamp(sample.timestamp);
      v[s++] = sample.value;
    }
    for (const ex of ts.exemplars) {
      exSeries[e] = i;
      exLabelStart[e] = exText.nameStart.length;
      exText.add(ex.labels);
      exT[e] = toTimestamp(ex.timestamp);
      exV[e++] = ex.value;
    }
    histogramStart[i] = hs.length;
    for (const h of ts.histograms as PrompbHistogram[]) {
      ht.push(toTimestamp(h.timestamp));
      hs.push(toNativeHistogram(h));
    }
  }
  labelStart[series.length] = text.nameStart.length;
  sampleStart[series.length] = s;
  exLabelStart[exemplarCount] = exText.nameStart.length;
  histogramStart[series.length] = hs.length;
  // Series labels first, exemplar labels after them, in one text buffer.
  const shift = text.bytes;
  const shifted = (xs: number[]) => Int32Array.from(xs, (x) => x + shift);
  return {
    buf: Buffer.concat([...text.parts, ...exText.parts]),
    seriesCount: series.length,
    labelStart,
    nameStart: Int32Array.from(text.nameStart),
    nameEnd: Int32Array.from(text.nameEnd),
    valueStart: Int32Array.from(text.valueStart),
    valueEnd: Int32Array.from(text.valueEnd),
    keyStart,
    keyEnd,
    sampleCount,
    sampleStart,
    t,
    v,
    st: undefined,
    histogramStart,
    histogramCount,
    ht,
    hs,
    hst: ht.map(() => 0),
    exemplarCount,
    exSeries,
    exLabelStart,
    exNameStart: shifted(exText.nameStart),
    exNameEnd: shifted(exText.nameEnd),
    exValueStart: shifted(exText.valueStart),
    exValueEnd: shifted(exText.valueEnd),
    exT,
    exV,
    metadata: msg.metadata.map((m) => ({
      type: METRIC_TYPES[m.type] ?? "unknown",
      metricFamilyName: m.metricFamilyName,
      help: m.help,
      unit: m.unit,
    })),
  };
};

function toTimestamp(v: Parameters<typeof int64ToNumber>[0]): number {
  try {
    return int64ToNumber(v);
  } catch (err) {
    throw new ProtoDecodeError((err as Error).message, -1);
  }
}

/** prometheus.Histogram as protobufjs decodes it (`count`/`zeroCount`: the oneof's chosen field name). */
interface PrompbHistogram {
  count?: "countInt" | "countFloat";
  countInt?: ProtoInt64;
  countFloat?: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCount?: "zeroCountInt" | "zeroCountFloat";
  zeroCountInt?: ProtoInt64;
  zeroCountFloat?: number;
  negativeSpans: { offset: number; length: number }[];
  negativeDeltas: ProtoInt64[];
  negativeCounts: number[];
  positiveSpans: { offset: number; length: number }[];
  positiveDeltas: ProtoInt64[];
  positiveCounts: number[];
  resetHint: number;
  timestamp: ProtoInt64;
  customValues: number[];
}

function toNativeHistogram(h: PrompbHistogram): NativeHistogram {
  const float = h.count === "countFloat";
  const absolute = (deltas: ProtoInt64[]): number[] => {
    let c = 0;
    return deltas.map((d) => (c += int64ToNumber(d)));
  };
  const spans = (xs: { offset: number; length: number }[]) => xs.map((s) => ({ offset: s.offset, length: s.length }));
  return {
    float,
    counterResetHint: h.resetHint,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount === "zeroCountFloat" ? h.zeroCountFloat! : int64ToNumber(h.zeroCountInt),
    count: float ? h.countFloat! : int64ToNumber(h.countInt),
    sum: h.sum,
    positiveSpans: spans(h.positiveSpans),
    positiveBuckets: float ? h.positiveCounts.slice() : absolute(h.positiveDeltas),
    negativeSpans: spans(h.negativeSpans),
    negativeBuckets: float ? h.negativeCounts.slice() : absolute(h.negativeDeltas),
    ...(h.customValues.length > 0 ? { customValues: h.customValues.slice() } : {}),
  };
}
