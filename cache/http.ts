// `orrery frontend`'s HTTP side: a fastify server whose query_range goes
// through the QueryFrontend and whose other routes are proxied as they are
// to the downstream Prometheus-compatible API (orrery, Prometheus, Thanos).
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { errorJson, type LiveWebConfig, tenantOf } from "../api/index.js";
import type { Downstream, DownstreamResponse, QueryFrontend, StageResponse } from "./frontend.js";

/** Request headers passed downstream: who is asking, and for which tenant. */
const FORWARDED_HEADERS = ["authorization", "x-scope-orgid", "thanos-tenant", "cache-control"];

/** Longest query string sent with GET; longer parameters are POSTed as a form (label values accept only GET, so they stay short). */
const MAX_GET_QUERY = 4096;

/**
 * The frontend's requests to a Prometheus-compatible API over HTTP, on kept-alive
 * connections of `agent`. Answers are asked for uncompressed: the frontend sits beside
 * its downstream, and on a warm refresh (a minute of fresh steps) gzip on both ends
 * costs more than the bytes it saves.
 */
export function httpDownstream(baseUrl: string, headers: Record<string, string>, timeoutMs: number, agent?: DownstreamAgent): Downstream {
  const base = new URL(baseUrl.replace(/\/+$/, ""));
  const prefix = base.pathname === "/" ? "" : base.pathname;
  const send = base.protocol === "https:" ? httpsRequest : httpRequest;
  const to = { protocol: base.protocol, hostname: base.hostname.replace(/^\[|\]$/g, ""), port: base.port, agent: base.protocol === "https:" ? agent?.https : agent?.http };
  return (path, params, signal) => {
    const query = params.toString();
    const get = query.length <= MAX_GET_QUERY;
    const options: RequestOptions = {
      ...to,
      method: get ? "GET" : "POST",
      path: get ? `${prefix}${path}?${query}` : prefix + path,
      headers: get ? { ...headers, "accept-encoding": "identity" } : { ...headers, "accept-encoding": "identity", "content-type": "application/x-www-form-urlencoded" },
    };
    return new Promise<DownstreamResponse>((resolve, reject) => {
      const req = send(options, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", fail);
        res.on("end", () => {
          done();
          resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks).toString("utf8"), headers: incomingHeaders(res) });
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
      const abort = (): void => void req.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", abort);
      };
      function fail(err: Error): void {
        done();
        reject(err);
      }
      req.on("error", fail);
      if (signal.aborted) return abort();
      signal.addEventListener("abort", abort, { once: true });
      req.end(get ? undefined : query);
    });
  };
}

/** Kept-alive connections to the downstream, one pool per scheme. */
export interface DownstreamAgent {
  http: HttpAgent;
  https: HttpsAgent;
}

export function downstreamAgent(): DownstreamAgent {
  return { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
}

function incomingHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = { "content-type": res.headers["content-type"] ?? "application/json" };
  const cacheControl = res.headers["cache-control"];
  if (cacheControl !== undefined) out["cache-control"] = cacheControl;
  return out;
}

function responseHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = { "content-type": res.headers.get("content-type") ?? "application/json" };
  const cacheControl = res.headers.get("cache-control");
  if (cacheControl !== null) out["cache-control"] = cacheControl;
  return out;
}

/** The one tenant resolver lives in api/ (tenancy.ts); the cache key and the API agree on it. */
export { tenantOf };

/** Whether the client asked not to be served from (or stored into) a cache. */
export function asksNoStore(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const h = headers["cache-control"];
  return /\bno-store\b/i.test(Array.isArray(h) ? h.join(",") : (h ?? ""));
}

export interface FrontendServerOptions {
  frontend: QueryFrontend;
  downstreamUrl: string;
  registry: Registry;
  /** How long one downstream request may take, ms. */
  downstreamTimeoutMs: number;
  logger?: boolean;
  /** --web.config.file in force on the frontend's listener (TLS, basic auth, headers). */
  web?: LiveWebConfig;
}

