// The subset of Go's text/template that Prometheus alert labels and annotations use: text and
// actions with trim markers and comments, pipelines, variables ($labels, $value, …, and `:=`),
// fields, if/else if/else, with, range, and Prometheus's template functions. Parse errors are
// reported as Go words them ("template: NAME:LINE: …"), so `rule check` rejects what promtool does.
import { formatValue, formatG, sprintf } from "./gofmt.js";

export class TemplateError extends Error {
  override name = "TemplateError";
}

/** One sample as a template sees it (Prometheus's template `sample`). */
export interface TemplateSample {
  Labels: Record<string, string>;
  Value: number;
}

export interface TemplateContext {
  /** The data behind `.`: Labels, ExternalLabels, ExternalURL, Value for alerts. */
  data: Record<string, unknown>;
  /** Runs an instant query at the evaluation time (the `query` function). */
  query?: (q: string) => Promise<TemplateSample[]>;
  externalURL?: string;
}

type Arg =
  | { k: "dot"; chain: string[] }
  | { k: "var"; name: string; chain: string[] }
  | { k: "lit"; v: unknown }
  | { k: "ident"; name: string }
  | { k: "pipe"; pipe: Pipe; chain: string[] };
type Cmd = { args: Arg[]; pos: number; text: string };
interface Pipe {
  decl: string[];
  cmds: Cmd[];
}
type Node =
  | { k: "text"; text: string }
  | { k: "action"; pipe: Pipe }
  | { k: "if" | "with"; pipe: Pipe; body: Node[]; otherwise: Node[] }
  | { k: "range"; pipe: Pipe; body: Node[]; otherwise: Node[] };

/** Functions a template may call: Go's builtins and Prometheus's (template/template.go). */
const FUNCTION_NAMES = new Set([
  "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge", "html", "js", "urlquery", "call",
  "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title", "toUpper", "toLower", "graphLink",
  "tableLink", "sortByLabel", "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "pathPrefix", "externalURL",
]);

export interface Template {
  readonly name: string;
  execute(ctx: TemplateContext): Promise<string>;
}

/** Parses a template; throws TemplateError with Go's wording ("template: NAME:LINE: …"). */
export function parseTemplate(name: string, text: string): Template {
  const p = new Parser(name, text);
  const nodes = p.parseList(new Set());
  return { name, execute: (ctx) => new Executor(name, text, ctx).run(nodes) };
}

// Prometheus's alert templates start with these definitions (rules/alerting.go).
const ALERT_DEFS = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/** An alert label or annotation template, named `__alert_<alert>` as Prometheus names it. */
export function parseAlertTemplate(alert: string, text: string): Template {
  return parseTemplate(`__alert_${alert}`, ALERT_DEFS + text);
}

/** Expands an alert template; a failure renders Prometheus's error text instead of stopping the rule. */
export function expandAlertTemplate(alert: string, text: string, ctx: TemplateContext): Promise<string> {
  return prepareAlertTemplate(alert, text)(ctx);
}

/** An alert label or annotation template parsed once (when the rule loads) and expanded per alert, as expandAlertTemplate. */
export type AlertTemplateFn = (ctx: TemplateContext) => Promise<string>;

export function prepareAlertTemplate(alert: string, text: string): AlertTemplateFn {
  if (!text.includes("{{")) return () => Promise.resolve(text);
  const failed = (err: unknown): string => {
    const prefix = err instanceof ExecError ? "error executing template" : "error parsing template";
    return `<error expanding template: ${prefix} __alert_${alert}: ${(err as Error).message}>`;
  };
  let template: Template;
  try {
    template = parseAlertTemplate(alert, text);
  } catch (err) {
    const rendered = failed(err);
    return () => Promise.resolve(rendered);
  }
  return (ctx) => template.execute(ctx).catch(failed);
}

class ExecError extends Error {}

// ── Parsing ──

class Parser {
  private pos = 0;
  /** Pending trim of leading space in the next text, from a `-}}`. */
  private trimNext = false;
  private readonly vars: string[][] = [["$"]];

  constructor(
    private readonly name: string,
    private readonly text: string,
  ) {}

  private fail(at: number, msg: string): never {
    throw new TemplateError(`template: ${this.name}:${lineOf(this.text, at)}: ${msg}`);
  }

