// Where the ruler's queries go: the in-process engine over the federated store, or a list of
// querier URLs (`--query`) tried in order until one answers.
import type { Engine } from "../engine/index.js";
import { parse, type Expr } from "../promql/index.js";
import type { Labels, Store } from "../storeapi/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import type { PartialResponseStrategy } from "./rulefile.js";
import { SharedSelects } from "./shared_selects.js";
import type { EvaluationQuerier, RuleQuerier, RuleSample, RuleSeries } from "./types.js";

/** Parsed expressions kept by one querier; rule expressions are few, template `query` strings may not be, so the cache starts over when full. */
const MAX_PARSED = 100_000;

/**
 * The engine over a store; `abort` groups read through a view that fails instead of answering partially.
 * Each expression is parsed once (rules run the same ones every interval); forEvaluation shares store reads within a group evaluation.
 */
export function engineQuerier(engine: Pick<Engine, "instantQuery" | "exprQuery">, storeFor: (strategy: PartialResponseStrategy) => Store): RuleQuerier {
  const parsed = new Map<string, Expr | undefined>();
  const query = (store: Store, expr: string, tMs: number) => {
    let ast = parsed.get(expr);
    if (!parsed.has(expr)) {
      if (parsed.size >= MAX_PARSED) parsed.clear();
      ast = tryParse(expr);
      parsed.set(expr, ast);
    }
    // A bad expression goes to the engine as text, for its own bad_data error.
    return ast === undefined ? engine.instantQuery(store, expr, tMs) : engine.exprQuery(store, expr, ast, tMs, tMs, 0);
  };
  const over = (storeOf: (strategy: PartialResponseStrategy) => Store): RuleQuerier => ({
    async instant(expr, tMs, strategy) {
      const res = await query(storeOf(strategy), expr, tMs).exec();
      const v = res.value;
      if (v.type === "vector") return v.samples.map((s) => ({ labels: s.labels, v: s.v }));
      if (v.type === "scalar") return [{ labels: [], v: v.v }];
      throw new Error(`rule result is not a vector or scalar: ${v.type}`);
    },
    async matrix(expr, tMs) {
      const res = await query(storeOf("warn"), expr, tMs).exec();
      if (res.value.type !== "matrix") throw new Error(`expected a matrix from ${expr}, got ${res.value.type}`);
      return res.value.series;
    },
  });
  return {
    ...over(storeFor),
    forEvaluation(externalLabels: Labels): EvaluationQuerier {
      const names = new Set(externalLabels.map((l) => l.name));
      const shared = new Map<PartialResponseStrategy, SharedSelects>();
      const storeOf = (strategy: PartialResponseStrategy): SharedSelects => {
        let s = shared.get(strategy);
        if (s === undefined) shared.set(strategy, (s = new SharedSelects(storeFor(strategy), names)));
        return s;
      };
      return {
        querier: over(storeOf),
        written(labels) {
          for (const s of shared.values()) s.written(labels);
        },
      };
    },
  };
}

/** Standard PromQL only: experimental syntax goes to the engine as text, which knows whether it is enabled. */
function tryParse(expr: string): Expr | undefined {
  try {
    return parse(expr, { experimental: false });
  } catch {
    return undefined;
  }
}

interface PromResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** Prometheus-API queriers (Thanos Query, orrery, Prometheus), in order; the next one is tried when one fails. */
export function httpQuerier(urls: readonly string[], timeoutMs = 120_000): RuleQuerier {
  const call = async (expr: string, tMs: number, strategy: PartialResponseStrategy): Promise<PromResponse["data"]> => {
    const errors: string[] = [];
    for (const url of urls) {
      const body = new URLSearchParams({ query: expr, time: String(tMs / 1000), partial_response: String(strategy === "warn") });
      try {
        const res = await fetch(`${url.replace(/\/$/, "")}/api/v1/query`, { method: "POST", body, signal: AbortSignal.timeout(timeoutMs) });
        const json = (await res.json()) as PromResponse;
        // A bad query is the rule's fault, not the querier's: no failover.
        if (json.status !== "success") {
          if (res.status === 400 || res.status === 422) throw Object.assign(new Error(json.error ?? `HTTP ${res.status}`), { final: true });
          errors.push(`${url}: ${json.error ?? `HTTP ${res.status}`}`);
          continue;
        }
        return json.data;
      } catch (err) {
        if ((err as { final?: boolean }).final) throw err;
        errors.push(`${url}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no querier answered: ${errors.join("; ")}`);
  };
  return {
    async instant(expr, tMs, strategy): Promise<RuleSample[]> {
      const data = await call(expr, tMs, strategy);
      if (data?.resultType === "scalar") return [{ labels: [], v: parseValue((data.result as [number, string])[1]) }];
      if (data?.resultType !== "vector") throw new Error(`rule result is not a vector or scalar: ${data?.resultType}`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({ labels: labelsFromRecord(s.metric), v: parseValue(s.value[1]) }));
    },
    async matrix(expr, tMs): Promise<RuleSeries[]> {
      const data = await call(expr, tMs, "warn");
      if (data?.resultType !== "matrix") throw new Error(`expected a matrix from ${expr}, got ${data?.resultType}`);
      return (data.result as { metric: Record<string, string>; values: [number, string][] }[]).map((s) => ({
        labels: labelsFromRecord(s.metric) as Labels,
        t: s.values.map((p) => Math.round(p[0] * 1000)),
        v: s.values.map((p) => parseValue(p[1])),
      }));
    },
  };
}

function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s);
}
