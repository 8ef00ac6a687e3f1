// The PromQL editor: a textarea under two mirrored layers, one highlighting tokens from
// promql's lexer, one underlining the parser's first error at its position, plus completion
// of functions (promql's catalog), metric names, label names and label values (HTTP API).
import { functions, parse, ParseError, tokenize } from "../../promql/index.js";
import { apiGet } from "./api.js";
import { h } from "./dom.js";

const AGGREGATIONS = ["sum", "avg", "min", "max", "count", "stddev", "stdvar", "group", "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"];
const KEYWORDS = ["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless"];
const MAX_COMPLETIONS = 50;

interface Completion {
  text: string;
  kind: "function" | "aggregation" | "keyword" | "metric" | "label" | "value";
  detail?: string;
}

interface CompletionContext {
  /** Where the replaced word starts. */
  from: number;
  prefix: string;
  load: () => Promise<Completion[]>;
  /** Text put after an accepted completion. */
  suffix: (c: Completion) => string;
}

/** Metric, label and value names from the API, fetched once per page and key. */
export class NameSource {
  private readonly cache = new Map<string, Promise<string[]>>();

  private get(key: string, path: string, params: Record<string, string | string[]>): Promise<string[]> {
    let p = this.cache.get(key);
    if (p === undefined) {
      p = apiGet<string[]>(path, params).then((a) => a.data, () => []);
      this.cache.set(key, p);
    }
    return p;
  }

  metricNames(): Promise<string[]> {
    return this.get("metrics", "/api/v1/label/__name__/values", {});
  }

  labelNames(metric: string): Promise<string[]> {
    return this.get(`labels:${metric}`, "/api/v1/labels", metric === "" ? {} : { "match[]": metric });
  }

  labelValues(label: string, metric: string): Promise<string[]> {
    return this.get(`values:${label}:${metric}`, `/api/v1/label/${encodeURIComponent(label)}/values`, metric === "" ? {} : { "match[]": metric });
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The highlighted HTML of a query: each token in a span classed by what it is. */
export function highlightHtml(text: string): string {
  const { tokens } = tokenize(text);
  let out = "";
  let at = 0;
  let braces = 0;
  for (const t of tokens) {
    out += escapeHtml(text.slice(at, t.start));
    const image = text.slice(t.start, t.end);
    if (image === "{") braces++;
    if (image === "}") braces--;
    let cls: string = t.kind;
    if (t.kind === "identifier") cls = braces > 0 ? "label" : /^\s*\(/.test(text.slice(t.end)) ? "function" : "metric";
    out += `<span class="tok-${cls}">${escapeHtml(image)}</span>`;
    at = t.end;
  }
  return out + escapeHtml(text.slice(at)) + "\n";
}

/** The parser's first problem as an offset range and message; undefined for a valid (or empty) query. */
export function firstProblem(text: string): { start: number; end: number; message: string } | undefined {
  if (text.trim() === "") return undefined;
  try {
    parse(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof ParseError) || err.errors.length === 0) return { start: 0, end: text.length, message: String(err) };
    const p = err.errors[0]!;
    const start = Math.min(p.pos.offset, text.length);
    const end = Math.max(p.end?.offset ?? start, start);
    return { start, end, message: `${p.pos.line}:${p.pos.column}: ${p.message}` };
  }
}

function errorHtml(text: string, problem: { start: number; end: number } | undefined): string {
  if (problem === undefined) return escapeHtml(text) + "\n";
  // A zero-width problem (unexpected end of input) underlines a space after the text.
  const end = problem.end > problem.start ? problem.end : problem.start + 1;
  const padded = end > text.length ? text + " ".repeat(end - text.length) : text;
  return `${escapeHtml(padded.slice(0, problem.start))}<span class="err">${escapeHtml(padded.slice(problem.start, end))}</span>${escapeHtml(padded.slice(end))}\n`;
}

export class QueryEditor {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly highlight: HTMLElement;
  private readonly errors: HTMLElement;
  private readonly message: HTMLElement;
  private readonly menu: HTMLUListElement;
  private items: Completion[] = [];
  private selected = 0;
  private context: CompletionContext | undefined;
  private completionSeq = 0;

  constructor(
    private readonly names: NameSource,
    private readonly onRun: () => void,
    initial = "",
  ) {
    this.input = h("textarea", { class: "editor-input", rows: "1", spellcheck: "false", placeholder: "Expression (press Enter to execute, Shift+Enter for a new line)", "aria-label": "PromQL expression" });
    this.highlight = h("pre", { class: "editor-layer editor-highlight", "aria-hidden": "true" });
    this.errors = h("pre", { class: "editor-layer editor-errors", "aria-hidden": "true" });
    this.message = h("div", { class: "editor-message", role: "status" });
    this.menu = h("ul", { class: "completions", role: "listbox" });
    this.element = h("div", { class: "editor" }, h("div", { class: "editor-box" }, this.highlight, this.errors, this.input, this.menu), this.message);
    this.input.value = initial;
    this.input.addEventListener("input", () => {
      this.refresh();
      void this.complete();
    });
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("blur", () => setTimeout(() => this.closeMenu(), 150));
    this.input.addEventListener("scroll", () => {
      this.highlight.scrollTop = this.errors.scrollTop = this.input.scrollTop;
    });
    this.refresh();
  }

  get value(): string {
    return this.input.value;
  }

  set value(v: string) {
    this.input.value = v;
    this.refresh();
  }

  focus(): void {
    this.input.focus();
  }

  /** Redraws highlighting and the error underline, and sizes the box to its lines. */
  private refresh(): void {
    const text = this.input.value;
    this.highlight.innerHTML = highlightHtml(text);
    const problem = firstProblem(text);
    this.errors.innerHTML = errorHtml(text, problem);
    this.message.textContent = problem?.message ?? "";
    this.element.classList.toggle("has-error", problem !== undefined);
    this.input.rows = Math.min(10, text.split("\n").length);
  }

  private onKey(e: KeyboardEvent): void {
    const open = this.items.length > 0;
    if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      this.selected = (this.selected + (e.key === "ArrowDown" ? 1 : this.items.length - 1)) % this.items.length;
      this.renderMenu();
      return;
    }
    if (open && (e.key === "Tab" || e.key === "Enter") && !e.shiftKey) {
      e.preventDefault();
      this.accept(this.items[this.selected]!);
      return;
    }
    if (open && e.key === "Escape") {
      this.closeMenu();
      return;
    }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      this.closeMenu();
      this.onRun();
    }
  }

