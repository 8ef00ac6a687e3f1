// One query panel: editor, Graph / Table tabs, range / end / step / stacked controls,
// Thanos's query options, and its state as URL parameters named as Prometheus's (g0.expr, …).
import { formatDuration, parseDuration } from "../../promql/index.js";
import { apiGet, type QueryData, type RangeData } from "./api.js";
import { NameSource, QueryEditor } from "./editor.js";
import { h } from "./dom.js";
import { matrixOnGrid, renderGraph, type Graph } from "./graph.js";
import { renderTable } from "./table.js";

export interface PanelState {
  expr: string;
  tab: "graph" | "table";
  range: string;
  /** Blank: now. Otherwise an RFC 3339 time or Unix seconds. */
  end: string;
  /** Blank: chosen from the range, as Prometheus's UI does. */
  step: string;
  stacked: boolean;
  dedup: boolean;
  partialResponse: boolean;
  maxSourceResolution: string;
}

export function defaultPanel(): PanelState {
  return { expr: "", tab: "graph", range: "1h", end: "", step: "", stacked: false, dedup: true, partialResponse: true, maxSourceResolution: "auto" };
}

/** Panels from `g0.expr=…&g0.tab=0&…` (Prometheus's names; dedup and resolution as Thanos's). */
export function panelsFromUrl(q: URLSearchParams): PanelState[] {
  const out: PanelState[] = [];
  for (let i = 0; q.has(`g${i}.expr`) || q.has(`g${i}.tab`); i++) {
    const get = (k: string): string | null => q.get(`g${i}.${k}`);
    const d = defaultPanel();
    out.push({
      expr: get("expr") ?? "",
      tab: get("tab") === "1" ? "table" : "graph",
      range: get("range_input") ?? d.range,
      end: get("end_input") ?? "",
      step: get("step_input") ?? "",
      stacked: get("stacked") === "1",
      dedup: get("deduplicate") !== "0",
      partialResponse: get("partial_response") !== "0",
      maxSourceResolution: get("max_source_resolution") ?? d.maxSourceResolution,
    });
  }
  return out.length === 0 ? [defaultPanel()] : out;
}

export function panelsToUrl(panels: PanelState[]): URLSearchParams {
  const q = new URLSearchParams();
  panels.forEach((p, i) => {
    const set = (k: string, v: string): void => q.set(`g${i}.${k}`, v);
    set("expr", p.expr);
    set("tab", p.tab === "table" ? "1" : "0");
    set("stacked", p.stacked ? "1" : "0");
    set("range_input", p.range);
    if (p.end !== "") set("end_input", p.end);
    if (p.step !== "") set("step_input", p.step);
    set("deduplicate", p.dedup ? "1" : "0");
    set("partial_response", p.partialResponse ? "1" : "0");
    set("max_source_resolution", p.maxSourceResolution);
  });
  return q;
}

/** Read at load: the panels rewrite the URL once they run. */
const DRAW_ALL_POINTS = new URLSearchParams(location.search).get("draw_all_points") === "1";
const DRAW_PX = Number(new URLSearchParams(location.search).get("draw_px") ?? "") || undefined;

/** The evaluation end, ms: blank is now. */
function endMs(end: string): number {
  if (end.trim() === "") return Date.now();
  const n = Number(end);
  if (Number.isFinite(n)) return n * 1000;
  const t = Date.parse(end);
  if (Number.isNaN(t)) throw new Error(`end time ${JSON.stringify(end)} is neither an RFC 3339 time nor Unix seconds`);
  return t;
}

/** Prometheus's UI default: about 250 points, never under a second. */
export function autoStepMs(rangeMs: number): number {
  return Math.max(1000, Math.floor(rangeMs / 250 / 1000) * 1000);
}

export class QueryPanel {
  readonly element: HTMLElement;
  private readonly editor: QueryEditor;
  private readonly output = h("div", { class: "panel-output" });
  private readonly info = h("div", { class: "panel-info" });
  private graph: Graph | undefined;
  private running: AbortController | undefined;

