// Text and JSON reports of a comparison run.
import type { Endpoint, RangeParams } from "./client.js";
import { countResults, type CaseResult, type ModeResult } from "./run.js";
import type { Labels, Point, PointDiff, ResultDiff } from "./result.js";

const MAX_LISTED = 5;

function labelsText(l: Labels): string {
  const names = Object.keys(l);
  const name = l.__name__ ?? "";
  const rest = names.filter((n) => n !== "__name__").sort();
  if (rest.length === 0) return name === "" ? "{}" : name;
  return `${name}{${rest.map((n) => `${n}=${JSON.stringify(l[n])}`).join(", ")}}`;
}

function pointText(p: Point | undefined): string {
  if (p === undefined) return "(none)";
  if (p.h !== undefined) return p.h.length > 60 ? `${p.h.slice(0, 57)}...` : p.h;
  return Number.isNaN(p.v) ? "NaN" : p.v === Infinity ? "+Inf" : p.v === -Infinity ? "-Inf" : String(p.v);
}

function timeText(t: number): string {
  return new Date(t).toISOString();
}

/** A few lines saying how two answers differ. */
export function formatDiff(d: ResultDiff): string[] {
  const out: string[] = [];
  if (d.typeMismatch !== undefined) out.push(`result type: reference ${d.typeMismatch.reference}, target ${d.typeMismatch.target}`);
  const list = (title: string, items: Labels[]): void => {
    if (items.length === 0) return;
    out.push(`${title} (${items.length}): ${items.slice(0, MAX_LISTED).map(labelsText).join("; ")}${items.length > MAX_LISTED ? "; …" : ""}`);
  };
  list("missing series", d.missingSeries);
  list("extra series", d.extraSeries);
  for (const dup of d.duplicateSeries.slice(0, MAX_LISTED)) out.push(`duplicate series in ${dup.side}: ${labelsText(dup.metric)}`);
  if (d.points.length > 0) {
    const first: PointDiff = d.points[0];
    const seriesCount = new Set(d.points.map((p) => JSON.stringify(p.series))).size;
    out.push(
      `${d.points.length} differing point(s) in ${seriesCount} series; first: ${labelsText(first.series)} at ${timeText(first.t)}: reference ${pointText(first.reference)}, target ${pointText(first.target)}`,
    );
  }
  if (d.order !== undefined) out.push(`order differs at position ${d.order.index}: reference ${labelsText(d.order.reference)}, target ${labelsText(d.order.target)}`);
  return out;
}

function modeLines(m: ModeResult): string[] {
  const head = `  ${m.mode}: ${m.reason ?? m.status}`;
  return [head, ...(m.diff === undefined ? [] : formatDiff(m.diff).map((l) => `    ${l}`))];
}

export interface ReportContext {
  reference: Endpoint;
  target: Endpoint;
  range: RangeParams;
}

export function formatTextReport(results: readonly CaseResult[], ctx: ReportContext): string {
  const lines: string[] = [];
  lines.push(`reference ${ctx.reference.url}, target ${ctx.target.url}; range ${timeText(ctx.range.startMs)} .. ${timeText(ctx.range.endMs)} step ${ctx.range.stepMs / 1000}s, instant at the end`);
  const section = (status: CaseResult["status"], title: string): void => {
    const rs = results.filter((r) => r.status === status);
    if (rs.length === 0) return;
    lines.push("", `${title} (${rs.length}):`);
    for (const r of rs) {
      lines.push(`- ${r.case.query}`);
      for (const m of r.modes) if (m.status === status) lines.push(...modeLines(m));
    }
  };
  section("failed", "FAILED");
  section("known-2.42", "KNOWN PROMETHEUS 2.42 DIFFERENCES (each with its reason; not passes)");
  lines.push("", ...groupTable(results));
  const t = countResults(results);
  const judged = t.passed + t.failed;
  lines.push("");
  lines.push(`pass rate: ${judged === 0 ? "n/a" : ((100 * t.passed) / judged).toFixed(2) + "%"} (${t.passed} of ${judged} compared cases)`);
  lines.push(`skipped: ${t.skipped} skip_comparison, ${t.known242} known Prometheus 2.42 differences`);
  lines.push(summaryLine(results));
  return lines.join("\n");
}

/** The last line of every report. Known 2.42 differences count as skipped (neither pass nor failure). */
export function summaryLine(results: readonly CaseResult[]): string {
  const t = countResults(results);
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped + t.known242} skipped`;
}

function groupTable(results: readonly CaseResult[]): string[] {
  const groups = new Map<string, { passed: number; failed: number; skipped: number; known: number }>();
  for (const r of results) {
    const g = groups.get(r.group) ?? { passed: 0, failed: 0, skipped: 0, known: 0 };
    if (r.status === "known-2.42") g.known++;
    else g[r.status]++;
    groups.set(r.group, g);
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].failed - a[1].failed || a[0].localeCompare(b[0]));
  const width = Math.max(5, ...rows.map(([n]) => n.length));
  const out = [`${"group".padEnd(width)}  passed  failed  2.42-diff  skipped  pass-rate`];
  for (const [name, g] of rows) {
    const judged = g.passed + g.failed;
    const rate = judged === 0 ? "n/a" : `${((100 * g.passed) / judged).toFixed(0)}%`;
    out.push(`${name.padEnd(width)}  ${String(g.passed).padStart(6)}  ${String(g.failed).padStart(6)}  ${String(g.known).padStart(9)}  ${String(g.skipped).padStart(7)}  ${rate.padStart(9)}`);
  }
  return out;
}

function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

function jsonPoint(p: Point | undefined): unknown {
  if (p === undefined) return null;
  return p.h !== undefined ? { t: p.t, histogram: p.h } : { t: p.t, v: jsonNumber(p.v) };
}

export function formatJsonReport(results: readonly CaseResult[], ctx: ReportContext): string {
  const t = countResults(results);
  const report = {
    reference: ctx.reference.url,
    target: ctx.target.url,
    range: { start: ctx.range.startMs / 1000, end: ctx.range.endMs / 1000, step: ctx.range.stepMs / 1000 },
    totals: { passed: t.passed, failed: t.failed, skipped: t.skipped, knownPrometheus242Differences: t.known242 },
    cases: results.map((r) => ({
      query: r.case.query,
      template: r.case.template,
      group: r.group,
      status: r.status,
      modes: r.modes.map((m) => ({
        mode: m.mode,
        status: m.status,
        reason: m.reason,
        diff:
          m.diff === undefined
            ? undefined
            : {
                typeMismatch: m.diff.typeMismatch,
                missingSeries: m.diff.missingSeries,
                extraSeries: m.diff.extraSeries,
                duplicateSeries: m.diff.duplicateSeries,
                differingPoints: m.diff.points.length,
                firstDifferingPoint:
                  m.diff.points.length === 0 ? undefined : { series: m.diff.points[0].series, t: m.diff.points[0].t, reference: jsonPoint(m.diff.points[0].reference), target: jsonPoint(m.diff.points[0].target) },
                order: m.diff.order,
              },
      })),
    })),
  };
  return JSON.stringify(report, null, 2);
}
