// The response encoder: Prometheus's JSON written straight into Buffers of about 64 KiB
// (no object tree, no JSON.stringify, no strings per point), so a large matrix streams to the client.
import type { Labels } from "../storeapi/index.js";
import type { Annotation, FloatHistogram, MatrixSeries, QueryStats, Value } from "../engine/index.js";
import { ChunkWriter, POINT_ROOM } from "./chunks.js";
import { formatFloatF, formatSampleTime, formatSampleValue, formatScalarTime, jsonString, writePlainJsonString, writeSampleTime, writeSampleValue } from "./format.js";

/** The grid layout's chunks are handed to the socket once they pass this many UTF-16 units. */
export const CHUNK_CHARS = 64 * 1024;

/** Timings in seconds, as Prometheus's stats=all reports them. */
export interface ResponseStats {
  stats: QueryStats;
  queueTimeMs: number;
  totalTimeMs: number;
}

export interface QueryResponseParts {
  value: Value;
  /** Already formatted warning and info strings. */
  warnings: readonly string[];
  infos: readonly string[];
  stats?: ResponseStats;
}

/** A label set as a JSON object, names in label order (sorted). */
export function labelsJson(labels: Labels): string {
  const n = labels.length;
  if (n === 0) return "{}";
  let out = "{" + jsonString(labels[0].name) + ":" + jsonString(labels[0].value);
  for (let i = 1; i < n; i++) out += "," + jsonString(labels[i].name) + ":" + jsonString(labels[i].value);
  return out + "}";
}

/**
 * labelsJson(labels) written into w without building strings (the encoder's largest allocation
 * otherwise): byte by byte when every name and value is plain ASCII, else through labelsJson.
 */
export function writeLabelsJson(w: ChunkWriter, labels: Labels): void {
  const n = labels.length;
  let bytes = 2;
  for (let i = 0; i < n; i++) bytes += labels[i]!.name.length + labels[i]!.value.length + 6;
  w.room(bytes);
  const buf = w.buf;
  let pos = w.pos;
  buf[pos++] = 123; // "{"
  for (let i = 0; i < n && pos >= 0; i++) {
    if (i > 0) buf[pos++] = 44; // ","
    pos = writePlainJsonString(buf, pos, labels[i]!.name);
    if (pos < 0) break;
    buf[pos++] = 58; // ":"
    pos = writePlainJsonString(buf, pos, labels[i]!.value);
  }
  if (pos < 0) return w.text(labelsJson(labels));
  buf[pos++] = 125; // "}"
  w.pos = pos;
}

/** The whole success envelope of a query or query_range response, in chunks of about CHUNK_BYTES. */
export function* encodeQueryResponse(parts: QueryResponseParts): Generator<Buffer, void, undefined> {
  const w = new ChunkWriter(expectedBytes(parts.value));
  w.ascii('{"status":"success","data":{"resultType":' + jsonString(parts.value.type) + ',"result":');
  yield* encodeResult(parts.value, w);
  let tail = "";
  if (parts.stats !== undefined) tail += ',"stats":' + statsJson(parts.stats);
  tail += "}";
  tail += annotationsJson(parts.warnings, parts.infos);
  w.text(tail + "}");
  yield w.last();
}

/** Bytes per point and per series a first chunk is sized by (labels and digits of a typical answer). */
const POINT_BYTES = 32;
const SERIES_BYTES = 256;

/** About the size of a value's JSON, for the first chunk. */
function expectedBytes(value: Value): number {
  if (value.type === "vector") return SERIES_BYTES * (1 + value.samples.length);
  if (value.type !== "matrix") return SERIES_BYTES;
  let points = 0;
  for (const s of value.series) points += s.t.length + (s.histograms === undefined ? 0 : 16 * s.histograms.t.length);
  return SERIES_BYTES * (1 + value.series.length) + POINT_BYTES * points;
}

/** The response as one string (tests, and callers that keep the text). */
export function queryResponseText(parts: QueryResponseParts): string {
  return Buffer.concat([...encodeQueryResponse(parts)]).toString("utf8");
}

function* encodeResult(value: Value, w: ChunkWriter): Generator<Buffer, void, undefined> {
  switch (value.type) {
    case "scalar":
      w.ascii("[" + formatScalarTime(value.t) + ',"' + formatFloatF(value.v) + '"]');
      return;
    case "string":
      w.text("[" + formatScalarTime(value.t) + "," + jsonString(value.v) + "]");
      return;
    case "vector": {
      w.ascii("[");
      const samples = value.samples;
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i]!;
        w.ascii(i > 0 ? ',{"metric":' : '{"metric":');
        writeLabelsJson(w, s.labels);
        if (s.h !== undefined) w.ascii(',"histogram":[' + formatSampleTime(s.t) + "," + histogramJson(s.h) + "]}");
        else {
          w.ascii(',"value":');
          w.room(POINT_ROOM);
          w.pos = writeSampleValue(w.buf, writeStamp(w.buf, w.pos, s.t), s.v);
          w.ascii('"]}');
        }
        if (w.full) yield w.take();
      }
      w.ascii("]");
      return;
    }
    case "matrix":
      yield* encodeMatrix(value.series, w);
      return;
  }
}

