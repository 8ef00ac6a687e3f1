// The WriteRequest decoder through the one protobuf layer (storeapi's prompb types), behind the same
// interface as the hand-written one: it decodes to objects, then lays them out as DecodedWriteRequest
// columns over a buffer of the label texts re-encoded as UTF-8. protobufjs replaces invalid UTF-8 with
// U+FFFD, so this path cannot reject it; the receiver uses the hand-written decoder.
import { prompb, int64ToNumber, type PrompbLabel, type PrompbWriteRequest } from "../../../storeapi/index.js";
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
  const histograms = new Int32Array(series.length);
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
    histograms[i] = ts.histograms.length;
  }
  labelStart[series.length] = text.nameStart.length;
  sampleStart[series.length] = s;
  exLabelStart[exemplarCount] = exText.nameStart.length;
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
    histograms,
    histogramCount,
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
