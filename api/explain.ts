// GET/POST /api/v1/explain (orrery's own): the operator tree of a query, and with
// analyze=true the tree of a real run with each operator's series, samples and time.
import type { Query } from "../engine/index.js";
import type { QueryCost } from "../planner/index.js";
import { xorChunkNumSamples, type AggrChunk, type Aggregate, type Matcher, type SeriesRequest, type Store } from "../storeapi/index.js";
import type { ApiContext, JsonBody } from "./context.js";
import { queryCost } from "./cost.js";
import { successJson } from "./encode.js";
import { ApiError, badParam, boolParam, parseDuration, parseTime, type Params, timeParam } from "./params.js";
import { execError, requestStore } from "./query.js";

/** The evaluation window: `time` for an instant query, or `start`, `end` and `step` for a range query. */
function window(ctx: ApiContext, params: Params): { startMs: number; endMs: number; stepMs: number } {
  if (params.get("start") === "" && params.get("end") === "" && params.get("step") === "") {
    const t = timeParam(params, "time", ctx.now());
    return { startMs: t, endMs: t, stepMs: 0 };
  }
  const time = (name: string): number => {
    try {
      return parseTime(params.get(name));
    } catch (err) {
      throw badParam(name, (err as Error).message);
    }
  };
  const startMs = time("start");
  const endMs = time("end");
  let stepMs: number;
  try {
    stepMs = Math.floor(parseDuration(params.get("step")));
  } catch (err) {
    throw badParam("step", (err as Error).message);
  }
  if (stepMs <= 0) throw badParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (endMs < startMs) throw badParam("end", "end timestamp must not be before start time");
  return { startMs, endMs, stepMs };
}

/** Series and samples (whole chunks overlapping the request, as the engine holds them) a store returned. */
interface Fetched {
  series: number;
  samples: number;
}

/** The key of a series request by what it asks for, to find a selector's fetch among the requests made. */
function requestKey(matchers: readonly Matcher[], minTime: number, maxTime: number): string {
  return JSON.stringify([minTime, maxTime, matchers.map((m) => [m.name, m.op, m.value])]);
}

/** `store` counting what each series request returned (the actual side of explain's estimates). */
function countingStore(store: Store): { store: Store; fetched: Map<string, Fetched> } {
  const fetched = new Map<string, Fetched>();
  async function* series(request: SeriesRequest, signal?: AbortSignal) {
    const key = requestKey(request.matchers, request.minTime, request.maxTime);
    const tally = fetched.get(key) ?? { series: 0, samples: 0 };
    fetched.set(key, tally);
    const first = request.aggregates?.[0];
    for await (const frame of store.series(request, signal)) {
      for (const s of frame.series) {
        tally.series++;
        for (const c of s.chunks) tally.samples += chunkSamples(c, first);
      }
      yield frame;
    }
  }
  return {
    store: { info: () => store.info(), series, labelNames: (r, sig) => store.labelNames(r, sig), labelValues: (r, sig) => store.labelValues(r, sig) },
    fetched,
  };
}

function chunkSamples(c: AggrChunk, first: Aggregate | undefined): number {
  // The engine holds a downsampled chunk's first aggregate asked for.
  const held = c.raw ?? (first === undefined ? undefined : c[first]);
  return held === undefined ? 0 : xorChunkNumSamples(held.data);
}

/** The query as the engine would run it (for its plan), or undefined when it cannot be prepared. */
function prepared(ctx: ApiContext, store: Store, query: string, startMs: number, endMs: number, stepMs: number): Query | undefined {
  try {
    return stepMs > 0 ? ctx.engine.rangeQuery(store, query, startMs, endMs, stepMs) : ctx.engine.instantQuery(store, query, startMs);
  } catch {
    return undefined;
  }
}

/** The estimate, and per selector its estimate beside what was fetched (analyze) and the stores it reaches. */
function costJson(cost: QueryCost, fetched: Map<string, Fetched> | undefined) {
  return {
    estimate: { series: cost.series, samples: cost.samples, basis: cost.basis, steps: cost.steps },
    selectors: cost.selectors.map((s) => ({
      selector: s.selector,
      pos: s.pos,
      minTime: s.minTime / 1000,
      maxTime: s.maxTime / 1000,
      estimate: { series: s.series, samples: s.samples, basis: s.basis },
      ...(fetched === undefined ? {} : { actual: fetched.get(requestKey(s.request.matchers, s.minTime, s.maxTime)) ?? { series: 0, samples: 0 } }),
      stores: s.stores,
    })),
  };
}

export async function explainQuery(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  if (ctx.engine.explain === undefined) throw new ApiError("unavailable", "this process's engine cannot explain queries");
  const query = params.get("query");
  const analyze = boolParam(params, "analyze", false);
  const { startMs, endMs, stepMs } = window(ctx, params);
  const store = requestStore(ctx, params);
  // An analysed explain runs the query, so it waits for a slot like any query.
  const release = analyze ? await ctx.gate.acquire(signal) : undefined;
  try {
    const counting = analyze ? countingStore(store) : undefined;
    const plan = await ctx.engine.explain(counting?.store ?? store, query, startMs, endMs, stepMs, { analyze });
    const q = prepared(ctx, store, query, startMs, endMs, stepMs);
    const cost = q === undefined ? undefined : await queryCost(q, store, signal);
    const costs = cost === undefined ? {} : costJson(cost, counting?.fetched);
    return { json: successJson(JSON.stringify({ query, analyze, start: startMs / 1000, end: endMs / 1000, step: stepMs / 1000, plan, ...costs })) };
  } catch (err) {
    throw execError(err);
  } finally {
    release?.();
  }
}
