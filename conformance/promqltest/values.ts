// The value notation of promqltest scripts: series descriptions
// (`metric{l="v"} 1+2x3 _ stale {{schema:1 ...}}`), bare numbers and durations.
// Pure functions, no dependency on the parser or the engine.
import { compareUtf8 } from "../../storeapi/index.js";

/** One label of a series description; a label set is sorted by name. */
export interface ScriptLabel {
  readonly name: string;
  readonly value: string;
}

/** A native histogram literal, `{{schema:1 sum:3 count:22 buckets:[5 10 7]}}`. */
export interface HistogramLiteral {
  schema?: number;
  sum?: number;
  count?: number;
  zeroCount?: number;
  zeroThreshold?: number;
  buckets?: number[];
  offset?: number;
  negativeBuckets?: number[];
  negativeOffset?: number;
  customValues?: number[];
  counterResetHint?: "unknown" | "reset" | "not_reset" | "gauge";
  /** The literal as written, for messages. */
  text: string;
}

/**
 * One point of an expanded sequence. A histogram from `{{a}}+{{b}}xN` keeps
 * its base and increment rather than a computed sum: the runner only needs
 * to know that histograms are there.
 */
export type SequenceValue =
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "omitted" }
  | { readonly kind: "stale" }
  | {
      readonly kind: "histogram";
      readonly histogram: HistogramLiteral;
      readonly step?: { readonly op: "+" | "-"; readonly histogram: HistogramLiteral; readonly times: number };
    };

export interface SeriesDescription {
  labels: ScriptLabel[];
  values: SequenceValue[];
}

/** A problem in the notation, with the column (0-based) where it is. */
export class NotationError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(message);
    this.name = "NotationError";
    this.column = column;
  }
}

const NUMBER = String.raw`[+-]?(?:inf|nan|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)`;
const UNSIGNED_NUMBER = String.raw`(?:inf|nan|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)`;
// `a`, `axN`, `a+bxN`, `a-bxN`: hexadecimal is not allowed here because `0x5` means "0 repeated".
const SEQUENCE_ITEM = new RegExp(`^(${NUMBER})(?:([+-])(${UNSIGNED_NUMBER}))?(?:x(\\d+))?$`, "i");
const OMITTED_ITEM = /^_(?:x(\d+))?$/;
const MAX_EXPANSION = 1_000_000;

/** Parses a number as the series notation writes it: decimal, Inf, NaN, with sign. */
export function parseSeriesNumber(text: string): number | undefined {
  if (!new RegExp(`^${NUMBER}$`, "i").test(text)) return undefined;
  return parseDecimalOrSpecial(text);
}

function parseDecimalOrSpecial(text: string): number {
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[+-]/, "").toLowerCase();
  if (body === "inf" || body === "infinity") return sign * Infinity;
  if (body === "nan") return NaN;
  return sign * Number(body);
}

/**
 * Parses a bare number line as Go's strconv does in promqltest: an integer in
 * any Go base (0x, 0o, 0b, leading-0 octal) first, else a float (Inf, NaN).
 */
export function parseBareNumber(text: string): number | undefined {
  const int = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (int !== null) {
    const sign = int[1] === "-" ? -1 : 1;
    if (int[2] !== undefined) return sign * parseInt(int[2], 16);
    if (int[3] !== undefined) return sign * parseInt(int[3], 8);
    if (int[4] !== undefined) return sign * parseInt(int[4], 2);
    if (int[5] !== undefined) return int[5] === "" ? 0 * sign : sign * parseInt(int[5], 8);
    return sign * Number(int[6]);
  }
  if (/^[+-]?(?:inf|infinity|nan)$/i.test(text)) return parseDecimalOrSpecial(text);
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text)) return Number(text);
  return undefined;
}

