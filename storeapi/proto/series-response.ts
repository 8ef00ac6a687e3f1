// thanos.SeriesResponse, the message of every Series stream, encoded and decoded by hand: sizes
// computed first, then one Buffer written in one pass; decoding straight into the plain-object shape
// with chunk bytes as views, or (a client's stream) straight into the store's types, checking chunks
// as they are read. Field numbers are those of THANOS_PROTO in thanos.ts (the definitions
// everything else uses); wire.test.ts reads these bytes with an independent reader and checks that
// protobufjs decodes them the same and that these functions decode what protobufjs writes.
import type { AggrChunk, Chunk, Series } from "../types.js";
import { ChunkEncoding } from "../types.js";
import { histogramChunkHeaderError, xorChunkHeaderError } from "../chunkenc/index.js";
import {
  WireDecodeError,
  chunkEncodingFromWire,
  fromWireInt64,
  wireChunkEncoding,
  type WireAggrChunk,
  type WireAny,
  type WireChunk,
  type WireInt64,
  type WireLabel,
  type WireSeries,
  type WireSeriesResponse,
} from "./thanos.js";

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
const AGGR_RAW = (3 << 3) | LEN;
const AGGR_COUNT = (4 << 3) | LEN;
const AGGR_SUM = (5 << 3) | LEN;
const AGGR_MIN = (6 << 3) | LEN;
const AGGR_MAX = (7 << 3) | LEN;
const AGGR_COUNTER = (8 << 3) | LEN;
const CHUNK_TYPE = (1 << 3) | VARINT;
const CHUNK_DATA = (2 << 3) | LEN;
const CHUNK_HASH = (3 << 3) | VARINT;
const ANY_TYPE_URL = (1 << 3) | LEN;
const ANY_VALUE = (2 << 3) | LEN;


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

function lenFieldSize(bodyBytes: number): number {
  return 1 + varintSize(bodyBytes) + bodyBytes;
}

function bytesFieldSize(b: Uint8Array): number {
  return b.length === 0 ? 0 : lenFieldSize(b.length);
}

/** A thanos.Chunk's body size from its fields (a wire object's, or a store chunk's with its wire number). */
function chunkFieldsSize(type: number, data: Uint8Array, hash: WireInt64 | undefined): number {
  let n = 0;
  if (type !== 0) n += 1 + varintSize(type);
  if (data.length > 0) n += lenFieldSize(data.length);
  return n + int64Size(hash);
}

function chunkSize(c: WireChunk): number {
  return chunkFieldsSize(c.type, c.data, c.hash);
}

/**
 * What the write pass needs from the size pass, in write order: the body size of every nested
 * message (series, aggregate chunk, chunk part) and the encoded label fields of every series.
 */
class Plan {
  readonly sizes: number[] = [];
  readonly labels: Uint8Array[] = [];
  private nextSize = 0;
  private nextLabels = 0;

  /** Reserves a size slot, filled once the message's fields are counted. */
  open(): number {
    this.sizes.push(0);
    return this.sizes.length - 1;
  }

  size(): number {
    return this.sizes[this.nextSize++]!;
  }

  labelFields(): Uint8Array {
    return this.labels[this.nextLabels++]!;
  }
}

/** Writes into a buffer sized in advance. */
class Writer {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

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

  bytes(key: number, data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    this.buf[this.pos++] = key;
    this.varint(n);
    this.raw(data);
  }

