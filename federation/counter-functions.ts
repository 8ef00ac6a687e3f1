// Which enclosing functions read their selector as a counter, for counter-aware dedup. The function
// catalog (promql/functions.ts) does not record this, so the list lives here, the one place that needs it.
const COUNTER_FUNCTIONS: ReadonlySet<string> = new Set(["rate", "irate", "increase", "resets"]);

/** Whether a selector under this function (queryHints.func) holds counters. */
export function isCounterFunction(func: string | undefined): boolean {
  return func !== undefined && COUNTER_FUNCTIONS.has(func);
}
