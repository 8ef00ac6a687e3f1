// Reads a promqltest script (see ../shared/promqltest/FORMAT.md) into commands.
// Every problem is a ScriptError naming the file and the 1-based line.
import { translateRe2 } from "../../promql/index.js";
import {
  NotationError,
  parseBareNumber,
  parseScriptDuration,
  parseSeriesDescription,
  parseStartTimestampSequence,
  type ScriptLabel,
  type SequenceValue,
  type StartTimestampValue,
} from "./values.js";

export class ScriptError extends Error {
  readonly file: string;
  readonly line: number;
  readonly detail: string;
  constructor(file: string, line: number, detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.name = "ScriptError";
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

export interface LoadSeries {
  line: number;
  labels: ScriptLabel[];
  values: SequenceValue[];
  /** From a `metric@st …` line (or a standalone `@st …` default) before it, when given. */
  startTimestamps?: StartTimestampValue[];
}

export interface LoadCommand {
  type: "load";
  line: number;
  intervalMs: number;
  /** `load_with_nhcb`: classic histogram series also become native histograms with custom buckets. */
  withNhcb: boolean;
  /** One entry per distinct label set; a later line for the same series replaces an earlier one. */
  series: LoadSeries[];
}

export interface ClearCommand {
  type: "clear";
  line: number;
}

/** How an expected message is matched: any text, exact text, or a regular expression (unanchored). */
export type MessageMatcher =
  | { readonly kind: "any" }
  | { readonly kind: "msg"; readonly text: string }
  | { readonly kind: "regex"; readonly source: string; readonly regex: RegExp };

export interface ExpectedSeries {
  /** 1-based position among the expected series lines (for `expect ordered`). */
  pos: number;
  line: number;
  labels: ScriptLabel[];
  values: SequenceValue[];
}

export interface EvalCommand {
  type: "eval";
  line: number;
  query: string;
  kind: "instant" | "range";
  /** Evaluation time of an instant query (ms); for `expect range vector` the range's end, as the reference runner does. */
  timeMs: number;
  /** Range of a range query, or the expected range of `expect range vector` (else start = timeMs, step 0). */
  startMs: number;
  endMs: number;
  stepMs: number;
  expect: {
    fail: MessageMatcher[];
    warn: MessageMatcher[];
    info: MessageMatcher[];
    noWarn: boolean;
    noInfo: boolean;
    ordered: boolean;
  };
  /** Deprecated `eval_fail` / `eval_warn` / `eval_info` / `eval_ordered`. */
  legacy: { fail: boolean; warn: boolean; info: boolean; ordered: boolean };
  /** Deprecated `expected_fail_message` / `expected_fail_regexp` (only after `eval_fail`). */
  expectedFailMessage?: string;
  expectedFailRegexp?: { source: string; regex: RegExp };
  /** `expect range vector from … to … step …` on an instant query. */
  expectRangeVector: boolean;
  /** `expect string "…"`. */
  expectedString?: string;
  /** A bare number line: the result is a scalar. */
  expectedScalar?: SequenceValue;
  expectedSeries: ExpectedSeries[];
  /** The reference runner does not re-check this instant query as a range query. */
  excludeFromRangeQuery: boolean;
}

export type Command = LoadCommand | ClearCommand | EvalCommand;

export interface Script {
  file: string;
  commands: Command[];
}

export function isFailExpected(ev: EvalCommand): boolean {
  return ev.legacy.fail || ev.expect.fail.length > 0;
}

export function isOrdered(ev: EvalCommand): boolean {
  return ev.legacy.ordered || ev.expect.ordered;
}

const LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const EXPECT_RANGE_VECTOR_PREFIX = "expect range vector";
const EXPECT_RANGE_VECTOR = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;
const EXPECT_STRING_PREFIX = "expect string";

/** Parses a whole script. Throws ScriptError on the first problem. */
export function parseScript(text: string, file: string): Script {
  const lines = scriptLines(text);
  const commands: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === "") continue;
    const word = l.split(/[\t ]+/, 1)[0].toLowerCase();
    if (word === "clear") {
      commands.push({ type: "clear", line: i + 1 });
    } else if (word.startsWith("load")) {
      const r = parseLoad(lines, i, file);
      commands.push(r.cmd);
      i = r.last;
    } else if (word.startsWith("eval")) {
      const r = parseEval(lines, i, file);
      commands.push(r.cmd);
      i = r.last;
    } else {
      throw new ScriptError(file, i + 1, `invalid command "${l}"`);
    }
  }
  return { file, commands };
}

