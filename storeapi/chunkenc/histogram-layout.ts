// The layout of a histogram chunk (Prometheus's tsdb/chunkenc histogram_meta.go), written once after the
// 3-byte header: zero threshold, schema, positive and negative spans, then custom bounds (NHCB only);
// plus the bucket-index arithmetic the appenders need to compare and merge layouts.
import type { HistogramSpan, NativeHistogram } from "../histogram.js";
import { CUSTOM_BUCKETS_SCHEMA, MAX_EXPONENTIAL_SCHEMA, MIN_EXPONENTIAL_SCHEMA } from "../histogram.js";
import type { BitReader, BitWriter } from "./bstream.js";
import { FloatBits } from "./float-bits.js";

/** Largest schema Prometheus's chunk reader accepts (reserved for finer resolutions; reduced to 8 on read). */
const MAX_RESERVED_SCHEMA = 52;
const MAX_CUSTOM_BOUND_MILLIS = 33554430;

export interface HistogramLayout {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly positiveSpans: readonly HistogramSpan[];
  readonly negativeSpans: readonly HistogramSpan[];
  readonly customValues: readonly number[] | undefined;
}

export function writeLayout(w: BitWriter, l: HistogramLayout, scratch: FloatBits): void {
  writeZeroThreshold(w, l.zeroThreshold, scratch);
  w.writeVarbitInt(l.schema);
  writeSpans(w, l.positiveSpans);
  writeSpans(w, l.negativeSpans);
  if (l.schema === CUSTOM_BUCKETS_SCHEMA) {
    const cv = l.customValues ?? [];
    w.writeVarbitUint(cv.length);
    for (const bound of cv) writeCustomBound(w, bound);
  }
}

/** Reads a layout; undefined with r.err set (or `error` filled) when the bytes are bad. */
export function readLayout(r: BitReader, scratch: FloatBits): HistogramLayout | string {
  const zeroThreshold = readZeroThreshold(r, scratch);
  const schema = r.varbitInt();
  const positiveSpans = readSpans(r);
  const negativeSpans = readSpans(r);
  if (r.err !== undefined) return r.err;
  if (typeof positiveSpans === "string") return positiveSpans;
  if (typeof negativeSpans === "string") return negativeSpans;
  let customValues: number[] | undefined;
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    const n = r.varbitUint();
    if (n > 1 << 20) return `${n} custom bounds`;
    customValues = [];
    for (let i = 0; i < n && r.err === undefined; i++) customValues.push(readCustomBound(r, scratch));
  } else if (schema < MIN_EXPONENTIAL_SCHEMA || schema > MAX_RESERVED_SCHEMA) {
    return `unknown histogram schema ${schema}`;
  }
  if (r.err !== undefined) return r.err;
  return { schema, zeroThreshold, positiveSpans, negativeSpans, customValues };
}

function writeSpans(w: BitWriter, spans: readonly HistogramSpan[]): void {
  w.writeVarbitUint(spans.length);
  for (const s of spans) {
    w.writeVarbitUint(s.length);
    w.writeVarbitInt(s.offset);
  }
}

function readSpans(r: BitReader): HistogramSpan[] | string {
  const n = r.varbitUint();
  if (n > 1 << 20) return `${n} spans`;
  const spans: HistogramSpan[] = [];
  for (let i = 0; i < n && r.err === undefined; i++) {
    const length = r.varbitUint();
    const offset = r.varbitInt();
    spans.push({ offset, length });
  }
  return spans;
}

// Zero threshold: 0 → byte 0; a power of two 2^-243..2^10 → one byte (exponent + 243, Go's Frexp exponent);
// anything else → byte 255 and the 64 float bits.
function writeZeroThreshold(w: BitWriter, threshold: number, s: FloatBits): void {
  if (threshold === 0) {
    w.writeBits(0, 8);
    return;
  }
  s.set(threshold);
  const hi = s.hi();
  const biased = (hi >>> 20) & 0x7ff;
  const frexpExp = biased - 1022;
  const powerOfTwo = hi >>> 31 === 0 && (hi & 0xfffff) === 0 && s.lo() === 0 && biased !== 0 && biased !== 0x7ff;
  if (!powerOfTwo || frexpExp < -242 || frexpExp > 11) {
    w.writeBits(255, 8);
    w.writeFloat(threshold);
    return;
  }
  w.writeBits(frexpExp + 243, 8);
}

function readZeroThreshold(r: BitReader, s: FloatBits): number {
  const b = r.bits(8);
  if (b === 0) return 0;
  if (b === 255) return r.float(s);
  return 2 ** (b - 244); // Ldexp(0.5, b-243)
}

// Custom bound: a multiple of 0.001 in [0, 33554.43] → varbit uint of (bound*1000 + 1); else a 0 bit and
// the 64 float bits.
function writeCustomBound(w: BitWriter, f: number): void {
  const millis = f * 1000;
  if (millis < 0 || millis > MAX_CUSTOM_BOUND_MILLIS || !isWholeWhenMultiplied(f)) {
    w.writeBits(0, 1);
    w.writeFloat(f);
    return;
  }
  w.writeVarbitUint(Math.round(millis) + 1);
}

function isWholeWhenMultiplied(f: number): boolean {
  return Math.round(f * 1000) / 1000 === f;
}

function readCustomBound(r: BitReader, s: FloatBits): number {
  const v = r.varbitUint();
  return v === 0 ? r.float(s) : (v - 1) / 1000;
}