  /** Nodes up to the end of text or a control keyword in `stops` (left for the caller). */
  parseList(stops: Set<string>): Node[] & { stop?: { word: string; rest: string; at: number } } {
    const out: Node[] & { stop?: { word: string; rest: string; at: number } } = [];
    for (;;) {
      const open = this.text.indexOf("{{", this.pos);
      let chunk = this.text.slice(this.pos, open < 0 ? undefined : open);
      if (this.trimNext) chunk = chunk.replace(/^\s+/, "");
      this.trimNext = false;
      if (open < 0) {
        if (chunk !== "") out.push({ k: "text", text: chunk });
        if (stops.size > 0) this.fail(this.text.length, "unexpected EOF");
        this.pos = this.text.length;
        return out;
      }
      const trimLeft = this.text.startsWith("{{- ", open);
      if (trimLeft) chunk = chunk.replace(/\s+$/, "");
      if (chunk !== "") out.push({ k: "text", text: chunk });
      const { inner, end, trimRight } = this.actionText(open, trimLeft);
      this.pos = end;
      this.trimNext = trimRight;
      const body = inner.trim();
      if (body.startsWith("/*")) {
        if (!body.endsWith("*/")) this.fail(open, "unclosed comment");
        continue;
      }
      const word = /^(if|else|end|with|range|define|template|block|break|continue)\b/.exec(body)?.[1];
      const at = open + 2;
      if (word === undefined) {
        out.push({ k: "action", pipe: this.parsePipe(body, at, true) });
        continue;
      }
      const rest = body.slice(word.length).trim();
      if (word === "end" || word === "else") {
        if (!stops.has(word)) this.fail(at, `unexpected {{${word}}}`);
        out.stop = { word, rest, at };
        return out;
      }
      if (word === "if" || word === "with" || word === "range") {
        out.push(this.parseControl(word, rest, at));
        continue;
      }
      this.fail(at, `{{${word}}} is not supported in alert templates`);
    }
  }

  private parseControl(word: "if" | "with" | "range", rest: string, at: number): Node {
    if (rest === "") this.fail(at, `missing value for ${word}`);
    this.vars.push([]);
    const pipe = this.parsePipe(rest, at, word === "range");
    const body = this.parseList(new Set(["end", "else"]));
    let otherwise: Node[] = [];
    const stop = body.stop!;
    if (stop.word === "else") {
      const chained = /^(if|with)\b/.exec(stop.rest)?.[1] as "if" | "with" | undefined;
      if (chained !== undefined) {
        // `{{else if x}}` is an if nested in the else branch, sharing this one's {{end}}.
        otherwise = [this.parseControl(chained, stop.rest.slice(chained.length).trim(), stop.at)];
      } else {
        if (stop.rest !== "") this.fail(stop.at, `unexpected "${stop.rest}" in else`);
        const tail = this.parseList(new Set(["end"]));
        otherwise = tail;
      }
    } else if (stop.rest !== "") this.fail(stop.at, `unexpected "${stop.rest}" in end`);
    this.vars.pop();
    return { k: word, pipe, body: [...body], otherwise: [...otherwise] };
  }

