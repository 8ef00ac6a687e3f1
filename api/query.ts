// /api/v1/query and /api/v1/query_range: parameters, protection (gate,
// timeout, sample limit), running the query, and encoding its result.
import type { Query, QueryError, QueryOptions, QueryResult, Value } from "../engine/index.js";
import type { ApiContext, JsonBody } from "./context.js";
import { encodeQueryResponse, formatAnnotation } from "./encode.js";
import { encodeGridResponse } from "./encode_grid.js";
import { costRefusal } from "./cost.js";
import { shardedStore, shardIgnoringLabels, type Store } from "../storeapi/index.js";
import {
  ApiError,
  type ApiErrorType,
  badParam,
  durationParam,
  limitParam,
  maxSourceResolutionParam,
  parseDuration,
  parseTime,
  type Params,
  shardInfoParam,
  storeViewParams,
  timeParam,
} from "./params.js";

/** Prometheus refuses range queries with more points than this per series. */
/** Prometheus's cap on the steps of a range query; past it the query is refused, not run. */
export const MAX_POINTS_PER_SERIES = 11000;
const TRUNCATED = "results truncated due to limit";

/** The store this request reads from: the view its dedup / replicaLabels[] / partial_response ask for. */
export function requestStore(ctx: ApiContext, params: Params): Store {
  const view = storeViewParams(params, ctx.storeViewDefaults);
  const store = ctx.storeFor === undefined ? ctx.store : ctx.storeFor(view);
  const shard = shardInfoParam(params);
  return shard === undefined ? store : shardedStore(store, shardIgnoringLabels(shard, view.replicaLabels));
}

interface CommonOptions {
  timeoutMs: number;
  lookbackDeltaMs: number | undefined;
  /** max_source_resolution in ms (0: raw). */
  maxResolutionMs?: number;
  limit: number;
  stats: boolean;
  /** A range query answered in the grid layout (`layout=grid`): its start, step and steps. */
  grid?: { startMs: number; stepMs: number; steps: number };
}

function commonOptions(ctx: ApiContext, params: Params): CommonOptions {
  const limit = limitParam(params);
  const timeout = durationParam(params, "timeout");
  const lookback = durationParam(params, "lookback_delta");
  return {
    // A client may shorten the server's timeout, never lengthen it.
    timeoutMs: timeout === undefined || timeout <= 0 ? ctx.queryTimeoutMs : Math.min(timeout, ctx.queryTimeoutMs),
    lookbackDeltaMs: lookback === undefined || lookback <= 0 ? ctx.lookbackDeltaMs : Math.floor(lookback),
    limit,
    stats: params.get("stats") !== "",
  };
}

export async function instantQuery(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const opts0 = { ...commonOptions(ctx, params), maxResolutionMs: maxSourceResolutionParam(params, 0, ctx.autoDownsampling) };
  const time = timeParam(params, "time", ctx.now());
  const query = params.get("query");
  const store = requestStore(ctx, params);
  return runQuery(ctx, query, store, opts0, signal, (opts) => ctx.engine.instantQuery(store, query, time, opts));
}