/** Trimmed lines, with comment lines blanked (a blank line ends a command's block). */
function scriptLines(text: string): string[] {
  return text.split("\n").map((raw) => {
    const l = raw.trim();
    return l.startsWith("#") ? "" : l;
  });
}

function duration(file: string, line: number, what: string, text: string): number {
  try {
    return parseScriptDuration(text);
  } catch (err) {
    throw new ScriptError(file, line, `invalid ${what} "${text}": ${(err as Error).message}`);
  }
}

function seriesLine(file: string, line: number, text: string): { labels: ScriptLabel[]; values: SequenceValue[] } {
  try {
    return parseSeriesDescription(text);
  } catch (err) {
    if (err instanceof NotationError) throw new ScriptError(file, line, `${err.message} (column ${err.column + 1})`);
    throw err;
  }
}

function labelsKey(labels: readonly ScriptLabel[]): string {
  return JSON.stringify(labels.map((l) => [l.name, l.value]));
}

function parseLoad(lines: string[], start: number, file: string): { cmd: LoadCommand; last: number } {
  const m = LOAD.exec(lines[start]);
  if (m === null) throw new ScriptError(file, start + 1, "invalid load command. (load[_with_nhcb] <step:duration>)");
  const cmd: LoadCommand = {
    type: "load",
    line: start + 1,
    intervalMs: duration(file, start + 1, "step definition", m[2]),
    withNhcb: m[1] === "with_nhcb",
    series: [],
  };
  const byKey = new Map<string, LoadSeries>();
  let defaultStartTimestamps: StartTimestampValue[] | undefined;
  let pending: { labels: ScriptLabel[]; values: StartTimestampValue[]; line: number } | undefined;
  let i = start;
  while (i + 1 < lines.length && lines[i + 1] !== "") {
    i++;
    const st = parseStartTimestampLine(lines[i], file, i + 1);
    if (st !== undefined) {
      if (pending !== undefined) throw new ScriptError(file, pending.line, "@st line has no following sample line");
      if (st.labels === undefined) defaultStartTimestamps = st.values;
      else pending = { labels: st.labels, values: st.values, line: i + 1 };
      continue;
    }
    const { labels, values } = seriesLine(file, i + 1, lines[i]);
    const series: LoadSeries = { line: i + 1, labels, values };
    if (pending !== undefined) {
      if (labelsKey(pending.labels) !== labelsKey(labels)) {
        throw new ScriptError(file, pending.line, "@st metric does not match the following sample line metric");
      }
      if (pending.values.length !== values.length) {
        throw new ScriptError(file, pending.line, `@st line has ${pending.values.length} values but sample line has ${values.length}`);
      }
      series.startTimestamps = pending.values;
      pending = undefined;
    } else if (defaultStartTimestamps !== undefined && defaultStartTimestamps.length > 0) {
      const defaults = defaultStartTimestamps;
      series.startTimestamps = values.map((_, k) => defaults[k % defaults.length]);
    }
    byKey.set(labelsKey(labels), series);
  }
  if (pending !== undefined) throw new ScriptError(file, pending.line, "@st line has no following sample line");
  cmd.series = [...byKey.values()];
  return { cmd, last: i };
}

