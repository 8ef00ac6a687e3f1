// The protobuf wire primitives both remote_write decoders read with (1.0's WriteRequest and 2.0's
// Request): varints without BigInt, length checks against the enclosing message, and the native
// Histogram message, which both versions share (field numbers of prompb/types.proto; 2.0 adds
// start_timestamp = 17).
import { CounterResetHint, type HistogramSpan, type NativeHistogram } from "../../../storeapi/index.js";

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4294967296;

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/** Bad protobuf: what is wrong and at which byte offset of the decompressed body (-1: not known). */
export class ProtoDecodeError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(offset >= 0 ? `${message} at byte ${offset}` : message);
    this.name = "ProtoDecodeError";
    this.offset = offset;
  }
}

/** A histogram as decoded from the wire, with its sample time and (2.0) start time (0: none). */
export interface WireHistogram {
  readonly t: number;
  readonly startT: number;
  readonly h: NativeHistogram;
}

const NO_SPANS: readonly HistogramSpan[] = Object.freeze([]);
const NO_NUMBERS: readonly number[] = Object.freeze([]);

export class WireReader {
  readonly buf: Uint8Array;
  pos = 0;
  private readonly view: DataView;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(message: string, at = this.pos): never {
    throw new ProtoDecodeError(message, at);
  }

