// WAL record framing and the two record kinds: new series, and sample batches.
//
// Frame: [len u32 LE][crc32c u32 LE][type u8][payload]; len counts type + payload and the CRC covers
// them. Records never span segments, so every segment can be read on its own.
// Series payload: uvarint count, then per series uvarint ref, uvarint #labels, and per label
// uvarint byte length + UTF-8 name, uvarint byte length + UTF-8 value.
// Samples payload: uvarint count, then per sample zigzag(ref - previous ref), zigzag(t - previous t)
// (previous starts at 0) and the value's 8 raw little-endian bytes, so stale-NaN bits survive.
// The *WithStart kinds (written only when a row has a start timestamp) add, after the rows, a start
// column: per row uvarint 0 for none, else zigzag(start - t) + 1.
import type { Labels, Label } from "../../../storeapi/index.js";
import { crc32c } from "../../../storeapi/index.js";
import { ByteReader, putUvarint, unzigzag, zigzag } from "./varint.js";

export const RECORD_HEADER_SIZE = 9;

export const enum RecordType {
  Series = 1,
  Samples = 2,
  /** Native histogram samples (histogram-records.ts). */
  Histograms = 3,
  /** Samples with their start timestamps. */
  SamplesWithStart = 4,
  /** Histograms with their start timestamps. */
  HistogramsWithStart = 5,
}

/** Whether rows [from, to) have any start timestamp (the record then carries the column). */
export function hasStartTimestamps(sts: ArrayLike<number> | undefined, from: number, to: number): sts is ArrayLike<number> {
  if (sts === undefined) return false;
  for (let i = from; i < to; i++) if (sts[i] !== 0) return true;
  return false;
}

/** Bytes the start column of n rows may take. */
export const START_COLUMN_BYTES_PER_ROW = 10;

/** Writes the start column of rows [from, to). */
export function putStartColumn(buf: Uint8Array, pos: number, ts: ArrayLike<number>, sts: ArrayLike<number>, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const st = sts[i]!;
    if (st === 0) {
      buf[pos++] = 0;
      continue;
    }
    const d = st - ts[i]!;
    if (!Number.isSafeInteger(st) || !(Math.abs(d) < MAX_DELTA)) throw new RangeError(`row ${i}: start timestamp ${st} must be an integer within 2^52 of its sample's time`);
    pos = putUvarint(buf, pos, zigzag(d) + 1);
  }
  return pos;
}

/** Reads the start column of n rows whose times are ts into sts. */
export function readStartColumn(r: ByteReader, ts: ArrayLike<number>, n: number, sts: { [i: number]: number }): void {
  for (let i = 0; i < n; i++) {
    const u = r.uvarint();
    sts[i] = u === 0 ? 0 : ts[i]! + unzigzag(u - 1);
  }
}

export interface WalSeriesRecord {
  ref: number;
  labels: Labels;
}

export interface WalSampleRecord {
  ref: number;
  t: number;
  v: number;
}

const MAX_DELTA = 2 ** 52;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function seal(buf: Buffer, end: number, type: RecordType): Buffer {
  buf[8] = type;
  buf.writeUInt32LE(end - 8, 0);
  buf.writeUInt32LE(crc32c(buf, 8, end), 4);
  return buf.subarray(0, end);
}

// The record encoders keep each long loop in a function of its own that returns right after it: a
// first long record has the loop optimized mid-way (OSR), and what follows it in the same function
// had not run then, so the optimized code deopted there on later records (as crc32c's did). They
// run a few times a request, so a receiver's first ones run them in the baseline tiers, where
// for-of over an array costs an iterator call per element: their loops are indexed.

/** Encodes one series record (empty input: an empty record is still valid). */
export function encodeSeriesRecord(series: readonly WalSeriesRecord[]): Buffer {
  const buf = Buffer.allocUnsafe(seriesRecordBound(series));
  return seal(buf, putSeriesRows(buf, series), RecordType.Series);
}

/** Bytes a series record may take, without measuring: a UTF-16 unit takes at most 3 UTF-8 bytes. */
function seriesRecordBound(series: readonly WalSeriesRecord[]): number {
  let size = RECORD_HEADER_SIZE + 10;
  for (let i = 0; i < series.length; i++) {
    const labels = series[i]!.labels;
    size += 20;
    for (let k = 0; k < labels.length; k++) size += 10 + 3 * (labels[k]!.name.length + labels[k]!.value.length);
  }
  return size;
}

