// A line parser for the Prometheus text exposition format and OpenMetrics text,
// with the sample timestamps backfilling needs. Prometheus text timestamps are
// integer ms; OpenMetrics ones are float seconds. Bad lines give an error value
// naming the line and column, never an exception.
import { METRIC_NAME, compareUtf8 } from "../../storeapi/index.js";
import type { Label, Labels } from "../../storeapi/index.js";

export type ExpositionFormat = "openmetrics" | "prometheus";

export interface ExpositionError {
  readonly kind: "error";
  readonly line: number;
  /** 1-based column of the problem. */
  readonly column: number;
  readonly message: string;
}

export interface ExpositionSample {
  readonly kind: "sample";
  /** Sorted, with __name__, empty values dropped. */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds, or undefined when the line has no timestamp. */
  readonly timestamp: number | undefined;
}

export type ExpositionLine =
  | ExpositionSample
  | ExpositionError
  | { readonly kind: "type" | "help" | "unit"; readonly metric: string; readonly text: string }
  | { readonly kind: "eof" | "comment" | "blank" };

export function formatExpositionError(e: ExpositionError, file?: string): string {
  return `${file !== undefined ? file + ":" : "line "}${e.line}:${e.column}: ${e.message}`;
}

/** `[a-zA-Z_:]` first and `[a-zA-Z0-9_:]` after, as the exposition formats name metrics; label names start without `:`. */
function isNameChar(c: number, noColon: boolean, first: boolean): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  if (c === 58) return !noColon;
  return !first && c >= 48 && c <= 57;
}
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses one line (without its newline); `lineNo` is 1-based, for errors. A file's lines repeat
 * the same series text, so a caller parsing many lines passes one `seriesCache` (series text →
 * its sorted labels) and each series is parsed once.
 */
export function parseExpositionLine(line: string, lineNo: number, format: ExpositionFormat, seriesCache?: Map<string, Labels>): ExpositionLine {
  if (line.endsWith("\r")) line = line.slice(0, -1);
  if (line.trim() === "") return { kind: "blank" };
  if (line.startsWith("#")) return parseComment(line);
  return new SampleLineParser(line, lineNo, format).parse(seriesCache);
}

/** Series caches stop growing here, so a file of endless distinct series cannot use up memory. */
const SERIES_CACHE_LIMIT = 100_000;

/**
 * Where the series text (`name`, `name{…}` or `{…}`) of a sample line ends, or -1 when the line
 * is not plain enough to tell without parsing.
 */
function seriesTextEnd(line: string): number {
  const n = line.length;
  let i = 0;
  if (line.charCodeAt(0) !== 123) {
    while (i < n && !isSpaceOrBrace(line.charCodeAt(i))) i++;
    if (i >= n) return -1;
    if (line.charCodeAt(i) !== 123) {
      let j = i;
      while (j < n && (line.charCodeAt(j) === 32 || line.charCodeAt(j) === 9)) j++;
      return line.charCodeAt(j) === 123 ? -1 : i;
    }
  }
  let inQuote = false;
  for (i++; i < n; i++) {
    const c = line.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 125) return i + 1;
  }
  return -1;
}

function isSpaceOrBrace(c: number): boolean {
  return c === 32 || c === 9 || c === 123;
}

function parseComment(line: string): ExpositionLine {
  if (line === "# EOF") return { kind: "eof" };
  const m = /^#\s+(TYPE|HELP|UNIT)\s+(\S+)\s*(.*)$/.exec(line);
  if (m === null) return { kind: "comment" };
  const kind = m[1] === "TYPE" ? "type" : m[1] === "HELP" ? "help" : "unit";
  return { kind, metric: m[2]!, text: m[3]! };
}

class SampleLineParser {
  private pos = 0;
  /** A metric name given as the first, quoted, item in the braces: {"my.metric", l="v"}. */
  private quotedName: string | undefined;

  constructor(
    private readonly line: string,
    private readonly lineNo: number,
    private readonly format: ExpositionFormat,
  ) {}

  private fail(message: string, at = this.pos): ExpositionError {
    return { kind: "error", line: this.lineNo, column: at + 1, message };
  }

  parse(seriesCache?: Map<string, Labels>): ExpositionLine {
    const end = seriesCache === undefined ? -1 : seriesTextEnd(this.line);
    const cached = end < 0 ? undefined : seriesCache!.get(this.line.slice(0, end));
    if (cached !== undefined) {
      this.pos = end;
      return this.parseValueAndTimestamp(cached, this.skipSpaces());
    }
    const series = this.parseSeries();
    if (!Array.isArray(series)) return series as ExpositionError;
    const labels = series as Labels;
    if (end >= 0 && this.pos === end && seriesCache!.size < SERIES_CACHE_LIMIT) seriesCache!.set(this.line.slice(0, end), labels);
    return this.parseValueAndTimestamp(labels, this.skipSpaces());
  }

  /** The series' labels, sorted, with __name__ and without empty values; `pos` just after the series text. */
  private parseSeries(): Labels | ExpositionError {
    const labels: Label[] = [];
    let name: string | undefined;
    if (this.line[0] !== "{") {
      name = this.readName(false);
      if (name === undefined) return this.fail(`expected a metric name, found ${this.describeHere()}`);
    }
    const afterName = this.pos;
    this.skipSpaces();
    if (this.line[this.pos] === "{") {
      const err = this.readLabels(labels, name === undefined);
      if (err !== undefined) return err;
      if (this.quotedName !== undefined) name = this.quotedName;
    } else {
      this.pos = afterName;
    }
    if (name === undefined) return this.fail("the sample has no metric name", 0);
    const seen = new Set<string>();
    for (const l of labels) {
      if (l.name === METRIC_NAME) return this.fail(`label ${METRIC_NAME} repeats the metric name`, 0);
      if (seen.has(l.name)) return this.fail(`duplicate label name "${l.name}"`, 0);
      seen.add(l.name);
    }
    labels.push({ name: METRIC_NAME, value: name });
    return labels.filter((l) => l.value !== "").sort((a, b) => compareUtf8(a.name, b.name));
  }