const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["y", 365 * 24 * 3600_000],
  ["w", 7 * 24 * 3600_000],
  ["d", 24 * 3600_000],
  ["h", 3600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** Parses a Prometheus duration (`1h30m`, `0`, `90s`) to milliseconds, as model.ParseDuration does. */
export function parseScriptDuration(text: string): number {
  if (text === "0") return 0;
  if (text === "") throw new Error("empty duration string");
  const re = /^(\d+)(ms|y|w|d|h|m|s)/;
  let rest = text;
  let total = 0;
  let lastUnit = -1;
  while (rest !== "") {
    const m = re.exec(rest);
    if (m === null) throw new Error(`not a valid duration string: "${text}"`);
    const unitIndex = DURATION_UNITS.findIndex(([u]) => u === m[2]);
    if (unitIndex <= lastUnit) throw new Error(`not a valid duration string: "${text}"`);
    lastUnit = unitIndex;
    total += Number(m[1]) * DURATION_UNITS[unitIndex][1];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Expands a value list (everything after the series' labels). `offset` is its column in the line. */
export function parseSequence(text: string, offset = 0): SequenceValue[] {
  const out: SequenceValue[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    if (text.startsWith("{{", i)) {
      i = readHistogramItem(text, i, offset, out);
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end])) end++;
    expandItem(text.slice(i, end), offset + i, out);
    i = end;
  }
  return out;
}

function expandItem(word: string, column: number, out: SequenceValue[]): void {
  const omitted = OMITTED_ITEM.exec(word);
  if (omitted !== null) {
    const n = omitted[1] === undefined ? 1 : checkedCount(omitted[1], column);
    for (let k = 0; k < n; k++) out.push({ kind: "omitted" });
    return;
  }
  if (word === "stale") {
    out.push({ kind: "stale" });
    return;
  }
  const m = SEQUENCE_ITEM.exec(word);
  if (m === null) throw new NotationError(`invalid value "${word}" in series values`, column);
  let value = parseDecimalOrSpecial(m[1]);
  if (m[4] === undefined) {
    if (m[2] !== undefined) throw new NotationError(`"${word}": an increment needs a repeat count (a+bxN)`, column);
    out.push({ kind: "float", value });
    return;
  }
  const times = checkedCount(m[4], column);
  const step = m[2] === undefined ? 0 : (m[2] === "-" ? -1 : 1) * parseDecimalOrSpecial(m[3]);
  // Repeated addition, not multiplication, so sums round exactly as the reference does.
  for (let k = 0; k <= times; k++) {
    out.push({ kind: "float", value });
    value += step;
  }
}

function checkedCount(digits: string, column: number): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n > MAX_EXPANSION) throw new NotationError(`repeat count ${digits} is too large`, column);
  return n;
}

function readHistogramItem(text: string, start: number, offset: number, out: SequenceValue[]): number {
  const first = readHistogramLiteral(text, start, offset);
  let i = first.end;
  if (text[i] === "x") {
    const m = /^x(\d+)/.exec(text.slice(i));
    if (m === null) throw new NotationError("expected a repeat count after x", offset + i);
    const times = checkedCount(m[1], offset + i);
    for (let k = 0; k <= times; k++) out.push({ kind: "histogram", histogram: first.literal });
    return i + m[0].length;
  }
  if ((text[i] === "+" || text[i] === "-") && text.startsWith("{{", i + 1)) {
    const op = text[i] as "+" | "-";
    const second = readHistogramLiteral(text, i + 1, offset);
    i = second.end;
    const m = /^x(\d+)/.exec(text.slice(i));
    if (m === null) throw new NotationError("expected xN after a histogram increment", offset + i);
    const times = checkedCount(m[1], offset + i);
    for (let k = 0; k <= times; k++) {
      out.push(
        k === 0
          ? { kind: "histogram", histogram: first.literal }
          : { kind: "histogram", histogram: first.literal, step: { op, histogram: second.literal, times: k } },
      );
    }
    return i + m[0].length;
  }
  if (i < text.length && !/\s/.test(text[i])) throw new NotationError(`unexpected "${text[i]}" after a histogram literal`, offset + i);
  out.push({ kind: "histogram", histogram: first.literal });
  return i;
}

function readHistogramLiteral(text: string, start: number, offset: number): { literal: HistogramLiteral; end: number } {
  const close = text.indexOf("}}", start + 2);
  if (close < 0) throw new NotationError("unterminated histogram literal (missing }})", offset + start);
  const body = text.slice(start + 2, close);
  return { literal: parseHistogramBody(body, text.slice(start, close + 2), offset + start + 2), end: close + 2 };
}

const NUMBER_FIELDS: Record<string, keyof HistogramLiteral> = {
  schema: "schema",
  sum: "sum",
  count: "count",
  z_bucket: "zeroCount",
  z_bucket_w: "zeroThreshold",
  offset: "offset",
  n_offset: "negativeOffset",
};
const LIST_FIELDS: Record<string, keyof HistogramLiteral> = {
  buckets: "buckets",
  n_buckets: "negativeBuckets",
  custom_values: "customValues",
};
const RESET_HINTS = new Set(["unknown", "reset", "not_reset", "gauge"]);

