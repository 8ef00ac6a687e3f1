// A reader for the YAML subset orrery's files use (compliance tester, file SD, objstore, rule
// files): block mappings and sequences by indentation, one-line flow collections (`[a, b]`,
// `{k: v}`, nested), quoted and plain scalars, literal (|) and folded (>) block scalars with
// chomping, comments.
// Anything outside that subset is an error naming the line, never a silent misread.
// With a positions map, each mapping and sequence is recorded with its line and column and
// those of its values (1-based, as yaml.v3 reports them), for errors that point into a file.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  override name = "YamlError";
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

export interface YamlPosition {
  line: number;
  column: number;
}

/** Where a mapping or sequence starts, and where each of its values starts (by key, or index as a string). */
export interface YamlNodePosition extends YamlPosition {
  values: Record<string, YamlPosition>;
}

export type YamlPositions = Map<object, YamlNodePosition>;

interface Line {
  no: number;
  indent: number;
  text: string;
  /** The content of a block scalar whose indicator ends this line. */
  block?: string;
}

interface Cursor {
  i: number;
  positions: YamlPositions | undefined;
}

/** Parses a document of the supported subset; the top level must be a mapping or a sequence. */
export function parseYaml(source: string, positions?: YamlPositions): YamlValue {
  const lines = significantLines(source);
  if (lines.length === 0) return null;
  const cursor: Cursor = { i: 0, positions };
  const value = parseBlock(lines, cursor, lines[0].indent);
  if (cursor.i < lines.length) throw new YamlError(lines[cursor.i].no, "unexpected indentation");
  return value;
}

/** `key: |`, `key: >-`, …: a block scalar indicator as a mapping value. */
const BLOCK_INDICATOR = /:\s+([|>])([-+]?)$/;

function significantLines(source: string): Line[] {
  const out: Line[] = [];
  const raws = source.split(/\r?\n/);
  for (let idx = 0; idx < raws.length; idx++) {
    const raw = raws[idx];
    if (raw.includes("\t") && /^\s*\t/.test(raw)) throw new YamlError(idx + 1, "tabs are not allowed for indentation");
    const text = stripComment(raw, idx + 1).trimEnd();
    if (text.trim() === "" || text === "---") continue;
    const indent = text.length - text.trimStart().length;
    const line: Line = { no: idx + 1, indent, text: text.trimStart() };
    out.push(line);
    const m = BLOCK_INDICATOR.exec(line.text);
    if (m === null) continue;
    const end = blockEnd(raws, idx + 1, indent + (/^(?:-\s+)*/.exec(line.text)?.[0].length ?? 0));
    line.block = blockScalar(raws.slice(idx + 1, end), m[1] === ">", m[2], idx + 2);
    idx = end - 1;
  }
  return out;
}

/** The index of the first raw line after a block scalar: the first non-blank line not indented past its key. */
function blockEnd(raws: string[], from: number, keyIndent: number): number {
  let i = from;
  for (; i < raws.length; i++) {
    const raw = raws[i];
    if (raw.trim() === "") continue;
    if (raw.length - raw.trimStart().length <= keyIndent) break;
  }
  // Trailing blank lines belong to the block only for keep chomping; they are harmless either way.
  return i;
}

/** A block scalar's value from its raw lines: indentation of the first content line removed, folded or literal, chomped. */
function blockScalar(raws: string[], folded: boolean, chomp: string, firstNo: number): string {
  const first = raws.find((r) => r.trim() !== "");
  if (first === undefined) return "";
  const indent = first.length - first.trimStart().length;
  const lines = raws.map((r, k) => {
    if (r.trim() === "") return "";
    if (r.length - r.trimStart().length < indent) throw new YamlError(firstNo + k, "block scalar line is less indented than its first line");
    return r.slice(indent);
  });
  let trailing = 0;
  while (trailing < lines.length && lines[lines.length - 1 - trailing] === "") trailing++;
  const content = lines.slice(0, lines.length - trailing);
  const body = folded ? foldLines(content) : content.join("\n");
  if (chomp === "-") return body;
  if (chomp === "+") return body + "\n".repeat(trailing + 1);
  return body + "\n";
}