  /** Bytes already encoded, copied as they are. */
  raw(data: Uint8Array): void {
    const n = data.length;
    const buf = this.buf;
    if (n > 32) {
      buf.set(data, this.pos);
      this.pos += n;
      return;
    }
    // A short copy in JS beats the native call's overhead.
    for (let i = 0; i < n; i++) buf[this.pos++] = data[i]!;
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

/** A part's field size, its body size planned for the write. */
function partSize(chunk: WireChunk | null | undefined, plan: Plan): number {
  if (chunk == null) return 0;
  const body = chunkSize(chunk);
  plan.sizes.push(body);
  return lenFieldSize(body);
}

function writeChunkFields(w: Writer, type: number, data: Uint8Array, hash: WireInt64 | undefined): void {
  if (type !== 0) {
    w.buf[w.pos++] = CHUNK_TYPE;
    w.varint(type);
  }
  w.bytes(CHUNK_DATA, data);
  w.int64(CHUNK_HASH, hash);
}

function writeChunk(w: Writer, c: WireChunk): void {
  writeChunkFields(w, c.type, c.data, c.hash);
}

function writePart(w: Writer, key: number, chunk: WireChunk | null | undefined, plan: Plan): void {
  if (chunk == null) return;
  w.open(key, plan.size());
  writeChunk(w, chunk);
}

// Each part by name, not by a loop over names: one object shape, plain property reads.
function writeAggrChunk(w: Writer, c: WireAggrChunk, plan: Plan): void {
  w.int64(AGGR_MIN_TIME, c.minTime);
  w.int64(AGGR_MAX_TIME, c.maxTime);
  writePart(w, AGGR_RAW, c.raw, plan);
  writePart(w, AGGR_COUNT, c.count, plan);
  writePart(w, AGGR_SUM, c.sum, plan);
  writePart(w, AGGR_MIN, c.min, plan);
  writePart(w, AGGR_MAX, c.max, plan);
  writePart(w, AGGR_COUNTER, c.counter, plan);
}

function writeSeries(w: Writer, s: WireSeries, plan: Plan): void {
  w.raw(plan.labelFields());
  for (const c of s.chunks) {
    w.open(SERIES_CHUNKS, plan.size());
    writeAggrChunk(w, c, plan);
  }
}

// ── a store's series, written as they are (no wire objects made per series) ──

/** A store chunk's wire number; one the wire has none for is the store's error. */
function storeChunkType(c: Chunk): number {
  const type = wireChunkEncoding(c.encoding);
  if (type === undefined) throw new Error(`store returned a chunk with unknown encoding ${c.encoding}`);
  return type;
}

function storePartSize(c: Chunk | undefined): number {
  return c === undefined ? 0 : lenFieldSize(chunkFieldsSize(storeChunkType(c), c.data, undefined));
}

function storeAggrBody(c: AggrChunk): number {
  return (
    int64Size(c.minTime) +
    int64Size(c.maxTime) +
    storePartSize(c.raw) +
    storePartSize(c.count) +
    storePartSize(c.sum) +
    storePartSize(c.min) +
    storePartSize(c.max) +
    storePartSize(c.counter)
  );
}

function writeStorePart(w: Writer, key: number, c: Chunk | undefined): void {
  if (c === undefined) return;
  const type = storeChunkType(c);
  w.open(key, chunkFieldsSize(type, c.data, undefined));
  writeChunkFields(w, type, c.data, undefined);
}

function writeStoreAggr(w: Writer, c: AggrChunk): void {
  w.int64(AGGR_MIN_TIME, c.minTime);
  w.int64(AGGR_MAX_TIME, c.maxTime);
  writeStorePart(w, AGGR_RAW, c.raw);
  writeStorePart(w, AGGR_COUNT, c.count);
  writeStorePart(w, AGGR_SUM, c.sum);
  writeStorePart(w, AGGR_MIN, c.min);
  writeStorePart(w, AGGR_MAX, c.max);
  writeStorePart(w, AGGR_COUNTER, c.counter);
}

/** Most distinct label strings one encoder keeps the bytes of. */
const STRING_CACHE_LIMIT = 1 << 16;

/**
 * A series' label fields as encoded (keys, lengths and UTF-8 bytes of every label), by label set.
 * Stores hand out the same label set object query after query (the gateway's index cache, the
 * head's series): shared by the encoders of a server, such a series' labels are encoded once.
 */
export type LabelFieldsCache = WeakMap<readonly WireLabel[], Uint8Array>;

/**
 * Encodes the SeriesResponses of one stream. Label names and values come from a store's symbol
 * table, so the same strings recur series after series: their UTF-8 bytes are kept (up to
 * STRING_CACHE_LIMIT strings) and copied, not encoded again; a label set met before (in
 * `labelFields`, shared across streams) is copied whole.
 */
export class SeriesResponseEncoder {
  private readonly utf8 = new Map<string, Uint8Array>();

  constructor(private readonly labelFieldsCache: LabelFieldsCache = new WeakMap()) {}

  private stringBytes(s: string): Uint8Array {
    let bytes = this.utf8.get(s);
    if (bytes !== undefined) return bytes;
    bytes = Buffer.from(s, "utf8");
    if (this.utf8.size < STRING_CACHE_LIMIT) this.utf8.set(s, bytes);
    return bytes;
  }

  private aggrChunkSize(c: WireAggrChunk, plan: Plan): number {
    const slot = plan.open();
    const n =
      int64Size(c.minTime) +
      int64Size(c.maxTime) +
      partSize(c.raw, plan) +
      partSize(c.count, plan) +
      partSize(c.sum, plan) +
      partSize(c.min, plan) +
      partSize(c.max, plan) +
      partSize(c.counter, plan);
    plan.sizes[slot] = n;
    return n;
  }

  /** The series' repeated `labels` field, encoded (from the cache when this label set was met before). */
  private labelFields(labels: readonly WireLabel[]): Uint8Array {
    const cached = this.labelFieldsCache.get(labels);
    if (cached !== undefined) return cached;
    let size = 0;
    for (const l of labels) size += lenFieldSize(bytesFieldSize(this.stringBytes(l.name)) + bytesFieldSize(this.stringBytes(l.value)));
    // Its own small buffer, not a slice of Node's shared pool (which a kept slice would pin whole).
    const w = new Writer(new Uint8Array(size));
    for (const l of labels) {
      const name = this.stringBytes(l.name);
      const value = this.stringBytes(l.value);
      w.open(SERIES_LABELS, bytesFieldSize(name) + bytesFieldSize(value));
      w.bytes(LABEL_NAME, name);
      w.bytes(LABEL_VALUE, value);
    }
    this.labelFieldsCache.set(labels, w.buf);
    return w.buf;
  }

  private seriesSize(s: WireSeries, plan: Plan): number {
    const slot = plan.open();
    const labels = this.labelFields(s.labels);
    plan.labels.push(labels);
    let n = labels.length;
    for (const c of s.chunks) n += lenFieldSize(this.aggrChunkSize(c, plan));
    plan.sizes[slot] = n;
    return n;
  }

  /** Message sizes of the series being written (series body, then each chunk's), kept for reuse. */
  private sizes = new Uint32Array(1024);
  private labelBytes: Uint8Array[] = [];

  private reserveSizes(n: number): void {
    if (n > this.sizes.length) this.sizes = new Uint32Array(Math.max(n, 2 * this.sizes.length));
  }

  /**
   * The bytes of a SeriesResponse holding a store's series[from, to): a batch, or (`batch` false,
   * one series) the series case. The same bytes encode() writes for those series as wire objects,
   * with none made. Throws naming a chunk encoding the wire has no number for.
   */
  encodeStoreSeries(series: readonly Series[], from: number, to: number, batch: boolean): Buffer {
    let slots = to - from;
    for (let i = from; i < to; i++) slots += series[i]!.chunks.length;
    this.reserveSizes(slots);
    const sizes = this.sizes;
    const labelBytes = this.labelBytes;
    let k = 0;
    let body = 0;
    for (let i = from; i < to; i++) {
      const s = series[i]!;
      const labels = this.labelFields(s.labels);
      labelBytes[i - from] = labels;
      const slot = k++;
      let n = labels.length;
      for (const c of s.chunks) {
        const a = storeAggrBody(c);
        sizes[k++] = a;
        n += lenFieldSize(a);
      }
      sizes[slot] = n;
      body += lenFieldSize(n);
    }
    const outer = batch ? body : sizes[0]!;
    const buf = Buffer.allocUnsafe(lenFieldSize(outer));
    const w = new Writer(buf);
    w.open(batch ? RESPONSE_BATCH : RESPONSE_SERIES, outer);
    k = 0;
    for (let i = from; i < to; i++) {
      const s = series[i]!;
      if (batch) w.open(BATCH_SERIES, sizes[k]!);
      k++;
      w.raw(labelBytes[i - from]!);
      for (const c of s.chunks) {
        w.open(SERIES_CHUNKS, sizes[k++]!);
        writeStoreAggr(w, c);
      }
    }
    return buf;
  }

  /** The bytes of a SeriesResponse: whichever of series, batch, hints, warning is set (in that order of precedence). */
  encode(r: WireSeriesResponse): Buffer {
    const plan = new Plan();
    if (r.series != null) {
      const body = this.seriesSize(r.series, plan);
      const buf = Buffer.allocUnsafe(lenFieldSize(body));
      const w = new Writer(buf);
      w.open(RESPONSE_SERIES, plan.size());
      writeSeries(w, r.series, plan);
      return buf;
    }
    if (r.batch != null) {
      let body = 0;
      for (const s of r.batch.series) body += lenFieldSize(this.seriesSize(s, plan));
      const buf = Buffer.allocUnsafe(lenFieldSize(body));
      const w = new Writer(buf);
      w.open(RESPONSE_BATCH, body);
      for (const s of r.batch.series) {
        w.open(BATCH_SERIES, plan.size());
        writeSeries(w, s, plan);
      }
      return buf;
    }
    if (r.hints != null) {
      const typeUrl = Buffer.from(r.hints.typeUrl, "utf8");
      const body = bytesFieldSize(typeUrl) + bytesFieldSize(r.hints.value);
      const buf = Buffer.allocUnsafe(lenFieldSize(body));
      const w = new Writer(buf);
      w.open(RESPONSE_HINTS, body);
      w.bytes(ANY_TYPE_URL, typeUrl);
      w.bytes(ANY_VALUE, r.hints.value);
      return buf;
    }
    if (r.warning === undefined) return Buffer.alloc(0);
    // An empty warning is still a warning: the oneof case is set even when the string is empty.
    const warning = Buffer.from(r.warning, "utf8");
    const buf = Buffer.allocUnsafe(lenFieldSize(warning.length));
    const w = new Writer(buf);
    w.open(RESPONSE_WARNING, warning.length);
    w.buf.set(warning, w.pos);
    return buf;
  }
}

/** The bytes of one SeriesResponse (a stream writes through one SeriesResponseEncoder instead). */
export function encodeSeriesResponse(r: WireSeriesResponse): Buffer {
  return new SeriesResponseEncoder().encode(r);
}

// ── reading ──

const EMPTY_BYTES = new Uint8Array(0);

/**
 * A series' labels and chunks as read, copied out at their length (an array grown by push holds
 * 16), and the chunks a store-typed read left out. Written by index, never emptied: emptying an
 * array gives up its storage.
 */
class ReadScratch {
  readonly labels: WireLabel[] = [];
  readonly wireChunks: WireAggrChunk[] = [];
  readonly storeChunks: AggrChunk[] = [];
  readonly dropped: DroppedChunk[] = [];
}

/** Reads fields from bytes[pos, end); `end` is the innermost open message's end (see enter/leave). */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    /** The labels of the series read last (see readSeries). */
    public previous: readonly WireLabel[],
    readonly scratch: ReadScratch = new ReadScratch(),
  ) {}