  varint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) this.fail("truncated varint");
      const b = buf[pos++];
      if (shift === 28 && b > 0x0f) {
        // A 64-bit varint where 32 bits were expected (e.g. a negative enum): accept its low 32 bits.
        let more = b;
        while (more >= 0x80) {
          if (pos >= end || pos - this.pos >= 10) this.fail("truncated or overlong varint");
          more = buf[pos++];
        }
        this.pos = pos;
        return (result | ((b & 0x0f) << 28)) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    return this.fail("overlong varint");
  }

  /** An int64 varint as a JS number: two 32-bit halves, no BigInt; values beyond 2^53 are rejected. */
  int64(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) this.fail("truncated varint");
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return lo;
      }
    }
    if (pos >= end) this.fail("truncated varint");
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) this.fail("overlong varint");
        if (pos >= end) this.fail("truncated varint");
        b = buf[pos++];
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    const start = this.pos;
    this.pos = pos;
    hi |= 0;
    if (hi >= 0x200000 || hi < -0x200000) this.fail("int64 beyond ±2^53", start);
    return hi * TWO_32 + (lo >>> 0);
  }

  /** Length of a length-delimited field; checks it fits before end. */
  length(end: number): number {
    const n = this.varint32(end);
    if (n > end - this.pos) this.fail(`length ${n} runs past the end of its message (${end - this.pos} bytes left)`);
    return n;
  }

  skip(wireType: number, end: number, field: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.int64Skip(end);
        return;
      case WireType.Fixed64:
        if (end - this.pos < 8) this.fail("truncated fixed64");
        this.pos += 8;
        return;
      case WireType.Bytes: {
        const n = this.length(end);
        this.pos += n;
        return;
      }
      case WireType.Fixed32:
        if (end - this.pos < 4) this.fail("truncated fixed32");
        this.pos += 4;
        return;
      default:
        this.fail(`field ${field}: unsupported wire type ${wireType}`);
    }
  }

  int64Skip(end: number): void {
    const buf = this.buf;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail("truncated varint");
      if (buf[this.pos++] < 0x80) return;
    }
    this.fail("overlong varint");
  }

  expect(wireType: number, want: WireType, message: string, field: number, at: number): void {
    if (wireType !== want) this.fail(`${message}.${field}: wire type ${wireType}, want ${want}`, at);
  }

  /** A uint64 varint as a JS number; values of 2^53 and beyond are rejected. */
  uint64(end: number): number {
    const at = this.pos;
    const v = this.int64(end);
    if (v < 0) this.fail("uint64 beyond 2^53", at);
    return v;
  }

  /** A zigzag-encoded sint64 as a JS number (|v| < 2^52). */
  sint64(end: number): number {
    const u = this.uint64(end);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  sint32(end: number): number {
    const u = this.varint32(end);
    return (u >>> 1) ^ -(u & 1);
  }

  /** A little-endian double at pos, as a number (NaN payloads may be quieted: not for sample values). */
  float64(end: number): number {
    if (end - this.pos < 8) this.fail("truncated double");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A double into `into` (a Float64Array's bytes) at index i, bits exact (stale markers survive). */
  doubleInto(into: Uint8Array, i: number, end: number): void {
    if (end - this.pos < 8) this.fail("truncated double");
    const buf = this.buf;
    const p = this.pos;
    const o = i * 8;
    if (LITTLE_ENDIAN) {
      for (let k = 0; k < 8; k++) into[o + k] = buf[p + k];
    } else {
      for (let k = 0; k < 8; k++) into[o + k] = buf[p + 7 - k];
    }
    this.pos = p + 8;
  }

  /** Appends a repeated double field (packed or not) to out. */
  private doubles(wt: number, end: number, out: number[], message: string, field: number, at: number): void {
    if (wt === WireType.Fixed64) {
      out.push(this.float64(end));
      return;
    }
    this.expect(wt, WireType.Bytes, message, field, at);
    const n = this.length(end);
    if (n % 8 !== 0) this.fail(`${message}.${field}: packed doubles of ${n} bytes`, at);
    const stop = this.pos + n;
    while (this.pos < stop) out.push(this.float64(stop));
  }

  /** Appends a repeated sint64 field (packed or not) to out. */
  private sint64s(wt: number, end: number, out: number[], message: string, field: number, at: number): void {
    if (wt === WireType.Varint) {
      out.push(this.sint64(end));
      return;
    }
    this.expect(wt, WireType.Bytes, message, field, at);
    const n = this.length(end);
    const stop = this.pos + n;
    while (this.pos < stop) out.push(this.sint64(stop));
  }

  private span(end: number, out: HistogramSpan[]): void {
    let offset = 0;
    let length = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) {
        this.expect(wt, WireType.Varint, "BucketSpan", 1, at);
        offset = this.sint32(end);
      } else if (field === 2) {
        this.expect(wt, WireType.Varint, "BucketSpan", 2, at);
        length = this.varint32(end);
      } else {
        if (field === 0) this.fail("invalid field number 0", at);
        this.skip(wt, end, field);
      }
    }
    out.push({ offset, length });
  }

  /**
   * One Histogram message in [pos, end). Integer histograms (count_int) carry delta-encoded buckets,
   * summed here into absolute counts; float ones (count_float) carry absolute counts. As in
   * Prometheus, the count field decides the kind and the other kind's bucket field is ignored.
   */
  histogram(end: number): WireHistogram {
    let float = false;
    let count = 0;
    let sum = 0;
    let schema = 0;
    let zeroThreshold = 0;
    let zeroCount = 0;
    let hint = 0;
    let t = 0;
    let startT = 0;
    const negSpans: HistogramSpan[] = [];
    const posSpans: HistogramSpan[] = [];
    const negDeltas: number[] = [];
    const posDeltas: number[] = [];
    const negCounts: number[] = [];
    const posCounts: number[] = [];
    let custom: number[] | undefined;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.varint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      switch (field) {
        case 1:
          this.expect(wt, WireType.Varint, "Histogram", 1, at);
          count = this.uint64(end);
          float = false;
          break;
        case 2:
          this.expect(wt, WireType.Fixed64, "Histogram", 2, at);
          count = this.float64(end);
          float = true;
          break;
        case 3:
          this.expect(wt, WireType.Fixed64, "Histogram", 3, at);
          sum = this.sumBits(end);
          break;
        case 4:
          this.expect(wt, WireType.Varint, "Histogram", 4, at);
          schema = this.sint32(end);
          break;
        case 5:
          this.expect(wt, WireType.Fixed64, "Histogram", 5, at);
          zeroThreshold = this.float64(end);
          break;
        case 6:
          this.expect(wt, WireType.Varint, "Histogram", 6, at);
          zeroCount = this.uint64(end);
          break;
        case 7:
          this.expect(wt, WireType.Fixed64, "Histogram", 7, at);
          zeroCount = this.float64(end);
          break;
        case 8:
        case 11: {
          this.expect(wt, WireType.Bytes, "Histogram", field, at);
          const n = this.length(end);
          this.span(this.pos + n, field === 8 ? negSpans : posSpans);
          break;
        }
        case 9:
        case 12:
          this.sint64s(wt, end, field === 9 ? negDeltas : posDeltas, "Histogram", field, at);
          break;
        case 10:
        case 13:
          this.doubles(wt, end, field === 10 ? negCounts : posCounts, "Histogram", field, at);
          break;
        case 14:
          this.expect(wt, WireType.Varint, "Histogram", 14, at);
          hint = this.varint32(end);
          break;
        case 15:
          this.expect(wt, WireType.Varint, "Histogram", 15, at);
          t = this.int64(end);
          break;
        case 16:
          this.doubles(wt, end, (custom ??= []), "Histogram", 16, at);
          break;
        case 17:
          this.expect(wt, WireType.Varint, "Histogram", 17, at);
          startT = this.int64(end);
          break;
        default:
          if (field === 0) this.fail("invalid field number 0", at);
          this.skip(wt, end, field);
      }
    }
    const h: NativeHistogram = {
      float,
      counterResetHint: hint <= CounterResetHint.Gauge ? (hint as CounterResetHint) : CounterResetHint.Unknown,
      schema,
      zeroThreshold,
      zeroCount,
      count,
      sum,
      positiveSpans: posSpans.length > 0 ? posSpans : NO_SPANS,
      positiveBuckets: float ? orNone(posCounts) : absolute(posDeltas),
      negativeSpans: negSpans.length > 0 ? negSpans : NO_SPANS,
      negativeBuckets: float ? orNone(negCounts) : absolute(negDeltas),
      ...(custom !== undefined ? { customValues: custom } : {}),
    };
    return { t, startT, h };
  }

  /** The sum keeps the stale marker's bits: read through a Float64Array, never a DataView getter. */
  private sumBits(end: number): number {
    const scratch = new Float64Array(1);
    this.doubleInto(new Uint8Array(scratch.buffer), 0, end);
    return scratch[0]!;
  }
}

function orNone(xs: number[]): readonly number[] {
  return xs.length > 0 ? xs : NO_NUMBERS;
}

/** Delta-encoded integer bucket counts → absolute counts. */
function absolute(deltas: number[]): readonly number[] {
  let c = 0;
  for (let i = 0; i < deltas.length; i++) {
    c += deltas[i]!;
    deltas[i] = c;
  }
  return orNone(deltas);
}