/** YAML folding: a line break between two plain lines becomes a space; a blank line is a line break; more-indented lines keep theirs. */
function foldLines(lines: string[]): string {
  let out = lines[0] ?? "";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const prev = lines[i - 1];
    if (line === "") out += "\n";
    else if (prev === "") out += line;
    else out += (line.startsWith(" ") || prev.startsWith(" ") ? "\n" : " ") + line;
  }
  return out;
}

/** Removes a `#` comment that starts the line or follows whitespace, outside quotes. */
function stripComment(raw: string, no: number): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote !== undefined) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) {
        if (quote === "'" && raw[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if ((c === "'" || c === '"') && (i === 0 || /[\s:[,\-{]/.test(raw[i - 1]))) quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(raw[i - 1]))) return raw.slice(0, i);
  }
  if (quote !== undefined) throw new YamlError(no, `unterminated ${quote === "'" ? "single" : "double"}-quoted string`);
  return raw;
}

function parseBlock(lines: Line[], cursor: Cursor, indent: number): YamlValue {
  const first = lines[cursor.i];
  if (isSequenceItem(first.text)) return parseSequence(lines, cursor, indent);
  if (splitKey(first.text, first.no) !== undefined) return parseMapping(lines, cursor, indent);
  cursor.i++;
  return parseScalarOrFlow(first.text, first.no);
}

function isSequenceItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

function parseSequence(lines: Line[], cursor: Cursor, indent: number): YamlValue[] {
  const out: YamlValue[] = [];
  const pos = record(cursor, out, lines[cursor.i].no, indent);
  while (cursor.i < lines.length) {
    const line = lines[cursor.i];
    if (line.indent < indent) break;
    if (line.indent > indent) throw new YamlError(line.no, "unexpected indentation in sequence");
    if (!isSequenceItem(line.text)) break;
    const rest = line.text === "-" ? "" : line.text.slice(2).trimStart();
    const restIndent = line.indent + (line.text.length - rest.length);
    if (rest === "") {
      // The item's content is on the following, more indented lines (or it is null).
      cursor.i++;
      const next = lines[cursor.i];
      if (pos !== undefined && next !== undefined) pos.values[String(out.length)] = { line: next.no, column: next.indent + 1 };
      out.push(next !== undefined && next.indent > indent ? parseBlock(lines, cursor, next.indent) : null);
      continue;
    }
    // An inline item: treat its text as a line of its own at the column where it starts.
    lines[cursor.i] = { no: line.no, indent: restIndent, text: rest, block: line.block };
    if (pos !== undefined) pos.values[String(out.length)] = { line: line.no, column: restIndent + 1 };
    out.push(parseBlock(lines, cursor, restIndent));
  }
  return out;
}

function parseMapping(lines: Line[], cursor: Cursor, indent: number): { [key: string]: YamlValue } {
  const out: { [key: string]: YamlValue } = {};
  const pos = record(cursor, out, lines[cursor.i].no, indent);
  while (cursor.i < lines.length) {
    const line = lines[cursor.i];
    if (line.indent < indent) break;
    if (line.indent > indent) throw new YamlError(line.no, "unexpected indentation in mapping");
    const kv = splitKey(line.text, line.no);
    if (kv === undefined) {
      if (isSequenceItem(line.text)) break;
      throw new YamlError(line.no, `expected "key: value", got ${JSON.stringify(line.text)}`);
    }
    if (Object.prototype.hasOwnProperty.call(out, kv.key)) throw new YamlError(line.no, `duplicate key "${kv.key}"`);
    cursor.i++;
    if (kv.rest !== "") {
      if (pos !== undefined) pos.values[kv.key] = { line: line.no, column: line.indent + line.text.length - kv.rest.length + 1 };
      out[kv.key] = line.block !== undefined && /^[|>][-+]?$/.test(kv.rest) ? line.block : parseScalarOrFlow(kv.rest, line.no);
      continue;
    }
    const next = lines[cursor.i];
    if (pos !== undefined && next !== undefined) pos.values[kv.key] = { line: next.no, column: next.indent + 1 };
    // A sequence may sit at the same indentation as its key (`key:\n- a`).
    if (next !== undefined && (next.indent > indent || (next.indent === indent && isSequenceItem(next.text)))) {
      out[kv.key] = parseBlock(lines, cursor, next.indent);
    } else out[kv.key] = null;
  }
  return out;
}

function record(cursor: Cursor, node: object, line: number, indent: number): YamlNodePosition | undefined {
  if (cursor.positions === undefined) return undefined;
  const pos: YamlNodePosition = { line, column: indent + 1, values: {} };
  cursor.positions.set(node, pos);
  return pos;
}

/** `key: rest` with a plain or quoted key, or undefined when the line is not a mapping entry. */
function splitKey(text: string, no: number): { key: string; rest: string } | undefined {
  if (text.startsWith("'") || text.startsWith('"')) {
    const end = quotedEnd(text, 0);
    if (end < 0 || text[end] !== ":" || (text.length > end + 1 && text[end + 1] !== " ")) return undefined;
    return { key: unquote(text.slice(0, end), no), rest: text.slice(end + 1).trim() };
  }
  if (text.startsWith("[") || text.startsWith("{") || isSequenceItem(text)) return undefined;
  const m = /^([^\s:][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (m === null) return undefined;
  return { key: m[1], rest: (m[2] ?? "").trim() };
}

/** The index just after the closing quote of the string starting at `start`, or -1. */
function quotedEnd(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === "\\") {
      i++;
      continue;
    }
    if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") {
        i++;
        continue;
      }
      return i + 1;
    }
  }
  return -1;
}

