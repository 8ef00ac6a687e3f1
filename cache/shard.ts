// Vertical sharding: whether a query can run as N queries, each over the series
// whose hash over some labels falls in its shard, with the answers simply
// concatenated — and over which labels. As Thanos's querysharding analyzer, but
// stricter: a series may only be combined with series that agree on every hashed
// label, and no output may appear from nothing (absent, vector, scalar, time()).
import type { MatrixSeries } from "../engine/index.js";
import { type Expr, lookupFunction } from "../promql/index.js";
import { compareLabels, labelsKey } from "../storeapi/index.js";
import type { ParsedMatrix } from "./extents.js";

/** The labels a sharded query hashes series by (`by`), or every label but them (`!by`). */
export interface ShardBy {
  by: boolean;
  labels: string[];
}

/** Labels never hashed: `le` keeps a histogram's buckets together; `__name__` is dropped by functions and operators. */
const NEVER_HASHED = ["__name__", "le"];

/** Functions whose output series are not each made from input series with their own labels. */
const UNSHARDABLE_FUNCTIONS = new Set(["label_replace", "label_join", "absent", "absent_over_time", "scalar", "vector", "info"]);

/** What the walk learns: label sets every hashed label must be in, and labels no hashed label may be. */
interface Constraints {
  /** Each `by (…)` grouping and `on (…)` matching: hashed labels ⊆ each. */
  within: string[][];
  /** `without (…)` and `ignoring (…)` labels, and the never-hashed ones. */
  excluded: Set<string>;
  aggregations: number;
}

class Unshardable extends Error {}

/** How to shard `expr`, or undefined when sharding could change its answer or would not split it. */
export function shardByOf(expr: Expr): ShardBy | undefined {
  const c: Constraints = { within: [], excluded: new Set(NEVER_HASHED), aggregations: 0 };
  try {
    walk(expr, c);
  } catch (err) {
    if (err instanceof Unshardable) return undefined;
    throw err;
  }
  if (c.aggregations === 0) return undefined;
  if (c.within.length === 0) return { by: false, labels: [...c.excluded].sort() };
  const labels = c.within.reduce((acc, set) => acc.filter((l) => set.includes(l))).filter((l) => !c.excluded.has(l));
  return labels.length > 0 ? { by: true, labels: [...new Set(labels)].sort() } : undefined;
}

/** Collects the constraints of every node; throws Unshardable at a node that breaks series independence. Returns whether the node yields series (not a scalar or string). */
function walk(node: Expr, c: Constraints): boolean {
  switch (node.type) {
    case "NumberLiteral":
    case "StringLiteral":
      return false;
    case "VectorSelector":
    case "MatrixSelector":
      return true;
    case "SubqueryExpr":
      // As Thanos: a subquery's inner steps are left unsharded.
      throw new Unshardable();
    case "ParenExpr":
    case "UnaryExpr":
      return walk(node.expr, c);
    case "Call":
      return walkCall(node.func, node.args, c);
    case "AggregateExpr":
      if (node.op === "count_values") throw new Unshardable();
      if (node.param !== undefined && walk(node.param, c)) throw new Unshardable();
      walk(node.expr, c);
      c.aggregations++;
      if (node.without) for (const l of node.grouping) c.excluded.add(l);
      // No grouping (or `by ()`): one group over every series.
      else if (node.grouping.length === 0) throw new Unshardable();
      else c.within.push(node.grouping);
      return true;
    case "BinaryExpr": {
      const left = walk(node.lhs, c);
      const right = walk(node.rhs, c);
      if (!left || !right) return left || right;
      const m = node.matching;
      if (m?.on === true) c.within.push(m.matchingLabels);
      else for (const l of m?.matchingLabels ?? []) c.excluded.add(l);
      return true;
    }
  }
}

function walkCall(name: string, args: readonly Expr[], c: Constraints): boolean {
  if (UNSHARDABLE_FUNCTIONS.has(name)) throw new Unshardable();
  let fromSeries = false;
  for (const a of args) fromSeries = walk(a, c) || fromSeries;
  const returnsSeries = lookupFunction(name)?.returnType === "vector";
  // A vector made from scalars alone (day_of_month(), …) comes from nothing: every shard would return it.
  if (returnsSeries && !fromSeries) throw new Unshardable();
  return returnsSeries;
}

/** Thanos's `shard_info` parameter for shard `index` of `total` (the JSON of its storepb.ShardInfo). */
export function shardInfoJson(shardBy: ShardBy, index: number, total: number): string {
  return JSON.stringify({ shard_index: index, total_shards: total, by: shardBy.by, labels: shardBy.labels });
}

/**
 * The shards' answers as one: series concatenated and sorted, warnings and infos each once.
 * Undefined when two shards returned the same series — a downstream that ignored shard_info
 * (Prometheus does), whose every shard is the whole answer; the caller asks again unsharded.
 */
export function joinShardAnswers(answers: readonly ParsedMatrix[]): ParsedMatrix | undefined {
  const seen = new Set<string>();
  const series: MatrixSeries[] = [];
  for (const a of answers) {
    for (const s of a.series) {
      const key = labelsKey(s.labels);
      if (seen.has(key)) return undefined;
      seen.add(key);
      series.push(s);
    }
  }
  series.sort((x, y) => compareLabels(x.labels, y.labels));
  const once = (lists: string[][]): string[] => [...new Set(lists.flat())];
  return { series, warnings: once(answers.map((a) => a.warnings)), infos: once(answers.map((a) => a.infos)) };
}
