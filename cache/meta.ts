// /api/v1/labels, /api/v1/label/<name>/values and /api/v1/series through the
// frontend: a default time range when none is given, split by interval, each
// window's answer cached once it is old enough, the windows' answers united.
import { labelsJson, stringArrayJson, successJson } from "../api/index.js";
import { compareLabels, compareUtf8, type Labels, labelsFromRecord, labelsKey } from "../storeapi/index.js";

/** Which metadata route a path is, or undefined. */
export type MetaKind = "labels" | "values" | "series";

export function metaKind(path: string): MetaKind | undefined {
  if (path === "/api/v1/labels") return "labels";
  if (path === "/api/v1/series") return "series";
  if (/^\/api\/v1\/label\/[^/]+\/values$/.test(path)) return "values";
  return undefined;
}

/** One window's answer: names or values (strings), or series (label sets). */
export type MetaAnswer = { kind: "strings"; values: string[]; warnings: string[] } | { kind: "series"; series: Labels[]; warnings: string[] };

/** The data of a metadata success body; undefined for anything else (passed on untouched). */
export function parseMetaBody(kind: MetaKind, body: string): MetaAnswer | undefined {
  let doc: { status?: unknown; data?: unknown; warnings?: unknown };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    return undefined;
  }
  if (doc.status !== "success" || !Array.isArray(doc.data)) return undefined;
  const warnings = Array.isArray(doc.warnings) ? doc.warnings.map(String) : [];
  if (kind !== "series") return doc.data.every((v) => typeof v === "string") ? { kind: "strings", values: doc.data as string[], warnings } : undefined;
  if (!doc.data.every((s) => s !== null && typeof s === "object" && !Array.isArray(s))) return undefined;
  return { kind: "series", series: (doc.data as Record<string, string>[]).map(labelsFromRecord), warnings };
}

/** The windows' answers as one body: strings in Go's byte order, series sorted by labels, each once. */
export function joinMetaAnswers(answers: readonly MetaAnswer[]): string {
  const warnings = [...new Set(answers.flatMap((a) => a.warnings))];
  if (answers.every((a) => a.kind === "strings")) {
    const values = new Set<string>();
    for (const a of answers) if (a.kind === "strings") for (const v of a.values) values.add(v);
    return successJson(stringArrayJson([...values].sort(compareUtf8)), warnings);
  }
  const series = new Map<string, Labels>();
  for (const a of answers) if (a.kind === "series") for (const s of a.series) series.set(labelsKey(s), s);
  const sorted = [...series.values()].sort(compareLabels);
  return successJson("[" + sorted.map(labelsJson).join(",") + "]", warnings);
}

/** An answer as cache bytes: kind, then length-prefixed UTF-8 strings (a series as its count and name/value pairs). */
export function encodeMetaAnswer(a: MetaAnswer): Buffer {
  const parts: string[] = [];
  if (a.kind === "strings") parts.push(...a.values);
  else for (const s of a.series) parts.push(String(s.length), ...s.flatMap((l) => [l.name, l.value]));
  const head = Buffer.alloc(8);
  head.writeUInt32LE(a.kind === "strings" ? 1 : 2, 0);
  head.writeUInt32LE(a.kind === "strings" ? a.values.length : a.series.length, 4);
  const bufs = [head];
  for (const p of parts) {
    const b = Buffer.from(p, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length, 0);
    bufs.push(len, b);
  }
  return Buffer.concat(bufs);
}

export function decodeMetaAnswer(buf: Buffer): MetaAnswer {
  let at = 8;
  const str = (): string => {
    if (at + 4 > buf.length) throw new Error(`metadata cache entry cut short at byte ${at}`);
    const n = buf.readUInt32LE(at);
    if (at + 4 + n > buf.length) throw new Error(`metadata cache entry cut short at byte ${at}`);
    const s = buf.toString("utf8", at + 4, at + 4 + n);
    at += 4 + n;
    return s;
  };
  if (buf.length < 8) throw new Error("metadata cache entry cut short");
  const kind = buf.readUInt32LE(0);
  const count = buf.readUInt32LE(4);
  if (kind === 1) return { kind: "strings", values: Array.from({ length: count }, str), warnings: [] };
  if (kind !== 2) throw new Error(`metadata cache entry of unknown kind ${kind}`);
  const series: Labels[] = [];
  for (let i = 0; i < count; i++) {
    const n = Number(str());
    const labels = [];
    for (let j = 0; j < n; j++) labels.push({ name: str(), value: str() });
    series.push(labels);
  }
  return { kind: "series", series, warnings: [] };
}
