// A range query's answer as time extents: parsed from Prometheus JSON, cut to a
// range, found missing, and joined back into one sorted matrix.
import type { MatrixSeries } from "../engine/index.js";
import { parseSampleValue } from "../conformance/index.js";
import { compareLabels, labelsFromRecord, labelsKey } from "../storeapi/index.js";
import type { PointsText } from "./points.js";

/** A series of an extent; its points' JSON text is kept once formatted (points.ts). */
export interface CachedSeries extends MatrixSeries {
  points?: PointsText;
}

/** The answer for the steps [start, end] of one query: what a cache entry holds. */
export interface Extent {
  start: number;
  end: number;
  /** Info annotations of the answer (warnings are never cached). */
  infos: string[];
  series: CachedSeries[];
}

/** A success response to query_range, parsed. */
export interface ParsedMatrix {
  series: MatrixSeries[];
  warnings: string[];
  infos: string[];
}

interface MatrixJson {
  status?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  warnings?: unknown;
  infos?: unknown;
}

interface SeriesJson {
  metric?: Record<string, string>;
  values?: [number, string][];
  histograms?: unknown;
}

/**
 * The series of a query_range success body; undefined for anything the frontend
 * must pass on untouched (an error, another result type, native histograms).
 */
export function parseMatrixBody(body: string): ParsedMatrix | undefined {
  try {
    return parseMatrix(JSON.parse(body) as MatrixJson);
  } catch {
    // Not JSON, or a value that is not a sample: not ours to rewrite.
    return undefined;
  }
}

function parseMatrix(doc: MatrixJson): ParsedMatrix | undefined {
  if (doc.status !== "success" || doc.data?.resultType !== "matrix" || !Array.isArray(doc.data.result)) return undefined;
  const series: MatrixSeries[] = [];
  for (const s of doc.data.result as SeriesJson[]) {
    if (s.histograms !== undefined || typeof s.metric !== "object" || !Array.isArray(s.values)) return undefined;
    const n = s.values.length;
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const point = s.values[i]!;
      t[i] = Math.round(point[0] * 1000);
      v[i] = parseSampleValue(point[1]);
    }
    series.push({ labels: labelsFromRecord(s.metric), t, v });
  }
  return { series, warnings: stringList(doc.warnings), infos: stringList(doc.infos) };
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.map(String) : [];
}

