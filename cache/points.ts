// A range query's answer written from extents whose points are kept as Prometheus
// JSON text: each series' `[t,"v"],` pieces with their offsets, so a cache hit
// cuts and splices strings instead of formatting numbers again. The envelope
// (status, warnings, infos) comes from api's encoder, so the bytes are the same.
import { encodeQueryResponse, formatSampleTime, formatSampleValue, labelsJson } from "../api/index.js";
import { type Extent, joinExtents } from "./extents.js";

/** A series' points as JSON: point i is text[offsets[i], offsets[i+1]), `[t,"v"],` with its trailing comma. */
export interface PointsText {
  readonly text: string;
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
  return { text, offsets };
}

/** The series' points text, formatted once and kept on the series (extents are never shared across queries' answers). */
export function seriesPoints(s: Extent["series"][number]): PointsText {
  return (s.points ??= pointsText(s.t, s.v));
}

/**
 * The query_range success body of [start, end] from extents, byte for byte what
 * encodeQueryResponse writes for joinExtents' matrix, but from the points' text.
 */
export function matrixBody(extents: readonly Extent[], start: number, end: number, warnings: readonly string[], infos: readonly string[]): string {
  const series: string[] = [];
  for (const s of joinExtents(extents, start, end)) {
    const text = seriesPoints(s).text;
    // The last point's trailing comma closes nothing.
    series.push('{"metric":' + labelsJson(s.labels) + ',"values":[' + text.substring(0, text.length - 1) + "]}");
  }
  const envelope = [...encodeQueryResponse({ value: { type: "matrix", series: [] }, warnings, infos })].join("");
  const cut = envelope.indexOf('"result":[]') + '"result":['.length;
  return envelope.substring(0, cut) + series.join(",") + envelope.substring(cut);
}