/** The standalone frontend: query_range through the cache, everything else proxied, plus its own /metrics and health. */
export function buildFrontendServer(options: FrontendServerOptions): FastifyInstance {
  const web = options.web;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 32 * 1024 * 1024,
    ...(web === undefined ? {} : { serverFactory: (handler: Parameters<LiveWebConfig["createServer"]>[0]) => web.createServer(handler) }),
  });
  web?.install(app);
  const base = options.downstreamUrl.replace(/\/+$/, "");
  const agent = downstreamAgent();
  app.addHook("onClose", async () => {
    agent.http.destroy();
    agent.https.destroy();
  });
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  // The routes the frontend answers; the path (with a label name in it) is part of the cache key.
  for (const url of ["/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/:name/values"]) {
    app.route({
      method: ["GET", "POST"],
      url,
      handler: async (request, reply) => {
        const params = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString("utf8") : "");
        for (const [k, v] of new URLSearchParams(queryString(request))) params.append(k, v);
        const path = (request.raw.url ?? url).split("?")[0]!;
        const downstream = httpDownstream(base, forwardedHeaders(request), options.downstreamTimeoutMs, agent);
        const answer = await options.frontend.handle({ path, params, tenant: tenantOf(request.headers), noStore: asksNoStore(request.headers) }, downstream, requestSignal(reply));
        return send(reply, answer);
      },
    });
  }
  app.get("/-/healthy", async (_request, reply) => reply.type("text/plain; charset=utf-8").send("orrery frontend is Healthy.\n"));
  app.get("/-/ready", async (_request, reply) => reply.type("text/plain; charset=utf-8").send("orrery frontend is Ready.\n"));
  app.get("/metrics", async (_request, reply) => reply.header("content-type", options.registry.contentType).send(await options.registry.metrics()));
  app.all("/*", async (request, reply) => send(reply, await proxy(base, request, options.downstreamTimeoutMs)));
  return app;
}

function queryString(request: FastifyRequest): string {
  const url = request.raw.url ?? "";
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}

function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const v = request.headers[name];
    if (typeof v === "string") out[name] = v;
  }
  return out;
}

/** Any other request, as it came, to the downstream API. */
async function proxy(base: string, request: FastifyRequest, timeoutMs: number): Promise<StageResponse> {
  const body = Buffer.isBuffer(request.body) && request.method !== "GET" && request.method !== "HEAD" ? request.body : undefined;
  const headers = forwardedHeaders(request);
  const type = request.headers["content-type"];
  if (body !== undefined && typeof type === "string") headers["content-type"] = type;
  try {
    const res = await fetch(base + (request.raw.url ?? "/"), { method: request.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text(), headers: responseHeaders(res) };
  } catch (err) {
    return { status: 503, body: errorJson("unavailable", `query frontend: downstream ${base} did not answer: ${(err as Error).message}`), headers: { "content-type": "application/json" } };
  }
}

function send(reply: FastifyReply, answer: StageResponse): FastifyReply {
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  if (typeof answer.body === "string") return reply.send(answer.body);
  // Bytes go out with the type fastify gives the same answer as text: JSON said to be UTF-8.
  const type = answer.headers["content-type"] ?? "";
  if (type.includes("json") && !/charset/i.test(type)) reply.header("content-type", `${type}; charset=utf-8`);
  return sendParts(reply, answer.body);
}

/**
 * A body in parts written as they are, in one go (writev): joining them into one
 * Buffer first would copy every answer's ~0.5 MB (fastify sends only whole bodies).
 */
function sendParts(reply: FastifyReply, parts: readonly Buffer[]): FastifyReply {
  let length = 0;
  for (const p of parts) length += p.length;
  reply.header("content-length", length);
  const headers = reply.getHeaders();
  reply.hijack();
  const res = reply.raw;
  res.statusCode = reply.statusCode;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
  res.cork();
  for (const p of parts) res.write(p);
  res.end();
  return reply;
}

function requestSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client went away"));
  });
  return controller.signal;
}