  private parseValueAndTimestamp(labels: Labels, spaced: boolean): ExpositionLine {
    if (!spaced || this.pos >= this.line.length) {
      return this.fail(`expected a space and a value after the series, found ${this.describeHere()}`);
    }
    const valueAt = this.pos;
    const valueText = this.readToken();
    const value = parseValue(valueText);
    if (value === undefined) return this.fail(`invalid value "${valueText}"`, valueAt);
    let timestamp: number | undefined;
    this.skipSpaces();
    if (this.pos < this.line.length && this.line[this.pos] !== "#") {
      const tsAt = this.pos;
      const tsText = this.readToken();
      timestamp = this.parseTimestamp(tsText);
      if (timestamp === undefined) return this.fail(`invalid timestamp "${tsText}"`, tsAt);
      this.skipSpaces();
    }
    // An OpenMetrics exemplar (` # {…} v [t]`) follows the sample; it is not a sample itself.
    if (this.pos < this.line.length && !(this.format === "openmetrics" && this.line[this.pos] === "#")) {
      return this.fail(`unexpected ${this.describeHere()} after the sample`);
    }
    return { kind: "sample", labels, value, timestamp };
  }

  private parseTimestamp(text: string): number | undefined {
    if (this.format === "prometheus") {
      if (!/^-?\d+$/.test(text)) return undefined;
      const ms = Number(text);
      return Number.isSafeInteger(ms) ? ms : undefined;
    }
    if (!FLOAT.test(text)) return undefined;
    // As Prometheus's OpenMetrics parser: float seconds × 1000, truncated toward zero (Go's int64()).
    const ms = Math.trunc(Number(text) * 1000);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }

  /** Reads `{name="value", …}`; a bare quoted string is the metric name (the UTF-8 names syntax). */
  private readLabels(out: Label[], nameMayBeQuoted: boolean): ExpositionError | undefined {
    this.pos++; // {
    for (;;) {
      this.skipSpaces();
      if (this.line[this.pos] === "}") {
        this.pos++;
        return undefined;
      }
      const at = this.pos;
      let labelName: string | undefined;
      if (this.line[this.pos] === '"') {
        const q = this.readQuoted();
        if (typeof q !== "string") return q;
        labelName = q;
        this.skipSpaces();
        if (this.line[this.pos] === "," || this.line[this.pos] === "}") {
          if (!nameMayBeQuoted || out.length > 0 || this.quotedName !== undefined) {
            return this.fail("a quoted metric name must come first in the braces, after no metric name", at);
          }
          this.quotedName = q;
          if (this.line[this.pos] === ",") this.pos++;
          continue;
        }
      } else {
        labelName = this.readName(true);
        if (labelName === undefined) return this.fail(`expected a label name, found ${this.describeHere()}`);
      }
      this.skipSpaces();
      if (this.line[this.pos] !== "=") return this.fail(`expected "=" after label name "${labelName}", found ${this.describeHere()}`);
      this.pos++;
      this.skipSpaces();
      if (this.line[this.pos] !== '"') return this.fail(`expected a quoted label value, found ${this.describeHere()}`);
      const value = this.readQuoted();
      if (typeof value !== "string") return value;
      out.push({ name: labelName, value });
      this.skipSpaces();
      if (this.line[this.pos] === ",") {
        this.pos++;
        continue;
      }
      if (this.line[this.pos] !== "}") return this.fail(`expected "," or "}" after a label, found ${this.describeHere()}`);
    }
  }

  private readQuoted(): string | ExpositionError {
    const start = this.pos;
    this.pos++; // opening quote
    let out = "";
    while (this.pos < this.line.length) {
      const c = this.line[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const e = this.line[this.pos + 1];
        if (e === "\\" || e === '"') out += e;
        else if (e === "n") out += "\n";
        else return this.fail(`invalid escape "\\${e ?? ""}" in a quoted string`);
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    return this.fail("unterminated quoted string", start);
  }

  /** A metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or, with `labelName`, a label name (no colons). */
  private readName(labelName: boolean): string | undefined {
    const from = this.pos;
    if (this.pos >= this.line.length || !isNameChar(this.line.charCodeAt(this.pos), labelName, true)) return undefined;
    this.pos++;
    while (this.pos < this.line.length && isNameChar(this.line.charCodeAt(this.pos), false, false)) this.pos++;
    return this.line.slice(from, this.pos);
  }

  private readToken(): string {
    const from = this.pos;
    while (this.pos < this.line.length && this.line[this.pos] !== " " && this.line[this.pos] !== "\t") this.pos++;
    return this.line.slice(from, this.pos);
  }

  /** Skips spaces and tabs; returns whether there were any. */
  private skipSpaces(): boolean {
    const from = this.pos;
    while (this.line[this.pos] === " " || this.line[this.pos] === "\t") this.pos++;
    return this.pos > from;
  }

  private describeHere(): string {
    return this.pos >= this.line.length ? "end of line" : JSON.stringify(this.line[this.pos]);
  }
}

function parseValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case "+inf":
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "nan":
      return NaN;
  }
  return FLOAT.test(text) ? Number(text) : undefined;
}
