// thanos.SeriesResponse, the message of every Series stream, encoded and decoded by hand: sizes
// computed first, then one Buffer written in one pass; decoding straight into the plain-object shape
// with chunk bytes as views. Field numbers are those of THANOS_PROTO in thanos.ts (the definitions
// everything else uses); wire.test.ts reads these bytes with an independent reader and checks that
// protobufjs decodes them the same and that these functions decode what protobufjs writes.
import { WireDecodeError, type WireAggrChunk, type WireAny, type WireChunk, type WireInt64, type WireLabel, type WireSeries, type WireSeriesResponse } from "./thanos.js";

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

// Keys ((field << 3) | wire type) of the fields written.
const RESPONSE_SERIES = (1 << 3) | LEN;
const RESPONSE_WARNING = (2 << 3) | LEN;
const RESPONSE_HINTS = (3 << 3) | LEN;
const RESPONSE_BATCH = (4 << 3) | LEN;
const BATCH_SERIES = (1 << 3) | LEN;
const SERIES_LABELS = (1 << 3) | LEN;
const SERIES_CHUNKS = (2 << 3) | LEN;
const LABEL_NAME = (1 << 3) | LEN;
const LABEL_VALUE = (2 << 3) | LEN;
const AGGR_MIN_TIME = (1 << 3) | VARINT;
const AGGR_MAX_TIME = (2 << 3) | VARINT;
const CHUNK_TYPE = (1 << 3) | VARINT;
const CHUNK_DATA = (2 << 3) | LEN;
const CHUNK_HASH = (3 << 3) | VARINT;
const ANY_TYPE_URL = (1 << 3) | LEN;
const ANY_VALUE = (2 << 3) | LEN;

/** AggrChunk's sub-chunks in field order (raw = 3 … counter = 8). */
const AGGR_PARTS = ["raw", "count", "sum", "min", "max", "counter"] as const;
type AggrPart = (typeof AGGR_PARTS)[number];

const TWO_32 = 4294967296;

// ── sizes ──

function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 2 ** 35) return 5;
  if (n < 2 ** 42) return 6;
  if (n < 2 ** 49) return 7;
  if (n < 2 ** 56) return 8;
  return n < 2 ** 63 ? 9 : 10;
}

/** The 64-bit two's complement of a decimal int64 (how a WireInt64 carries math.MinInt64/MaxInt64): a rare, cold path. */
function int64Bits(v: string): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

function int64Size(v: WireInt64 | undefined): number {
  if (typeof v !== "string") return v === undefined || v === 0 ? 0 : 1 + varintSize(v);
  const bits = int64Bits(v);
  return bits === 0n ? 0 : 1 + Math.ceil(bits.toString(2).length / 7);
}

/** UTF-8 byte length; ASCII (label names and most values) without leaving JS. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, "utf8");
  return s.length;
}

function lenFieldSize(bodyBytes: number): number {
  return 1 + varintSize(bodyBytes) + bodyBytes;
}

/** Sizes of every nested message, in the order the writer needs them (pre-order). */
class Sizes {
  readonly list: number[] = [];
  private next = 0;

  /** Reserves a slot for a message size, to fill once its fields are counted. */
  open(): number {
    this.list.push(0);
    return this.list.length - 1;
  }

  take(): number {
    return this.list[this.next++]!;
  }
}

function stringFieldSize(s: string): number {
  return s === "" ? 0 : lenFieldSize(utf8Length(s));
}

function chunkSize(c: WireChunk): number {
  let n = 0;
  if (c.type !== 0) n += 1 + varintSize(c.type);
  if (c.data.length > 0) n += lenFieldSize(c.data.length);
  return n + int64Size(c.hash);
}

function aggrChunkSize(c: WireAggrChunk, sizes: Sizes): number {
  const slot = sizes.open();
  let n = int64Size(c.minTime) + int64Size(c.maxTime);
  for (const part of AGGR_PARTS) {
    const chunk = c[part];
    if (chunk != null) n += lenFieldSize(chunkSize(chunk));
  }
  sizes.list[slot] = n;
  return n;
}

function seriesSize(s: WireSeries, sizes: Sizes): number {
  const slot = sizes.open();
  let n = 0;
  for (const l of s.labels) n += lenFieldSize(stringFieldSize(l.name) + stringFieldSize(l.value));
  for (const c of s.chunks) n += lenFieldSize(aggrChunkSize(c, sizes));
  sizes.list[slot] = n;
  return n;
}

