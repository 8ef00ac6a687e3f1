// /api/v1/status/*, rules, alerts, targets, stores: the informational endpoints.
import { availableParallelism } from "node:os";
import type { ApiContext, JsonBody, StoreEndpointStatus } from "./context.js";
import { labelsJson, successJson, toJson } from "./encode.js";
import { jsonString } from "./format.js";
import { ApiError, MAX_TIME_MS, MIN_TIME_MS, type Params } from "./params.js";
import { storeError } from "./query.js";

export async function buildInfo(ctx: ApiContext): Promise<JsonBody> {
  return { json: successJson(toJson(ctx.buildInfo)) };
}

export async function runtimeInfo(ctx: ApiContext): Promise<JsonBody> {
  const start = new Date(ctx.startTimeMs).toISOString();
  return {
    json: successJson(
      toJson({
        startTime: start,
        CWD: process.cwd(),
        reloadConfigSuccess: true,
        lastConfigTime: start,
        corruptionCount: 0,
        goroutineCount: 0,
        GOMAXPROCS: availableParallelism(),
        GOMEMLIMIT: 0,
        GOGC: "",
        GODEBUG: "",
        storageRetention: ctx.storageRetention,
      }),
    ),
  };
}

export async function flags(ctx: ApiContext): Promise<JsonBody> {
  // A Go map: keys in sorted order.
  const sorted = Object.fromEntries(Object.entries(ctx.flags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { json: successJson(toJson(sorted)) };
}

export async function config(ctx: ApiContext): Promise<JsonBody> {
  return { json: successJson(toJson({ yaml: ctx.configYaml })) };
}

export async function rules(): Promise<JsonBody> {
  return { json: successJson('{"groups":[]}') };
}

export async function alerts(): Promise<JsonBody> {
  return { json: successJson('{"alerts":[]}') };
}

export async function targets(): Promise<JsonBody> {
  return { json: successJson('{"activeTargets":[],"droppedTargets":[]}') };
}

export async function alertmanagers(): Promise<JsonBody> {
  return { json: successJson('{"activeAlertmanagers":[],"droppedAlertmanagers":[]}') };
}

interface Count {
  name: string;
  value: number;
}

/** Cardinality statistics, computed from the store's series (labels only). */
export async function tsdbStatus(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const limitText = params.get("limit");
  const limit = limitText === "" ? 10 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) throw new ApiError("bad_data", "limit must be a positive number");
  const byMetric = new Map<string, number>();
  const byPair = new Map<string, number>();
  const valuesByName = new Map<string, Set<string>>();
  let numSeries = 0;
  let info;
  try {
    info = await ctx.store.info();
    const request = {
      minTime: MIN_TIME_MS,
      maxTime: MAX_TIME_MS,
      matchers: [{ name: "__name__", op: "=~" as const, value: ".+" }],
      skipChunks: true,
    };
    for await (const frame of ctx.store.series(request, signal)) {
      for (const s of frame.series) {
        numSeries++;
        for (const l of s.labels) {
          if (l.name === "__name__") bump(byMetric, l.value);
          const pair = l.name + "=" + l.value;
          bump(byPair, pair);
          let values = valuesByName.get(l.name);
          if (values === undefined) valuesByName.set(l.name, (values = new Set()));
          values.add(l.value);
        }
      }
    }
  } catch (err) {
    throw storeError(err, signal);
  }
  const valueCounts = new Map<string, number>();
  const memory = new Map<string, number>();
  for (const [name, values] of valuesByName) {
    valueCounts.set(name, values.size);
    let bytes = 0;
    for (const v of values) bytes += Buffer.byteLength(v);
    memory.set(name, bytes);
  }
  const data = {
    headStats: {
      numSeries,
      numLabelPairs: byPair.size,
      chunkCount: ctx.headChunkCount(),
      minTime: info.minTime,
      maxTime: info.maxTime,
    },
    seriesCountByMetricName: top(byMetric, limit),
    labelValueCountByLabelName: top(valueCounts, limit),
    memoryInBytesByLabelName: top(memory, limit),
    seriesCountByLabelValuePair: top(byPair, limit),
  };
  return { json: successJson(toJson(data)) };
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function top(m: Map<string, number>, limit: number): Count[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([name, value]) => ({ name, value }));
}

/** Go's time.Time JSON (RFC3339Nano in UTC: fraction without trailing zeros); the zero time before any check. */
export function goTimeJson(ms: number | undefined): string {
  if (ms === undefined) return '"0001-01-01T00:00:00Z"';
  const iso = new Date(ms).toISOString();
  return jsonString(iso.replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits === "" ? "Z" : `.${digits}Z`)));
}

function storeStatusJson(s: StoreEndpointStatus): string {
  return (
    '{"name":' +
    jsonString(s.name) +
    ',"lastCheck":' +
    goTimeJson(s.lastCheckMs) +
    ',"lastError":' +
    (s.lastError === undefined ? "null" : jsonString(s.lastError)) +
    ',"labelSets":[' +
    s.labelSets.map(labelsJson).join(",") +
    '],"minTime":' +
    String(s.minTime) +
    ',"maxTime":' +
    String(s.maxTime) +
    "}"
  );
}

/** Thanos Query's /api/v1/stores: endpoints grouped by component type. */
export async function stores(ctx: ApiContext): Promise<JsonBody> {
  const byType = new Map<string, string[]>();
  for (const s of ctx.storeStatus()) {
    const type = s.type ?? "store";
    const list = byType.get(type) ?? [];
    list.push(storeStatusJson(s));
    byType.set(type, list);
  }
  const groups = [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { json: successJson("{" + groups.map(([type, list]) => jsonString(type) + ":[" + list.join(",") + "]").join(",") + "}") };
}