/** Writes the series record's payload after the header; returns its end. */
function putSeriesRows(buf: Buffer, series: readonly WalSeriesRecord[]): number {
  let pos = putUvarint(buf, RECORD_HEADER_SIZE, series.length);
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const labels = s.labels;
    pos = putUvarint(buf, pos, s.ref);
    pos = putUvarint(buf, pos, labels.length);
    for (let k = 0; k < labels.length; k++) {
      pos = putString(buf, pos, labels[k]!.name);
      pos = putString(buf, pos, labels[k]!.value);
    }
  }
  return pos;
}

/** Writes uvarint byte length + UTF-8 bytes; ASCII strings shorter than 128 take a loop, no native call. */
function putString(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n < 128) {
    let p = pos + 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return putUtf8String(buf, pos, s);
      buf[p++] = c;
    }
    buf[pos] = n;
    return p;
  }
  return putUtf8String(buf, pos, s);
}

function putUtf8String(buf: Buffer, pos: number, s: string): number {
  const n = Buffer.byteLength(s);
  pos = putUvarint(buf, pos, n);
  buf.write(s, pos, n, "utf8");
  return pos + n;
}

/**
 * Encodes samples i in [from, to) of the columns as one record. `vs` is read as raw bytes, never as
 * numbers, so NaN payloads (the stale marker) are kept bit for bit.
 */
export function encodeSamplesRecord(
  refs: ArrayLike<number>,
  ts: ArrayLike<number>,
  vs: Float64Array,
  from: number,
  to: number,
  /** Start timestamps by row (0: none); the record carries them when a row in range has one. */
  sts?: ArrayLike<number>,
): Buffer {
  const n = to - from;
  const withStart = hasStartTimestamps(sts, from, to);
  const buf = Buffer.allocUnsafe(RECORD_HEADER_SIZE + 10 + n * (24 + (withStart ? START_COLUMN_BYTES_PER_ROW : 0)));
  const pos = putSampleRows(buf, refs, ts, vs, from, to);
  if (!withStart) return seal(buf, pos, RecordType.Samples);
  return seal(buf, putStartColumn(buf, pos, ts, sts, from, to), RecordType.SamplesWithStart);
}

/** Writes rows [from, to) of a samples record after the header; returns their end. */
function putSampleRows(buf: Buffer, refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, from: number, to: number): number {
  const vb = new Uint8Array(vs.buffer, vs.byteOffset, vs.length * 8);
  let pos = putUvarint(buf, RECORD_HEADER_SIZE, to - from);
  let prevRef = 0;
  let prevT = 0;
  for (let i = from; i < to; i++) {
    const ref = refs[i];
    const t = ts[i];
    const dr = ref - prevRef;
    const dt = t - prevT;
    // Refs and timestamps must be integers whose deltas stay exact once zigzagged (|delta| < 2^52).
    if (Math.floor(dr) !== dr || Math.floor(dt) !== dt || !(Math.abs(dr) < MAX_DELTA && Math.abs(dt) < MAX_DELTA)) {
      throw new RangeError(`sample ${i}: ref ${ref} and timestamp ${t} must be integers with deltas below 2^52`);
    }
    pos = putUvarint(buf, pos, zigzag(dr));
    pos = putUvarint(buf, pos, zigzag(dt));
    prevRef = ref;
    prevT = t;
    const o = i * 8;
    if (LITTLE_ENDIAN) {
      buf[pos] = vb[o];
      buf[pos + 1] = vb[o + 1];
      buf[pos + 2] = vb[o + 2];
      buf[pos + 3] = vb[o + 3];
      buf[pos + 4] = vb[o + 4];
      buf[pos + 5] = vb[o + 5];
      buf[pos + 6] = vb[o + 6];
      buf[pos + 7] = vb[o + 7];
    } else {
      for (let k = 0; k < 8; k++) buf[pos + k] = vb[o + 7 - k];
    }
    pos += 8;
  }
  return pos;
}

/** Growable columns a samples record decodes into; valid up to `n`. */
export class SampleColumns {
  refs = new Float64Array(1024);
  ts = new Float64Array(1024);
  vs = new Float64Array(1024);
  vb = new Uint8Array(this.vs.buffer);
  /** Start timestamps (0: none), valid when the record had them (withStart). */
  sts = new Float64Array(1024);
  withStart = false;
  n = 0;

