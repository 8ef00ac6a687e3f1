// GET/POST /api/v1/explain (orrery's own): the operator tree of a query, and with
// analyze=true the tree of a real run with each operator's series, samples and time.
import type { ApiContext, JsonBody } from "./context.js";
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

export async function explainQuery(ctx: ApiContext, params: Params, signal: AbortSignal): Promise<JsonBody> {
  if (ctx.engine.explain === undefined) throw new ApiError("unavailable", "this process's engine cannot explain queries");
  const query = params.get("query");
  const analyze = boolParam(params, "analyze", false);
  const { startMs, endMs, stepMs } = window(ctx, params);
  const store = requestStore(ctx, params);
  // An analysed explain runs the query, so it waits for a slot like any query.
  const release = analyze ? await ctx.gate.acquire(signal) : undefined;
  try {
    const plan = await ctx.engine.explain(store, query, startMs, endMs, stepMs, { analyze });
    return { json: successJson(JSON.stringify({ query, analyze, start: startMs / 1000, end: endMs / 1000, step: stepMs / 1000, plan })) };
  } catch (err) {
    throw execError(err);
  } finally {
    release?.();
  }
}
