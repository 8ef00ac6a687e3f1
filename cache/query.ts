// What the frontend needs to know about a PromQL query before it splits or
// caches it: its canonical text (the cache key), the text sent downstream,
// and what makes its answer depend on the whole range or on the future.
import { format, parse, type AtModifier, type Expr, type LabelMatcher } from "../promql/index.js";
import { evalDuration } from "../promql/index.js";
import { type ShardBy, shardByOf } from "./shard.js";

export interface QueryShape {
  /** The query as orrery's printer writes it (matchers sorted, as Prometheus prints them): spacing and label order do not split the cache. */
  canonical: string;
  /** What to send downstream: the user's text, or the text with `@ start()` / `@ end()` made absolute. */
  downstream: string;
  /** False when a piece's answer would differ from the same steps of the whole (`range()` in a duration). */
  splittable: boolean;
  /** The latest `@ <time>` in the query (ms), or -Infinity. */
  latestAtMs: number;
  /** How far past a step the query reads (the sum of its negative offsets, ms). */
  lookAheadMs: number;
  /** True when the shape is the same for any range at this step (no `@ start()` / `@ end()`, no `range()`): it may be reused. */
  rangeFree: boolean;
  /** How the query may be split into vertical shards, or undefined when it may not. */
  shardBy: ShardBy | undefined;
}

/** The shape of `query` for a range [startMs, endMs] at stepMs; undefined when it does not parse (downstream reports the error). */
export function queryShape(query: string, startMs: number, endMs: number, stepMs: number): QueryShape | undefined {
  let expr: Expr;
  try {
    expr = parse(query);
  } catch {
    return undefined;
  }
  const ctx = { stepMs, rangeMs: endMs - startMs };
  const shardBy = shardByOf(expr);
  const shape = { splittable: !usesRange(expr), latestAtMs: -Infinity, lookAheadMs: 0, rewritten: false };
  try {
    visitModifiers(expr, (holder) => {
      if (holder.at !== undefined) {
        const absolute = absoluteAt(holder.at, startMs, endMs);
        if (holder.at.kind !== "timestamp") {
          holder.at = absolute;
          shape.rewritten = true;
        }
        shape.latestAtMs = Math.max(shape.latestAtMs, absolute.ms);
      }
      if (holder.offset !== undefined) {
        const ms = evalDuration(holder.offset, ctx);
        if (ms < 0) shape.lookAheadMs += -ms;
      }
    });
  } catch {
    return undefined;
  }
  const canonical = format(expr);
  return {
    canonical,
    downstream: shape.rewritten ? canonical : query,
    splittable: shape.splittable,
    latestAtMs: shape.latestAtMs,
    lookAheadMs: shape.lookAheadMs,
    rangeFree: !shape.rewritten && shape.splittable,
    shardBy,
  };
}

function absoluteAt(at: AtModifier, startMs: number, endMs: number): { kind: "timestamp"; ms: number } {
  if (at.kind === "timestamp") return at;
  return { kind: "timestamp", ms: at.kind === "start" ? startMs : endMs };
}

interface ModifierHolder {
  matchers?: LabelMatcher[];
  at?: AtModifier;
  offset?: Parameters<typeof evalDuration>[0];
}

/** Calls visit on every selector and subquery (the nodes that carry `@` and `offset`). */
function visitModifiers(node: unknown, visit: (holder: ModifierHolder) => void): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) visitModifiers(n, visit);
    return;
  }
  const type = (node as { type?: unknown }).type;
  if (type === "VectorSelector" || type === "SubqueryExpr") visit(node as ModifierHolder);
  for (const [key, value] of Object.entries(node)) if (key !== "pos" && key !== "at" && key !== "offset") visitModifiers(value, visit);
}

/** Whether a duration anywhere in the query calls range(), whose value is the whole query's range. */
function usesRange(node: unknown): boolean {
  if (node === null || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some(usesRange);
  const n = node as { type?: unknown; func?: unknown };
  if (n.type === "DurationCall" && n.func === "range") return true;
  return Object.entries(node).some(([key, value]) => key !== "pos" && usesRange(value));
}