  private contextAt(text: string, cursor: number): CompletionContext | undefined {
    const before = text.slice(0, cursor);
    const open = before.lastIndexOf("{");
    const inBraces = open > before.lastIndexOf("}");
    const metric = inBraces ? (/([a-zA-Z_:][\w:]*)\s*$/.exec(before.slice(0, open))?.[1] ?? "") : "";
    if (inBraces) {
      const value = /([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"([^"\\]*)$/.exec(before);
      if (value !== null) {
        const label = value[1]!;
        return {
          from: cursor - value[2]!.length,
          prefix: value[2]!,
          load: async () => (await this.names.labelValues(label, metric)).map((v) => ({ text: v, kind: "value" })),
          suffix: () => (text[cursor] === '"' ? "" : '"'),
        };
      }
      const name = /(?:^|[{,\s])([a-zA-Z_]\w*)?$/.exec(before.slice(open));
      if (name === null) return undefined;
      const prefix = name[1] ?? "";
      return { from: cursor - prefix.length, prefix, load: async () => (await this.names.labelNames(metric)).map((v) => ({ text: v, kind: "label" })), suffix: () => "" };
    }
    const grouping = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*?)([a-zA-Z_]\w*)?$/i.exec(before);
    if (grouping !== null) {
      const prefix = grouping[2] ?? "";
      return { from: cursor - prefix.length, prefix, load: async () => (await this.names.labelNames("")).map((v) => ({ text: v, kind: "label" })), suffix: () => "" };
    }
    const word = /[a-zA-Z_:][\w:]*$/.exec(before);
    if (word === null) return undefined;
    const prefix = word[0];
    return {
      from: cursor - prefix.length,
      prefix,
      load: async () => [
        ...AGGREGATIONS.map((t): Completion => ({ text: t, kind: "aggregation" })),
        ...Object.values(functions).map((f): Completion => ({ text: f.name, kind: "function", detail: `(${f.argTypes.join(", ")}) → ${f.returnType}` })),
        ...KEYWORDS.map((t): Completion => ({ text: t, kind: "keyword" })),
        ...(await this.names.metricNames()).map((t): Completion => ({ text: t, kind: "metric" })),
      ],
      suffix: (c) => (c.kind === "function" && text[cursor] !== "(" ? "(" : ""),
    };
  }

  private async complete(): Promise<void> {
    const seq = ++this.completionSeq;
    const cursor = this.input.selectionStart;
    const ctx = this.contextAt(this.input.value, cursor);
    if (ctx === undefined || (ctx.prefix === "" && !/[{,("=]\s*$/.test(this.input.value.slice(0, cursor)))) return this.closeMenu();
    const all = await ctx.load();
    if (seq !== this.completionSeq) return;
    const p = ctx.prefix.toLowerCase();
    const starts = all.filter((c) => c.text.toLowerCase().startsWith(p) && c.text !== ctx.prefix);
    const contains = all.filter((c) => !c.text.toLowerCase().startsWith(p) && c.text.toLowerCase().includes(p));
    this.items = [...starts, ...contains].slice(0, MAX_COMPLETIONS);
    this.context = ctx;
    this.selected = 0;
    this.renderMenu();
  }

  private renderMenu(): void {
    this.menu.replaceChildren(
      ...this.items.map((c, i) => {
        const li = h("li", { class: i === this.selected ? "selected" : "", role: "option", "data-kind": c.kind }, h("span", { class: `tok-${c.kind}` }, c.text), c.detail === undefined ? null : h("small", {}, ` ${c.detail}`), h("em", {}, c.kind));
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          this.accept(c);
        });
        return li;
      }),
    );
    this.menu.style.display = this.items.length > 0 ? "block" : "none";
  }

  private accept(c: Completion): void {
    const ctx = this.context;
    if (ctx === undefined) return;
    const text = this.input.value;
    const cursor = this.input.selectionStart;
    const insert = c.text + ctx.suffix(c);
    this.input.value = text.slice(0, ctx.from) + insert + text.slice(cursor);
    const at = ctx.from + insert.length;
    this.input.setSelectionRange(at, at);
    this.closeMenu();
    this.refresh();
    this.input.focus();
  }

  private closeMenu(): void {
    this.items = [];
    this.context = undefined;
    this.menu.style.display = "none";
  }
}
