// /api/v1/rules, /api/v1/alerts and POST /-/reload over a ruler, in Prometheus's JSON shapes
// (health, lastError, evaluationTime, lastEvaluation, state, activeAt) with its filters:
// type=alert|record, rule_name[], rule_group[], file[].
import type { FastifyInstance, FastifyRequest } from "fastify";
import { successJson } from "./encode.js";
import { ApiError } from "./params.js";
import { ruleConfigRoutes, type RuleConfigSource } from "./rules_config.js";

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
  keepFiringSince?: string;
  value: string;
}

export interface ApiRule {
  type: "recording" | "alerting";
  name: string;
  query: string;
  labels: Record<string, string>;
  health: string;
  lastError?: string;
  evaluationTime: number;
  lastEvaluation: string;
  state?: string;
  duration?: number;
  keepFiringFor?: number;
  annotations?: Record<string, string>;
  alerts?: ApiAlert[];
}

export interface ApiRuleGroup {
  name: string;
  file: string;
  rules: ApiRule[];
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
  partialResponseStrategy: string;
}

/** What the rule routes read: the ruler's groups, and its reload. */
export interface RulesSource {
  apiGroups(): ApiRuleGroup[];
  /** Re-reads the rule files; the errors (empty: reloaded). */
  reload(): Promise<string[]>;
  /** Rule groups managed over the Cortex/Mimir ruler configuration API (absent: not served). */
  readonly ruleConfig?: RuleConfigSource;
  /** The alerts endpoints (URLs) notifications go to now, for /api/v1/alertmanagers (absent: none). */
  alertmanagers?(): Promise<string[]>;
}

export function ruleRoutes(app: FastifyInstance, source: RulesSource): void {
  app.get("/api/v1/rules", async (request, reply) => {
    const groups = filterGroups(source.apiGroups(), new URLSearchParams(queryString(request)));
    return reply.type("application/json").send(successJson(JSON.stringify({ groups })));
  });
  app.get("/api/v1/alerts", async (_request, reply) => {
    const alerts = source.apiGroups().flatMap((g) => g.rules.flatMap((r) => r.alerts ?? []));
    return reply.type("application/json").send(successJson(JSON.stringify({ alerts })));
  });
  app.get("/api/v1/alertmanagers", async (_request, reply) => {
    const active = ((await source.alertmanagers?.()) ?? []).map((url) => ({ url }));
    return reply.type("application/json").send(successJson(JSON.stringify({ activeAlertmanagers: active, droppedAlertmanagers: [] })));
  });
  app.post("/-/reload", async (_request, reply) => {
    const errors = await source.reload();
    if (errors.length === 0) return reply.type("text/plain; charset=utf-8").send("");
    return reply.code(500).type("text/plain; charset=utf-8").send(`failed to reload config: ${errors.join("; ")}\n`);
  });
  if (source.ruleConfig !== undefined) ruleConfigRoutes(app, source.ruleConfig);
}

function queryString(request: FastifyRequest): string {
  const url = request.raw.url ?? "";
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}

/** Prometheus's filters; a group left without rules by a filter is left out. */
export function filterGroups(groups: ApiRuleGroup[], params: URLSearchParams): ApiRuleGroup[] {
  const type = params.get("type") ?? "";
  if (type !== "" && type !== "alert" && type !== "record") throw new ApiError("bad_data", `invalid query parameter type: ${type}, want "alert" or "record"`);
  const names = new Set(params.getAll("rule_name[]"));
  const groupNames = new Set(params.getAll("rule_group[]"));
  const files = new Set(params.getAll("file[]"));
  const filtered = type !== "" || names.size > 0;
  const out: ApiRuleGroup[] = [];
  for (const g of groups) {
    if (groupNames.size > 0 && !groupNames.has(g.name)) continue;
    if (files.size > 0 && !files.has(g.file)) continue;
    const rules = g.rules.filter(
      (r) => (type === "" || (type === "alert") === (r.type === "alerting")) && (names.size === 0 || names.has(r.name)),
    );
    if (filtered && rules.length === 0) continue;
    out.push({ ...g, rules });
  }
  return out;
}