  /** The fields of the thanos.Chunk read last (readChunkFields). */
  chunkType = 0;
  chunkData: Uint8Array = EMPTY_BYTES;
  chunkHash = 0;

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

  /**
   * A varint as a number: an int64's two's complement comes out negative; beyond ±2^53 it is
   * rounded, as protobufjs's longs: Number (fromWireInt64 clamps such bounds).
   */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw this.truncated();
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let lo = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) throw this.truncated();
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return lo;
      }
    }
    if (pos >= end) throw this.truncated();
    b = buf[pos++]!;
    lo = (lo | ((b & 0x0f) << 28)) >>> 0;
    let hi = (b & 0x7f) >>> 4;
    for (let shift = 3; b >= 0x80; shift += 7) {
      if (shift > 31) throw new WireDecodeError(`varint longer than 10 bytes at byte ${pos}`);
      if (pos >= end) throw this.truncated();
      b = buf[pos++]!;
      hi = (hi | ((b & 0x7f) << shift)) >>> 0;
    }
    this.pos = pos;
    if (hi < 0x80000000) return hi * TWO_32 + lo;
    return -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1);
  }

  /** A field's key; field number 0 does not exist. */
  key(): number {
    const key = this.varint();
    if (key >>> 3 === 0) throw new WireDecodeError(`field number 0 at byte ${this.pos}`);
    return key;
  }

  /** The end of a length-delimited field's body, checked against the message's end. */
  length(): number {
    const n = this.varint();
    if (n < 0) throw new WireDecodeError(`negative field length at byte ${this.pos}`);
    if (n > this.end - this.pos) throw new WireDecodeError(`field length ${n} at byte ${this.pos} runs past the end (${this.end - this.pos} bytes left)`);
    return this.pos + n;
  }

  /** A string field; `same` when its bytes are that string's (ASCII), so no new string is made. */
  string(same?: string): string {
    const end = this.length();
    const start = this.pos;
    this.pos = end;
    if (same !== undefined && sameAscii(same, this.buf, start, end)) return same;
    return this.buf.toString("utf8", start, end);
  }

  /** A bytes field as a plain Uint8Array view (cheaper to make than a Buffer's subarray). */
  bytes(): Uint8Array {
    const end = this.length();
    const start = this.pos;
    this.pos = end;
    const buf = this.buf;
    return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
  }

  /** Skips a field of an unknown number (proto3: unknown fields are ignored). */
  skip(key: number): void {
    switch (key & 7) {
      case VARINT:
        this.varint();
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

/** Whether the bytes are the string's, all ASCII (a non-ASCII string is decoded anew). */
function sameAscii(s: string, buf: Buffer, start: number, end: number): boolean {
  // Values of neighbouring series often differ only at the end (host-1, host-2).
  if (s.length !== end - start || (end > start && s.charCodeAt(end - start - 1) !== buf[end - 1])) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i - start);
    if (c !== buf[i] || c >= 0x80) return false;
  }
  return true;
}

