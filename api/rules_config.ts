// The Cortex/Mimir ruler configuration API over a ruler's managed rule groups: what Grafana's
// alerting UI (data source ruler, "Manage alerts via Alerting UI"), mimirtool and cortextool send.
// Served under every prefix those clients use: /config/v1/rules and /prometheus/config/v1/rules
// (Mimir), /rules and /api/prom/rules (Grafana's Prometheus and Cortex subtypes, Cortex), and
// /api/v1/rules/{namespace}… (Cortex; the bare /api/v1/rules stays Prometheus's rule list).
//   GET    {prefix}                      → YAML {namespace: [group…]}; 404 when there are none
//   GET    {prefix}/{namespace}          → YAML {namespace: [group…]}; 404 when unknown
//   GET    {prefix}/{namespace}/{group}  → YAML of the group; 404 when unknown
//   POST   {prefix}/{namespace}          ← YAML of one group (created or replaced)  → 202
//   DELETE {prefix}/{namespace}/{group}  → 202;   DELETE {prefix}/{namespace} → 202
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** A request the client must fix (400): bad YAML, an invalid group. */
export class RuleConfigError extends Error {
  override name = "RuleConfigError";
}

/** The managed rule groups the routes read and write. */
export interface RuleConfigSource {
  /** YAML of {namespace: [groups]} for one namespace or all; undefined when there are none. */
  listYaml(namespace?: string): Promise<string | undefined>;
  groupYaml(namespace: string, group: string): Promise<string | undefined>;
  /** Creates or replaces the group the YAML body names; throws RuleConfigError when it is invalid. */
  setGroup(namespace: string, body: string): Promise<void>;
  deleteGroup(namespace: string, group: string): Promise<boolean>;
  deleteNamespace(namespace: string): Promise<boolean>;
}

const PREFIXES = ["/config/v1/rules", "/prometheus/config/v1/rules", "/rules", "/api/prom/rules", "/api/v1/rules"];
const ACCEPTED = '{"status":"success","data":null,"errorType":"","error":""}';

type Params = { namespace: string; group: string };

export function ruleConfigRoutes(app: FastifyInstance, source: RuleConfigSource): void {
  const yaml = (reply: FastifyReply, text: string | undefined, missing: string) =>
    text === undefined ? reply.code(404).type("text/plain; charset=utf-8").send(`${missing}\n`) : reply.type("application/yaml").send(text);
  const accepted = (reply: FastifyReply) => reply.code(202).type("application/json").send(ACCEPTED);
  const failed = (reply: FastifyReply, err: unknown) => {
    if (err instanceof RuleConfigError) return reply.code(400).type("text/plain; charset=utf-8").send(`${err.message}\n`);
    throw err;
  };
  for (const prefix of PREFIXES) {
    // Bare /api/v1/rules is Prometheus's rules JSON and bare /rules the web UI's page, as in Prometheus.
    if (prefix !== "/api/v1/rules" && prefix !== "/rules") app.get(prefix, async (_req, reply) => yaml(reply, await source.listYaml(), "no rule groups found"));
    app.get(`${prefix}/:namespace`, async (req: FastifyRequest<{ Params: Params }>, reply) => yaml(reply, await source.listYaml(req.params.namespace), "no rule groups found"));
    app.get(`${prefix}/:namespace/:group`, async (req: FastifyRequest<{ Params: Params }>, reply) =>
      yaml(reply, await source.groupYaml(req.params.namespace, req.params.group), "group does not exist"),
    );
    app.post(`${prefix}/:namespace`, async (req: FastifyRequest<{ Params: Params }>, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : typeof req.body === "string" ? req.body : "";
      try {
        await source.setGroup(req.params.namespace, body);
      } catch (err) {
        return failed(reply, err);
      }
      return accepted(reply);
    });
    app.delete(`${prefix}/:namespace/:group`, async (req: FastifyRequest<{ Params: Params }>, reply) => {
      if (!(await source.deleteGroup(req.params.namespace, req.params.group))) return reply.code(404).type("text/plain; charset=utf-8").send("group does not exist\n");
      return accepted(reply);
    });
    app.delete(`${prefix}/:namespace`, async (req: FastifyRequest<{ Params: Params }>, reply) => {
      if (!(await source.deleteNamespace(req.params.namespace))) return reply.code(404).type("text/plain; charset=utf-8").send("no rule groups found\n");
      return accepted(reply);
    });
  }
}
