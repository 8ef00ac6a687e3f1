// A small WriteRequest encoder (protobuf, then snappy): what a remote_write sender produces.
// Used by tests, benchmarks and anything in orrery that sends remote_write.
import snappy from "snappyjs";
import type { Labels } from "../../../storeapi/index.js";
import { METRIC_TYPES, type MetricMetadata } from "./decode.js";

export interface WriteSample {
  readonly value: number;
  readonly timestamp: number;
}

export interface WriteTimeSeries {
  readonly labels: Labels;
  readonly samples: readonly WriteSample[];
  readonly exemplars?: readonly { readonly labels: Labels; readonly value: number; readonly timestamp: number }[];
}

export interface WriteRequestInput {
  readonly timeseries: readonly WriteTimeSeries[];
  readonly metadata?: readonly MetricMetadata[];
}

const TWO_32 = 4294967296;

class ProtoWriter {
  buf = new Uint8Array(1024);
  pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      // Two's complement over 64 bits, as protobuf encodes a negative int64.
      const hi = Math.floor(v / TWO_32);
      const lo = v - hi * TWO_32;
      this.varint64(lo >>> 0, hi >>> 0);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  private varint64(lo: number, hi: number): void {
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.f64[0] = v;
    this.buf.set(this.f64b, this.pos);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.tag(field, 2);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Writes a length-delimited submessage built by fn. */
  message(field: number, fn: () => void): void {
    this.tag(field, 2);
    // Reserve 5 bytes for the length, then shift the body into place.
    this.ensure(5);
    const lenAt = this.pos;
    this.pos += 5;
    fn();
    const len = this.pos - lenAt - 5;
    let n = 1;
    for (let v = len; v >= 0x80; v = Math.floor(v / 128)) n++;
    this.buf.copyWithin(lenAt + n, lenAt + 5, this.pos);
    const end = this.pos - (5 - n);
    this.pos = lenAt;
    this.varint(len);
    this.pos = end;
  }
}

function writeLabels(w: ProtoWriter, field: number, labels: Labels): void {
  for (const l of labels) {
    w.message(field, () => {
      w.string(1, l.name);
      w.string(2, l.value);
    });
  }
}

/** Protobuf bytes of a prometheus.WriteRequest. */
export function encodeWriteRequest(req: WriteRequestInput): Uint8Array {
  const w = new ProtoWriter();
  for (const ts of req.timeseries) {
    w.message(1, () => {
      writeLabels(w, 1, ts.labels);
      for (const s of ts.samples) {
        w.message(2, () => {
          w.double(1, s.value);
          if (s.timestamp !== 0) {
            w.tag(2, 0);
            w.varint(s.timestamp);
          }
        });
      }
      for (const e of ts.exemplars ?? []) {
        w.message(3, () => {
          writeLabels(w, 1, e.labels);
          w.double(2, e.value);
          w.tag(3, 0);
          w.varint(e.timestamp);
        });
      }
    });
  }
  for (const m of req.metadata ?? []) {
    w.message(3, () => {
      w.tag(1, 0);
      w.varint(Math.max(0, METRIC_TYPES.indexOf(m.type)));
      w.string(2, m.metricFamilyName);
      w.string(4, m.help);
      w.string(5, m.unit);
    });
  }
  return w.buf.slice(0, w.pos);
}

/** A remote_write request body: the WriteRequest, snappy block-compressed. */
export function encodeRemoteWriteBody(req: WriteRequestInput): Uint8Array {
  return snappy.compress(encodeWriteRequest(req));
}
