// Look-ups that do not run PromQL: series, label names and values, metadata,
// exemplars, and the parser's format_query / parse_query.
import { format, lookupFunction, matcherMatchesEmpty, parse, parseMetricSelector } from "../promql/index.js";
import type { Expr, LabelMatcher } from "../promql/index.js";
import type { Labels, Matcher } from "../storeapi/index.js";
import { astToJson } from "./ast_json.js";
import type { ApiContext, JsonBody } from "./context.js";
import { labelsJson, stringArrayJson, successJson, toJson } from "./encode.js";
import { formatSampleTime, formatSampleValue, jsonString } from "./format.js";
import { ApiError, badParam, limitParam, MAX_TIME_MS, MIN_TIME_MS, type Params, timeParam } from "./params.js";
import { requestStore, storeError } from "./query.js";

const TRUNCATED = "results truncated due to limit";

/**
 * Parses each match[] selector; every set needs a matcher that does not match "". A parse error
 * names `param` when given (series); the label endpoints answer the bare parse error, as Prometheus.
 */
export function parseMatcherSets(selectors: readonly string[], param?: string): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const s of selectors) {
    let matchers: LabelMatcher[];
    try {
      matchers = parseMetricSelector(s);
    } catch (err) {
      throw param === undefined ? new ApiError("bad_data", parseErrorMessage(err)) : badParam(param, parseErrorMessage(err));
    }
    if (matchers.every(matcherMatchesEmpty)) throw badParam(param ?? "match[]", "match[] must contain at least one non-empty matcher");
    sets.push(matchers);
  }
  return sets;
}

/** A parser error as Prometheus words it: `<line>:<col>: parse error: <message>`. */
export function parseErrorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The query parameter's expression; a parse error names the parameter unless `bare` (exemplars, as Prometheus). */
function parseQueryParam(params: Params, bare = false): Expr {
  try {
    return parse(params.get("query"));
  } catch (err) {
    throw bare ? new ApiError("bad_data", parseErrorMessage(err)) : badParam("query", parseErrorMessage(err));
  }
}

/** Orders label sets as Prometheus's labels.Compare does. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value !== b[i].value) return a[i].value < b[i].value ? -1 : 1;
  }
  return a.length - b.length;
}

function timeRange(params: Params): { start: number; end: number } {
  return { start: timeParam(params, "start", MIN_TIME_MS), end: timeParam(params, "end", MAX_TIME_MS) };
}

export async function series(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const selectors = params.all("match[]");
  if (selectors.length === 0) throw new ApiError("bad_data", "no match[] parameter provided");
  const { start, end } = timeRange(params);
  const sets = parseMatcherSets(selectors, "match[]");
  const limit = limitParam(params);
  const store = requestStore(ctx, params);
  const warnings: string[] = [];
  const seen = new Map<string, Labels>();
  try {
    for (const matchers of sets) {
      const request = { minTime: start, maxTime: end, matchers, skipChunks: true, limit: limit > 0 ? limit + 1 : undefined };
      for await (const frame of store.series(request, signal)) {
        warnings.push(...frame.warnings);
        for (const s of frame.series) {
          const json = labelsJson(s.labels);
          if (!seen.has(json)) seen.set(json, s.labels);
        }
      }
    }
  } catch (err) {
    throw storeError(err, signal);
  }
  let entries = [...seen.entries()];
  if (sets.length > 1) entries.sort((a, b) => compareLabels(a[1], b[1]));
  if (limit > 0 && entries.length > limit) {
    entries = entries.slice(0, limit);
    warnings.push(TRUNCATED);
  }
  return { json: successJson("[" + entries.map((e) => e[0]).join(",") + "]", warnings) };
}

export async function labelNames(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const { start, end } = timeRange(params);
  const sets = parseMatcherSets(params.all("match[]"));
  const limit = limitParam(params);
  const store = requestStore(ctx, params);
  const warnings: string[] = [];
  const names = new Set<string>();
  try {
    for (const matchers of sets.length === 0 ? [[]] : sets) {
      const res = await store.labelNames({ minTime: start, maxTime: end, matchers, limit: limit > 0 ? limit + 1 : undefined }, signal);
      warnings.push(...res.warnings);
      for (const v of res.values) names.add(v);
    }
  } catch (err) {
    throw storeError(err, signal);
  }
  return { json: successJson(stringArrayJson(sortAndLimit(names, limit, warnings)), warnings) };
}

export async function labelValues(ctx: ApiContext, params: Params, signal: AbortSignal, rawName: string): Promise<JsonBody> {
  const name = labelNameFromPath(rawName);
  const { start, end } = timeRange(params);
  const sets = parseMatcherSets(params.all("match[]"));
  const limit = limitParam(params);
  const store = requestStore(ctx, params);
  const warnings: string[] = [];
  const values = new Set<string>();
  try {
    for (const matchers of sets.length === 0 ? [[]] : sets) {
      const request = { minTime: start, maxTime: end, matchers, label: name, limit: limit > 0 ? limit + 1 : undefined };
      const res = await store.labelValues(request, signal);
      warnings.push(...res.warnings);
      for (const v of res.values) values.add(v);
    }
  } catch (err) {
    throw storeError(err, signal);
  }
  return { json: successJson(stringArrayJson(sortAndLimit(values, limit, warnings)), warnings) };
}

function sortAndLimit(set: Set<string>, limit: number, warnings: string[]): string[] {
  const out = [...set].sort();
  if (limit > 0 && out.length > limit) {
    warnings.push(TRUNCATED);
    return out.slice(0, limit);
  }
  return out;
}

/**
 * The label name of /label/<name>/values. Prometheus 3 accepts any UTF-8 name
 * and names escaped as "U__" + (letters, digits, "__" for "_", "_<hex>_").
 */