export async function rangeQuery(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  const start = requiredTime(params, "start");
  const end = requiredTime(params, "end");
  if (end < start) throw badParam("end", "end timestamp must not be before start time");
  let step: number;
  try {
    step = parseDuration(params.get("step"));
  } catch (err) {
    throw badParam("step", (err as Error).message);
  }
  // The engine steps in whole ms; a step under 1ms is as unusable as 0.
  step = Math.floor(step);
  if (step <= 0) throw badParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (Math.floor((end - start) / step) > MAX_POINTS_PER_SERIES) {
    throw new ApiError("bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
  const opts0 = {
    ...commonOptions(ctx, params),
    maxResolutionMs: maxSourceResolutionParam(params, step, ctx.autoDownsampling),
    grid: layoutParam(params) === "grid" ? { startMs: start, stepMs: step, steps: Math.floor((end - start) / step) + 1 } : undefined,
  };
  const query = params.get("query");
  const store = requestStore(ctx, params);
  return runQuery(ctx, query, store, opts0, signal, (opts) => ctx.engine.rangeQuery(store, query, start, end, step, opts), RANGE_POLICY);
}

/** `layout`: empty for Prometheus's [time, "value"] pairs, `grid` for the grid layout (api/encode_grid.ts). */
function layoutParam(params: Params): "" | "grid" {
  const layout = params.get("layout");
  if (layout === "" || layout === "grid") return layout;
  throw badParam("layout", `unknown layout ${JSON.stringify(layout)}; "grid" is the one there is`);
}

/** How a kind of query refines the engine's errors and vets its answers. */
interface ResultPolicy {
  refine(err: ApiError): ApiError;
  vet(value: Value): ApiError | undefined;
}

const INSTANT_POLICY: ResultPolicy = { refine: (err) => err, vet: () => undefined };

const QUERY_PARAM_PREFIX = 'invalid parameter "query": ';

const INVALID_RANGE_TYPE = "invalid expression type";

/**
 * A range query of a string or range vector is bad data, whether the engine
 * refuses it (as an execution error) or answers it: never pass on such an answer.
 */
const RANGE_POLICY: ResultPolicy = {
  refine: (err) => {
    if (err.type === "execution" && err.message.startsWith(INVALID_RANGE_TYPE)) return new ApiError("bad_data", err.message);
    // Prometheus 2.42's query_range answers a parse error bare, without naming the parameter.
    if (err.type === "bad_data" && err.message.startsWith(QUERY_PARAM_PREFIX)) return new ApiError("bad_data", err.message.slice(QUERY_PARAM_PREFIX.length));
    return err;
  },
  vet: (value) => {
    if (value.type === "matrix") return undefined;
    const documented = value.type === "vector" ? "instant vector" : value.type;
    return new ApiError("bad_data", `${INVALID_RANGE_TYPE} ${JSON.stringify(documented)} for range query, must be Scalar or instant Vector`);
  },
};

function requiredTime(params: Params, name: string): number {
  try {
    return parseTime(params.get(name));
  } catch (err) {
    throw badParam(name, (err as Error).message);
  }
}

async function runQuery(
  ctx: ApiContext,
  queryText: string,
  store: Store,
  common: CommonOptions,
  requestSignal: AbortSignal,
  create: (opts: QueryOptions) => Query,
  policy: ResultPolicy = INSTANT_POLICY,
): Promise<JsonBody> {
  const arrived = performance.now();
  // The deadline covers the wait in the queue too, as Prometheus's context does.
  const controller = new AbortController();
  const onRequestAbort = (): void => controller.abort(requestSignal.reason);
  requestSignal.addEventListener("abort", onRequestAbort, { once: true });
  const deadline = setTimeout(() => controller.abort(new ApiError("timeout", "query timed out in query queue")), common.timeoutMs);
  let release: (() => void) | undefined;
  try {
    release = await ctx.gate.acquire(controller.signal);
    const queued = performance.now() - arrived;
    let query: Query;
    try {
      query = create({
        timeoutMs: Math.max(1, common.timeoutMs - queued),
        lookbackDeltaMs: common.lookbackDeltaMs,
        maxResolutionMs: common.maxResolutionMs,
        maxSamples: ctx.maxSamples,
        signal: controller.signal,
      });
    } catch (err) {
      throw policy.refine(creationError(err));
    }
    // Refused on its estimate before any chunk is fetched; the engine's own limit still holds while it runs.
    const refused = await costRefusal(query, store, ctx.costPolicy, controller.signal);
    if (refused !== undefined) throw refused;
    let result: QueryResult;
    try {
      result = await execUntilAborted(query, controller.signal);
    } catch (err) {
      throw policy.refine(execError(err));
    }
    const bad = policy.vet(result.value);
    if (bad !== undefined) throw bad;
    const total = performance.now() - arrived;
    const parts = responseParts(result, queryText, common, queued, total);
    if (common.grid !== undefined && parts.value.type === "matrix") return { json: encodeGridResponse({ ...parts, value: parts.value, ...common.grid }) };
    return { json: encodeQueryResponse(parts) };
  } finally {
    clearTimeout(deadline);
    requestSignal.removeEventListener("abort", onRequestAbort);
    release?.();
  }
}

/** Runs the query; when the signal aborts first, cancels it and fails with the signal's reason. */
function execUntilAborted(query: Query, signal: AbortSignal): Promise<QueryResult> {
  const running = query.exec();
  if (signal.aborted) {
    running.catch(() => undefined);
    query.cancel();
    return Promise.reject(abortError(signal));
  }
  return new Promise<QueryResult>((resolve, reject) => {
    const onAbort = (): void => {
      query.cancel();
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    running.then(
      (r) => {
        signal.removeEventListener("abort", onAbort);
        resolve(r);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(execError(err));
      },
    );
  });
}

function abortError(signal: AbortSignal): ApiError {
  const reason: unknown = signal.reason;
  if (reason instanceof ApiError) {
    // A deadline that passes during execution is reported as Prometheus words it.
    return reason.type === "timeout" ? new ApiError("timeout", "query timed out in query execution") : reason;
  }
  return new ApiError("canceled", "query was canceled in query execution");
}

const ERROR_TYPE_BY_KIND: Record<QueryError["kind"], ApiErrorType> = {
  bad_data: "bad_data",
  execution: "execution",
  timeout: "timeout",
  canceled: "canceled",
  // Prometheus reports ErrTooManySamples as an execution error (422).
  too_many_samples: "execution",
  internal: "internal",
};

/** An error thrown while preparing a query: a bad query names the parameter. */
function creationError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // Prometheus names no parameter when the query parses but its type cannot be graphed.
  if (isQueryError(err) && err.kind === "bad_data" && err.message.startsWith(INVALID_RANGE_TYPE)) return new ApiError("bad_data", err.message);
  if (isQueryError(err) && err.kind === "bad_data") return badParam("query", err.message);
  return execError(err);
}

/** An error from running a query, as its API error. */
export function execError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isQueryError(err)) return new ApiError(ERROR_TYPE_BY_KIND[err.kind] ?? "execution", err.message);
  if (isParseError(err)) return badParam("query", err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError("internal", message);
}

/** By shape, so the API needs nothing of the engine at run time. */
function isQueryError(err: unknown): err is QueryError {
  return err instanceof Error && err.name === "QueryError" && typeof (err as QueryError).kind === "string";
}

/**
 * A store failure in a look-up (series, labels, …): Prometheus answers these
 * as execution errors (422); a client that went away is "canceled".
 */
export function storeError(err: unknown, signal?: AbortSignal): ApiError {
  if (err instanceof ApiError) return err;
  if (signal?.aborted) return abortError(signal);
  if (isQueryError(err)) return execError(err);
  return new ApiError("execution", err instanceof Error ? err.message : String(err));
}

function isParseError(err: unknown): err is Error {
  return err instanceof Error && err.name === "ParseError";
}

function responseParts(result: QueryResult, query: string, common: CommonOptions, queuedMs: number, totalMs: number) {
  const warnings = result.warnings.map((a) => formatAnnotation(a, query));
  const infos = result.infos.map((a) => formatAnnotation(a, query));
  let value = result.value;
  if (common.limit > 0) {
    const truncated = truncateValue(value, common.limit);
    if (truncated !== value) {
      value = truncated;
      warnings.push(TRUNCATED);
    }
  }
  return {
    value,
    warnings,
    infos,
    stats: common.stats ? { stats: result.stats, queueTimeMs: queuedMs, totalTimeMs: totalMs } : undefined,
  };
}

/** At most `limit` series of a vector or matrix; the same object when nothing is cut. */
function truncateValue(value: Value, limit: number): Value {
  if (value.type === "vector" && value.samples.length > limit) return { type: "vector", samples: value.samples.slice(0, limit) };
  if (value.type === "matrix" && value.series.length > limit) return { type: "matrix", series: value.series.slice(0, limit) };
  return value;
}
