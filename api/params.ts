// Request parameters as Prometheus reads them (r.FormValue / r.Form), and the
// parsers for timestamps and durations with Prometheus's error messages.
import { type ShardInfo, shardInfoError } from "../storeapi/index.js";

/** An API error: Prometheus's errorType, its HTTP status, and the message. */
export type ApiErrorType = "bad_data" | "execution" | "timeout" | "canceled" | "unavailable" | "internal" | "not_found";

export const STATUS_BY_ERROR_TYPE: Record<ApiErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  // Prometheus answers a canceled query with nginx's "client closed request".
  canceled: 499,
  unavailable: 503,
  internal: 500,
  not_found: 404,
};

export class ApiError extends Error {
  readonly type: ApiErrorType;
  readonly status: number;
  /** Warnings gathered before the error, sent beside it. */
  readonly warnings: readonly string[];

  constructor(type: ApiErrorType, message: string, status = STATUS_BY_ERROR_TYPE[type], warnings: readonly string[] = []) {
    super(message);
    this.name = "ApiError";
    this.type = type;
    this.status = status;
    this.warnings = warnings;
  }
}

export const badParam = (param: string, message: string): ApiError =>
  new ApiError("bad_data", `invalid parameter ${JSON.stringify(param)}: ${message}`);

/**
 * Form values: the POST body's first (when form-encoded), then the URL's, as
 * Go's r.Form orders them. A multipart form's fields come after the URL's and
 * are seen only by get(): Prometheus reads them through r.FormValue alone, so a
 * multipart `match[]` is not read, there as here.
 */
export class Params {
  private readonly body: URLSearchParams | undefined;
  private readonly query: URLSearchParams;
  private readonly multipart: URLSearchParams | undefined;

  constructor(query: URLSearchParams, body?: URLSearchParams, multipart?: URLSearchParams) {
    this.query = query;
    this.body = body;
    this.multipart = multipart;
  }

  /** The first value of `name`, or "" when absent (r.FormValue). */
  get(name: string): string {
    const fromBody = this.body?.get(name);
    if (fromBody !== null && fromBody !== undefined) return fromBody;
    return this.query.get(name) ?? this.multipart?.get(name) ?? "";
  }

  /** Every value of `name`, body values first (r.Form[name]). */
  all(name: string): string[] {
    const fromBody = this.body?.getAll(name) ?? [];
    const fromQuery = this.query.getAll(name);
    return fromBody.length === 0 ? fromQuery : fromBody.concat(fromQuery);
  }

  has(name: string): boolean {
    return (this.body?.has(name) ?? false) || this.query.has(name) || (this.multipart?.has(name) ?? false);
  }
}

/** Parses "a=1&b=2" from a URL (everything after the first "?"). */
export function urlParams(url: string): URLSearchParams {
  const q = url.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
}

// The smallest and largest times Prometheus accepts, and their RFC 3339 forms
// (clients such as Grafana send these for "all time"). Clamped to safe integers.
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;
const MIN_TIME_FORMATTED = "-292273086-05-16T16:47:06Z";
const MAX_TIME_FORMATTED = "292277025-08-18T07:12:54.999999999Z";

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** Rounds half away from zero, as Go's math.Round does. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * A timestamp in Unix seconds (with fraction) or RFC 3339, to integer ms.
 * Throws an Error with Prometheus's message.
 */
