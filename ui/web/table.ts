// The table view: every series and value exactly as the API sent it (strings, never re-rounded).
import type { QueryData } from "./api.js";
import { emptyState, formatLabels, formatTime, h, table } from "./dom.js";

/** Rows shown at most; the rest is counted, never silently dropped. */
export const MAX_TABLE_ROWS = 10_000;

export function renderTable(d: QueryData): HTMLElement {
  if (d.resultType === "scalar" || d.resultType === "string") {
    return table(["Type", "Value", "Time"], [[d.resultType, d.result[1], formatTime(d.result[0])]]);
  }
  const total = d.result.length;
  if (total === 0) return emptyState("Empty query result");
  const rows: (string | HTMLElement)[][] = [];
  if (d.resultType === "vector") for (const s of d.result.slice(0, MAX_TABLE_ROWS)) rows.push([formatLabels(s.metric), s.value[1]]);
  if (d.resultType === "matrix") {
    for (const s of d.result.slice(0, MAX_TABLE_ROWS)) rows.push([formatLabels(s.metric), h("pre", { class: "values" }, s.values.map(([t, v]) => `${v} @${t}`).join("\n"))]);
  }
  const out = h("div", {}, table(["Series", "Value"], rows));
  if (total > rows.length) out.prepend(h("p", { class: "warning" }, `Showing ${rows.length} of ${total} series.`));
  return out;
}
