// The WAL record for native histogram samples (RecordType.Histograms), framed like the others
// (records.ts). Payload: uvarint count, then per sample zigzag(ref - previous ref), zigzag(t -
// previous t) and the histogram: a flags byte (bit 0 float counts, bits 1-2 counter-reset hint),
// zigzag schema, then zero threshold, zero count, count and sum as 8 raw little-endian bytes each
// (the sum's stale-marker bits survive), the positive then negative side (uvarint span count,
// per span zigzag offset and uvarint length; uvarint bucket count and 8 bytes per absolute count),
// and uvarint (custom value count + 1, 0 when absent) with 8 bytes per custom value.
import { type CounterResetHint, type HistogramSpan, type NativeHistogram, STALE_NAN, isStaleNaN, FloatBits } from "../../../storeapi/index.js";
import { RECORD_HEADER_SIZE, RecordType, START_COLUMN_BYTES_PER_ROW, hasStartTimestamps, putStartColumn, readStartColumn, seal } from "./records.js";
import { ByteReader, putUvarint, zigzag } from "./varint.js";

const MAX_DELTA = 2 ** 52;

/** Growable columns a histograms record decodes into; valid up to `n`. */
export class HistogramColumns {
  refs: number[] = [];
  ts: number[] = [];
  hs: NativeHistogram[] = [];
  /** Start timestamps (0: none), valid when the record had them (withStart). */
  sts: number[] = [];
  withStart = false;
  n = 0;
}

function histogramBytes(h: NativeHistogram): number {
  const spans = h.positiveSpans.length + h.negativeSpans.length;
  const values = h.positiveBuckets.length + h.negativeBuckets.length + (h.customValues?.length ?? 0);
  return 1 + 5 + 32 + 3 * 5 + spans * 15 + values * 8;
}

/** Encodes histograms i in [from, to) of the columns as one record. */
export function encodeHistogramsRecord(
  refs: ArrayLike<number>,
  ts: ArrayLike<number>,
  hs: readonly (NativeHistogram | undefined)[],
  from: number,
  to: number,
  /** Start timestamps by row (0: none); the record carries them (HistogramsWithStart) when a row in range has one. */
  sts?: ArrayLike<number>,
): Buffer {
  const withStart = hasStartTimestamps(sts, from, to);
  let size = RECORD_HEADER_SIZE + 10;
  for (let i = from; i < to; i++) size += 20 + histogramBytes(hs[i]!) + (withStart ? START_COLUMN_BYTES_PER_ROW : 0);
  const buf = Buffer.allocUnsafe(size);
  let pos = putUvarint(buf, RECORD_HEADER_SIZE, to - from);
  let prevRef = 0;
  let prevT = 0;
  for (let i = from; i < to; i++) {
    const ref = refs[i]!;
    const t = ts[i]!;
    const dr = ref - prevRef;
    const dt = t - prevT;
    if (Math.floor(dr) !== dr || Math.floor(dt) !== dt || !(Math.abs(dr) < MAX_DELTA && Math.abs(dt) < MAX_DELTA)) {
      throw new RangeError(`histogram ${i}: ref ${ref} and timestamp ${t} must be integers with deltas below 2^52`);
    }
    pos = putUvarint(buf, pos, zigzag(dr));
    pos = putUvarint(buf, pos, zigzag(dt));
    prevRef = ref;
    prevT = t;
    pos = putHistogram(buf, pos, hs[i]!);
  }
  if (!withStart) return seal(buf, pos, RecordType.Histograms);
  return seal(buf, putStartColumn(buf, pos, ts, sts, from, to), RecordType.HistogramsWithStart);
}

function putHistogram(buf: Buffer, pos: number, h: NativeHistogram): number {
  buf[pos++] = (h.float ? 1 : 0) | ((h.counterResetHint & 3) << 1);
  pos = putUvarint(buf, pos, zigzag(h.schema));
  pos = buf.writeDoubleLE(h.zeroThreshold, pos);
  pos = buf.writeDoubleLE(h.zeroCount, pos);
  pos = buf.writeDoubleLE(h.count, pos);
  // The stale marker may arrive quieted: write Prometheus's exact bits.
  pos = buf.writeDoubleLE(h.sum !== h.sum && isStaleNaN(h.sum) ? STALE_NAN : h.sum, pos);
  pos = putSide(buf, pos, h.positiveSpans, h.positiveBuckets);
  pos = putSide(buf, pos, h.negativeSpans, h.negativeBuckets);
  const custom = h.customValues;
  pos = putUvarint(buf, pos, custom === undefined ? 0 : custom.length + 1);
  if (custom !== undefined) for (const v of custom) pos = buf.writeDoubleLE(v, pos);
  return pos;
}