function parseHistogramBody(body: string, text: string, column: number): HistogramLiteral {
  const literal: HistogramLiteral = { text };
  const field = /\s*([a-z_]+)\s*:\s*(\[[^\]]*\]|[^\s\]]+)/gy;
  let pos = 0;
  while (pos < body.length) {
    if (/^\s*$/.test(body.slice(pos))) break;
    field.lastIndex = pos;
    const m = field.exec(body);
    if (m === null) throw new NotationError(`invalid histogram literal field at "${body.slice(pos).trim()}"`, column + pos);
    const [, key, raw] = m;
    const at = column + pos;
    if (key in NUMBER_FIELDS) {
      const v = parseSeriesNumber(raw);
      if (v === undefined) throw new NotationError(`histogram field ${key}: "${raw}" is not a number`, at);
      (literal as unknown as Record<string, number>)[NUMBER_FIELDS[key]] = v;
    } else if (key in LIST_FIELDS) {
      if (!raw.startsWith("[")) throw new NotationError(`histogram field ${key} needs a [list]`, at);
      (literal as unknown as Record<string, number[]>)[LIST_FIELDS[key]] = parseNumberList(raw, key, at);
    } else if (key === "counter_reset_hint") {
      if (!RESET_HINTS.has(raw)) throw new NotationError(`invalid counter_reset_hint "${raw}"`, at);
      literal.counterResetHint = raw as HistogramLiteral["counterResetHint"];
    } else {
      throw new NotationError(`unknown histogram field "${key}"`, at);
    }
    pos = field.lastIndex;
  }
  return literal;
}

function parseNumberList(raw: string, key: string, column: number): number[] {
  const inner = raw.slice(1, -1).trim();
  if (inner === "") return [];
  return inner.split(/\s+/).map((w) => {
    const v = parseSeriesNumber(w);
    if (v === undefined) throw new NotationError(`histogram field ${key}: "${w}" is not a number`, column);
    return v;
  });
}

/** Parses `metric{a="b"} <values>` (or `{...}` / a bare name) into sorted labels and expanded values. */
export function parseSeriesDescription(line: string): SeriesDescription {
  const { labels, end } = parseLabelSet(line);
  if (end < line.length && !/\s/.test(line[end])) throw new NotationError(`unexpected "${line[end]}" after the series labels`, end);
  return { labels, values: parseSequence(line.slice(end), end) };
}

/** Parses the label part of a series description; returns sorted labels and where it ended. */
export function parseLabelSet(line: string): { labels: ScriptLabel[]; end: number } {
  const labels = new Map<string, string>();
  let i = 0;
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (name !== null) {
    labels.set("__name__", name[0]);
    i = name[0].length;
  }
  if (line[i] === "{") {
    i = parseBraces(line, i + 1, labels, name !== null);
  } else if (name === null) {
    throw new NotationError("expected a metric name or {", 0);
  }
  // Sorted in UTF-8 byte order, as Prometheus's labels are.
  const sorted = [...labels].map(([n, v]) => ({ name: n, value: v })).sort((a, b) => compareUtf8(a.name, b.name));
  return { labels: sorted, end: i };
}

function parseBraces(line: string, start: number, labels: Map<string, string>, hasName: boolean): number {
  let i = skipSpace(line, start);
  while (line[i] !== "}") {
    if (i >= line.length) throw new NotationError("unterminated label set (missing })", i);
    let labelName: string;
    if (line[i] === '"' || line[i] === "'" || line[i] === "`") {
      const s = readQuoted(line, i);
      i = skipSpace(line, s.end);
      if (line[i] === "," || line[i] === "}") {
        // A lone quoted string is the metric name: {"my.metric"}.
        if (hasName || labels.has("__name__")) throw new NotationError("metric name given twice", i);
        labels.set("__name__", s.value);
        if (line[i] === ",") i = skipSpace(line, i + 1);
        continue;
      }
      labelName = s.value;
    } else {
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (m === null) throw new NotationError(`expected a label name at "${line.slice(i, i + 10)}"`, i);
      labelName = m[0];
      i = skipSpace(line, i + m[0].length);
    }
    if (line[i] !== "=" || line[i + 1] === "~") throw new NotationError(`expected = after label ${labelName}`, i);
    i = skipSpace(line, i + 1);
    if (line[i] !== '"' && line[i] !== "'" && line[i] !== "`") throw new NotationError(`expected a quoted value for label ${labelName}`, i);
    const value = readQuoted(line, i);
    if (labels.has(labelName)) throw new NotationError(`label ${labelName} given twice`, i);
    labels.set(labelName, value.value);
    i = skipSpace(line, value.end);
    if (line[i] === ",") i = skipSpace(line, i + 1);
    else if (line[i] !== "}") throw new NotationError(`expected , or } at "${line.slice(i, i + 10)}"`, i);
  }
  return i + 1;
}

