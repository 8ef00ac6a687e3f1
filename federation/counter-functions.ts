// Which enclosing functions read their selector as a counter, for counter-aware dedup: the catalog's fact.
import { lookupFunction } from "../promql/index.js";

/** Whether a selector under this function (queryHints.func) holds counters. */
export function isCounterFunction(func: string | undefined): boolean {
  return func !== undefined && lookupFunction(func)?.counterInput === true;
}