/** Index of the first t[i] ≥ x. */
function lowerBound(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The parts of [start, end] (steps of `step`) that no extent covers. */
export function missingRanges(extents: readonly Extent[], start: number, end: number, step: number): { start: number; end: number }[] {
  const sorted = [...extents].sort((a, b) => a.start - b.start);
  const gaps: { start: number; end: number }[] = [];
  let cursor = start;
  for (const e of sorted) {
    if (e.end < cursor || e.start > end) continue;
    if (e.start > cursor) gaps.push({ start: cursor, end: Math.min(end, e.start - step) });
    cursor = Math.max(cursor, e.end + step);
    if (cursor > end) return gaps;
  }
  if (cursor <= end) gaps.push({ start: cursor, end });
  return gaps;
}

/** Points [lo, hi) of one extent's series. */
export interface Piece {
  series: CachedSeries;
  lo: number;
  hi: number;
}

/** A series of a joined matrix as the pieces of extents it is made of, in time order. */
export interface SeriesPieces {
  labels: MatrixSeries["labels"];
  pieces: Piece[];
  /** Points in all pieces. */
  n: number;
}

/**
 * The series of one matrix from extents, as pieces: the points in [start, end], each
 * timestamp taken once (an extent adds only what lies after the ones before it),
 * series sorted by labels as Prometheus sorts a range query's result.
 */
export function seriesPieces(extents: readonly Extent[], start: number, end: number): SeriesPieces[] {
  const sorted = [...extents].sort((a, b) => a.start - b.start);
  const parts = new Map<string, SeriesPieces>();
  let covered = start - 1;
  for (const e of sorted) {
    const from = Math.max(start, covered + 1);
    const to = Math.min(end, e.end);
    if (to < from) continue;
    for (const s of e.series) {
      const lo = lowerBound(s.t, from);
      const hi = lowerBound(s.t, to + 1);
      if (hi <= lo) continue;
      const key = labelsKey(s.labels);
      let entry = parts.get(key);
      if (entry === undefined) {
        entry = { labels: s.labels, pieces: [], n: 0 };
        parts.set(key, entry);
      }
      entry.pieces.push({ series: s, lo, hi });
      entry.n += hi - lo;
    }
    covered = Math.max(covered, to);
  }
  return [...parts.values()].sort((a, b) => compareLabels(a.labels, b.labels));
}

/**
 * One matrix from extents (seriesPieces joined into arrays). Points' JSON text is
 * carried along (cut and joined, never formatted again) where every piece has it.
 */
export function joinExtents(extents: readonly Extent[], start: number, end: number): CachedSeries[] {
  return seriesPieces(extents, start, end).map(joinPieces);
}

function joinPieces({ labels, pieces, n }: SeriesPieces): CachedSeries {
  const withText = pieces.every((p) => p.series.points !== undefined);
  if (pieces.length === 1) {
    const { series: s, lo, hi } = pieces[0]!;
    const series: CachedSeries = { labels, t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi) };
    if (withText) series.points = cutPoints(s.points!, lo, hi);
    return series;
  }
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const offsets = withText ? new Uint32Array(n + 1) : undefined;
  const texts: Buffer[] = [];
  let at = 0;
  let chars = 0;
  for (const { series: s, lo, hi } of pieces) {
    t.set(s.t.subarray(lo, hi), at);
    v.set(s.v.subarray(lo, hi), at);
    if (offsets !== undefined) {
      const src = s.points!.offsets;
      const base = src[lo]!;
      for (let i = lo; i < hi; i++) offsets[at + i - lo] = src[i]! - base + chars;
      texts.push(s.points!.bytes.subarray(base, src[hi]!));
      chars += src[hi]! - base;
    }
    at += hi - lo;
  }
  const series: CachedSeries = { labels, t, v };
  if (offsets !== undefined) {
    offsets[n] = chars;
    series.points = { bytes: Buffer.concat(texts, chars), offsets };
  }
  return series;
}

/** Points [lo, hi) of a points text, offsets from 0. */
function cutPoints(p: PointsText, lo: number, hi: number): PointsText {
  if (lo === 0 && hi === p.offsets.length - 1) return p;
  const base = p.offsets[lo]!;
  const offsets = new Uint32Array(hi - lo + 1);
  for (let i = lo; i <= hi; i++) offsets[i - lo] = p.offsets[i]! - base;
  // A copy: the cut must not keep the whole text it came from alive.
  return { bytes: Buffer.from(p.bytes.subarray(base, p.offsets[hi]!)), offsets };
}

/** The infos of the extents that overlap [start, end], each once, in order. */
export function joinInfos(extents: readonly Extent[], start: number, end: number): string[] {
  const seen = new Set<string>();
  for (const e of extents) if (e.start <= end && e.end >= start) for (const i of e.infos) seen.add(i);
  return [...seen];
}

/** Extents merged where they touch or overlap (on the step grid), so a cache entry stays a short list. */
export function mergeExtents(extents: readonly Extent[], step: number): Extent[] {
  const sorted = [...extents].sort((a, b) => a.start - b.start);
  const out: Extent[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || e.start > last.end + step) {
      out.push(e);
      continue;
    }
    const end = Math.max(last.end, e.end);
    out[out.length - 1] = {
      start: last.start,
      end,
      infos: joinInfos([last, e], last.start, end),
      series: joinExtents([last, e], last.start, end),
    };
  }
  return out;
}