/** `metric{…}@st <seq>` or `@st <seq>`; undefined when the line is an ordinary series line. */
function parseStartTimestampLine(
  line: string,
  file: string,
  lineNo: number,
): { labels?: ScriptLabel[]; values: StartTimestampValue[] } | undefined {
  const space = line.search(/[ \t]/);
  if (space < 0 || !line.slice(0, space).endsWith("@st")) return undefined;
  const metric = line.slice(0, space - 3);
  let values: StartTimestampValue[];
  try {
    values = parseStartTimestampSequence(line.slice(space), space);
  } catch (err) {
    throw new ScriptError(file, lineNo, `invalid @st sequence: ${(err as Error).message}`);
  }
  if (metric === "") return { values };
  return { labels: seriesLine(file, lineNo, metric).labels, values };
}

function newEval(line: number, query: string): EvalCommand {
  return {
    type: "eval",
    line,
    query,
    kind: "instant",
    timeMs: 0,
    startMs: 0,
    endMs: 0,
    stepMs: 0,
    expect: { fail: [], warn: [], info: [], noWarn: false, noInfo: false, ordered: false },
    legacy: { fail: false, warn: false, info: false, ordered: false },
    expectRangeVector: false,
    expectedSeries: [],
    excludeFromRangeQuery: false,
  };
}