/**
 * One label. Series arrive sorted, so a label is often the one at the same place in the series
 * before (its name nearly always): then that label's strings, or the label itself, are reused.
 */
function readLabel(r: Reader, before: WireLabel | undefined): WireLabel {
  let name = "";
  let value = "";
  while (r.pos < r.end) {
    const key = r.key();
    if (key === LABEL_NAME) name = r.string(before?.name);
    else if (key === LABEL_VALUE) value = r.string(before?.value);
    else if (key >>> 3 <= 2) throw r.wrongType(key);
    else r.skip(key);
  }
  return before !== undefined && name === before.name && value === before.value ? before : { name, value };
}

/** Reads a thanos.Chunk's fields into r.chunkType, r.chunkData and r.chunkHash. */
function readChunkFields(r: Reader): void {
  r.chunkType = 0;
  r.chunkData = EMPTY_BYTES;
  r.chunkHash = 0;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === CHUNK_TYPE) r.chunkType = r.varint();
    else if (key === CHUNK_DATA) r.chunkData = r.bytes();
    else if (key === CHUNK_HASH) r.chunkHash = r.varint();
    else if (key >>> 3 <= 3) throw r.wrongType(key);
    else r.skip(key);
  }
}

function readChunk(r: Reader): WireChunk {
  readChunkFields(r);
  return { type: r.chunkType, data: r.chunkData, hash: r.chunkHash };
}