  reserve(n: number): void {
    if (n <= this.refs.length) return;
    let cap = this.refs.length;
    while (cap < n) cap *= 2;
    this.refs = new Float64Array(cap);
    this.ts = new Float64Array(cap);
    this.vs = new Float64Array(cap);
    this.vb = new Uint8Array(this.vs.buffer);
    this.sts = new Float64Array(cap);
  }
}

/** Decodes a samples payload in buf[start, end) into cols (replacing its contents); withStart: a SamplesWithStart record's. */
export function decodeSamplesPayload(buf: Uint8Array, start: number, end: number, cols: SampleColumns, withStart = false): void {
  const r = new ByteReader(buf, start, end);
  const n = r.uvarint();
  // Each sample takes at least 10 bytes: reject counts the payload cannot hold before allocating.
  if (n * 10 > end - r.pos) throw new RangeError(`sample count ${n} does not fit in ${end - r.pos} bytes`);
  cols.reserve(n);
  const { refs, ts, vb } = cols;
  let ref = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    ref += r.svarint();
    t += r.svarint();
    refs[i] = ref;
    ts[i] = t;
    const p = r.bytes(8);
    const o = i * 8;
    if (LITTLE_ENDIAN) {
      for (let k = 0; k < 8; k++) vb[o + k] = buf[p + k];
    } else {
      for (let k = 0; k < 8; k++) vb[o + k] = buf[p + 7 - k];
    }
  }
  if (withStart) readStartColumn(r, ts, n, cols.sts);
  if (r.pos !== end) throw new RangeError(`${end - r.pos} trailing bytes after ${n} samples`);
  cols.withStart = withStart;
  cols.n = n;
}

/** Decodes a series payload in buf[start, end). */
export function decodeSeriesPayload(buf: Uint8Array, start: number, end: number): WalSeriesRecord[] {
  const r = new ByteReader(buf, start, end);
  const n = r.uvarint();
  if (n * 2 > end - r.pos) throw new RangeError(`series count ${n} does not fit in ${end - r.pos} bytes`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: WalSeriesRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const ref = r.uvarint();
    const nl = r.uvarint();
    if (nl * 2 > end - r.pos) throw new RangeError(`label count ${nl} does not fit`);
    const labels: Label[] = new Array(nl);
    for (let j = 0; j < nl; j++) {
      const nameLen = r.uvarint();
      const ns = r.bytes(nameLen);
      const valueLen = r.uvarint();
      const vs = r.bytes(valueLen);
      labels[j] = { name: b.toString("utf8", ns, ns + nameLen), value: b.toString("utf8", vs, vs + valueLen) };
    }
    out[i] = { ref, labels };
  }
  if (r.pos !== end) throw new RangeError(`${end - r.pos} trailing bytes after ${n} series`);
  return out;
}

/** Why a frame at some offset could not be read; `torn` when it runs past the end of the data. */
export interface FrameProblem {
  readonly offset: number;
  readonly reason: string;
  readonly torn: boolean;
}

/** A readable frame: its type and payload range. */
export interface Frame {
  readonly type: number;
  readonly payloadStart: number;
  readonly end: number;
}

/** Checks the frame at offset; returns it, or the problem that stops reading there. */
export function readFrame(buf: Uint8Array, offset: number): Frame | FrameProblem {
  const left = buf.length - offset;
  if (left < RECORD_HEADER_SIZE) return { offset, reason: `torn record header (${left} bytes)`, torn: true };
  const len = (buf[offset] | (buf[offset + 1] << 8) | (buf[offset + 2] << 16) | (buf[offset + 3] << 24)) >>> 0;
  if (len === 0) return { offset, reason: "zeroed record header", torn: false };
  if (len > left - 8) return { offset, reason: `torn record: length ${len} exceeds the ${left - 8} bytes left`, torn: true };
  const want = (buf[offset + 4] | (buf[offset + 5] << 8) | (buf[offset + 6] << 16) | (buf[offset + 7] << 24)) >>> 0;
  const end = offset + 8 + len;
  const got = crc32c(buf, offset + 8, end);
  if (got !== want) return { offset, reason: `checksum mismatch (crc32c ${hex(got)}, want ${hex(want)})`, torn: false };
  return { type: buf[offset + 8], payloadStart: offset + RECORD_HEADER_SIZE, end };
}

export function isFrameProblem(f: Frame | FrameProblem): f is FrameProblem {
  return (f as FrameProblem).reason !== undefined;
}

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}
