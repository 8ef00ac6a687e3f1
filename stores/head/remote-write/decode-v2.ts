// A hand-written decoder for remote_write 2.0's io.prometheus.write.v2.Request, into the same
// columns as 1.0's (DecodedWriteRequest), so the receiver stores both one way. Labels are pairs of
// references into the request's symbol table; a label's byte ranges point at its symbols' bytes,
// so label validation and interning work as for 1.0. Field numbers follow
// prompb/io/prometheus/write/v2/types.proto:
//   Request { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
//   TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2; repeated Histogram histograms = 3;
//                repeated Exemplar exemplars = 4; Metadata metadata = 5; }
//   Sample { double value = 1; int64 timestamp = 2; int64 start_timestamp = 3; }
//   Exemplar { repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3; }
//   Metadata { MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4; }
import { Decoder, METRIC_TYPES, type DecodeScratch, type DecodedWriteRequest, type LabelColumns } from "./decode.js";
import { WireType } from "./wire.js";

const NAME_LABEL = Buffer.from("__name__");

class V2Decoder extends Decoder {
  private symStart: number[] = [];
  private symEnd: number[] = [];
  /** Index of the symbol "__name__" (-1: none), to name a series' metadata by its metric. */
  private nameSymbol = -1;
  private readonly refs: number[] = [];

  request(): void {
    const end = this.buf.length;
    // Symbols first: a sender may write them after the series that refer to them.
    this.scanTopLevel(end, (field, wt, at) => {
      if (field !== 4) return false;
      this.expect(wt, WireType.Bytes, "Request", 4, at);
      const n = this.length(end);
      if (this.nameSymbol < 0 && n === NAME_LABEL.length && NAME_LABEL.equals(this.buf.subarray(this.pos, this.pos + n))) {
        this.nameSymbol = this.symStart.length;
      }
      this.symStart.push(this.pos);
      this.symEnd.push(this.pos + n);
      this.pos += n;
      return true;
    });
    this.pos = 0;
    this.scanTopLevel(end, (field, wt, at) => {
      if (field !== 5) return false;
      this.expect(wt, WireType.Bytes, "Request", 5, at);
      const n = this.length(end);
      this.timeSeriesV2(this.pos + n);
      return true;
    });
  }

  /** Walks the top-level fields; `take` reads the ones it wants (returns true), the rest are skipped. */
  private scanTopLevel(end: number, take: (field: number, wt: number, at: number) => boolean): void {
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 0) this.fail("invalid field number 0", at);
      if (!take(field, wt, at)) this.skip(wt, end, field);
    }
  }

  private timeSeriesV2(end: number): void {
    const start = this.pos;
    const s = this.beginSeries();
    let nameRef = -1;
    let metadataAt = -1;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 0) this.fail("invalid field number 0", at);
      if (field === 1) {
        const name = this.labelRefs(wt, end, this.labels, "TimeSeries", at);
        if (name >= 0) nameRef = name;
      } else if (field === 2) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 2, at);
        const n = this.length(end);
        this.sample(this.pos + n, true);
      } else if (field === 3) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 3, at);
        const n = this.length(end);
        this.histogramField(this.pos + n);
      } else if (field === 4) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 4, at);
        const n = this.length(end);
        this.exemplarV2(this.pos + n, s);
      } else if (field === 5) {
        this.expect(wt, WireType.Bytes, "TimeSeries", 5, at);
        metadataAt = this.pos;
        const n = this.length(end);
        this.pos += n;
      } else {
        this.skip(wt, end, field);
      }
    }
    this.endRefs("TimeSeries", start);
    this.endSeries(s, -1, -1);
    if (metadataAt >= 0 && nameRef >= 0) {
      const resume = this.pos;
      this.pos = metadataAt;
      const n = this.length(end);
      this.metadataV2(this.pos + n, this.symbol(nameRef));
      this.pos = resume;
    }
  }

  /**
   * Reads a labels_refs field (packed or one varint) into `into` as label byte ranges; returns the
   * value ref of a "__name__" label among them (-1: none). Refs are checked against the symbol table.
   */
  private labelRefs(wt: number, end: number, into: LabelColumns, message: string, at: number): number {
    const refs = this.refs;
    if (wt === WireType.Varint) {
      // Unpacked: one ref per field; pair them across fields.
      refs.push(this.varint32(end));
    } else {
      this.expect(wt, WireType.Bytes, message, 1, at);
      const n = this.length(end);
      const stop = this.pos + n;
      while (this.pos < stop) refs.push(this.varint32(stop));
    }
    let name = -1;
    let k = 0;
    for (; k + 1 < refs.length; k += 2) {
      const nr = this.checkRef(refs[k]!, at);
      const vr = this.checkRef(refs[k + 1]!, at);
      into.add(this.symStart[nr]!, this.symEnd[nr]!, this.symStart[vr]!, this.symEnd[vr]!);
      if (nr === this.nameSymbol) name = vr;
    }
    refs.splice(0, k);
    return name;
  }

  private checkRef(ref: number, at: number): number {
    if (ref >= this.symStart.length) this.fail(`labels_refs: symbol reference ${ref} is out of range of the ${this.symStart.length} symbols`, at);
    return ref;
  }

  /** The labels_refs of a message must pair up: a name without a value is bad input. */
  private endRefs(message: string, at: number): void {
    if (this.refs.length > 0) {
      this.refs.length = 0;
      this.fail(`${message}.labels_refs: odd number of references (a label name without a value)`, at);
    }
  }

  private exemplarV2(end: number, series: number): void {
    const start = this.pos;
    const j = this.newExemplar(series);
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.labelRefs(wt, end, this.exLabels, "Exemplar", at);
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
    this.endRefs("Exemplar", start);
    this.exLabelStart.data[j + 1] = this.exLabels.count;
  }

  private metadataV2(end: number, family: string): void {
    let type = 0;
    let help = "";
    let unit = "";
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expect(wt, WireType.Varint, "Metadata", 1, at);
        type = this.varint32(end);
      } else if (field === 3 || field === 4) {
        this.expect(wt, WireType.Varint, "Metadata", field, at);
        const s = this.symbol(this.checkRef(this.varint32(end), at));
        if (field === 3) help = s;
        else unit = s;
      } else {
        if (field === 0) this.fail("invalid field number 0", at);
        this.skip(wt, end, field);
      }
    }
    // A series sent without metadata has type 0 and no help or unit: nothing to record.
    if (type === 0 && help === "" && unit === "") return;
    this.metadata.push({ type: METRIC_TYPES[type] ?? "unknown", metricFamilyName: family, help, unit });
  }

  private symbol(ref: number): string {
    return this.text.toString("utf8", this.symStart[ref]!, this.symEnd[ref]!);
  }
}

/**
 * Decodes an uncompressed remote_write 2.0 Request into the columns 1.0's decoder produces (samples
 * carry their start timestamps in `st`). Throws ProtoDecodeError on bad input, including a label
 * reference outside the symbol table or an odd number of references.
 */
export function decodeWriteRequestV2(buf: Uint8Array, scratch?: DecodeScratch): DecodedWriteRequest {
  const d = new V2Decoder(buf, scratch);
  d.request();
  if (scratch !== undefined) d.keep(scratch);
  return d.result();
}
