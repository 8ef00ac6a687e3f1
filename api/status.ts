// /api/v1/status/*, rules, alerts, targets, stores: the informational endpoints (cardinality: cardinality.ts).
import { availableParallelism } from "node:os";
import type { ApiContext, JsonBody, StoreEndpointStatus } from "./context.js";
import { labelsJson, successJson, toJson } from "./encode.js";
import { jsonString } from "./format.js";

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
    ',"resolutions":[' +
    (s.resolutions ?? []).map(String).join(",") +
    "]}"
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
