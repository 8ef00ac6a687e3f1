// The Engine: parse, plan, build operators, run, with limits, timeout, cancel and statistics.
import { parse } from "../promql/index.js";
import type { Expr } from "../promql/index.js";
import { plan, PlanError } from "../planner/index.js";
import type { Store } from "../storeapi/index.js";
import { badData, canceled, QueryError, timeout } from "./errors.js";
import { Annotations, type LoadedSeries, type QueryContext, SampleTracker } from "./exec/context.js";
import { evaluate } from "./exec/run.js";
import { timeline, VectorPool } from "./model.js";
import type { EngineOptions, Query, QueryEngine, QueryOptions, QueryResult } from "./types.js";

const DEFAULTS = {
  lookbackDeltaMs: 300_000,
  maxSamples: 50_000_000,
  timeoutMs: 120_000,
  defaultEvaluationIntervalMs: 60_000,
};

/** Steps per batch an operator returns from next(). */
const STEPS_BATCH = 10;

export class Engine implements QueryEngine {
  private readonly opts: Required<EngineOptions>;

  constructor(opts: EngineOptions = {}) {
    this.opts = { ...DEFAULTS, enableExperimental: true, ...opts } as Required<EngineOptions>;
  }

  instantQuery(store: Store, query: string, timeMs: number, opts: QueryOptions = {}): Query {
    return this.newQuery(store, query, parseQuery(query), timeMs, timeMs, 0, opts);
  }

  rangeQuery(store: Store, query: string, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Query {
    if (!(stepMs > 0)) throw badData("zero or negative query resolution step widths are not accepted. Try a positive integer");
    if (endMs < startMs) throw badData("end timestamp must not be before start time");
    return this.newQuery(store, query, parseQuery(query), startMs, endMs, stepMs, opts);
  }

  /** Runs an already parsed expression (for callers holding an AST, such as the ruler and tests). */
  exprQuery(store: Store, query: string, expr: Expr, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Query {
    return this.newQuery(store, query, expr, startMs, endMs, stepMs, opts);
  }

  private newQuery(store: Store, query: string, expr: Expr, start: number, end: number, step: number, opts: QueryOptions): Query {
    const controller = new AbortController();
    const o = this.opts;
    const run = async (): Promise<QueryResult> => {
      const began = performance.now();
      const lookbackMs = opts.lookbackDeltaMs ?? o.lookbackDeltaMs;
      const samples = new SampleTracker(opts.maxSamples ?? o.maxSamples);
      const annotations = new Annotations();
      const ctx: QueryContext = {
        store,
        signal: controller.signal,
        lookbackMs,
        pool: new VectorPool(),
        stepsBatch: STEPS_BATCH,
        isRangeQuery: step > 0,
        annotations,
        samples,
        fetches: new Map<string, Promise<LoadedSeries[]>>(),
      };
      let root;
      try {
        root = plan(expr, {
          startMs: start,
          endMs: end,
          stepMs: step,
          lookbackDeltaMs: lookbackMs,
          defaultEvaluationIntervalMs: o.defaultEvaluationIntervalMs,
        });
      } catch (e) {
        if (e instanceof PlanError) throw badData(e.message, e.pos);
        throw e;
      }
      const value = await evaluate(ctx, root, timeline(start, end, step));
      return {
        value,
        warnings: annotations.warnings,
        infos: annotations.infos,
        stats: { totalSamples: samples.total, peakSamples: samples.peak, evalTimeMs: performance.now() - began },
      };
    };
    let started = false;
    return {
      query,
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

function parseQuery(query: string): Expr {
  try {
    return parse(query);
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