/** Number of buckets the spans describe. */
export function countSpans(spans: readonly HistogramSpan[]): number {
  let n = 0;
  for (const s of spans) n += s.length;
  return n;
}

/** Absolute bucket indexes of the spans, in order (span offsets count from the end of the previous span). */
export function spanIndexes(spans: readonly HistogramSpan[]): Int32Array {
  const out = new Int32Array(countSpans(spans));
  let pos = 0;
  let k = 0;
  for (const s of spans) {
    pos += s.offset;
    for (let j = 0; j < s.length; j++) out[k++] = pos + j;
    pos += s.length;
  }
  return out;
}

/** compareBuckets result bits. */
export const NEW_BUCKETS = 1;
export const MISSING_EMPTY_BUCKETS = 2;
export const BUCKET_RESET = 4;

/**
 * Compares a chunk's layout (indexes `a`, last absolute counts `aVals`) with a new sample's (`b`, `bVals`)
 * as Prometheus's expand*SpansAndBuckets do: NEW_BUCKETS when b has buckets a lacks, MISSING_EMPTY_BUCKETS
 * when a has buckets b lacks that are empty in a, BUCKET_RESET when a shared bucket decreased or a used
 * bucket is missing (checkResets false: the gauge rule, where only the layouts are merged).
 */
export function compareBuckets(
  a: Int32Array,
  aVals: Float64Array,
  b: Int32Array,
  bVals: ArrayLike<number>,
  checkResets: boolean,
): number {
  let i = 0;
  let j = 0;
  let result = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      if (checkResets && aVals[i]! > bVals[j]!) return BUCKET_RESET;
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && a[i]! < b[j]!)) {
      if (checkResets && aVals[i] !== 0) return BUCKET_RESET;
      result |= MISSING_EMPTY_BUCKETS;
      i++;
    } else {
      result |= NEW_BUCKETS;
      j++;
    }
  }
  return result;
}

/** Canonical spans (first offset = first index, adjacent runs joined) of the union of two index lists. */
export function unionSpans(a: Int32Array, b: Int32Array): HistogramSpan[] {
  const spans: { offset: number; length: number }[] = [];
  let last = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let idx: number;
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) idx = a[i++]!;
    else if (i >= a.length || b[j]! < a[i]!) idx = b[j++]!;
    else {
      idx = a[i++]!;
      j++;
    }
    const gap = idx - last - 1;
    if (gap === 0 && spans.length > 0) spans[spans.length - 1]!.length++;
    else spans.push({ offset: spans.length === 0 ? idx : gap, length: 1 });
    last = idx;
  }
  return spans;
}

/** Writes vals (at indexes `from`) into out at indexes `to` (a superset); other buckets 0. */
export function mapBuckets(from: Int32Array, vals: ArrayLike<number>, to: Int32Array, out: Float64Array): void {
  let i = 0;
  for (let k = 0; k < to.length; k++) {
    while (i < from.length && from[i]! < to[k]!) i++;
    out[k] = i < from.length && from[i] === to[k] ? vals[i]! : 0;
  }
}

export function customBoundsMatch(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Why h cannot be stored in a histogram chunk (bad schema, spans not matching buckets, negative or, for integer histograms, fractional counts), or undefined. */
export function histogramShapeError(h: NativeHistogram): string | undefined {
  const custom = h.schema === CUSTOM_BUCKETS_SCHEMA;
  if (!Number.isInteger(h.schema) || (!custom && (h.schema < MIN_EXPONENTIAL_SCHEMA || h.schema > MAX_EXPONENTIAL_SCHEMA))) {
    return `schema ${h.schema} is out of range (${MIN_EXPONENTIAL_SCHEMA}..${MAX_EXPONENTIAL_SCHEMA} or ${CUSTOM_BUCKETS_SCHEMA})`;
  }
  for (const [name, spans, buckets] of [
    ["positive", h.positiveSpans, h.positiveBuckets],
    ["negative", h.negativeSpans, h.negativeBuckets],
  ] as const) {
    for (const s of spans) {
      if (!Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.length < 0) {
        return `${name} span {offset ${s.offset}, length ${s.length}} is not a pair of integers with length >= 0`;
      }
    }
    const n = countSpans(spans);
    if (n !== buckets.length) return `${name} spans cover ${n} buckets but ${buckets.length} bucket counts are given`;
  }
  if (custom && h.negativeSpans.length > 0) return "a custom-buckets histogram has negative buckets";
  return countError("count", h.count, h.float) ??
    countError("zero count", h.zeroCount, h.float) ??
    bucketsError("positive", h.positiveBuckets, h.float) ??
    bucketsError("negative", h.negativeBuckets, h.float);
}

/** Integer histograms count whole observations; float ones may hold fractions, never negative counts. */
function countError(name: string, v: number, float: boolean): string | undefined {
  if (float) return v < 0 ? `${name} ${v} is negative` : undefined;
  return Number.isSafeInteger(v) && v >= 0 ? undefined : `${name} ${v} is not a non-negative integer`;
}

function bucketsError(side: string, buckets: readonly number[], float: boolean): string | undefined {
  for (let i = 0; i < buckets.length; i++) {
    const err = countError(`${side} bucket ${i} count`, buckets[i]!, float);
    if (err !== undefined) return err;
  }
  return undefined;
}
