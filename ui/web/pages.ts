// The pages besides Query: Explain, Stores, Rules, Alerts, Cardinality and Status, each
// drawn from one or two API calls.
import { parseDuration } from "../../promql/index.js";
import { apiGet, type QueryData } from "./api.js";
import { NameSource, QueryEditor } from "./editor.js";
import { emptyState, formatLabels, formatTime, h, table } from "./dom.js";
import { autoStepMs } from "./panel.js";

async function guarded(out: HTMLElement, draw: () => Promise<void>): Promise<void> {
  out.replaceChildren(h("p", {}, "Loading…"));
  try {
    await draw();
  } catch (err) {
    out.replaceChildren(h("div", { class: "error" }, `Error: ${(err as Error).message}`));
  }
}

interface ExplainNode {
  name: string;
  children: ExplainNode[];
  analysis?: { series: number; samples: number; timeMs: number };
}

function explainRows(n: ExplainNode, depth: number, rows: HTMLElement[]): void {
  const a = n.analysis;
  const childMs = n.children.reduce((t, c) => t + (c.analysis?.timeMs ?? 0), 0);
  const cell = (s: string): HTMLElement => h("td", { class: "num" }, s);
  rows.push(
    h(
      "tr",
      { class: "explain-node" },
      h("td", { style: `padding-left:${depth * 18 + 6}px` }, h("code", {}, n.name)),
      cell(a === undefined ? "" : String(a.series)),
      cell(a === undefined ? "" : String(a.samples)),
      cell(a === undefined ? "" : a.timeMs.toFixed(2)),
      cell(a === undefined ? "" : Math.max(0, a.timeMs - childMs).toFixed(2)),
    ),
  );
  for (const c of n.children) explainRows(c, depth + 1, rows);
}

interface SelectorRow {
  selector: string;
  estimate: { series: number; samples: number; basis: string };
  actual?: { series: number; samples: number };
  stores: { name: string; series: number; samples: number }[];
}

/** Per selector: the planner's estimate beside what the stores returned (analyze), and the stores it reaches. */
function selectorTable(selectors: readonly SelectorRow[]): HTMLElement {
  const cell = (s: string): HTMLElement => h("td", { class: "num" }, s);
  const rows = selectors.map((s) =>
    h(
      "tr",
      { class: "explain-selector" },
      h("td", {}, h("code", {}, s.selector)),
      cell(String(s.estimate.series)),
      cell(s.actual === undefined ? "" : String(s.actual.series)),
      cell(String(s.estimate.samples)),
      cell(s.actual === undefined ? "" : String(s.actual.samples)),
      h("td", {}, s.estimate.basis),
      // A query served by one store directly (no proxy) names none: this process's own.
      h("td", {}, s.stores.length === 0 ? "this process" : s.stores.map((st) => `${st.name} (${st.series} series)`).join(", ")),
    ),
  );
  const head = ["Selector", "Series est.", "Series", "Samples est.", "Samples", "Estimate from", "Stores"];
  return h("table", { class: "data explain-selectors" }, h("thead", {}, h("tr", {}, ...head.map((t) => h("th", {}, t)))), h("tbody", {}, ...rows));
}

export function explainPage(root: HTMLElement, names: NameSource): void {
  const q = new URLSearchParams(location.search);
  const out = h("div", { class: "explain-output" });
  const analyze = h("input", { type: "checkbox", class: "in-analyze" });
  analyze.checked = q.get("analyze") !== "0";
  const range = h("input", { class: "in-range", size: "5", placeholder: "instant", value: q.get("range") ?? "" });
  const run = async (): Promise<void> => {
    const query = editor.value;
    history.replaceState(null, "", `/explain?${new URLSearchParams({ expr: query, analyze: analyze.checked ? "1" : "0", range: range.value })}`);
    if (query.trim() === "") return;
    await guarded(out, async () => {
      const now = Date.now();
      const params: Record<string, string> = { query, analyze: String(analyze.checked) };
      if (range.value.trim() === "") params["time"] = String(now / 1000);
      else {
        const rangeMs = parseDuration(range.value.trim());
        Object.assign(params, { start: String((now - rangeMs) / 1000), end: String(now / 1000), step: String(autoStepMs(rangeMs) / 1000) });
      }
      const { data } = await apiGet<{ plan: ExplainNode; selectors?: SelectorRow[] }>("/api/v1/explain", params);
      const rows: HTMLElement[] = [];
      explainRows(data.plan, 0, rows);
      out.replaceChildren(
        h("table", { class: "data explain" }, h("thead", {}, h("tr", {}, ...["Operator", "Series", "Samples", "Time (ms)", "Self (ms)"].map((t) => h("th", {}, t)))), h("tbody", {}, ...rows)),
        ...(data.selectors === undefined || data.selectors.length === 0 ? [] : [h("h2", {}, "Selectors"), selectorTable(data.selectors)]),
      );
    });
  };
  const editor = new QueryEditor(names, () => void run(), q.get("expr") ?? "");
  const button = h("button", { class: "execute" }, "Explain");
  button.addEventListener("click", () => void run());
  root.append(
    h("h1", {}, "Explain"),
    h("p", { class: "hint" }, "The operator tree a query runs; with analyze, the query is run and each operator shows its output series, samples and time (its own and with its children). Below it, each selector's estimated series and samples (made before any chunk is read) beside what the stores returned, and the stores it reaches. The same data: GET /api/v1/explain?query=…&analyze=true."),
    h("div", { class: "panel-head" }, editor.element, button),
    h("div", { class: "panel-controls" }, h("label", {}, analyze, " analyze (run the query)"), " Range ", range),
    out,
  );
  if (editor.value !== "") void run();
}