function parseScalarOrFlow(text: string, no: number): YamlValue {
  if (text.startsWith("[") || text.startsWith("{")) return parseFlow(text, no);
  if (text.startsWith("|") || text.startsWith(">")) throw new YamlError(no, "block scalars with indentation indicators (|2) or outside a mapping value are not supported");
  if (text.startsWith("&") || text.startsWith("*") || text.startsWith("!")) throw new YamlError(no, "anchors, aliases and tags are not supported");
  return parseScalar(text, no);
}

/** A flow collection on one line (`[a, b]`, `{k: v, n: {m: [1]}}`), nested as deep as it goes. */
function parseFlow(text: string, no: number): YamlValue {
  const cursor = { i: 0 };
  const value = parseFlowValue(text, cursor, no);
  skipFlowSpace(text, cursor);
  if (cursor.i < text.length) throw new YamlError(no, `text after the closing ${text[0] === "[" ? "]" : "}"}`);
  return value;
}

function skipFlowSpace(text: string, cursor: { i: number }): void {
  while (cursor.i < text.length && text[cursor.i] === " ") cursor.i++;
}

function parseFlowValue(text: string, cursor: { i: number }, no: number): YamlValue {
  skipFlowSpace(text, cursor);
  if (text[cursor.i] === "[") return parseFlowCollection(text, cursor, no, "]");
  if (text[cursor.i] === "{") return parseFlowCollection(text, cursor, no, "}");
  return parseFlowScalar(text, cursor, no, "sequence");
}

function parseFlowCollection(text: string, cursor: { i: number }, no: number, close: "]" | "}"): YamlValue {
  const kind = close === "]" ? "sequence" : "mapping";
  const list: YamlValue[] = [];
  const map: { [key: string]: YamlValue } = {};
  cursor.i++;
  skipFlowSpace(text, cursor);
  if (text[cursor.i] === close) {
    cursor.i++;
    return kind === "sequence" ? list : map;
  }
  for (;;) {
    if (kind === "sequence") list.push(parseFlowValue(text, cursor, no));
    else {
      skipFlowSpace(text, cursor);
      const key = String(parseFlowScalar(text, cursor, no, "mapping"));
      if (text[cursor.i] !== ":") throw new YamlError(no, `expected ":" after the key "${key}" in flow mapping`);
      cursor.i++;
      skipFlowSpace(text, cursor);
      if (Object.prototype.hasOwnProperty.call(map, key)) throw new YamlError(no, `duplicate key "${key}"`);
      map[key] = text[cursor.i] === "," || text[cursor.i] === "}" ? null : parseFlowValue(text, cursor, no);
    }
    skipFlowSpace(text, cursor);
    if (text[cursor.i] === ",") {
      cursor.i++;
      continue;
    }
    if (text[cursor.i] === close) {
      cursor.i++;
      return kind === "sequence" ? list : map;
    }
    throw new YamlError(no, `expected , or ${close} in flow ${kind}`);
  }
}