function readAggrChunk(r: Reader): WireAggrChunk {
  // Every field present from the start: one object shape for all aggregate chunks.
  const c: { -readonly [K in keyof WireAggrChunk]: WireAggrChunk[K] } = { minTime: 0, maxTime: 0, raw: null, count: null, sum: null, min: null, max: null, counter: null };
  while (r.pos < r.end) {
    const key = r.key();
    const field = key >>> 3;
    if (key === AGGR_MIN_TIME) c.minTime = r.varint();
    else if (key === AGGR_MAX_TIME) c.maxTime = r.varint();
    else if (field <= 2) throw r.wrongType(key);
    else if (field <= 8) {
      if ((key & 7) !== LEN) throw r.wrongType(key);
      const outer = r.enter();
      const chunk = readChunk(r);
      r.leave(outer);
      if (key === AGGR_RAW) c.raw = chunk;
      else if (key === AGGR_COUNT) c.count = chunk;
      else if (key === AGGR_SUM) c.sum = chunk;
      else if (key === AGGR_MIN) c.min = chunk;
      else if (key === AGGR_MAX) c.max = chunk;
      else c.counter = chunk;
    } else r.skip(key);
  }
  return c;
}

/** A series' labels, and its chunks as `readOneChunk` gives them (undefined: left out), gathered in `chunks` first. */
function readSeriesWith<C>(r: Reader, readOneChunk: (r: Reader) => C | undefined, chunks: C[]): { labels: WireLabel[]; chunks: C[] } {
  const labels = r.scratch.labels;
  let nLabels = 0;
  let nChunks = 0;
  while (r.pos < r.end) {
    const key = r.key();
    if (key === SERIES_LABELS) {
      const outer = r.enter();
      labels[nLabels] = readLabel(r, r.previous[nLabels]);
      nLabels++;
      r.leave(outer);
    } else if (key === SERIES_CHUNKS) {
      const outer = r.enter();
      const chunk = readOneChunk(r);
      if (chunk !== undefined) chunks[nChunks++] = chunk;
      r.leave(outer);
    }
    else if (key >>> 3 === 1 || key >>> 3 === 2) throw r.wrongType(key);
    else r.skip(key);
  }
  const series = { labels: labels.slice(0, nLabels), chunks: chunks.slice(0, nChunks) };
  r.previous = series.labels;
  return series;
}

