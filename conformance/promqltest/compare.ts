// Judging a query result against an eval's expectations, as Prometheus's
// promqltest runner does: series matched by label set, values within a relative
// epsilon, order only when asked, annotations per the expect lines.
import type { Annotation, MatrixSeries, QueryResult, Sample, Value } from "../../engine/index.js";
import { compareLabels, type Labels } from "../../storeapi/index.js";
import { isOrdered, type EvalCommand, type ExpectedSeries, type MessageMatcher } from "./script.js";
import type { ScriptLabel, SequenceValue } from "./values.js";
import { expandHistograms, formatHistogram, histogramsMatch, type HistogramFields } from "./histograms.js";

/** Relative error allowed for sample values (the reference runner's defaultEpsilon). */
export const DEFAULT_EPSILON = 1e-6;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Equal within a relative epsilon; NaN equals NaN (any NaN, including the stale marker). */
export function almostEqual(a: number, b: number, epsilon = DEFAULT_EPSILON): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

type AnyLabels = Labels | readonly ScriptLabel[];

/** A canonical key of a label set, independent of the order labels were given in. */
export function labelSetKey(labels: AnyLabels): string {
  const pairs = labels.map((l) => [l.name, l.value] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify(pairs);
}

/** `{__name__="a", b="c"}` rendered as `a{b="c"}`, for messages. */
export function formatLabelSet(labels: AnyLabels): string {
  const sorted = [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const name = sorted.find((l) => l.name === "__name__")?.value ?? "";
  const rest = sorted.filter((l) => l.name !== "__name__").map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return `${name}{${rest.join(", ")}}`;
}

/** Orders label sets as Prometheus's labels.Compare (UTF-8 byte order, label by label, a prefix first). */
export function compareLabelSets(a: AnyLabels, b: AnyLabels): number {
  return compareLabels(a, b);
}

/** Renders an annotation as the API does: `PromQL warning: <msg> (<line>:<col>)`. */
export function renderAnnotation(a: Annotation, query: string): string {
  const prefix = a.kind === "warning" ? "PromQL warning: " : "PromQL info: ";
  if (a.pos === undefined || query === "") return prefix + a.message;
  return `${prefix}${a.message} (${positionText(query, a.pos.start)})`;
}

/** `line:column` (both 1-based) of an offset in the query. */
export function positionText(query: string, offset: number): string {
  if (offset < 0 || offset > query.length) return "invalid position";
  const before = query.slice(0, offset);
  const lastBreak = before.lastIndexOf("\n");
  const line = before.split("\n").length;
  return `${line}:${offset - lastBreak}`;
}

export function messageMatches(m: MessageMatcher, text: string): boolean {
  if (m.kind === "any") return true;
  if (m.kind === "msg") return m.text === text;
  m.regex.lastIndex = 0;
  return m.regex.test(text);
}

function describeMatcher(m: MessageMatcher): string {
  if (m.kind === "any") return "any message";
  if (m.kind === "msg") return `message ${JSON.stringify(m.text)}`;
  return `pattern ${JSON.stringify(m.source)}`;
}

/** Checks the annotations of a successful query; returns a reason when they do not match, else undefined. */
export function checkAnnotations(ev: EvalCommand, query: string, result: Pick<QueryResult, "warnings" | "infos">): string | undefined {
  const warnings = result.warnings.map((a) => renderAnnotation(a, query));
  const infos = result.infos.map((a) => renderAnnotation(a, query));
  const all = [...warnings, ...infos];
  if (ev.legacy.warn && warnings.length === 0) return "expected warnings but got none";
  if (ev.legacy.info && infos.length === 0) return "expected info annotations but got none";
  const warnProblem = checkAnnotationsOfType(ev.expect.warn, warnings, "warn", all);
  if (warnProblem !== undefined) return warnProblem;
  const infoProblem = checkAnnotationsOfType(ev.expect.info, infos, "info", all);
  if (infoProblem !== undefined) return infoProblem;
  if (ev.expect.noWarn && warnings.length > 0) return `unexpected warning annotations: ${JSON.stringify(warnings)}`;
  if (ev.expect.noInfo && infos.length > 0) return `unexpected info annotations: ${JSON.stringify(infos)}`;
  return undefined;
}

function checkAnnotationsOfType(expected: readonly MessageMatcher[], actual: readonly string[], type: string, all: readonly string[]): string | undefined {
  if (expected.length === 0) return undefined;
  if (actual.length === 0) return `expected ${type} annotations but none were found (got ${JSON.stringify(all)})`;
  for (const e of expected) {
    if (!actual.some((a) => messageMatches(e, a))) {
      return `expected ${type} annotation matching ${describeMatcher(e)} but none matched; found ${JSON.stringify(all)}`;
    }
  }
  for (const a of actual) {
    if (!expected.some((e) => messageMatches(e, a))) return `unexpected ${type} annotation ${JSON.stringify(a)}`;
  }
  return undefined;
}

/** Checks the error of a query that was expected to fail; returns a reason when it is the wrong error. */
export function checkExpectedFailure(ev: EvalCommand, message: string): string | undefined {
  if (ev.expectedFailMessage !== undefined && ev.expectedFailMessage !== "" && ev.expectedFailMessage !== message) {
    return `expected error ${JSON.stringify(ev.expectedFailMessage)} but got ${JSON.stringify(message)}`;
  }
  if (ev.expectedFailRegexp !== undefined) {
    ev.expectedFailRegexp.regex.lastIndex = 0;
    if (!ev.expectedFailRegexp.regex.test(message)) {
      return `expected error matching ${JSON.stringify(ev.expectedFailRegexp.source)} but got ${JSON.stringify(message)}`;
    }
  }
  const first = ev.expect.fail[0];
  if (first !== undefined && !messageMatches(first, message)) {
    return `expected error matching ${describeMatcher(first)} but got ${JSON.stringify(message)}`;
  }
  return undefined;
}

function expectedFloat(v: SequenceValue): number | "histogram" {
  switch (v.kind) {
    case "float":
      return v.value;
    case "stale":
      return NaN;
    case "omitted":
      return 0;
    case "histogram":
      return "histogram";
  }
}

/** Compares a query's value with the eval's expected result; returns a reason when they differ. */
export function compareResult(ev: EvalCommand, value: Value): string | undefined {
  switch (value.type) {
    case "matrix":
      return compareMatrix(ev, value.series);
    case "vector":
      return compareVector(ev, value.samples);
    case "scalar": {
      if (ev.expectedScalar === undefined) return `expected vector or matrix result, but got scalar ${formatNumber(value.v)}`;
      const exp = expectedFloat(ev.expectedScalar);
      if (exp === "histogram") return `expected histogram ${ev.expectedScalar.kind === "histogram" ? ev.expectedScalar.histogram.text : ""} but got scalar ${formatNumber(value.v)}`;
      if (!almostEqual(exp, value.v)) return `expected scalar ${formatNumber(exp)} but got ${formatNumber(value.v)}`;
      return undefined;
    }
    case "string":
      if ((ev.expectedString ?? "") !== value.v) return `expected string ${JSON.stringify(ev.expectedString ?? "")} but got ${JSON.stringify(value.v)}`;
      return undefined;
  }
}

function expectedByKey(ev: EvalCommand): Map<string, ExpectedSeries> {
  return new Map(ev.expectedSeries.map((s) => [labelSetKey(s.labels), s]));
}

function compareVector(ev: EvalCommand, samples: readonly Sample[]): string | undefined {
  if (ev.expectedScalar !== undefined) return `expected scalar result, but got vector ${formatVector(samples)}`;
  const expected = expectedByKey(ev);
  const seen = new Set<string>();
  const ordered = isOrdered(ev);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    const key = labelSetKey(s.labels);
    const exp = expected.get(key);
    if (exp === undefined) return `unexpected series ${formatLabelSet(s.labels)} in result, has value ${sampleText(s)}`;
    if (ordered && exp.pos !== i + 1) return `expected series ${formatLabelSet(s.labels)} at position ${exp.pos} but it was at ${i + 1}`;
    const problem = compareSample(exp, s);
    if (problem !== undefined) return problem;
    seen.add(key);
  }
  for (const [key, exp] of expected) {
    if (!seen.has(key)) return `expected series ${formatLabelSet(exp.labels)} not found in result`;
  }
  return undefined;
}

function sampleText(s: Sample): string {
  return s.h !== undefined ? formatHistogram(s.h) : formatNumber(s.v);
}

/** One sample against the first value of its expected series (float or histogram). */
function compareSample(exp: ExpectedSeries, s: Sample): string | undefined {
  const name = formatLabelSet(s.labels);
  const first = exp.values[0];
  if (first !== undefined && first.kind === "histogram") {
    if (s.h === undefined) return `expected histogram ${first.histogram.text} for ${name} but got float value ${formatNumber(s.v)}`;
    const want = expandHistograms(exp.values.slice(0, 1))[0]!;
    if (!histogramsMatch(want, s.h, hintWritten(first))) return `expected ${formatHistogram(want)} for ${name} but got ${formatHistogram(s.h)}`;
    return undefined;
  }
  const want = first === undefined ? 0 : (expectedFloat(first) as number);
  if (s.h !== undefined) return `expected float value ${formatNumber(want)} for ${name} but got histogram ${formatHistogram(s.h)}`;
  if (!almostEqual(want, s.v)) return `expected ${formatNumber(want)} for ${name} but got ${formatNumber(s.v)}`;
  return undefined;
}

/** Whether the script wrote a counter_reset_hint for this value (the increment's, for a `{{a}}+{{b}}xN` point), so it must match. */
function hintWritten(v: Extract<SequenceValue, { kind: "histogram" }>): boolean {
  return (v.step?.histogram ?? v.histogram).counterResetHint !== undefined;
}

function compareMatrix(ev: EvalCommand, series: readonly MatrixSeries[]): string | undefined {
  if (isOrdered(ev)) return "expected ordered result, but query returned a matrix";
  if (ev.expectedScalar !== undefined) return "expected scalar result, but got a matrix";
  const unsorted = findUnsorted(series);
  if (unsorted !== undefined) return unsorted;
  const expected = expectedByKey(ev);
  const seen = new Set<string>();
  for (const s of series) {
    const key = labelSetKey(s.labels);
    const exp = expected.get(key);
    if (exp === undefined) return `unexpected series ${formatLabelSet(s.labels)} in result, has ${formatPoints(s)}`;
    seen.add(key);
    const problem = compareSeriesPoints(ev, exp, s);
    if (problem !== undefined) return problem;
  }
  for (const [key, exp] of expected) {
    if (!seen.has(key)) return `expected series ${formatLabelSet(exp.labels)} not found in result`;
  }
  return undefined;
}

function compareSeriesPoints(ev: EvalCommand, exp: ExpectedSeries, s: MatrixSeries): string | undefined {
  const wantT: number[] = [];
  const wantV: number[] = [];
  const wantHT: number[] = [];
  const wantH: { h: HistogramFields; hintSet: boolean }[] = [];
  const histograms = expandHistograms(exp.values);
  for (let i = 0; i < exp.values.length; i++) {
    const t = ev.startMs + i * ev.stepMs;
    if (t > ev.endMs) return `expected ${exp.values.length} points for ${formatLabelSet(exp.labels)}, but the query time range cannot return this many`;
    const v = exp.values[i];
    if (v.kind === "omitted") continue;
    if (v.kind === "histogram") {
      wantHT.push(t);
      wantH.push({ h: histograms[i]!, hintSet: hintWritten(v) });
      continue;
    }
    wantT.push(t);
    wantV.push(expectedFloat(v) as number);
  }
  const name = formatLabelSet(exp.labels);
  const gotH = s.histograms ?? { t: [], h: [] };
  if (wantT.length !== s.t.length || wantHT.length !== gotH.t.length) {
    return `expected ${wantT.length} float points and ${wantHT.length} histogram points for ${name}, but got ${formatPoints(s)}`;
  }
  for (let i = 0; i < wantHT.length; i++) {
    if (wantHT[i] !== gotH.t[i]) return `expected histogram point ${i} of ${name} at t=${wantHT[i]}, but it was at t=${gotH.t[i]} (result has ${formatPoints(s)})`;
    if (!histogramsMatch(wantH[i]!.h, gotH.h[i]!, wantH[i]!.hintSet)) {
      return `expected histogram point ${i} (t=${gotH.t[i]}) of ${name} to be ${formatHistogram(wantH[i]!.h)}, but got ${formatHistogram(gotH.h[i]!)}`;
    }
  }
  for (let i = 0; i < wantT.length; i++) {
    if (wantT[i] !== s.t[i]) return `expected point ${i} of ${name} at t=${wantT[i]}, but it was at t=${s.t[i]} (result has ${formatPoints(s)})`;
    if (!almostEqual(wantV[i], s.v[i])) return `expected point ${i} (t=${s.t[i]}) of ${name} to be ${formatNumber(wantV[i])}, but got ${formatNumber(s.v[i])} (result has ${formatPoints(s)})`;
  }
  return undefined;
}

/** A matrix must be sorted by labels; returns why it is not, else undefined. */
export function findUnsorted(series: readonly { labels: Labels }[]): string | undefined {
  for (let i = 0; i + 1 < series.length; i++) {
    if (compareLabelSets(series[i].labels, series[i + 1].labels) > 0) {
      return `matrix results should be sorted by labels, but ${formatLabelSet(series[i + 1].labels)} (index ${i + 1}) sorts before ${formatLabelSet(series[i].labels)} (index ${i})`;
    }
  }
  return undefined;
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function formatVector(samples: readonly Sample[]): string {
  return samples.map((s) => `${formatLabelSet(s.labels)} ${sampleText(s)}`).join(", ");
}

function formatPoints(s: MatrixSeries): string {
  const points: string[] = [];
  for (let i = 0; i < s.t.length; i++) points.push(`${formatNumber(s.v[i])}@${s.t[i] / 1000}s`);
  const text = `${s.t.length} point${s.t.length === 1 ? "" : "s"} [${points.join(" ")}]`;
  const hs = s.histograms;
  if (hs === undefined) return text;
  const hp = hs.t.map((t, i) => `${formatHistogram(hs.h[i]!)}@${t / 1000}s`);
  return `${text} and ${hs.t.length} histogram point${hs.t.length === 1 ? "" : "s"} [${hp.join(" ")}]`;
}

/** A compact rendering of any query value, for reports. */
export function formatValue(value: Value, maxSeries = 20): string {
  switch (value.type) {
    case "scalar":
      return `scalar ${formatNumber(value.v)}`;
    case "string":
      return `string ${JSON.stringify(value.v)}`;
    case "vector": {
      const shown = value.samples.slice(0, maxSeries).map((s) => `${formatLabelSet(s.labels)} ${sampleText(s)}`);
      if (value.samples.length > maxSeries) shown.push(`… ${value.samples.length - maxSeries} more`);
      return value.samples.length === 0 ? "empty vector" : shown.join("\n");
    }
    case "matrix": {
      const shown = value.series.slice(0, maxSeries).map((s) => `${formatLabelSet(s.labels)} ${formatPoints(s)}`);
      if (value.series.length > maxSeries) shown.push(`… ${value.series.length - maxSeries} more`);
      return value.series.length === 0 ? "empty matrix" : shown.join("\n");
    }
  }
}

function formatSequenceValue(v: SequenceValue): string {
  switch (v.kind) {
    case "float":
      return formatNumber(v.value);
    case "omitted":
      return "_";
    case "stale":
      return "stale";
    case "histogram":
      return v.histogram.text;
  }
}

/** A compact rendering of what an eval expects, for reports. */
export function formatExpected(ev: EvalCommand, maxSeries = 20): string {
  const lines: string[] = [];
  if (ev.expect.fail.length > 0 || ev.legacy.fail) lines.push(`error ${ev.expect.fail.map(describeMatcher).join(", ") || "(any)"}`);
  if (ev.expectedString !== undefined) lines.push(`string ${JSON.stringify(ev.expectedString)}`);
  if (ev.expectedScalar !== undefined) lines.push(`scalar ${formatSequenceValue(ev.expectedScalar)}`);
  for (const s of ev.expectedSeries.slice(0, maxSeries)) lines.push(`${formatLabelSet(s.labels)} ${s.values.map(formatSequenceValue).join(" ")}`);
  if (ev.expectedSeries.length > maxSeries) lines.push(`… ${ev.expectedSeries.length - maxSeries} more`);
  if (lines.length === 0) lines.push("empty result");
  return lines.join("\n");
}