function skipSpace(line: string, i: number): number {
  while (i < line.length && /\s/.test(line[i])) i++;
  return i;
}

/** Reads a Go-style quoted string ("…", '…' with escapes, `…` raw) starting at `start`. */
export function readQuoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let i = start + 1;
  let out = "";
  while (i < text.length && text[i] !== quote) {
    if (quote !== "`" && text[i] === "\\") {
      const esc = readEscape(text, i);
      out += esc.value;
      i = esc.end;
      continue;
    }
    out += text[i];
    i++;
  }
  if (i >= text.length) throw new NotationError(`unterminated string starting with ${quote}`, start);
  return { value: out, end: i + 1 };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "`": "`",
};

function readEscape(text: string, i: number): { value: string; end: number } {
  const c = text[i + 1];
  if (c !== undefined && c in SIMPLE_ESCAPES) return { value: SIMPLE_ESCAPES[c], end: i + 2 };
  const hex = (len: number): { value: string; end: number } => {
    const digits = text.slice(i + 2, i + 2 + len);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) throw new NotationError(`invalid escape \\${c}${digits}`, i);
    return { value: String.fromCodePoint(parseInt(digits, 16)), end: i + 2 + len };
  };
  if (c === "x") return hex(2);
  if (c === "u") return hex(4);
  if (c === "U") return hex(8);
  if (c !== undefined && c >= "0" && c <= "7") {
    const digits = text.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new NotationError(`invalid octal escape \\${digits}`, i);
    return { value: String.fromCharCode(parseInt(digits, 8)), end: i + 4 };
  }
  throw new NotationError(`unknown escape sequence \\${c ?? ""}`, i);
}

/** Whether any value of a sequence is a native histogram. */
export function hasHistogram(values: readonly SequenceValue[]): boolean {
  return values.some((v) => v.kind === "histogram");
}

/** One position of a start-timestamp (`@st`) sequence: an offset from the sample's time, or none. */
export type StartTimestampValue = { readonly kind: "omitted" } | { readonly kind: "offset"; readonly ms: number };

/**
 * Parses an `@st` sequence: `_`, `_xN`, `*` (repeat last), `*xN`, `<dur>`,
 * `<dur>xN`, `<dur>+<dur>xN`, `<dur>-<dur>xN`; durations may carry a sign.
 */
export function parseStartTimestampSequence(text: string, offset = 0): StartTimestampValue[] {
  const out: StartTimestampValue[] = [];
  let column = offset;
  for (const word of text.split(/(\s+)/)) {
    if (word.trim() !== "") expandStartTimestampItem(word, column, out);
    column += word.length;
  }
  return out;
}

function expandStartTimestampItem(word: string, column: number, out: StartTimestampValue[]): void {
  const omitted = OMITTED_ITEM.exec(word);
  if (omitted !== null) {
    const n = omitted[1] === undefined ? 1 : checkedCount(omitted[1], column);
    for (let k = 0; k < n; k++) out.push({ kind: "omitted" });
    return;
  }
  const last = [...out].reverse().find((v) => v.kind === "offset");
  const previous = last?.kind === "offset" ? last.ms : 0;
  const star = /^\*(?:x(\d+))?$/.exec(word);
  if (star !== null) {
    const n = star[1] === undefined ? 1 : checkedCount(star[1], column) + 1;
    for (let k = 0; k < n; k++) out.push({ kind: "offset", ms: previous });
    return;
  }
  const m = /^([+-]?\d+(?:ms|[smhdwy])?(?:\d+(?:ms|[smhdwy]))*)(?:([+-])(\d+(?:ms|[smhdwy])?(?:\d+(?:ms|[smhdwy]))*))?(?:x(\d+))?$/.exec(word);
  if (m === null) throw new NotationError(`invalid start-timestamp item "${word}"`, column);
  const base = signedDuration(m[1], column);
  if (m[4] === undefined) {
    if (m[2] !== undefined) throw new NotationError(`"${word}": an increment needs a repeat count`, column);
    out.push({ kind: "offset", ms: base });
    return;
  }
  const times = checkedCount(m[4], column);
  const step = m[2] === undefined ? 0 : (m[2] === "-" ? -1 : 1) * signedDuration(m[3], column);
  for (let k = 0; k <= times; k++) out.push({ kind: "offset", ms: base + k * step });
}

function signedDuration(text: string, column: number): number {
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[+-]/, "");
  try {
    return sign * parseScriptDuration(body);
  } catch (err) {
    throw new NotationError(`invalid duration "${text}": ${(err as Error).message}`, column);
  }
}
