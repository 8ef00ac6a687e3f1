// Where the ruler's queries go: the in-process engine over the federated store, or a list of
// querier URLs (`--query`) tried in order until one answers.
import type { QueryEngine } from "../engine/index.js";
import type { Labels, Store } from "../storeapi/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import type { PartialResponseStrategy } from "./rulefile.js";
import type { RuleQuerier, RuleSample, RuleSeries } from "./types.js";

/** The engine over a store; `abort` groups read through a view that fails instead of answering partially. */
export function engineQuerier(engine: QueryEngine, storeFor: (strategy: PartialResponseStrategy) => Store): RuleQuerier {
  return {
    async instant(expr, tMs, strategy) {
      const res = await engine.instantQuery(storeFor(strategy), expr, tMs).exec();
      const v = res.value;
      if (v.type === "vector") return v.samples.map((s) => ({ labels: s.labels, v: s.v }));
      if (v.type === "scalar") return [{ labels: [], v: v.v }];
      throw new Error(`rule result is not a vector or scalar: ${v.type}`);
    },
    async matrix(expr, tMs) {
      const res = await engine.instantQuery(storeFor("warn"), expr, tMs).exec();
      if (res.value.type !== "matrix") throw new Error(`expected a matrix from ${expr}, got ${res.value.type}`);
      return res.value.series;
    },
  };
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
