// A range query's answer written from extents whose points are kept as Prometheus
// JSON text in bytes: each series' `[t,"v"],` pieces with their offsets, so a cache
// hit cuts and joins bytes instead of formatting numbers again (or converting text
// to bytes for the socket). The envelope (status, warnings, infos) comes from api's
// encoder, so the bytes are the same.
import { formatSampleTime, formatSampleValue, labelsJson, queryResponseText } from "../api/index.js";
import { type Extent, seriesPieces } from "./extents.js";

/** A series' points as JSON bytes (ASCII): point i is bytes[offsets[i], offsets[i+1]), `[t,"v"],` with its trailing comma. */
export interface PointsText {
  readonly bytes: Buffer;
  readonly offsets: Uint32Array;
}

/** The JSON text of every point, formatted as api's encoder formats them. */
export function pointsText(t: Float64Array, v: Float64Array): PointsText {
  const n = t.length;
  const offsets = new Uint32Array(n + 1);
  let text = "";
  for (let i = 0; i < n; i++) {
    offsets[i] = text.length;
    text += "[" + formatSampleTime(t[i]!) + ',"' + formatSampleValue(v[i]!) + '"],';
  }
  offsets[n] = text.length;
  return { bytes: Buffer.from(text, "latin1"), offsets };
}

/** The series' points text, formatted once and kept on the series (extents are never shared across queries' answers). */
export function seriesPoints(s: Extent["series"][number]): PointsText {
  return (s.points ??= pointsText(s.t, s.v));
}

/**
 * Renders every series' points of a cache entry and returns the bytes the entry now
 * holds in process (values, text and offsets), to count it in a cache's byte bound.
 */
export function renderExtents(extents: readonly Extent[]): number {
  let bytes = 0;
  for (const e of extents) {
    for (const s of e.series) {
      const points = seriesPoints(s);
      bytes += s.t.byteLength + s.v.byteLength + points.offsets.byteLength + points.bytes.length;
      for (const l of s.labels) bytes += 2 * (l.name.length + l.value.length);
    }
  }
  return bytes;
}

/**
 * The query_range success body of [start, end] from extents, byte for byte what
 * encodeQueryResponse writes for joinExtents' matrix, in parts to be written one
 * after the other: views of the points' bytes of each piece, no number formatted,
 * no text converted, no point copied.
 */
export function matrixBody(extents: readonly Extent[], start: number, end: number, warnings: readonly string[], infos: readonly string[]): Buffer[] {
  const envelope = queryResponseText({ value: { type: "matrix", series: [] }, warnings, infos });
  const cut = envelope.indexOf('"result":[]') + '"result":['.length;
  const parts: Buffer[] = [Buffer.from(envelope.substring(0, cut))];
  const add = (b: Buffer): number => parts.push(b);
  const all = seriesPieces(extents, start, end);
  for (let i = 0; i < all.length; i++) {
    const { labels, pieces } = all[i]!;
    add(Buffer.from((i > 0 ? ',{"metric":' : '{"metric":') + labelsJson(labels) + ',"values":['));
    for (let k = 0; k < pieces.length; k++) {
      const { series: s, lo, hi } = pieces[k]!;
      const { bytes, offsets } = seriesPoints(s);
      // The last point's trailing comma closes nothing.
      add(bytes.subarray(offsets[lo]!, offsets[hi]! - (k === pieces.length - 1 ? 1 : 0)));
    }
    add(Buffer.from("]}", "latin1"));
  }
  add(Buffer.from(envelope.substring(cut)));
  return parts;
}
