// The pages besides Query: Explain, Stores, Rules, Alerts, Cardinality and Status, each
// drawn from one or two API calls.
import { formatDuration, parseDuration } from "../../promql/index.js";
import { apiGet } from "./api.js";
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
  /** ms; 0 is raw data. Absent from a server older than the field. */
  resolutions?: number[];
}

/** A store's resolutions as Thanos names them: raw, 5m, 1h. */
function resolutionsText(resolutions: readonly number[] | undefined): string {
  if (resolutions === undefined || resolutions.length === 0) return "unknown";
  return resolutions.map((r) => (r === 0 ? "raw" : formatDuration(r))).join(", ");
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
          ["Endpoint", "Health", "Last check", "Last error", "Label sets", "Min time", "Max time", "Resolutions"],
          data[type]!.map((s) => [
            s.name,
            h("span", { class: s.lastError === null ? "health-up" : "health-down" }, s.lastError === null ? "UP" : "DOWN"),
            s.lastCheck ?? "never",
            s.lastError ?? "",
            h("div", {}, ...s.labelSets.map((l) => h("div", {}, h("code", {}, formatLabels(l))))),
            timeRange(s.minTime),
            timeRange(s.maxTime),
            h("span", { class: "resolutions" }, resolutionsText(s.resolutions)),
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

interface Count {
  name: string;
  value: number;
}

/** One view of /api/v1/status/cardinality: the merged one or a store's. */
interface CardinalityView {
  name?: string;
  error?: string | null;
  numSeries?: number;
  truncated?: boolean;
  seriesCountByMetricName?: Count[];
  labelValueCountByLabelName?: Count[];
  seriesCountByLabelValuePair?: Count[];
  growth?: { numSeriesThen: number; truncatedThen: boolean; seriesCountByMetricName: { name: string; then: number; now: number }[] };
}

interface CardinalityData {
  time: number;
  since: number | null;
  window: number;
  seriesLimit: number;
  merged: CardinalityView;
  stores: CardinalityView[];
}

function signed(n: number): string {
  return `${n >= 0 ? "+" : ""}${n}`;
}

function counted(rows: Count[] | undefined, head: string): HTMLElement {
  return rows === undefined || rows.length === 0 ? emptyState("None") : table(["Name", head], rows.map((r) => [h("code", {}, r.name), String(r.value)]));
}

/** One view's tables: growth per metric (with a `since`), top metrics, label names and label-value pairs. */
function cardinalityTables(v: CardinalityView): HTMLElement[] {
  if (v.error !== undefined && v.error !== null) return [h("div", { class: "error" }, `Error: ${v.error}`)];
  const out: HTMLElement[] = [];
  if (v.truncated === true) out.push(h("div", { class: "warning" }, "Counted from the first series only: the store has more than the series limit."));
  if (v.growth !== undefined) {
    const g = v.growth.seriesCountByMetricName;
    out.push(
      h("h3", {}, "Growth by metric"),
      g.length === 0 ? emptyState("No series at either time.") : table(["Metric", "Series then", "Series now", "Growth"], g.map((r) => [h("code", {}, r.name), String(r.then), String(r.now), signed(r.now - r.then)]), "data cardinality-growth"),
    );
  }
  out.push(
    h("h3", {}, "Top metrics by series"),
    counted(v.seriesCountByMetricName, "Series"),
    h("h3", {}, "Top label names by value count"),
    counted(v.labelValueCountByLabelName, "Values"),
    h("h3", {}, "Top label-value pairs by series"),
    counted(v.seriesCountByLabelValuePair, "Series"),
  );
  return out;
}

export function cardinalityPage(root: HTMLElement): void {
  const q = new URLSearchParams(location.search);
  const out = h("div", { class: "cardinality-output" });
  const since = h("input", { class: "in-since", size: "6", placeholder: "none", value: q.get("since") ?? "1h" });
  const windowInput = h("input", { class: "in-window", size: "4", value: q.get("window") ?? "5m" });
  const view = h("select", { class: "in-store" });
  const refresh = h("button", { class: "execute" }, "Refresh");
  let data: CardinalityData | undefined;
  const views = (): CardinalityView[] => (data === undefined ? [] : [{ ...data.merged, name: "merged" }, ...data.stores]);
  const show = (): void => {
    if (data === undefined) return;
    const all = views();
    const chosen = all.find((v) => v.name === view.value) ?? all[0]!;
    const withGrowth = data.since !== null;
    const summary = table(
      ["Store", "Series now", ...(withGrowth ? ["Series then", "Growth"] : []), ""],
      all.map((v) => [
        v.name === "merged" ? h("strong", {}, "merged (the query's view)") : h("code", {}, v.name ?? ""),
        v.numSeries === undefined ? "" : String(v.numSeries),
        ...(withGrowth ? [v.growth === undefined ? "" : String(v.growth.numSeriesThen), v.growth === undefined || v.numSeries === undefined ? "" : signed(v.numSeries - v.growth.numSeriesThen)] : []),
        v.error !== undefined && v.error !== null ? h("span", { class: "health-down" }, v.error) : v.truncated === true ? "truncated" : "",
      ]),
      "data cardinality-stores",
    );
    out.replaceChildren(
      h("p", { class: "hint" }, `Series with data in the ${windowInput.value} before ${formatTime(data.time)}${withGrowth ? `, against the ${windowInput.value} before ${formatTime(data.since!)}` : ""}.`),
      summary,
      h("h2", {}, chosen.name === "merged" ? "Merged" : `Store ${chosen.name ?? ""}`),
      ...cardinalityTables(chosen),
    );
  };
  const load = (): Promise<void> =>
    guarded(out, async () => {
      const now = Date.now() / 1000;
      const params: Record<string, string> = { limit: "20", time: String(now), window: windowInput.value.trim() };
      if (since.value.trim() !== "") params["since"] = String(now - parseDuration(since.value.trim()) / 1000);
      history.replaceState(null, "", `/cardinality?${new URLSearchParams({ since: since.value.trim(), window: windowInput.value.trim(), store: view.value || "merged" })}`);
      const answer = await apiGet<CardinalityData>("/api/v1/status/cardinality", params);
      data = answer.data;
      const chosen = view.value || q.get("store") || "merged";
      view.replaceChildren(...views().map((v) => h("option", { value: v.name ?? "" }, v.name === "merged" ? "merged" : `store ${v.name ?? ""}`)));
      view.value = views().some((v) => v.name === chosen) ? chosen : "merged";
      show();
    });
  view.addEventListener("change", () => {
    history.replaceState(null, "", `/cardinality?${new URLSearchParams({ since: since.value.trim(), window: windowInput.value.trim(), store: view.value })}`);
    show();
  });
  refresh.addEventListener("click", () => void load());
  for (const input of [since, windowInput]) input.addEventListener("change", () => void load());
  root.append(
    h("h1", {}, "Cardinality"),
    h("p", { class: "hint" }, "Top metrics, label names and label-value pairs by series count, merged and per store, and each metric's growth since a time ago. The same data: GET /api/v1/status/cardinality."),
    h("div", { class: "panel-controls" }, "View ", view, " Since ", since, " ago (blank: no growth) · Window ", windowInput, " ", refresh),
    out,
  );
  void load();
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