function putSide(buf: Buffer, pos: number, spans: readonly HistogramSpan[], buckets: readonly number[]): number {
  pos = putUvarint(buf, pos, spans.length);
  for (const s of spans) {
    pos = putUvarint(buf, pos, zigzag(s.offset));
    pos = putUvarint(buf, pos, s.length);
  }
  pos = putUvarint(buf, pos, buckets.length);
  for (const c of buckets) pos = buf.writeDoubleLE(c, pos);
  return pos;
}

/** Decodes a histograms payload in buf[start, end) into cols (replacing its contents). */
export function decodeHistogramsPayload(buf: Uint8Array, start: number, end: number, cols: HistogramColumns, bits = new FloatBits(), withStart = false): void {
  const r = new ByteReader(buf, start, end);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = r.uvarint();
  // Each histogram takes at least 43 bytes: reject counts the payload cannot hold before allocating.
  if (n * 43 > end - r.pos) throw new RangeError(`histogram count ${n} does not fit in ${end - r.pos} bytes`);
  cols.refs.length = n;
  cols.ts.length = n;
  cols.hs.length = n;
  let ref = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    ref += r.svarint();
    t += r.svarint();
    cols.refs[i] = ref;
    cols.ts[i] = t;
    cols.hs[i] = readHistogram(r, b, bits);
  }
  if (withStart) {
    cols.sts.length = n;
    readStartColumn(r, cols.ts, n, cols.sts);
  }
  if (r.pos !== end) throw new RangeError(`${end - r.pos} trailing bytes after ${n} histograms`);
  cols.withStart = withStart;
  cols.n = n;
}

function readHistogram(r: ByteReader, b: Buffer, bits: FloatBits): NativeHistogram {
  const flags = b[r.bytes(1)]!;
  if (flags > 7) throw new RangeError(`histogram flags ${flags} unknown`);
  const schema = r.svarint();
  const zeroThreshold = b.readDoubleLE(r.bytes(8));
  const zeroCount = b.readDoubleLE(r.bytes(8));
  const count = b.readDoubleLE(r.bytes(8));
  const sum = b.readDoubleLE(r.bytes(8));
  const [positiveSpans, positiveBuckets] = readSide(r, b);
  const [negativeSpans, negativeBuckets] = readSide(r, b);
  const customCount = r.uvarint();
  let customValues: number[] | undefined;
  if (customCount > 0) {
    if ((customCount - 1) * 8 > r.end - r.pos) throw new RangeError(`custom value count ${customCount - 1} does not fit`);
    customValues = new Array<number>(customCount - 1);
    for (let k = 0; k < customValues.length; k++) customValues[k] = b.readDoubleLE(r.bytes(8));
  }
  return {
    float: (flags & 1) === 1,
    counterResetHint: ((flags >> 1) & 3) as CounterResetHint,
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum: sum !== sum && isStaleNaN(sum, bits) ? STALE_NAN : sum,
    positiveSpans,
    positiveBuckets,
    negativeSpans,
    negativeBuckets,
    ...(customValues !== undefined ? { customValues } : {}),
  };
}

function readSide(r: ByteReader, b: Buffer): [HistogramSpan[], number[]] {
  const ns = r.uvarint();
  if (ns * 2 > r.end - r.pos) throw new RangeError(`span count ${ns} does not fit`);
  const spans = new Array<HistogramSpan>(ns);
  for (let k = 0; k < ns; k++) spans[k] = { offset: r.svarint(), length: r.uvarint() };
  const nb = r.uvarint();
  if (nb * 8 > r.end - r.pos) throw new RangeError(`bucket count ${nb} does not fit`);
  const buckets = new Array<number>(nb);
  for (let k = 0; k < nb; k++) buckets[k] = b.readDoubleLE(r.bytes(8));
  return [spans, buckets];
}
