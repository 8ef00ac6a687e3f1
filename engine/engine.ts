// The Engine: parse, plan, build operators, run, with limits, timeout, cancel and statistics.
import { Registry } from "prom-client";
import { exprType, parse } from "../promql/index.js";
import type { Expr } from "../promql/index.js";
import { plan, PlanError, type PlanContext, type PlanNode } from "../planner/index.js";
import type { Store } from "../storeapi/index.js";
import { badData, canceled, QueryError, timeout } from "./errors.js";
import { Annotations, type LoadedSeries, type QueryContext, SampleTracker } from "./exec/context.js";
import { analyzePlan, evaluate, explainPlan } from "./exec/run.js";
import { createEngineMetrics, type EngineMetrics } from "./metrics.js";
import { type Explain, timeline, VectorPool } from "./model.js";
import type { EngineOptions, ExplainOptions, Query, QueryEngine, QueryOptions, QueryResult, Value } from "./types.js";
import { WorkerLeases } from "./parallel/offload.js";
import { ParsedQueries } from "./parsed_queries.js";
import { ChunkColumnsPool, QueryChunkTables } from "./scan/chunk_table.js";
import type { WindowWorkerPool } from "./parallel/pool.js";

const DEFAULTS = {
  lookbackDeltaMs: 300_000,
  maxSamples: 50_000_000,
  timeoutMs: 120_000,
  defaultEvaluationIntervalMs: 60_000,
};

/** The options an Engine runs with once defaults are filled in (the registry is only read at construction). */
type Settings = Required<Omit<EngineOptions, "registry" | "windowWorkers">>;

/** Steps per batch an operator returns from next(). */
const STEPS_BATCH = 10;
/** Parsed queries kept, and the longest query text kept. */
const PARSED_QUERIES = 512;
const PARSED_QUERY_MAX_CHARS = 4096;

export class Engine implements QueryEngine {
  private readonly opts: Settings;
  private readonly metrics: EngineMetrics;
  private readonly windowWorkers: WindowWorkerPool | undefined;
  /** Dashboards repeat their queries: a query parsed lately skips the parser. */
  private readonly parsed = new ParsedQueries(PARSED_QUERIES, PARSED_QUERY_MAX_CHARS);
  /** Chunk table columns one query gives back for the next (chunk_table.ts). */
  private readonly chunkColumns = new ChunkColumnsPool();

  constructor(opts: EngineOptions = {}) {
    const { registry, windowWorkers, ...rest } = opts;
    this.opts = { ...DEFAULTS, enableExperimental: true, ...rest } as Settings;
    this.windowWorkers = windowWorkers;
    this.metrics = createEngineMetrics(registry ?? new Registry());
  }

  instantQuery(store: Store, query: string, timeMs: number, opts: QueryOptions = {}): Query {
    return this.newQuery(store, query, this.parse(query), timeMs, timeMs, 0, opts);
  }

  rangeQuery(store: Store, query: string, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Query {
    if (!(stepMs > 0)) throw badData("zero or negative query resolution step widths are not accepted. Try a positive integer");
    if (endMs < startMs) throw badData("end timestamp must not be before start time");
    const expr = this.parse(query);
    const type = exprType(expr);
    if (type !== "scalar" && type !== "vector") {
      const name = type === "matrix" ? "range vector" : type;
      throw badData(`invalid expression type ${JSON.stringify(name)} for range query, must be Scalar or instant Vector`, expr.pos);
    }
    return this.newQuery(store, query, expr, startMs, endMs, stepMs, opts);
  }

  /**
   * The operator tree a query would run, without running it; with `analyze`, the query is run
   * (under the engine's timeout and sample limit) and each operator carries what it did.
   */
  async explain(store: Store, query: string, startMs: number, endMs: number, stepMs: number, opts: ExplainOptions = {}): Promise<Explain> {
    const expr = parseQuery(query, this.opts.enableExperimental);
    const lookbackMs = this.opts.lookbackDeltaMs;
    const root = planOrThrow(expr, { startMs, endMs, stepMs, lookbackDeltaMs: lookbackMs, defaultEvaluationIntervalMs: this.opts.defaultEvaluationIntervalMs });
    const tl = timeline(startMs, endMs, stepMs);
    if (opts.analyze !== true) {
      const ctx = newContext(store, this.metrics, new AbortController().signal, lookbackMs, this.opts.maxSamples, stepMs > 0);
      return explainPlan(ctx, root, tl);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeout()), this.opts.timeoutMs);
    const ctx = newContext(store, this.metrics, controller.signal, lookbackMs, this.opts.maxSamples, stepMs > 0, true, 0, this.windowWorkers);
    try {
      return await raceAbort(analyzePlan(ctx, root, tl), controller.signal);
    } catch (e) {
      throw toQueryError(e, controller.signal);
    } finally {
      clearTimeout(timer);
      ctx.workers?.closeAll();
    }
  }

  private parse(query: string): Expr {
    return this.parsed.get(query, () => parseQuery(query, this.opts.enableExperimental));
  }