function readSeries(r: Reader): WireSeries {
  return readSeriesWith(r, readAggrChunk, r.scratch.wireChunks);
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

/** Calls `readOne` with the reader on each series of a thanos.SeriesBatch. */
function forEachBatchSeries(r: Reader, readOne: (r: Reader) => void): void {
  while (r.pos < r.end) {
    const key = r.key();
    if (key === BATCH_SERIES) {
      const outer = r.enter();
      readOne(r);
      r.leave(outer);
    }
    else if (key >>> 3 === 1) throw r.wrongType(key);
    else r.skip(key);
  }
}

function readBatch(r: Reader): WireSeries[] {
  const series: WireSeries[] = [];
  forEachBatchSeries(r, (inner) => series.push(readSeries(inner)));
  return series;
}

/** Why a reader leaves a chunk a store sent out of its series (the label of its drop counter). */
export type ChunkDropReason = "unknown_encoding" | "corrupt_chunk";

/** A chunk left out of a series as read: its time range, and why. */
export interface DroppedChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly reason: ChunkDropReason;
  readonly why: string;
}

/** A chunk left out of `series[series]` of a StoreSeriesRead. */
export interface DroppedSeriesChunk extends DroppedChunk {
  readonly series: number;
}

/** SeriesResponses read straight into the store's types (SeriesResponseDecoder.decodeInto), in arrival order. */
export interface StoreSeriesRead {
  /** Each series with the chunks a reader can use (the rest are in notes). */
  readonly series: Series[];
  /** The store's warnings, and the chunks left out (each after the series it belonged to). */
  readonly notes: (string | DroppedSeriesChunk)[];
}

const PART_NAMES = ["", "", "", "raw", "count", "sum", "min", "max", "counter"] as const;

/** The thanos.Chunk just read (readChunkFields) as the store's Chunk, or why it cannot be read. */
function storePart(r: Reader, part: string): Chunk | { reason: ChunkDropReason; why: string } {
  const encoding = chunkEncodingFromWire(r.chunkType);
  if (encoding === undefined) return { reason: "unknown_encoding", why: `${part} chunk has unknown encoding ${r.chunkType}` };
  const data = r.chunkData;
  const problem = encoding === ChunkEncoding.XOR ? xorChunkHeaderError(data) : histogramChunkHeaderError(data);
  if (problem !== undefined) return { reason: "corrupt_chunk", why: `${part} ${encoding === ChunkEncoding.XOR ? "XOR" : "histogram"} chunk: ${problem}` };
  return { encoding, data };
}

/** A chunk a store-typed read leaves out: noted in the scratch, for the series being read. */
function dropChunk(r: Reader, minTime: number, maxTime: number, reason: ChunkDropReason, why: string): undefined {
  r.scratch.dropped.push({ minTime, maxTime, reason, why });
  return undefined;
}