interface StoreStatus {
  name: string;
  lastCheck: string | null;
  lastError: string | null;
  labelSets: Record<string, string>[];
  minTime: number;
  maxTime: number;
}

function timeRange(ms: number): string {
  return Math.abs(ms) >= 8.64e15 || !Number.isSafeInteger(ms) ? (ms < 0 ? "-∞" : "+∞") : formatTime(ms / 1000);
}

export function storesPage(root: HTMLElement): void {
  const out = h("div", {});
  root.append(h("h1", {}, "Stores"), out);
  void guarded(out, async () => {
    const { data } = await apiGet<Record<string, StoreStatus[]>>("/api/v1/stores");
    const types = Object.keys(data);
    if (types.length === 0) return out.replaceChildren(emptyState("No store endpoints: this process answers from its own head only."));
    out.replaceChildren(
      ...types.flatMap((type) => [
        h("h2", {}, `${type} (${data[type]!.length})`),
        table(
          ["Endpoint", "Health", "Last check", "Last error", "Label sets", "Min time", "Max time"],
          data[type]!.map((s) => [
            s.name,
            h("span", { class: s.lastError === null ? "health-up" : "health-down" }, s.lastError === null ? "UP" : "DOWN"),
            s.lastCheck ?? "never",
            s.lastError ?? "",
            h("div", {}, ...s.labelSets.map((l) => h("div", {}, h("code", {}, formatLabels(l))))),
            timeRange(s.minTime),
            timeRange(s.maxTime),
          ]),
        ),
      ]),
    );
  });
}

interface ApiRule {
  name: string;
  query: string;
  health: string;
  lastError?: string;
  type: string;
  state?: string;
  lastEvaluation: string;
  evaluationTime: number;
}

export function rulesPage(root: HTMLElement): void {
  const out = h("div", {});
  root.append(h("h1", {}, "Rules"), out);
  void guarded(out, async () => {
    const { data } = await apiGet<{ groups: { name: string; file: string; interval: number; lastEvaluation: string; evaluationTime: number; rules: ApiRule[] }[] }>("/api/v1/rules");
    if (data.groups.length === 0) return out.replaceChildren(emptyState("No rule groups are loaded (start with --rule.file or rule_files to evaluate rules)."));
    out.replaceChildren(
      ...data.groups.flatMap((g) => [
        h("h2", {}, `${g.name} `, h("small", {}, `${g.file} · every ${g.interval}s · last evaluation ${g.lastEvaluation} took ${(g.evaluationTime * 1000).toFixed(1)} ms`)),
        table(
          ["Rule", "Health", "Last error", "Last evaluation", "Evaluation time"],
          g.rules.map((r) => [
            h("code", {}, `${r.type === "alerting" ? "alert" : "record"}: ${r.name}\nexpr: ${r.query}`),
            h("span", { class: r.health === "ok" ? "health-up" : "health-down" }, r.health),
            r.lastError ?? "",
            r.lastEvaluation,
            `${(r.evaluationTime * 1000).toFixed(1)} ms`,
          ]),
        ),
      ]),
    );
  });
}

export function alertsPage(root: HTMLElement): void {
  const out = h("div", {});
  root.append(h("h1", {}, "Alerts"), out);
  void guarded(out, async () => {
    const { data } = await apiGet<{ alerts: { labels: Record<string, string>; annotations: Record<string, string>; state: string; activeAt?: string; value: string }[] }>("/api/v1/alerts");
    if (data.alerts.length === 0) return out.replaceChildren(emptyState("No alerts are pending or firing."));
    out.replaceChildren(
      table(
        ["Labels", "State", "Active since", "Value", "Annotations"],
        data.alerts.map((a) => [h("code", {}, formatLabels(a.labels)), h("span", { class: `state-${a.state}` }, a.state), a.activeAt ?? "", a.value, Object.entries(a.annotations).map(([k, v]) => `${k}: ${v}`).join("\n")]),
      ),
    );
  });
}

interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: { name: string; value: number }[];
  labelValueCountByLabelName: { name: string; value: number }[];
  memoryInBytesByLabelName: { name: string; value: number }[];
  seriesCountByLabelValuePair: { name: string; value: number }[];
}

const SERIES_BY_METRIC = 'count by (__name__) ({__name__=~".+"})';

async function seriesByMetricAt(timeSec: number): Promise<Map<string, number>> {
  const { data } = await apiGet<QueryData>("/api/v1/query", { query: SERIES_BY_METRIC, time: String(timeSec) });
  const out = new Map<string, number>();
  if (data.resultType === "vector") for (const s of data.result) out.set(s.metric["__name__"] ?? "", Number(s.value[1]));
  return out;
}

export function cardinalityPage(root: HTMLElement): void {
  const out = h("div", {});
  const growthOut = h("div", {});
  const since = h("input", { class: "in-since", size: "6", value: "1h" });
  const growth = h("button", {}, "Compare");
  const limit = 20;
  root.append(
    h("h1", {}, "Cardinality"),
    out,
    h("h2", {}, "Growth"),
    h("p", { class: "hint" }, "Series per metric now against some time ago (", h("code", {}, SERIES_BY_METRIC), " at both times)."),
    h("div", { class: "panel-controls" }, "Since ", since, " ago ", growth),
    growthOut,
  );
  void guarded(out, async () => {
    const { data } = await apiGet<TsdbStatus>("/api/v1/status/tsdb", { limit: String(limit) });
    const top = (title: string, head: string, rows: { name: string; value: number }[]): HTMLElement[] => [
      h("h2", {}, title),
      rows.length === 0 ? emptyState("None") : table(["Name", head], rows.map((r) => [h("code", {}, r.name), String(r.value)])),
    ];
    const s = data.headStats;
    out.replaceChildren(
      h("p", {}, `${s.numSeries} series, ${s.numLabelPairs} label pairs, ${s.chunkCount} chunks.`),
      ...top("Top metrics by series", "Series", data.seriesCountByMetricName),
      ...top("Top label names by value count", "Values", data.labelValueCountByLabelName),
      ...top("Top label-value pairs by series", "Series", data.seriesCountByLabelValuePair),
      ...top("Top label names by memory of values", "Bytes", data.memoryInBytesByLabelName),
    );
  });
  const compare = (): Promise<void> =>
    guarded(growthOut, async () => {
      const now = Date.now() / 1000;
      const then = now - parseDuration(since.value.trim()) / 1000;
      const [a, b] = await Promise.all([seriesByMetricAt(then), seriesByMetricAt(now)]);
      const rows = [...new Set([...a.keys(), ...b.keys()])]
        .map((name) => ({ name, before: a.get(name) ?? 0, after: b.get(name) ?? 0 }))
        .sort((x, y) => y.after - y.before - (x.after - x.before) || (x.name < y.name ? -1 : 1))
        .slice(0, limit);
      growthOut.replaceChildren(
        rows.length === 0 ? emptyState("No series at either time.") : table(["Metric", "Series then", "Series now", "Growth"], rows.map((r) => [h("code", {}, r.name), String(r.before), String(r.after), `${r.after - r.before >= 0 ? "+" : ""}${r.after - r.before}`])),
      );
    });
  growth.addEventListener("click", () => void compare());
}

export function statusPage(root: HTMLElement): void {
  const out = h("div", {});
  root.append(h("h1", {}, "Status"), out);
  void guarded(out, async () => {
    const [build, runtime, flags, tsdb] = await Promise.all([
      apiGet<Record<string, string>>("/api/v1/status/buildinfo"),
      apiGet<Record<string, unknown>>("/api/v1/status/runtimeinfo"),
      apiGet<Record<string, string>>("/api/v1/status/flags"),
      apiGet<TsdbStatus>("/api/v1/status/tsdb", { limit: "1" }),
    ]);
    const kv = (o: Record<string, unknown>): HTMLElement => table(["", ""], Object.entries(o).map(([k, v]) => [k, String(v)]), "data kv");
    const s = tsdb.data.headStats;
    out.replaceChildren(
      h("h2", {}, "Build information"),
      kv(build.data),
      h("h2", {}, "Runtime information"),
      kv(runtime.data),
      h("h2", {}, "Head"),
      kv({ "Series": s.numSeries, "Label pairs": s.numLabelPairs, "Chunks": s.chunkCount, "Min time": timeRange(s.minTime), "Max time": timeRange(s.maxTime) }),
      h("h2", {}, "Command-line flags"),
      kv(flags.data),
    );
  });
}