  /** The action's inside, from `{{` at `open`; Go's lexer skips quoted strings looking for `}}`. */
  private actionText(open: number, trimLeft: boolean): { inner: string; end: number; trimRight: boolean } {
    let i = open + (trimLeft ? 3 : 2);
    if (this.text.startsWith("/*", i) || this.text.startsWith(" /*", i)) {
      const close = this.text.indexOf("*/", i);
      if (close < 0) this.fail(open, "unclosed comment");
      const m = /^\s*(-?)}}/.exec(this.text.slice(close + 2));
      if (m === null) this.fail(open, "comment ends before closing delimiter");
      return { inner: this.text.slice(i, close + 2), end: close + 2 + m[0].length, trimRight: m[1] === "-" };
    }
    for (; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '"' || c === "`" || c === "'") {
        const end = skipQuoted(this.text, i);
        if (end < 0) this.fail(open, c === "`" ? "unterminated raw quoted string" : "unterminated quoted string");
        i = end - 1;
        continue;
      }
      if (this.text.startsWith(" -}}", i)) return { inner: this.text.slice(open + (trimLeft ? 3 : 2), i), end: i + 4, trimRight: true };
      if (this.text.startsWith("}}", i)) return { inner: this.text.slice(open + (trimLeft ? 3 : 2), i), end: i + 2, trimRight: false };
    }
    this.fail(open, "unclosed action");
  }

  private parsePipe(body: string, at: number, allowDecl: boolean): Pipe {
    const toks = tokenize(body, (m) => this.fail(at, m));
    let decl: string[] = [];
    const declMatch = declaration(toks);
    if (declMatch !== undefined) {
      if (!allowDecl && declMatch.length > 1) this.fail(at, "too many declarations");
      decl = declMatch;
      toks.splice(0, declMatch.length * 2);
      if (toks.length === 0) this.fail(at, "missing value for command");
    }
    const pipe = this.parseCmds(toks, at);
    for (const v of decl) this.vars[this.vars.length - 1]!.push(v);
    return { decl, cmds: pipe };
  }

  private parseCmds(toks: Token[], at: number): Cmd[] {
    const cmds: Cmd[] = [];
    let cur: Arg[] = [];
    let curText: string[] = [];
    const flush = (): void => {
      if (cur.length === 0) this.fail(at, "missing command");
      cmds.push({ args: cur, pos: at, text: curText.join(" ") });
      cur = [];
      curText = [];
    };
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.t === "|") {
        flush();
        continue;
      }
      if (t.t === "(") {
        let depth = 1;
        let j = i + 1;
        for (; j < toks.length && depth > 0; j++) depth += toks[j]!.t === "(" ? 1 : toks[j]!.t === ")" ? -1 : 0;
        if (depth > 0) this.fail(at, "unclosed left paren");
        const inner = toks.slice(i + 1, j - 1);
        let chain: string[] = [];
        if (toks[j]?.t === "field") chain = toks[j++]!.v.split(".").filter((s) => s !== "");
        cur.push({ k: "pipe", pipe: { decl: [], cmds: this.parseCmds(inner, at) }, chain });
        curText.push("(...)");
        i = j - 1;
        continue;
      }
      if (t.t === ")") this.fail(at, "unexpected right paren");
      cur.push(this.arg(t, at));
      curText.push(t.v);
    }
    flush();
    return cmds;
  }

  private arg(t: Token, at: number): Arg {
    switch (t.t) {
      case "field":
        return { k: "dot", chain: t.v.split(".").filter((s) => s !== "") };
      case "var": {
        const [name, ...chain] = t.v.split(".");
        if (!this.vars.some((scope) => scope.includes(name!))) this.fail(at, `undefined variable "${name}"`);
        return { k: "var", name: name!, chain };
      }
      case "str":
      case "num":
        return { k: "lit", v: t.parsed };
      case "ident":
        if (t.v === "true" || t.v === "false") return { k: "lit", v: t.v === "true" };
        if (t.v === "nil") return { k: "lit", v: null };
        if (!FUNCTION_NAMES.has(t.v)) this.fail(at, `function "${t.v}" not defined`);
        return { k: "ident", name: t.v };
      default:
        this.fail(at, `unexpected "${t.v}" in command`);
    }
  }
}

interface Token {
  t: "field" | "var" | "str" | "num" | "ident" | "|" | "(" | ")" | ":=" | "=" | ",";
  v: string;
  parsed?: unknown;
}

function declaration(toks: Token[]): string[] | undefined {
  if (toks[0]?.t !== "var") return undefined;
  if (toks[1]?.t === ":=" || toks[1]?.t === "=") return [toks[0].v];
  if (toks[1]?.t === "," && toks[2]?.t === "var" && (toks[3]?.t === ":=" || toks[3]?.t === "=")) {
    // `$i, $v := range …`: splice removes 4 tokens for 2 names.
    return [toks[0].v, toks[2].v];
  }
  return undefined;
}