// ── writing ──

/** Writes into a Buffer sized in advance. */
class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    const buf = this.buf;
    if (n >= 0 && n < TWO_32) {
      while (n >= 0x80) {
        buf[this.pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      buf[this.pos++] = n;
      return;
    }
    this.varint64(n);
  }

  /** Beyond 32 bits or negative: the 64-bit two's complement, as Go's int64 varint. */
  private varint64(n: number): void {
    const negative = n < 0;
    const m = negative ? -n : n;
    let lo = m >>> 0;
    let hi = Math.floor(m / TWO_32) >>> 0;
    if (negative) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    const buf = this.buf;
    while (hi !== 0 || lo >= 0x80) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  string(key: number, s: string): void {
    if (s === "") return;
    const bytes = utf8Length(s);
    this.buf[this.pos++] = key;
    this.varint(bytes);
    if (bytes === s.length && bytes <= 32) {
      for (let i = 0; i < bytes; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    this.pos += this.buf.write(s, this.pos, bytes, "utf8");
  }

  bytes(key: number, data: Uint8Array): void {
    if (data.length === 0) return;
    this.buf[this.pos++] = key;
    this.varint(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  int64(key: number, v: WireInt64 | undefined): void {
    if (v === undefined || v === 0) return;
    if (typeof v === "string") return this.int64String(key, v);
    this.buf[this.pos++] = key;
    this.varint(v);
  }

  private int64String(key: number, v: string): void {
    let bits = int64Bits(v);
    if (bits === 0n) return;
    this.buf[this.pos++] = key;
    while (bits >= 0x80n) {
      this.buf[this.pos++] = Number(bits & 0x7fn) | 0x80;
      bits >>= 7n;
    }
    this.buf[this.pos++] = Number(bits);
  }

  /** A length-delimited field's key and length; the body follows. */
  open(key: number, bodyBytes: number): void {
    this.buf[this.pos++] = key;
    this.varint(bodyBytes);
  }
}

function writeChunk(w: Writer, c: WireChunk): void {
  if (c.type !== 0) {
    w.buf[w.pos++] = CHUNK_TYPE;
    w.varint(c.type);
  }
  w.bytes(CHUNK_DATA, c.data);
  w.int64(CHUNK_HASH, c.hash);
}

function writeAggrChunk(w: Writer, c: WireAggrChunk): void {
  w.int64(AGGR_MIN_TIME, c.minTime);
  w.int64(AGGR_MAX_TIME, c.maxTime);
  for (let i = 0; i < AGGR_PARTS.length; i++) {
    const chunk = c[AGGR_PARTS[i]!];
    if (chunk == null) continue;
    w.open(((i + 3) << 3) | LEN, chunkSize(chunk));
    writeChunk(w, chunk);
  }
}

function writeSeries(w: Writer, s: WireSeries, sizes: Sizes): void {
  for (const l of s.labels) {
    w.open(SERIES_LABELS, stringFieldSize(l.name) + stringFieldSize(l.value));
    w.string(LABEL_NAME, l.name);
    w.string(LABEL_VALUE, l.value);
  }
  for (const c of s.chunks) {
    w.open(SERIES_CHUNKS, sizes.take());
    writeAggrChunk(w, c);
  }
}

function anySize(a: WireAny): number {
  return stringFieldSize(a.typeUrl) + (a.value.length > 0 ? lenFieldSize(a.value.length) : 0);
}

/** The bytes of a SeriesResponse: whichever of series, batch, warning, hints is set (in that order of precedence). */
export function encodeSeriesResponse(r: WireSeriesResponse): Buffer {
  const sizes = new Sizes();
  if (r.series != null) {
    const body = seriesSize(r.series, sizes);
    const w = new Writer(Buffer.allocUnsafe(lenFieldSize(body)));
    w.open(RESPONSE_SERIES, sizes.take());
    writeSeries(w, r.series, sizes);
    return w.buf;
  }
  if (r.batch != null) {
    let body = 0;
    for (const s of r.batch.series) body += lenFieldSize(seriesSize(s, sizes));
    const w = new Writer(Buffer.allocUnsafe(lenFieldSize(body)));
    w.open(RESPONSE_BATCH, body);
    for (const s of r.batch.series) {
      w.open(BATCH_SERIES, sizes.take());
      writeSeries(w, s, sizes);
    }
    return w.buf;
  }
  if (r.hints != null) {
    const body = anySize(r.hints);
    const w = new Writer(Buffer.allocUnsafe(lenFieldSize(body)));
    w.open(RESPONSE_HINTS, body);
    w.string(ANY_TYPE_URL, r.hints.typeUrl);
    w.bytes(ANY_VALUE, r.hints.value);
    return w.buf;
  }
  const warning = r.warning;
  if (warning === undefined) return Buffer.alloc(0);
  const bytes = utf8Length(warning);
  const w = new Writer(Buffer.allocUnsafe(lenFieldSize(bytes)));
  // An empty warning is still a warning: the oneof case is set even when the string is empty.
  w.open(RESPONSE_WARNING, bytes);
  w.pos += w.buf.write(warning, w.pos, bytes, "utf8");
  return w.buf;
}

// ── reading ──

/** Reads fields from bytes[pos, end); `end` is the innermost open message's end (see enter/leave). */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  /** Reads a length-delimited field's length and makes its body the message being read; returns the outer end. */
  enter(): number {
    const outer = this.end;
    this.end = this.length();
    return outer;
  }

  leave(outer: number): void {
    this.end = outer;
  }

  private truncated(): WireDecodeError {
    return new WireDecodeError(`truncated at byte ${this.pos}`);
  }

  /** A varint that must fit 32 bits unsigned (keys, lengths, enums). */
  uint32(): number {
    const buf = this.buf;
    if (this.pos < this.end && buf[this.pos]! < 0x80) return buf[this.pos++]!;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw this.truncated();
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result >= TWO_32) break;
        return result;
      }
    }
    // Enums are int32 on the wire: a negative one is 10 bytes; keep reading to its end, as a value.
    return this.int64FromRest(result);
  }

  private int64FromRest(partial: number): number {
    let lo = partial % TWO_32 >>> 0;
    let hi = Math.floor(partial / TWO_32) >>> 0;
    let shift = 3; // bits of hi already taken from the first five bytes
    const buf = this.buf;
    if (buf[this.pos - 1]! < 0x80) return hi * TWO_32 + lo;
    for (;;) {
      if (this.pos >= this.end) throw this.truncated();
      if (shift > 31) throw new WireDecodeError(`varint longer than 10 bytes at byte ${this.pos}`);
      const b = buf[this.pos++]!;
      hi = (hi | ((b & 0x7f) << shift)) >>> 0;
      shift += 7;
      if (b < 0x80) break;
    }
    if (hi < 0x80000000) return hi * TWO_32 + lo;
    // Negative: the two's complement's magnitude (exact within ±2^53, as protobufjs with longs: Number).
    lo = ~lo >>> 0;
    hi = ~hi >>> 0;
    return -(hi * TWO_32 + lo + 1);
  }

  /** An int64 varint as a number (beyond ±2^53 rounded; fromWireInt64 clamps such bounds). */
  int64(): number {
    const buf = this.buf;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw this.truncated();
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    return this.int64FromRest(result);
  }

  /** A field's key; field number 0 does not exist. */
  key(): number {
    const key = this.uint32();
    if (key >>> 3 === 0) throw new WireDecodeError(`field number 0 at byte ${this.pos}`);
    return key;
  }

  /** The end of a length-delimited field's body, checked against the message's end. */
  length(): number {
    const n = this.uint32();
    if (n > this.end - this.pos) throw new WireDecodeError(`field length ${n} at byte ${this.pos} runs past the end (${this.end - this.pos} bytes left)`);
    return this.pos + n;
  }

  string(): string {
    const end = this.length();
    const start = this.pos;
    this.pos = end;
    return this.buf.toString("utf8", start, end);
  }

  bytes(): Uint8Array {
    const end = this.length();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  /** Skips a field of an unknown number (proto3: unknown fields are ignored). */
  skip(key: number): void {
    switch (key & 7) {
      case VARINT:
        this.int64();
        return;
      case I64:
        this.advance(8);
        return;
      case LEN:
        this.pos = this.length();
        return;
      case I32:
        this.advance(4);
        return;
      default:
        throw new WireDecodeError(`field ${key >>> 3} has invalid wire type ${key & 7} at byte ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw this.truncated();
    this.pos += n;
  }

  /** A field of a known number with the wrong wire type. */
  wrongType(key: number): WireDecodeError {
    return new WireDecodeError(`field ${key >>> 3} has wire type ${key & 7} at byte ${this.pos}`);
  }
}

function readLabel(r: Reader): WireLabel {
  let name = "";
  let value = "";
  while (r.pos < r.end) {
    const key = r.key();
    if (key === LABEL_NAME) name = r.string();
    else if (key === LABEL_VALUE) value = r.string();
    else if (key >>> 3 <= 2) throw r.wrongType(key);
    else r.skip(key);
  }
  return { name, value };
}

function readChunk(r: Reader): WireChunk {
  let type = 0;
  let data: Uint8Array = r.buf.subarray(0, 0);
  let hash = 0;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === CHUNK_TYPE) type = r.uint32();
    else if (key === CHUNK_DATA) data = r.bytes();
    else if (key === CHUNK_HASH) hash = r.int64();
    else if (key >>> 3 <= 3) throw r.wrongType(key);
    else r.skip(key);
  }
  return { type, data, hash };
}

function readAggrChunk(r: Reader): WireAggrChunk {
  const c: { -readonly [K in keyof WireAggrChunk]: WireAggrChunk[K] } = { minTime: 0, maxTime: 0 };
  while (r.pos < r.end) {
    const key = r.key();
    const field = key >>> 3;
    if (key === AGGR_MIN_TIME) c.minTime = r.int64();
    else if (key === AGGR_MAX_TIME) c.maxTime = r.int64();
    else if (field <= 2) throw r.wrongType(key);
    else if (field <= 8) {
      if ((key & 7) !== LEN) throw r.wrongType(key);
      const part: AggrPart = AGGR_PARTS[field - 3]!;
      const outer = r.enter();
      c[part] = readChunk(r);
      r.leave(outer);
    } else r.skip(key);
  }
  return c;
}

function readSeries(r: Reader): WireSeries {
  const labels: WireLabel[] = [];
  const chunks: WireAggrChunk[] = [];
  while (r.pos < r.end) {
    const key = r.key();
    if (key === SERIES_LABELS) {
      const outer = r.enter();
      labels.push(readLabel(r));
      r.leave(outer);
    } else if (key === SERIES_CHUNKS) {
      const outer = r.enter();
      chunks.push(readAggrChunk(r));
      r.leave(outer);
    }
    else if (key >>> 3 === 1 || key >>> 3 === 2) throw r.wrongType(key);
    else r.skip(key);
  }
  return { labels, chunks };
}

function readAny(r: Reader): WireAny {
  let typeUrl = "";
  let value: Uint8Array = r.buf.subarray(0, 0);
  while (r.pos < r.end) {
    const key = r.key();
    if (key === ANY_TYPE_URL) typeUrl = r.string();
    else if (key === ANY_VALUE) value = r.bytes();
    else if (key >>> 3 <= 2) throw r.wrongType(key);
    else r.skip(key);
  }
  return { typeUrl, value };
}

function readBatch(r: Reader): WireSeries[] {
  const series: WireSeries[] = [];
  while (r.pos < r.end) {
    const key = r.key();
    if (key === BATCH_SERIES) {
      const outer = r.enter();
      series.push(readSeries(r));
      r.leave(outer);
    }
    else if (key >>> 3 === 1) throw r.wrongType(key);
    else r.skip(key);
  }
  return series;
}

/**
 * A SeriesResponse from its bytes: the oneof case set in `result` (the last one on the wire wins),
 * chunk data as views into `bytes`. Throws WireDecodeError naming the message and what is wrong.
 */
export function decodeSeriesResponse(bytes: Uint8Array): WireSeriesResponse {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, 0, buf.length);
  let out: WireSeriesResponse = {};
  try {
    while (r.pos < r.end) {
      const key = r.key();
      const field = key >>> 3;
      if (field >= 1 && field <= 4 && (key & 7) !== LEN) throw r.wrongType(key);
      if (key === RESPONSE_WARNING) out = { warning: r.string(), result: "warning" };
      else if (field >= 1 && field <= 4) {
        const outer = r.enter();
        if (key === RESPONSE_SERIES) out = { series: readSeries(r), result: "series" };
        else if (key === RESPONSE_HINTS) out = { hints: readAny(r), result: "hints" };
        else out = { batch: { series: readBatch(r) }, result: "batch" };
        r.leave(outer);
      } else r.skip(key);
    }
  } catch (err) {
    if (!(err instanceof WireDecodeError)) throw err;
    throw new WireDecodeError(`cannot decode thanos.SeriesResponse from ${buf.length} bytes: ${err.message}`);
  }
  return out;
}