const COMMA = 44;
const QUOTE = 34;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function* encodeMatrix(series: readonly MatrixSeries[], w: ChunkWriter): Generator<Buffer, void, undefined> {
  w.ascii("[");
  const stamps = series.length > 1 ? new StampCache(series) : undefined;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    w.ascii(i > 0 ? ',{"metric":' : '{"metric":');
    writeLabelsJson(w, s.labels);
    const ts = s.t;
    const vs = s.v;
    const n = ts.length;
    // As Prometheus: "values" only when there are float points, "histograms" only when there are histogram points.
    if (n > 0) w.ascii(',"values":[');
    let buf = w.buf;
    let pos = w.pos;
    let limit = w.limit;
    for (let j = 0; j < n; j++) {
      if (pos >= limit) {
        w.pos = pos;
        if (w.full) yield w.take();
        else w.grow();
        buf = w.buf;
        pos = w.pos;
        limit = w.limit;
      }
      if (j > 0) buf[pos++] = COMMA;
      pos = stamps === undefined ? writeStamp(buf, pos, ts[j]!) : stamps.write(buf, pos, ts[j]!);
      pos = writeSampleValue(buf, pos, vs[j]!);
      buf[pos++] = QUOTE;
      buf[pos++] = CLOSE_BRACKET;
    }
    w.pos = pos;
    if (n > 0) w.ascii("]");
    const hs = s.histograms;
    if (hs !== undefined && hs.t.length > 0) {
      w.ascii(',"histograms":[');
      for (let j = 0; j < hs.t.length; j++) {
        w.ascii((j > 0 ? ",[" : "[") + formatSampleTime(hs.t[j]!) + "," + histogramJson(hs.h[j]!) + "]");
        if (w.full) yield w.take();
      }
      w.ascii("]");
    }
    w.ascii("}");
    if (w.full) yield w.take();
  }
  w.ascii("]");
}

/** Most slots of the timestamp cache: more than a range query's 11,001 steps. */
const MAX_STAMP_SLOTS = 16384;
/** Bytes a slot holds: `[`, the timestamp (at most 21 characters below 2^49 ms), `,"`. */
const STAMP_BYTES = 32;
/** Times the cache holds: whole ms whose text fits a slot. */
const STAMP_BELOW = 2 ** 49;

/**
 * Each point's `[<t>,"` prefix, written once per timestamp and copied after: the series of a range
 * query share the step grid (with one series there is nothing to share: it is not made). A
 * direct-mapped cache on t / step, the step being the smallest gap between the first series'
 * points; a point off the grid just costs a writing.
 */
class StampCache {
  private readonly mask: number;
  private readonly keys: Float64Array;
  private readonly lens: Uint8Array;
  private readonly bytes: Buffer;
  private readonly step: number;

  constructor(series: readonly MatrixSeries[]) {
    this.step = gridStep(series);
    let slots = 16;
    for (const s of series) while (slots < s.t.length && slots < MAX_STAMP_SLOTS) slots *= 2;
    this.mask = slots - 1;
    this.keys = new Float64Array(slots).fill(NaN);
    this.lens = new Uint8Array(slots);
    this.bytes = Buffer.allocUnsafe(slots * STAMP_BYTES);
  }

  /** `[<t>,"` at buf[pos]; returns the position after it. */
  write(buf: Uint8Array, pos: number, t: number): number {
    const slot = Math.floor(t / this.step) & this.mask;
    if (this.keys[slot] !== t && !this.fill(slot, t)) return writeStamp(buf, pos, t);
    const bytes = this.bytes;
    const from = slot * STAMP_BYTES;
    const n = this.lens[slot]!;
    for (let k = 0; k < n; k++) buf[pos + k] = bytes[from + k]!;
    return pos + n;
  }

  /** Writes t into its slot; false when it might not fit one (a timestamp no engine makes). */
  private fill(slot: number, t: number): boolean {
    if (!Number.isInteger(t) || Math.abs(t) >= STAMP_BELOW) return false;
    const from = slot * STAMP_BYTES;
    this.lens[slot] = writeStamp(this.bytes, from, t) - from;
    this.keys[slot] = t;
    return true;
  }
}

/** `[<t>,"` at buf[pos]; returns the position after it. */
function writeStamp(buf: Uint8Array, pos: number, t: number): number {
  buf[pos] = OPEN_BRACKET;
  const end = writeSampleTime(buf, pos + 1, t);
  buf[end] = COMMA;
  buf[end + 1] = QUOTE;
  return end + 2;
}