  /** Runs an already parsed expression (for callers holding an AST, such as the ruler and tests). */
  exprQuery(store: Store, query: string, expr: Expr, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Query {
    return this.newQuery(store, query, expr, startMs, endMs, stepMs, opts);
  }

  private newQuery(store: Store, query: string, expr: Expr, start: number, end: number, step: number, opts: QueryOptions): Query {
    const controller = new AbortController();
    const o = this.opts;
    const maxResolutionMs = Math.max(0, opts.maxResolutionMs ?? 0);
    const lookbackMs = lookbackForResolution(opts.lookbackDeltaMs ?? o.lookbackDeltaMs, maxResolutionMs);
    // Planning needs no data: a bad duration fails here, before exec, as bad_data.
    const context: PlanContext = { startMs: start, endMs: end, stepMs: step, lookbackDeltaMs: lookbackMs, defaultEvaluationIntervalMs: o.defaultEvaluationIntervalMs, maxResolutionMs };
    const root = planOrThrow(expr, context);
    const run = async (): Promise<QueryResult> => {
      const began = performance.now();
      const chunkTables = new QueryChunkTables(this.chunkColumns);
      const ctx = newContext(store, this.metrics, controller.signal, lookbackMs, opts.maxSamples ?? o.maxSamples, step > 0, false, maxResolutionMs, this.windowWorkers, chunkTables);
      let value: Value;
      try {
        value = await evaluate(ctx, root, timeline(start, end, step));
      } finally {
        // A part an operator did not read to its end (the query failed elsewhere) frees its worker here.
        ctx.workers?.closeAll();
        chunkTables.releaseAll();
      }
      return {
        value,
        warnings: ctx.annotations.warnings,
        infos: ctx.annotations.infos,
        stats: { totalSamples: ctx.samples.total, peakSamples: ctx.samples.peak, evalTimeMs: performance.now() - began },
      };
    };
    let started = false;
    return {
      query,
      plan: { root, context },
      exec: async () => {
        if (started) throw new QueryError("internal", "query already executed");
        started = true;
        const timeoutMs = opts.timeoutMs ?? o.timeoutMs;
        const timer = setTimeout(() => controller.abort(timeout()), timeoutMs);
        const onAbort = (): void => controller.abort(canceled());
        opts.signal?.addEventListener("abort", onAbort);
        if (opts.signal?.aborted) controller.abort(canceled());
        try {
          return await raceAbort(run(), controller.signal);
        } catch (e) {
          throw toQueryError(e, controller.signal);
        } finally {
          clearTimeout(timer);
          opts.signal?.removeEventListener("abort", onAbort);
        }
      },
      cancel: () => controller.abort(canceled()),
    };
  }
}

function newContext(
  store: Store,
  metrics: EngineMetrics,
  signal: AbortSignal,
  lookbackMs: number,
  maxSamples: number,
  isRangeQuery: boolean,
  analyze = false,
  maxResolutionMs = 0,
  windowWorkers?: WindowWorkerPool,
  chunkTables?: QueryChunkTables,
): QueryContext {
  return {
    chunkTables,
    workers: windowWorkers === undefined ? undefined : new WorkerLeases(windowWorkers, signal, metrics),
    store,
    metrics,
    signal,
    lookbackMs,
    maxResolutionMs,
    pool: new VectorPool(),
    stepsBatch: STEPS_BATCH,
    isRangeQuery,
    annotations: new Annotations(),
    samples: new SampleTracker(maxSamples),
    fetches: new Map<string, Promise<LoadedSeries[]>>(),
    analyze,
  };
}

/** Downsampling resolutions a lookback widens to (Thanos's dynamic lookback delta): 5m, 1h. */
const RESOLUTION_LEVELS_MS = [300_000, 3_600_000];

/** The lookback, widened to the coarsest resolution the query may read so instant selectors see its points. */
export function lookbackForResolution(lookbackMs: number, maxResolutionMs: number): number {
  let out = lookbackMs;
  for (const r of RESOLUTION_LEVELS_MS) if (r <= maxResolutionMs) out = Math.max(out, r);
  return out;
}

function planOrThrow(expr: Expr, context: PlanContext): PlanNode {
  try {
    return plan(expr, context);
  } catch (e) {
    if (e instanceof PlanError) throw badData(e.message, e.pos);
    throw e;
  }
}

/** Settles with the abort reason as soon as the signal fires, even if a store hangs. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  // The losing promise must not surface as an unhandled rejection.
  p.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function toQueryError(e: unknown, signal: AbortSignal): QueryError {
  if (e instanceof QueryError) return e;
  if (signal.aborted && signal.reason instanceof QueryError) return signal.reason;
  const msg = e instanceof Error ? e.message : String(e);
  return new QueryError("execution", msg);
}

function parseQuery(query: string, experimental: boolean): Expr {
  try {
    return parse(query, { experimental });
  } catch (e) {
    if (isParseError(e)) {
      const first = e.errors[0];
      const pos = first ? { start: first.pos.offset, end: first.end?.offset ?? first.pos.offset } : undefined;
      throw badData(e.message, pos);
    }
    if (e instanceof QueryError) throw e;
    throw badData(e instanceof Error ? e.message : String(e));
  }
}

interface ParseErrorLike extends Error {
  errors: { pos: { offset: number }; end?: { offset: number } }[];
}

function isParseError(e: unknown): e is ParseErrorLike {
  return e instanceof Error && e.name === "ParseError" && Array.isArray((e as { errors?: unknown }).errors);
}