function parseEval(lines: string[], start: number, file: string): { cmd: EvalCommand; last: number } {
  const lineNo = start + 1;
  const instant = EVAL_INSTANT.exec(lines[start]);
  const range = EVAL_RANGE.exec(lines[start]);
  if (instant === null && range === null) {
    throw new ScriptError(
      file,
      lineNo,
      "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered|_info] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn|_info] range from <from> to <to> step <step> <query>'",
    );
  }
  let cmd: EvalCommand;
  let modifier: string | undefined;
  if (instant !== null) {
    modifier = instant[1];
    cmd = newEval(lineNo, instant[3]);
    cmd.timeMs = duration(file, lineNo, "timestamp definition", instant[2] ?? "");
    cmd.startMs = cmd.timeMs;
    cmd.endMs = cmd.timeMs;
  } else {
    const r = range as RegExpExecArray;
    modifier = r[1];
    cmd = newEval(lineNo, r[5]);
    cmd.kind = "range";
    Object.assign(cmd, parseRange(file, lineNo, r[2], r[3], r[4]));
  }
  if (modifier === "fail" || modifier === "warn" || modifier === "info" || modifier === "ordered") cmd.legacy[modifier] = true;

  let pos = 0;
  let i = start;
  while (i + 1 < lines.length && lines[i + 1] !== "") {
    i++;
    const l = lines[i];
    const at = i + 1;
    if (cmd.legacy.fail && l.startsWith("expected_fail_message")) {
      cmd.expectedFailMessage = l.slice("expected_fail_message".length).trim();
      break;
    }
    if (cmd.legacy.fail && l.startsWith("expected_fail_regexp")) {
      const source = l.slice("expected_fail_regexp".length).trim();
      cmd.expectedFailRegexp = { source, regex: compileRegex(file, at, source, "expected_fail_regexp") };
      break;
    }
    if (l.startsWith(EXPECT_RANGE_VECTOR_PREFIX)) {
      const m = EXPECT_RANGE_VECTOR.exec(l);
      if (m === null) throw new ScriptError(file, at, `invalid range vector definition "${l}"`);
      const r = parseRange(file, at, m[1], m[2], m[3]);
      Object.assign(cmd, r);
      cmd.timeMs = r.endMs;
      cmd.expectRangeVector = true;
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (l.startsWith(EXPECT_STRING_PREFIX)) {
      cmd.expectedString = parseExpectedString(file, at, l);
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (l.split(" ", 1)[0] === "expect") {
      addExpectation(cmd, file, at, l);
      continue;
    }
    const scalar = parseBareNumber(l);
    if (scalar !== undefined) {
      cmd.expectedScalar = { kind: "float", value: scalar };
      break;
    }
    const { labels, values } = seriesLine(file, at, l);
    if (values.length > 1 && cmd.kind === "instant" && !cmd.expectRangeVector) {
      throw new ScriptError(
        file,
        at,
        "expecting multiple values in instant evaluation not allowed. consider using 'expect range vector' directive to enable a range vector result for an instant query",
      );
    }
    pos++;
    const key = labelsKey(labels);
    const existing = cmd.expectedSeries.findIndex((s) => labelsKey(s.labels) === key);
    const entry: ExpectedSeries = { pos, line: at, labels, values };
    if (existing >= 0) cmd.expectedSeries[existing] = entry;
    else cmd.expectedSeries.push(entry);
  }
  return { cmd, last: i };
}

function parseRange(file: string, line: number, from: string, to: string, step: string): { startMs: number; endMs: number; stepMs: number } {
  const startMs = duration(file, line, "start timestamp definition", from);
  const endMs = duration(file, line, "end timestamp definition", to);
  if (endMs < startMs) throw new ScriptError(file, line, `invalid test definition, end timestamp (${to}) is before start timestamp (${from})`);
  return { startMs, endMs, stepMs: duration(file, line, "step definition", step) };
}

function parseExpectedString(file: string, line: number, l: string): string {
  const literal = l === EXPECT_STRING_PREFIX ? "" : l.slice(EXPECT_STRING_PREFIX.length + 1);
  if (literal === "") throw new ScriptError(file, line, "expected string literal not valid - a quoted string literal is required");
  const unquoted = unquoteGoString(literal);
  if (unquoted === undefined) throw new ScriptError(file, line, "expected string literal not valid - check that the string is correctly quoted");
  return unquoted;
}

/** Go's strconv.Unquote for "…" and `…` (the whole input must be one literal). */
function unquoteGoString(literal: string): string | undefined {
  const q = literal[0];
  if ((q !== '"' && q !== "`") || literal.length < 2 || literal[literal.length - 1] !== q) return undefined;
  const body = literal.slice(1, -1);
  if (q === "`") return body.includes("`") ? undefined : body;
  try {
    return JSON.parse(`"${body.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b")}"`) as string;
  } catch {
    return undefined;
  }
}

function addExpectation(cmd: EvalCommand, file: string, line: number, l: string): void {
  const m = EXPECT.exec(l.trim());
  if (m === null) throw new ScriptError(file, line, "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
  const [, type, matchType, rawText] = m;
  let matcher: MessageMatcher = { kind: "any" };
  if (matchType === "msg") matcher = { kind: "msg", text: rawText.trim() };
  else if (matchType === "regex") {
    const source = rawText.trim();
    matcher = { kind: "regex", source, regex: compileRegex(file, line, source, `expect ${type}`) };
  }
  switch (type) {
    case "ordered":
      cmd.expect.ordered = true;
      break;
    case "no_warn":
      cmd.expect.noWarn = true;
      break;
    case "no_info":
      cmd.expect.noInfo = true;
      break;
    case "fail":
    case "warn":
    case "info":
      cmd.expect[type].push(matcher);
      break;
  }
  if (cmd.expect.info.length > 0 && cmd.expect.noInfo) throw new ScriptError(file, line, "invalid expect lines, info and no_info cannot be used together");
  if (cmd.expect.warn.length > 0 && cmd.expect.noWarn) throw new ScriptError(file, line, "invalid expect lines, warn and no_warn cannot be used together");
  if (cmd.expect.fail.length > 1) throw new ScriptError(file, line, "invalid expect lines, multiple expect fail lines are not allowed");
}

/** Compiles an RE2 pattern as a JS RegExp, unanchored like Go's MatchString. Throws on a bad pattern. */
export function compileGoRegex(source: string): RegExp {
  const t = translateRe2(source);
  if ("error" in t) throw new Error(t.error);
  return new RegExp(t.source, t.flags);
}

function compileRegex(file: string, line: number, source: string, what: string): RegExp {
  try {
    return compileGoRegex(source);
  } catch (err) {
    throw new ScriptError(file, line, `invalid regex ${source} for ${what}: ${(err as Error).message}`);
  }
}