/** The smallest positive gap between the points of the first series with two (1 when none has). */
function gridStep(series: readonly MatrixSeries[]): number {
  for (const s of series) {
    const ts = s.t;
    if (ts.length < 2) continue;
    let step = Infinity;
    for (let j = 1; j < ts.length; j++) if (ts[j]! - ts[j - 1]! < step) step = ts[j]! - ts[j - 1]!;
    return step > 0 && step < Infinity ? step : 1;
  }
  return 1;
}

/**
 * A histogram as Prometheus's JSON codec writes it: count and sum as strings, then the non-empty
 * buckets from lowest to highest as [boundaryRule, lower, upper, count], where the rule is
 * 0 (lower exclusive, upper inclusive), 1 (lower inclusive, upper exclusive), 2 (both
 * exclusive) or 3 (both inclusive); no "buckets" field when every bucket is empty.
 */
export function histogramJson(h: FloatHistogram): string {
  let out = '{"count":"' + formatSampleValue(h.count) + '","sum":"' + formatSampleValue(h.sum) + '"';
  let found = false;
  const it = h.buckets("all");
  while (it.next()) {
    if (it.count === 0) continue;
    out += found ? ",[" : ',"buckets":[[';
    found = true;
    const rule = it.lowerInclusive ? (it.upperInclusive ? 3 : 1) : it.upperInclusive ? 0 : 2;
    out += rule + ',"' + formatSampleValue(it.lower) + '","' + formatSampleValue(it.upper) + '","' + formatSampleValue(it.count) + '"]';
  }
  if (found) out += "]";
  return out + "}";
}

function statsJson(s: ResponseStats): string {
  const evalSec = s.stats.evalTimeMs / 1000;
  return (
    '{"timings":{"evalTotalTime":' +
    goJsonNumber(evalSec) +
    ',"resultSortTime":0,"queryPreparationTime":0,"innerEvalTime":' +
    goJsonNumber(evalSec) +
    ',"execQueueTime":' +
    goJsonNumber(s.queueTimeMs / 1000) +
    ',"execTotalTime":' +
    goJsonNumber(s.totalTimeMs / 1000) +
    '},"samples":{"totalQueryableSamples":' +
    goJsonNumber(s.stats.totalSamples) +
    ',"peakSamples":' +
    goJsonNumber(s.stats.peakSamples) +
    "}}"
  );
}

/** `,"warnings":[…],"infos":[…]`, each left out when empty (Go's omitempty). */
export function annotationsJson(warnings: readonly string[], infos: readonly string[]): string {
  let out = "";
  if (warnings.length > 0) out += ',"warnings":' + stringArrayJson(warnings);
  if (infos.length > 0) out += ',"infos":' + stringArrayJson(infos);
  return out;
}

export function stringArrayJson(values: readonly string[]): string {
  if (values.length === 0) return "[]";
  let out = "[" + jsonString(values[0]);
  for (let i = 1; i < values.length; i++) out += "," + jsonString(values[i]);
  return out + "]";
}

/** A finite number as Go's encoding/json writes a float64 (NaN/Inf become null). */
function goJsonNumber(v: number): string {
  if (!Number.isFinite(v)) return "null";
  return formatSampleValue(v);
}

/**
 * Any plain JSON value (objects, arrays, strings, numbers, booleans, null),
 * with strings escaped as Go escapes them. For the small, non-query endpoints.
 */
export function toJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return jsonString(value);
    case "number":
      return goJsonNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return "null";
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + toJson(value[i]);
    return out + "]";
  }
  let out = "{";
  let first = true;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    out += (first ? "" : ",") + jsonString(k) + ":" + toJson(v);
    first = false;
  }
  return out + "}";
}

/** `{"status":"success","data":…}` plus warnings/infos, for the non-query endpoints. */
export function successJson(dataJson: string, warnings: readonly string[] = [], infos: readonly string[] = []): string {
  return '{"status":"success","data":' + dataJson + annotationsJson(warnings, infos) + "}";
}

/** `{"status":"error","errorType":…,"error":…}` plus any warnings. */
export function errorJson(errorType: string, message: string, warnings: readonly string[] = []): string {
  return '{"status":"error","errorType":' + jsonString(errorType) + ',"error":' + jsonString(message) + annotationsJson(warnings, []) + "}";
}

/** An annotation as Prometheus prints it: `PromQL warning: <message> (<line>:<col>)`; a store's warning as the store worded it. */
export function formatAnnotation(a: Annotation, query: string): string {
  if (a.fromStore === true) return a.message;
  const prefix = a.kind === "warning" ? "PromQL warning: " : "PromQL info: ";
  if (a.pos === undefined || query === "") return prefix + a.message;
  return prefix + a.message + " (" + positionString(query, a.pos.start) + ")";
}

/**
 * `line:column` of an offset into the query, both 1-based, the column counted
 * in UTF-8 bytes as Go counts it.
 */
export function positionString(query: string, offset: number): string {
  if (offset < 0 || offset > query.length) return "invalid position";
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = Buffer.byteLength(query.slice(lineStart, offset), "utf8") + 1;
  return line + ":" + col;
}