  constructor(
    readonly state: PanelState,
    names: NameSource,
    private readonly changed: () => void,
    remove: () => void,
  ) {
    this.editor = new QueryEditor(names, () => void this.run(), state.expr);
    const tab = (name: PanelState["tab"], text: string): HTMLButtonElement => {
      const b = h("button", { class: `tab ${state.tab === name ? "active" : ""}`, "data-tab": name }, text);
      b.addEventListener("click", () => {
        state.tab = name;
        for (const t of this.element.querySelectorAll(".tab")) t.classList.toggle("active", (t as HTMLElement).dataset["tab"] === name);
        void this.run();
      });
      return b;
    };
    const input = (key: "range" | "end" | "step", placeholder: string, size: string): HTMLInputElement => {
      const el = h("input", { class: `in-${key}`, placeholder, size, value: state[key] });
      el.addEventListener("change", () => {
        state[key] = el.value.trim();
        void this.run();
      });
      return el;
    };
    const check = (key: "stacked" | "dedup" | "partialResponse", text: string): HTMLLabelElement => {
      const el = h("input", { type: "checkbox", class: `in-${key}` });
      el.checked = state[key];
      el.addEventListener("change", () => {
        state[key] = el.checked;
        void this.run();
      });
      return h("label", {}, el, ` ${text}`);
    };
    const resolution = h("select", { class: "in-resolution", title: "max source resolution" }, ...["auto", "0s", "5m", "1h"].map((r) => h("option", { value: r }, r === "auto" ? "auto resolution" : r === "0s" ? "raw data" : `max ${r}`)));
    resolution.value = state.maxSourceResolution;
    resolution.addEventListener("change", () => {
      state.maxSourceResolution = resolution.value;
      void this.run();
    });
    const execute = h("button", { class: "execute" }, "Execute");
    execute.addEventListener("click", () => void this.run());
    const close = h("button", { class: "remove", title: "Remove panel" }, "×");
    close.addEventListener("click", remove);
    this.element = h(
      "section",
      { class: "panel" },
      h("div", { class: "panel-head" }, this.editor.element, execute, close),
      h("div", { class: "panel-options" }, check("dedup", "deduplication"), check("partialResponse", "partial response"), resolution),
      h("div", { class: "panel-tabs" }, tab("graph", "Graph"), tab("table", "Table")),
      h("div", { class: "panel-controls" }, "Range ", input("range", "1h", "5"), " End ", input("end", "now", "22"), " Step ", input("step", "auto", "6"), " ", check("stacked", "stacked")),
      this.info,
      this.output,
    );
  }

  private params(): Record<string, string> {
    const s = this.state;
    const p: Record<string, string> = { query: s.expr, dedup: String(s.dedup), partial_response: String(s.partialResponse) };
    if (s.maxSourceResolution !== "auto") p["max_source_resolution"] = s.maxSourceResolution;
    return p;
  }

  async run(): Promise<void> {
    const s = this.state;
    s.expr = this.editor.value;
    this.changed();
    this.running?.abort();
    if (s.expr.trim() === "") return;
    const controller = new AbortController();
    this.running = controller;
    this.info.textContent = "Loading…";
    const began = performance.now();
    try {
      const end = endMs(s.end);
      if (s.tab === "table") {
        const answer = await apiGet<QueryData>("/api/v1/query", { ...this.params(), time: String(end / 1000) }, controller.signal);
        this.show(renderTable(answer.data), `Load time: ${Math.round(performance.now() - began)} ms`, answer.warnings);
        return;
      }
      const rangeMs = parseDuration(s.range);
      const stepMs = s.step === "" ? autoStepMs(rangeMs) : parseDuration(s.step);
      const start = end - rangeMs;
      const range = { start: String(start / 1000), end: String(end / 1000), step: String(stepMs / 1000), layout: "grid" };
      const answer = await apiGet<RangeData>("/api/v1/query_range", { ...this.params(), ...range }, controller.signal);
      const fetched = performance.now();
      const result = matrixOnGrid(answer.data, start, stepMs, Math.floor((end - start) / stepMs) + 1);
      this.graph?.destroy();
      this.graph = renderGraph(result, {
        startMs: start,
        endMs: end,
        stepMs,
        stacked: s.stacked,
        width: Math.max(300, this.output.clientWidth || this.element.clientWidth - 20),
        drawAllPoints: DRAW_ALL_POINTS,
        pixelsPerBucket: DRAW_PX,
        onZoom: (from, to) => {
          s.range = formatDuration(Math.max(1000, Math.round((to - from) / 1000) * 1000));
          s.end = new Date(to).toISOString();
          (this.element.querySelector(".in-range") as HTMLInputElement).value = s.range;
          (this.element.querySelector(".in-end") as HTMLInputElement).value = s.end;
          void this.run();
        },
      });
      const drawn = performance.now();
      performance.mark("orrery:graphed");
      this.show(
        this.graph.element,
        `Load time: ${Math.round(fetched - began)} ms · Render time: ${Math.round(drawn - fetched)} ms · Resolution: ${stepMs / 1000}s · Result series: ${result.length}`,
        answer.warnings,
      );
    } catch (err) {
      if (controller.signal.aborted) return;
      this.output.replaceChildren(h("div", { class: "error" }, `Error: ${(err as Error).message}`));
      this.info.textContent = "";
    }
  }

  private show(content: HTMLElement, info: string, warnings: string[]): void {
    if (this.state.tab === "table") {
      this.graph?.destroy();
      this.graph = undefined;
    }
    this.output.replaceChildren(...warnings.map((w) => h("div", { class: "warning" }, `Warning: ${w}`)), content);
    this.info.textContent = info;
  }
}
