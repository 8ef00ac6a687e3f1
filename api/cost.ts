// Cost before execution: a query whose estimate (planner's estimateCost over the request's store)
// is over a limit is refused before any chunk is fetched, with Prometheus's error and the advice.
import type { Query } from "../engine/index.js";
import { checkQueryCost, estimateCost, type CostLimits, type CostRefusal, type QueryCost } from "../planner/index.js";
import type { EstimateOptions, Store } from "../storeapi/index.js";
import { ApiError } from "./params.js";

/** The limits a request's query is checked against before it runs, and how a refusal is answered. */
export interface CostPolicy {
  readonly limits: CostLimits;
  /** The error answering a refusal (a tenant's limit is named and counted by its limiter). */
  readonly refusal: (refused: CostRefusal) => ApiError;
}

/** Prometheus's execution error (422) with the estimate and the advice. */
export function executionRefusal(refused: CostRefusal): ApiError {
  return new ApiError("execution", refused.message);
}

/** The process's policy: --query.max-samples; with the estimate off (--no-query.cost-estimate), no limit and no estimate. */
export function processCostPolicy(maxSamples: number, costEstimate: boolean): CostPolicy {
  return { limits: costEstimate ? { samples: { max: maxSamples, name: "--query.max-samples" } } : {}, refusal: executionRefusal };
}

/** The query's estimated cost, or undefined when it cannot be estimated (no plan, a store failed). */
export async function queryCost(query: Query, store: Store, signal?: AbortSignal, options?: EstimateOptions): Promise<QueryCost | undefined> {
  if (query.plan === undefined) return undefined;
  try {
    return await estimateCost(query.plan.root, query.plan.context, store, signal, options);
  } catch {
    // An estimate is advice: a store that cannot give one leaves the check to the engine's own limit.
    return undefined;
  }
}

/**
 * The error refusing `query` before it runs, or undefined when its estimate fits the limits (or
 * cannot be made). No estimate is made without a limit; stores without an estimate of their own
 * cost a Series(skip_chunks) round trip only when a series limit will read their count (their
 * samples are assumed, and assumed samples never refuse).
 */
export async function costRefusal(query: Query, store: Store, policy: CostPolicy, signal?: AbortSignal): Promise<ApiError | undefined> {
  const { limits } = policy;
  if (limits.samples === undefined && limits.series === undefined) return undefined;
  const cost = await queryCost(query, store, signal, { countSeries: limits.series !== undefined });
  if (cost === undefined || query.plan === undefined) return undefined;
  const refused = await checkQueryCost(cost, limits, query.plan.context).catch(() => undefined);
  return refused === undefined ? undefined : policy.refusal(refused);
}