export function parseTime(s: string): number {
  if (FLOAT_RE.test(s)) {
    const t = Number(s);
    if (Number.isFinite(t)) {
      const secs = Math.trunc(t);
      const ms = goRound((t - secs) * 1000);
      const total = secs * 1000 + ms;
      if (Number.isSafeInteger(total)) return total;
    }
  }
  const m = RFC3339_RE.exec(s);
  if (m !== null) {
    const ms = rfc3339ToMs(m);
    if (ms !== undefined) return ms;
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

function rfc3339ToMs(m: RegExpExecArray): number | undefined {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over into March; Go rejects it.
  if (new Date(base).getUTCDate() !== day) return undefined;
  // Go keeps nanoseconds; Prometheus truncates them to milliseconds.
  const fraction = m[7] === undefined ? 0 : Number((m[7] + "00").slice(0, 3));
  let offsetMin = 0;
  if (m[9] !== undefined) {
    offsetMin = Number(m[10]) * 60 + Number(m[11]);
    if (m[9] === "-") offsetMin = -offsetMin;
  }
  return base + fraction - offsetMin * 60000;
}

/** A time parameter with a default when absent (Prometheus's parseTimeParam). */
export function timeParam(params: Params, name: string, defaultMs: number): number {
  const v = params.get(name);
  if (v === "") return defaultMs;
  try {
    return parseTime(v);
  } catch (err) {
    throw badParam(name, `Invalid time value for '${name}': ${(err as Error).message}`);
  }
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_MS = [365 * 86400000, 7 * 86400000, 86400000, 3600000, 60000, 1000, 1];

/**
 * A duration as float seconds or a Prometheus duration ("1m30s"), to ms
 * (fractions of a ms kept; callers decide how to round).
 */
export function parseDuration(s: string): number {
  if (FLOAT_RE.test(s)) {
    const d = Number(s);
    if (Number.isFinite(d)) {
      // Go holds a duration as int64 nanoseconds.
      if (Math.abs(d * 1e9) > 9.223372036854776e18) throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
      return Math.trunc(d * 1e9) / 1e6;
    }
  }
  const m = s === "" ? null : DURATION_RE.exec(s);
  if (m !== null) {
    let ms = 0;
    for (let i = 0; i < DURATION_UNITS_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * DURATION_UNITS_MS[i];
    return ms;
  }
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
}

/** A duration parameter, or undefined when absent. */
export function durationParam(params: Params, name: string): number | undefined {
  const v = params.get(name);
  if (v === "") return undefined;
  try {
    return parseDuration(v);
  } catch (err) {
    throw badParam(name, (err as Error).message);
  }
}

/** A non-negative integer `limit`, 0 when absent (Prometheus's parseLimitParam). */
export function limitParam(params: Params, name = "limit"): number {
  const v = params.get(name);
  if (v === "") return 0;
  if (!/^[+-]?\d+$/.test(v)) throw badParam(name, `strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = Number(v);
  if (n < 0) throw badParam(name, "limit must be non-negative");
  return n;
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** A boolean parameter as Go's strconv.ParseBool reads it; `dflt` when absent or empty. */
export function boolParam(params: Params, name: string, dflt: boolean): boolean {
  const v = params.get(name);
  if (v === "") return dflt;
  if (GO_TRUE.has(v)) return true;
  if (GO_FALSE.has(v)) return false;
  throw badParam(name, `strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** The store view a request asks for: Thanos's `dedup`, `replicaLabels[]` and `partial_response`. */
export interface StoreViewOptions {
  /** Replica labels to deduplicate on; empty: no deduplication. */
  readonly replicaLabels: readonly string[];
  readonly partialResponse: boolean;
}

/**
 * Thanos's query parameters: `dedup` (default true), `replicaLabels[]` (overrides the configured
 * replica labels), `partial_response` (default from --query.partial-response).
 */
export function storeViewParams(params: Params, defaults: StoreViewOptions): StoreViewOptions {
  const dedup = boolParam(params, "dedup", true);
  const partialResponse = boolParam(params, "partial_response", defaults.partialResponse);
  const asked = params.all("replicaLabels[]").filter((l) => l !== "");
  const labels = asked.length > 0 ? asked : defaults.replicaLabels;
  return { replicaLabels: dedup ? labels : [], partialResponse };
}

/**
 * Thanos's `shard_info` parameter (what its query frontend sends with vertical sharding): the JSON of
 * a storepb.ShardInfo, `{"shard_index":0,"total_shards":4,"by":true,"labels":["job"]}`. Undefined when absent.
 */
export function shardInfoParam(params: Params): ShardInfo | undefined {
  const raw = params.get("shard_info");
  if (raw === "") return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (err) {
    throw badParam("shard_info", `not JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw badParam("shard_info", "want a JSON object with shard_index, total_shards, by, labels");
  const o = doc as Record<string, unknown>;
  const int = (key: string): number => {
    const v = o[key] ?? 0;
    // Go's json sends int64 as a number; a quoted one is accepted as protobuf JSON writes it.
    const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) throw badParam("shard_info", `${key} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const labels = o["labels"] ?? [];
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) throw badParam("shard_info", "labels must be a list of strings");
  if (o["by"] !== undefined && typeof o["by"] !== "boolean") throw badParam("shard_info", "by must be true or false");
  const info: ShardInfo = { shardIndex: int("shard_index"), totalShards: int("total_shards"), by: o["by"] === true, labels };
  const problem = shardInfoError(info);
  if (problem !== undefined) throw badParam("shard_info", problem);
  return info;
}

/**
 * Thanos's `max_source_resolution` in ms: a duration (`0s`, `5m`, `1h`) or `auto`, the coarsest
 * resolution not above step/5 (also the default under `--query.auto-downsampling`; else 0, raw).
 */
export function maxSourceResolutionParam(params: Params, stepMs: number, autoDownsampling: boolean): number {
  const raw = params.get("max_source_resolution");
  if (raw === "auto" || (raw === "" && autoDownsampling)) return Math.max(0, Math.floor(stepMs / 5));
  if (raw === "") return 0;
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch (err) {
    throw badParam("max_source_resolution", `${(err as Error).message} (want a duration such as 0s, 5m, 1h, or auto)`);
  }
  if (ms < 0) throw badParam("max_source_resolution", `negative resolution ${JSON.stringify(raw)}`);
  return Math.floor(ms);
}