function tokenize(s: string, fail: (msg: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "|" || c === "(" || c === ")" || c === ",") {
      out.push({ t: c, v: c });
      i++;
      continue;
    }
    if (s.startsWith(":=", i)) {
      out.push({ t: ":=", v: ":=" });
      i += 2;
      continue;
    }
    if (c === "=") {
      out.push({ t: "=", v: "=" });
      i++;
      continue;
    }
    if (c === '"' || c === "`" || c === "'") {
      const end = skipQuoted(s, i);
      if (end < 0) fail("unterminated quoted string");
      const raw = s.slice(i, end);
      out.push({ t: "str", v: raw, parsed: c === "`" ? raw.slice(1, -1) : c === "'" ? raw.codePointAt(1) : goUnquote(raw, fail) });
      i = end;
      continue;
    }
    const m = /^(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?|[-+]?(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|[A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(i));
    if (m === null) fail(`unexpected "${c}" in command`);
    const v = m[0];
    if (v.startsWith("$")) out.push({ t: "var", v });
    else if (v.startsWith(".") && !/^\.\d/.test(v)) out.push({ t: "field", v });
    else if (/^[-+.\d]/.test(v)) out.push({ t: "num", v, parsed: Number(v) });
    else out.push({ t: "ident", v });
    i += v.length;
  }
  return out;
}

/** The index just past the quoted string starting at `start`, or -1. */
function skipQuoted(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (q !== "`" && s[i] === "\\") {
      i++;
      continue;
    }
    if (q !== "`" && s[i] === "\n") return -1;
    if (s[i] === q) return i + 1;
  }
  return -1;
}

function goUnquote(raw: string, fail: (msg: string) => never): string {
  try {
    return JSON.parse(raw.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b")) as string;
  } catch {
    fail(`bad string syntax: ${raw}`);
  }
}

function lineOf(text: string, at: number): number {
  let n = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text[i] === "\n") n++;
  return n;
}

// ── Execution ──