/** A thanos.AggrChunk as the store's AggrChunk; undefined (and noted) when a part cannot be read. */
function readStoreAggrChunk(r: Reader): AggrChunk | undefined {
  let wireMin = 0;
  let wireMax = 0;
  // By field number (3 raw … 8 counter); raw-only chunks, the common case, make no array.
  let parts: (Chunk | { reason: ChunkDropReason; why: string } | undefined)[] | undefined;
  let raw: Chunk | { reason: ChunkDropReason; why: string } | undefined;
  while (r.pos < r.end) {
    const key = r.key();
    const field = key >>> 3;
    if (key === AGGR_MIN_TIME) wireMin = r.varint();
    else if (key === AGGR_MAX_TIME) wireMax = r.varint();
    else if (field <= 2) throw r.wrongType(key);
    else if (field <= 8) {
      if ((key & 7) !== LEN) throw r.wrongType(key);
      const outer = r.enter();
      readChunkFields(r);
      r.leave(outer);
      const part = storePart(r, PART_NAMES[field]!);
      if (field === 3) raw = part;
      else (parts ??= [])[field] = part;
    } else r.skip(key);
  }
  const minTime = fromWireInt64(wireMin);
  const maxTime = fromWireInt64(wireMax);
  if (minTime > maxTime) return dropChunk(r, minTime, maxTime, "corrupt_chunk", "min_time after max_time");
  if (parts === undefined) {
    if (raw === undefined) return dropChunk(r, minTime, maxTime, "corrupt_chunk", "no chunk data");
    if ("reason" in raw) return dropChunk(r, minTime, maxTime, raw.reason, raw.why);
    return { minTime, maxTime, raw };
  }
  parts[3] = raw;
  const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime, maxTime };
  for (let field = 3; field <= 8; field++) {
    const part = parts[field];
    if (part === undefined) continue;
    if ("reason" in part) return dropChunk(r, minTime, maxTime, part.reason, part.why);
    out[PART_NAMES[field] as "raw"] = part;
  }
  return out;
}

/** A chunk skipped unread (a skip_chunks request). */
function skipChunk(r: Reader): undefined {
  r.pos = r.end;
  return undefined;
}

/** One series into a StoreSeriesRead, the chunks it left out noted after it. */
function readStoreSeries(r: Reader, into: StoreSeriesRead, skipChunks: boolean): void {
  const s = readSeriesWith(r, skipChunks ? skipChunk : readStoreAggrChunk, r.scratch.storeChunks);
  into.series.push(s);
  const dropped = r.scratch.dropped;
  if (dropped.length === 0) return;
  for (const d of dropped) into.notes.push({ ...d, series: into.series.length - 1 });
  dropped.length = 0;
}

/** Decodes the SeriesResponses of one stream, reusing a series' labels in the next (see readLabel). */
export class SeriesResponseDecoder {
  private previous: readonly WireLabel[] = [];
  private readonly scratch = new ReadScratch();

  /**
   * Reads a SeriesResponse straight into the store's types, appending to `into` (the last oneof
   * case on the wire wins, as decode's): no wire objects are made. With `skipChunks` (the request
   * asked for none) chunks are not read. Throws WireDecodeError naming the message and what is wrong.
   */
  decodeInto(bytes: Uint8Array, into: StoreSeriesRead, skipChunks: boolean): void {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const r = new Reader(buf, 0, buf.length, this.previous, this.scratch);
    const seriesBefore = into.series.length;
    const notesBefore = into.notes.length;
    try {
      while (r.pos < r.end) {
        const key = r.key();
        const field = key >>> 3;
        if (field < 1 || field > 4) {
          r.skip(key);
          continue;
        }
        if ((key & 7) !== LEN) throw r.wrongType(key);
        // A later oneof case replaces what an earlier one in this message added.
        if (into.series.length !== seriesBefore) into.series.length = seriesBefore;
        if (into.notes.length !== notesBefore) into.notes.length = notesBefore;
        if (key === RESPONSE_WARNING) {
          into.notes.push(r.string());
          continue;
        }
        const outer = r.enter();
        if (key === RESPONSE_SERIES) readStoreSeries(r, into, skipChunks);
        else if (key === RESPONSE_HINTS) r.pos = r.end;
        else forEachBatchSeries(r, (inner) => readStoreSeries(inner, into, skipChunks));
        r.leave(outer);
      }
    } catch (err) {
      this.scratch.dropped.length = 0;
      if (!(err instanceof WireDecodeError)) throw err;
      throw new WireDecodeError(`cannot decode thanos.SeriesResponse from ${buf.length} bytes: ${err.message}`);
    }
    this.previous = r.previous;
  }

  /**
   * A SeriesResponse from its bytes: the oneof case set in `result` (the last one on the wire wins),
   * chunk data as views into `bytes`. Throws WireDecodeError naming the message and what is wrong.
   */
  decode(bytes: Uint8Array): WireSeriesResponse {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const r = new Reader(buf, 0, buf.length, this.previous, this.scratch);
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
    this.previous = r.previous;
    return out;
  }
}

/** One SeriesResponse from its bytes (a stream reads through one SeriesResponseDecoder instead). */
export function decodeSeriesResponse(bytes: Uint8Array): WireSeriesResponse {
  return new SeriesResponseDecoder().decode(bytes);
}
