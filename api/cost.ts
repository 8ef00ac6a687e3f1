// Cost before execution: a query whose estimate (planner's estimateCost over the request's store)
// is over a limit is refused before any chunk is fetched, with Prometheus's error and the advice.
import type { Query } from "../engine/index.js";
import { checkQueryCost, estimateCost, type CostLimits, type QueryCost } from "../planner/index.js";
import type { Store } from "../storeapi/index.js";
import { ApiError } from "./params.js";

/** The limits a query is checked against: today --query.max-samples (per-tenant limits plug in here). */
export function processCostLimits(maxSamples: number): CostLimits {
  return { samples: { max: maxSamples, name: "--query.max-samples" } };
}

/** The query's estimated cost, or undefined when it cannot be estimated (no plan, a store failed). */
export async function queryCost(query: Query, store: Store, signal?: AbortSignal): Promise<QueryCost | undefined> {
  if (query.plan === undefined) return undefined;
  try {
    return await estimateCost(query.plan.root, query.plan.context, store, signal);
  } catch {
    // An estimate is advice: a store that cannot give one leaves the check to the engine's own limit.
    return undefined;
  }
}

/**
 * The error refusing `query` before it runs, or undefined when its estimate fits the limits (or
 * cannot be made). Over --query.max-samples: Prometheus's execution error (422) with the advice.
 */
export async function costRefusal(query: Query, store: Store, limits: CostLimits, signal?: AbortSignal): Promise<ApiError | undefined> {
  if (limits.samples === undefined && limits.series === undefined) return undefined;
  const cost = await queryCost(query, store, signal);
  if (cost === undefined || query.plan === undefined) return undefined;
  const refusal = await checkQueryCost(cost, limits, query.plan.context, store, signal).catch(() => undefined);
  return refusal === undefined ? undefined : new ApiError("execution", refusal.message);
}