class Executor {
  private readonly scopes: Map<string, unknown>[] = [];

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly ctx: TemplateContext,
  ) {
    this.scopes.push(new Map([["$", ctx.data]]));
  }

  async run(nodes: Node[]): Promise<string> {
    return this.list(nodes, this.ctx.data);
  }

  private fail(cmd: Cmd, msg: string): never {
    throw new ExecError(`template: ${this.name}:${lineOf(this.text, cmd.pos)}:${cmd.pos - this.text.lastIndexOf("\n", cmd.pos - 1)}: executing "${this.name}" at <${cmd.text}>: ${msg}`);
  }

  private async list(nodes: Node[], dot: unknown): Promise<string> {
    let out = "";
    for (const n of nodes) out += await this.node(n, dot);
    return out;
  }

  private async node(n: Node, dot: unknown): Promise<string> {
    switch (n.k) {
      case "text":
        return n.text;
      case "action": {
        const v = await this.pipe(n.pipe, dot);
        return n.pipe.decl.length > 0 ? "" : formatValue(v);
      }
      case "if":
      case "with": {
        this.scopes.push(new Map());
        try {
          const v = await this.pipe(n.pipe, dot);
          if (truthy(v)) return await this.list(n.body, n.k === "with" ? v : dot);
          return await this.list(n.otherwise, dot);
        } finally {
          this.scopes.pop();
        }
      }
      case "range":
        return this.range(n, dot);
    }
  }

  private async range(n: Extract<Node, { k: "range" }>, dot: unknown): Promise<string> {
    this.scopes.push(new Map());
    try {
      const v = await this.pipe({ decl: [], cmds: n.pipe.cmds }, dot);
      const entries: [unknown, unknown][] = Array.isArray(v)
        ? v.map((e, i) => [i, e])
        : v !== null && typeof v === "object"
          ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
          : typeof v === "number" && Number.isInteger(v)
            ? Array.from({ length: v }, (_, i) => [i, i])
            : [];
      if (entries.length === 0) return await this.list(n.otherwise, dot);
      let out = "";
      for (const [k, e] of entries) {
        const scope = this.scopes[this.scopes.length - 1]!;
        if (n.pipe.decl.length === 1) scope.set(n.pipe.decl[0]!, e);
        if (n.pipe.decl.length === 2) {
          scope.set(n.pipe.decl[0]!, k);
          scope.set(n.pipe.decl[1]!, e);
        }
        out += await this.list(n.body, e);
      }
      return out;
    } finally {
      this.scopes.pop();
    }
  }

  private async pipe(p: Pipe, dot: unknown): Promise<unknown> {
    let prev: unknown = undefined;
    let first = true;
    for (const cmd of p.cmds) {
      prev = await this.cmd(cmd, dot, first ? undefined : [prev]);
      first = false;
    }
    if (p.decl.length > 0) this.scopes[this.scopes.length - 1]!.set(p.decl[0]!, prev);
    return prev;
  }

  private async cmd(cmd: Cmd, dot: unknown, piped: unknown[] | undefined): Promise<unknown> {
    const [head, ...rest] = cmd.args;
    if (head!.k === "ident") {
      const args: unknown[] = [];
      for (const a of rest) args.push(await this.arg(a, dot, cmd));
      if (piped !== undefined) args.push(...piped);
      return this.call(head!.name, args, cmd);
    }
    if (rest.length > 0 || piped !== undefined) this.fail(cmd, `can't give argument to non-function ${cmd.text.split(" ")[0]}`);
    return this.arg(head!, dot, cmd);
  }

  private async arg(a: Arg, dot: unknown, cmd: Cmd): Promise<unknown> {
    switch (a.k) {
      case "lit":
        return a.v;
      case "dot":
        return this.fields(dot, a.chain, cmd);
      case "var":
        return this.fields(this.lookup(a.name), a.chain, cmd);
      case "pipe":
        return this.fields(await this.pipe(a.pipe, dot), a.chain, cmd);
      case "ident":
        return this.call(a.name, [], cmd);
    }
  }

  private lookup(name: string): unknown {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.has(name)) return this.scopes[i]!.get(name);
    return undefined;
  }

  private fields(v: unknown, chain: string[], cmd: Cmd): unknown {
    let cur = v;
    for (const f of chain) {
      if (cur === null || cur === undefined) this.fail(cmd, `nil pointer evaluating interface {}.${f}`);
      if (typeof cur !== "object" || Array.isArray(cur)) this.fail(cmd, `can't evaluate field ${f} in type ${typeof cur}`);
      const rec = cur as Record<string, unknown>;
      // A map's missing key is its zero value (missingkey=zero): "" for label maps.
      cur = Object.prototype.hasOwnProperty.call(rec, f) ? rec[f] : "";
    }
    return cur;
  }

  private async call(name: string, args: unknown[], cmd: Cmd): Promise<unknown> {
    const num = (x: unknown): number => {
      if (typeof x === "number") return x;
      if (typeof x === "string" && x.trim() !== "" && !Number.isNaN(Number(x))) return Number(x);
      if (typeof x === "string" && /^[-+]?(nan|inf|infinity)$/i.test(x)) return /nan/i.test(x) ? NaN : x.startsWith("-") ? -Infinity : Infinity;
      return this.fail(cmd, `error calling ${name}: strconv.ParseFloat: parsing ${JSON.stringify(formatValue(x))}: invalid syntax`);
    };
    const sample = (x: unknown): TemplateSample => {
      if (x === null || typeof x !== "object" || !("Labels" in x)) this.fail(cmd, `wrong type for value; expected *template.sample; got ${typeof x}`);
      return x as TemplateSample;
    };
    switch (name) {
      case "humanize":
        return humanize(num(args[0]));
      case "humanize1024":
        return humanize1024(num(args[0]));
      case "humanizeDuration":
        return humanizeDuration(num(args[0]));
      case "humanizePercentage":
        return `${formatG(num(args[0]) * 100, 4)}%`;
      case "humanizeTimestamp": {
        const v = num(args[0]);
        if (!Number.isFinite(v)) return formatG(v, 4);
        return new Date(Math.round(v * 1000)).toISOString().replace("T", " ").replace(/\.?0*Z$/, " +0000 UTC").replace(/(\.\d+?)0* \+/, "$1 +");
      }
      case "printf":
        return sprintf(String(args[0]), args.slice(1));
      case "print":
        return args.map((a, i) => (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string" ? " " : "") + formatValue(a)).join("");
      case "println":
        return `${args.map(formatValue).join(" ")}\n`;
      case "query": {
        if (this.ctx.query === undefined) this.fail(cmd, "error calling query: no query engine");
        try {
          return await this.ctx.query(String(args[0]));
        } catch (err) {
          this.fail(cmd, `error calling query: ${(err as Error).message}`);
        }
      }
      case "first":
        if (!Array.isArray(args[0]) || args[0].length === 0) this.fail(cmd, "error calling first: first() called on vector with no elements");
        return args[0][0];
      case "label":
        return sample(args[1]).Labels[String(args[0])] ?? "";
      case "value":
        return sample(args[0]).Value;
      case "strvalue":
        return sample(args[0]).Labels["__value__"] ?? "";
      case "sortByLabel": {
        const by = String(args[0]);
        return [...(args[1] as TemplateSample[])].sort((a, b) => ((a.Labels[by] ?? "") < (b.Labels[by] ?? "") ? -1 : (a.Labels[by] ?? "") > (b.Labels[by] ?? "") ? 1 : 0));
      }
      case "args":
        return Object.fromEntries(args.map((a, i) => [`arg${i}`, a]));
      case "reReplaceAll":
        return String(args[2]).replace(new RegExp(String(args[0]), "g"), String(args[1]).replace(/\$\{?(\w+)\}?/g, "$$<$1>").replace(/\$<(\d+)>/g, "$$$1"));
      case "match":
        return new RegExp(String(args[0])).test(String(args[1]));
      case "safeHtml":
        return String(args[0]);
      case "title":
        return String(args[0]).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, pre: string, c: string) => pre + c.toUpperCase());
      case "toUpper":
        return String(args[0]).toUpperCase();
      case "toLower":
        return String(args[0]).toLowerCase();
      case "graphLink":
        return `/graph?g0.expr=${encodeURIComponent(String(args[0]))}&g0.tab=0`;
      case "tableLink":
        return `/graph?g0.expr=${encodeURIComponent(String(args[0]))}&g0.tab=1`;
      case "externalURL":
        return this.ctx.externalURL ?? "";
      case "pathPrefix":
        return this.ctx.externalURL === undefined || this.ctx.externalURL === "" ? "" : new URL(this.ctx.externalURL).pathname.replace(/\/$/, "");
      case "and":
        return args.find((a) => !truthy(a)) ?? args[args.length - 1];
      case "or":
        return args.find((a) => truthy(a)) ?? args[args.length - 1];
      case "not":
        return !truthy(args[0]);
      case "len":
        return Array.isArray(args[0]) ? args[0].length : typeof args[0] === "string" ? Buffer.byteLength(args[0]) : args[0] !== null && typeof args[0] === "object" ? Object.keys(args[0]).length : this.fail(cmd, `error calling len: len of type ${typeof args[0]}`);
      case "index": {
        let cur = args[0];
        for (const k of args.slice(1)) cur = Array.isArray(cur) ? cur[k as number] : cur !== null && typeof cur === "object" ? ((cur as Record<string, unknown>)[String(k)] ?? "") : this.fail(cmd, "error calling index: cannot index");
        return cur;
      }
      case "eq":
        return args.slice(1).some((b) => args[0] === b);
      case "ne":
        return args[0] !== args[1];
      case "lt":
        return (args[0] as number) < (args[1] as number);
      case "le":
        return (args[0] as number) <= (args[1] as number);
      case "gt":
        return (args[0] as number) > (args[1] as number);
      case "ge":
        return (args[0] as number) >= (args[1] as number);
      case "html":
        return args.map(formatValue).join("").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");
      case "urlquery":
        return encodeURIComponent(args.map(formatValue).join("")).replace(/%20/g, "+");
      case "js":
        return JSON.stringify(args.map(formatValue).join("")).slice(1, -1);
      default:
        return this.fail(cmd, `function "${name}" is not supported by orrery's templates`);
    }
  }
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

const BIG = ["k", "M", "G", "T", "P", "E", "Z", "Y"];
const SMALL = ["m", "u", "n", "p", "f", "a", "z", "y"];

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatG(v, 4);
  let prefix = "";
  if (Math.abs(v) >= 1) {
    for (const p of BIG) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return formatG(v, 4) + prefix;
  }
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return formatG(v, 4) + prefix;
}

export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return formatG(v, 4);
  let prefix = "";
  for (const p of ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return formatG(v, 4) + prefix;
}

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatG(v, 4);
  if (v === 0) return `${formatG(v, 4)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? "-" : "";
    v = Math.abs(v);
    const whole = Math.trunc(v);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG(v, 4)}s`;
  }
  let prefix = "";
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${formatG(v, 4)}${prefix}s`;
}