export function labelNameFromPath(raw: string): string {
  if (raw.startsWith("U__")) {
    const decoded = unescapeLabelName(raw.slice(3));
    if (decoded === undefined) throw new ApiError("bad_data", `invalid label name: ${JSON.stringify(raw)}`);
    return decoded;
  }
  if (raw === "") throw new ApiError("bad_data", `invalid label name: ""`);
  return raw;
}

function unescapeLabelName(s: string): string | undefined {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "_") {
      if (!/[A-Za-z0-9]/.test(c)) return undefined;
      out += c;
      continue;
    }
    if (s[i + 1] === "_") {
      out += "_";
      i++;
      continue;
    }
    const close = s.indexOf("_", i + 1);
    if (close < 0) return undefined;
    const hex = s.slice(i + 1, close);
    if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i = close;
  }
  return out;
}

export async function metadata(ctx: ApiContext, params: Params): Promise<JsonBody> {
  const limit = optionalCount(params, "limit");
  const perMetric = optionalCount(params, "limit_per_metric");
  const metric = params.get("metric");
  const all = ctx.metadata === undefined ? {} : await ctx.metadata.get(metric === "" ? undefined : metric);
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [name, entries] of Object.entries(all)) {
    if (limit >= 0 && count >= limit) break;
    if (metric !== "" && name !== metric) continue;
    out[name] = perMetric >= 0 ? entries.slice(0, perMetric) : entries;
    count++;
  }
  return { json: successJson(toJson(out)) };
}

/** A count parameter where absent (or negative) means "no limit": -1. */
function optionalCount(params: Params, name: string): number {
  const v = params.get(name);
  if (v === "") return -1;
  if (!/^[+-]?\d+$/.test(v)) throw new ApiError("bad_data", `${name} must be a number`);
  const n = Number(v);
  return n < 0 ? -1 : n;
}

export async function queryExemplars(ctx: ApiContext, params: Params): Promise<JsonBody> {
  const { start, end } = timeRange(params);
  if (end < start) throw new ApiError("bad_data", "end timestamp must not be before start timestamp");
  const expr = parseQueryParam(params, true);
  const sets = selectorMatchers(expr);
  if (ctx.exemplars === undefined || sets.length === 0) return { json: successJson("[]") };
  let found;
  try {
    found = await ctx.exemplars.select(start, end, sets);
  } catch (err) {
    throw storeError(err);
  }
  const parts = found.map((s) => {
    const ex = s.exemplars.map(
      (e) => '{"labels":' + labelsJson(e.labels) + ',"value":"' + formatSampleValue(e.value) + '","timestamp":' + formatSampleTime(e.t) + "}",
    );
    return '{"seriesLabels":' + labelsJson(s.seriesLabels) + ',"exemplars":[' + ex.join(",") + "]}";
  });
  return { json: successJson("[" + parts.join(",") + "]") };
}

/** The matchers of every vector selector in the expression (parser.ExtractSelectors). */
export function selectorMatchers(expr: Expr): Matcher[][] {
  const out: Matcher[][] = [];
  const visit = (e: Expr | undefined): void => {
    if (e === undefined) return;
    switch (e.type) {
      case "VectorSelector":
        out.push(e.matchers);
        return;
      case "MatrixSelector":
        out.push(e.vectorSelector.matchers);
        return;
      case "SubqueryExpr":
      case "ParenExpr":
      case "UnaryExpr":
        visit(e.expr);
        return;
      case "AggregateExpr":
        visit(e.expr);
        visit(e.param);
        return;
      case "BinaryExpr":
        visit(e.lhs);
        visit(e.rhs);
        return;
      case "Call":
        e.args.forEach(visit);
        return;
      default:
        return;
    }
  };
  visit(expr);
  return out;
}

export async function formatQuery(_ctx: ApiContext, params: Params): Promise<JsonBody> {
  const expr = parseQueryParam(params);
  // Prometheus answers format_query with the prettified expression.
  return { json: successJson(jsonString(format(expr, { pretty: true }))) };
}

export async function parseQuery(_ctx: ApiContext, params: Params): Promise<JsonBody> {
  const expr = parseQueryParam(params);
  return { json: successJson(toJson(astToJson(expr, lookupFunction))) };
}