/** A quoted or plain scalar inside a flow collection; a plain one ends at , ] } or ": ". */
function parseFlowScalar(text: string, cursor: { i: number }, no: number, kind: "sequence" | "mapping"): YamlValue {
  if (text[cursor.i] === "'" || text[cursor.i] === '"') {
    const end = quotedEnd(text, cursor.i);
    if (end < 0) throw new YamlError(no, `unterminated string in flow ${kind}`);
    const quoted = text.slice(cursor.i, end);
    cursor.i = end;
    skipFlowSpace(text, cursor);
    return parseScalar(quoted, no);
  }
  const start = cursor.i;
  while (cursor.i < text.length && !",]}".includes(text[cursor.i]) && !(text[cursor.i] === ":" && /^(?:$|[\s,\]}])/.test(text.slice(cursor.i + 1, cursor.i + 2)))) cursor.i++;
  const item = text.slice(start, cursor.i).trim();
  if (item === "") throw new YamlError(no, `empty item in flow ${kind}`);
  return parseScalar(item, no);
}

function parseScalar(text: string, no: number): YamlValue {
  if (text.startsWith("'") || text.startsWith('"')) {
    const end = quotedEnd(text, 0);
    if (end !== text.length) throw new YamlError(no, end < 0 ? "unterminated string" : "text after a quoted string");
    return unquote(text, no);
  }
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(~|null|Null|NULL)$/.test(text)) return null;
  if (/^[-+]?(\d+|\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

const DOUBLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " " };

function unquote(text: string, no: number): string {
  const body = text.slice(1, -1);
  if (text[0] === "'") return body.replace(/''/g, "'");
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === "x" || e === "u" || e === "U") {
      const len = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new YamlError(no, `bad \\${e} escape`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
      continue;
    }
    const r = e === undefined ? undefined : DOUBLE_ESCAPES[e];
    if (r === undefined) throw new YamlError(no, `unknown escape \\${e ?? ""}`);
    out += r;
  }
  return out;
}

/**
 * A value as block YAML that parseYaml reads back to the same value: mappings and sequences by
 * indentation, strings plain when that reads back as the same string, else double-quoted
 * (JSON's escapes are YAML's); a mapping's keys in insertion order.
 */
export function formatYaml(value: YamlValue): string {
  if (value === null || typeof value !== "object" || isEmpty(value)) return `${formatScalar(value)}\n`;
  return formatBlock(value, "").join("\n") + "\n";
}

function isEmpty(v: YamlValue[] | { [key: string]: YamlValue }): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function formatBlock(value: YamlValue[] | { [key: string]: YamlValue }, indent: string): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item === null || typeof item !== "object" || isEmpty(item)) {
        out.push(`${indent}- ${formatScalar(item)}`);
        continue;
      }
      // The item's first line goes after the dash; the rest keep the item's indentation.
      const lines = formatBlock(item, `${indent}  `);
      out.push(`${indent}- ${lines[0]!.slice(indent.length + 2)}`, ...lines.slice(1));
    }
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    const key = formatScalar(k);
    if (v === null || typeof v !== "object" || isEmpty(v)) out.push(`${indent}${key}: ${formatScalar(v)}`);
    else if (Array.isArray(v)) out.push(`${indent}${key}:`, ...formatBlock(v, indent));
    else out.push(`${indent}${key}:`, ...formatBlock(v, `${indent}  `));
  }
  return out;
}

function formatScalar(v: YamlValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "[]";
  if (typeof v === "object") return "{}";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isNaN(v) ? ".nan" : v === Infinity ? ".inf" : v === -Infinity ? "-.inf" : String(v);
  return /^[A-Za-z0-9_\/][A-Za-z0-9_.\/:-]*$/.test(v) && !v.endsWith(":") && typeof parseScalar(v, 0) === "string" ? v : JSON.stringify(v);
}
