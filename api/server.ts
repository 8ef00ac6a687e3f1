// buildApi: the fastify server with Prometheus's HTTP API v1 routes, its
// protections (concurrency gate, timeouts, body limit) and gzip.
import { Readable, type Duplex } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Counter, Gauge, Histogram } from "prom-client";
import type { Registry } from "prom-client";
import type { FastifyServerOptions } from "fastify";
import { ruleRoutes } from "./rules.js";
import type { ApiContext, ApiDeps, JsonBody, MetricMetadata, QueryStage, RemoteWriteHandler, StageAnswer, TextAnswer } from "./context.js";
import type { Store } from "../storeapi/index.js";
import { errorJson } from "./encode.js";
import { gzipAnswer, gzipBlocks } from "./gzip_blocks.js";
import { explainQuery } from "./explain.js";
import type { LiveWebConfig } from "./webserver.js";
import { QueryGate } from "./gate.js";
import type { TenantLimiter } from "./limits.js";
import { processCostPolicy } from "./cost.js";
import { DEFAULT_TENANCY, tenantOf, tenantStore, withTenantMatcher } from "./tenancy.js";
import * as meta from "./meta.js";
import { multipartBoundary, parseMultipartFields } from "./multipart.js";
import { ApiError, Params, urlParams } from "./params.js";
import { instantQuery, rangeQuery } from "./query.js";
import { cardinality, tsdbStatus } from "./cardinality.js";
import * as status from "./status.js";

/** orrery's own release (package.json's version). */
export const ORRERY_VERSION = "0.1.0";
/** The Prometheus release whose HTTP API orrery is tested against, end to end. */
export const PROMETHEUS_API_VERSION = "2.42.0";

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
/** Go's http.DefaultMaxHeaderBytes: the request line (URL) and headers together. */
const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;
/** Methods a route may be asked with; those it does not serve answer 405. */
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];
/** Bodies below this are gzipped in one call rather than streamed. */
const SMALL_BODY_CHARS = 256 * 1024;
/** Query responses up to this many bytes are built whole and sent at once; larger ones stream. */
const WHOLE_BODY_BYTES = 1024 * 1024;
/** Responses shorter than this are sent uncompressed even to clients accepting gzip. */
const GZIP_MIN_CHARS = 2048;
/** The routes a QueryStage (the query frontend) sits in front of. */
const STAGED_ROUTES = new Set(["/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/:name/values"]);

type Handler = (ctx: ApiContext, params: Params, signal: AbortSignal, request: FastifyRequest) => Promise<JsonBody>;

export function buildApi(deps: ApiDeps): FastifyInstance {
  const ctx = apiContext(deps);
  const app = newFastify(deps);
  const metrics = apiMetrics(ctx);

  // Forms (Grafana POSTs queries, urlencoded or multipart), and anything else as bytes.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  // CORS as Prometheus sets it for its API (--web.cors.origin defaults to any origin).
  app.addHook("onRequest", async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !request.url.startsWith("/api/")) return;
    reply.header("access-control-allow-origin", origin);
    reply.header("access-control-allow-methods", "GET, POST, OPTIONS");
    reply.header("access-control-allow-headers", "Accept, Authorization, Content-Type, Origin");
    reply.header("access-control-expose-headers", "Date");
    reply.header("vary", "Origin");
  });

  app.addHook("onResponse", async (request, reply) => {
    const handler = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ handler, code: String(reply.statusCode) });
    metrics.duration.observe({ handler }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error, request, reply) => {
    const err = error as Error & { statusCode?: number };
    if (err instanceof ApiError && err.status >= 500) request.log.error(err);
    if (err instanceof ApiError) return sendJson(request, reply, { status: err.status, json: errorJson(err.type, err.message, err.warnings) });
    const code = err.statusCode;
    if (code === 413) return sendJson(request, reply, { status: 413, json: errorJson("bad_data", "request body too large") });
    if (code !== undefined && code >= 400 && code < 500) return sendJson(request, reply, { status: code, json: errorJson("bad_data", err.message) });
    request.log.error(err);
    return sendJson(request, reply, { status: 500, json: errorJson("internal", err.message) });
  });

  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type("text/plain; charset=utf-8").send("404 page not found\n");
  });

  const route = (url: string, handler: Handler, methods: HttpMethod[] = ["GET", "POST"]): void => {
    routeWithMethods(app, url, methods, async (request, reply) => {
      const limits = ctx.limits;
      if (limits === undefined) return answer(url, handler, request, reply, tenantContext(ctx, request.headers));
      const tenant = tenantOf(request.headers, ctx.tenancy);
      const release = limits.acquireQuery(tenant);
      try {
        const checkSize = limits.limits(tenant).maxResponseSizeBytes > 0 ? (bytes: number) => limits.checkResponseSize(tenant, bytes) : undefined;
        return await answer(url, handler, request, reply, limitedContext(tenantContext(ctx, request.headers), limits, tenant), checkSize);
      } finally {
        release();
      }
    });
  };
  /** Runs the route's handler (through the stage when it has one); `checkSize` may refuse the answer's size. */
  const answer = async (url: string, handler: Handler, request: FastifyRequest, reply: FastifyReply, c: ApiContext, checkSize?: (bytes: number) => void): Promise<FastifyReply> => {
    const stage = STAGED_ROUTES.has(url) ? deps.queryStage : undefined;
    if (stage !== undefined) {
      const staged = await runStaged(stage, url, handler, c, request, requestSignal(reply));
      // An answer in parts is joined here: this route sends (and compresses) whole bodies.
      const body = typeof staged.body === "string" ? staged.body : Buffer.concat(staged.body);
      if (staged.status === 200) checkSize?.(Buffer.byteLength(body));
      return sendStaged(reply, staged, body);
    }
    const params = new Params(urlParams(request.raw.url ?? ""), formBody(request), multipartFields(request));
    const body = await handler(c, params, requestSignal(reply), request);
    return sendJson(request, reply, checkSize === undefined ? body : sizedBody(body, checkSize));
  };

  route("/api/v1/query", instantQuery);
  route("/api/v1/query_range", rangeQuery);
  route("/api/v1/series", meta.series);
  route("/api/v1/labels", meta.labelNames);
  route("/api/v1/label/:name/values", (c, p, s, request) => meta.labelValues(c, p, s, (request.params as { name: string }).name), ["GET"]);
  route("/api/v1/metadata", meta.metadata, ["GET"]);
  route("/api/v1/query_exemplars", meta.queryExemplars);
  route("/api/v1/format_query", meta.formatQuery);
  route("/api/v1/parse_query", meta.parseQuery);
  route("/api/v1/status/buildinfo", status.buildInfo, ["GET"]);
  route("/api/v1/status/runtimeinfo", status.runtimeInfo, ["GET"]);
  route("/api/v1/status/flags", status.flags, ["GET"]);
  route("/api/v1/status/config", status.config, ["GET"]);
  route("/api/v1/status/tsdb", tsdbStatus, ["GET"]);
  route("/api/v1/status/cardinality", cardinality, ["GET"]);
  if (deps.rules === undefined) {
    route("/api/v1/rules", status.rules, ["GET"]);
    route("/api/v1/alerts", status.alerts, ["GET"]);
    route("/api/v1/alertmanagers", status.alertmanagers, ["GET"]);
  } else ruleRoutes(app, deps.rules);
  route("/api/v1/targets", status.targets, ["GET"]);
  route("/api/v1/targets/metadata", async () => ({ json: '{"status":"success","data":[]}' }), ["GET"]);
  route("/api/v1/stores", status.stores, ["GET"]);
  route("/api/v1/explain", explainQuery);
  deps.uiRoutes?.(app);

  serviceRoutes(app, ctx.registry, ctx.ready, ctx.remoteWrite);
  return app;
}

/** What a process that only receives remote_write serves over HTTP (Thanos Receive's remote-write address). */
export interface WriteApiDeps {
  /** Absent: a process without a head (the store gateway) answers POST /api/v1/write with 404. */
  remoteWrite?: RemoteWriteHandler;
  registry: Registry;
  ready?: () => boolean;
  bodyLimitBytes?: number;
  maxHeaderBytes?: number;
  logger?: FastifyServerOptions["logger"];
  web?: LiveWebConfig;
}

/** POST /api/v1/write, /-/healthy, /-/ready and /metrics; nothing else. */
export function buildWriteApi(deps: WriteApiDeps): FastifyInstance {
  const app = newFastify(deps);
  serviceRoutes(app, deps.registry, deps.ready ?? (() => true), deps.remoteWrite);
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type("text/plain; charset=utf-8").send("404 page not found\n");
  });
  return app;
}

/** The limits both servers share: body size, and a URL plus headers as large as Go's server takes. */
function newFastify(deps: { logger?: FastifyServerOptions["logger"]; bodyLimitBytes?: number; maxHeaderBytes?: number; web?: LiveWebConfig }): FastifyInstance {
  const maxHeaderSize = deps.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const web = deps.web;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    http: { maxHeaderSize },
    ...(web === undefined ? {} : { serverFactory: (handler: Parameters<LiveWebConfig["createServer"]>[0]) => web.createServer(handler, { maxHeaderSize }) }),
    // A label name in /api/v1/label/:name/values may be as long as the URL.
    routerOptions: { maxParamLength: deps.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES },
    // HEAD is answered only where Prometheus answers it (405 elsewhere).
    exposeHeadRoutes: false,
    clientErrorHandler: plainClientError,
  });
  web?.install(app);
  return app;
}

/**
 * Registers `handler` for `methods` and, as Prometheus's router does, 405 Method Not
 * Allowed (with Allow) for the other methods; OPTIONS is left to the caller's route.
 */
function routeWithMethods(
  app: FastifyInstance,
  url: string,
  methods: readonly HttpMethod[],
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  app.route({ method: [...methods], url, handler });
  const others = HTTP_METHODS.filter((m) => !methods.includes(m));
  if (others.length === 0) return;
  const allow = [...methods, "OPTIONS"].sort().join(", ");
  app.route({
    method: others,
    url,
    handler: async (_request, reply) =>
      reply.code(405).header("allow", allow).header("x-content-type-options", "nosniff").type("text/plain; charset=utf-8").send("Method Not Allowed\n"),
  });
}

/** The routes every orrery HTTP server has: remote_write (when the process has a head), health, readiness, metrics. */
function serviceRoutes(app: FastifyInstance, registry: Registry, ready: () => boolean, remoteWrite: RemoteWriteHandler | undefined): void {
  // Prometheus answers OPTIONS on any API path with 204 and no body (CORS preflight).
  app.options("/api/v1/*", async (_request, reply) => reply.code(204).send());
  // remote_write reads the body by its encoding whatever its Content-Type, as Prometheus 2.x does.
  void app.register(async (writes) => {
    writes.removeAllContentTypeParsers();
    writes.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    // A refused body is answered as the receiver's own errors are: the status and one text line.
    writes.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      if (error.statusCode === 413) return sendWriteResponse(reply, { status: 413, message: `request body too large: more than ${app.initialConfig.bodyLimit} bytes` });
      const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      return sendWriteResponse(reply, { status, message: error.message });
    });
    routeWithMethods(writes, "/api/v1/write", ["POST"], async (request, reply) => {
      if (remoteWrite === undefined) {
        return reply.code(404).type("text/plain; charset=utf-8").send("remote write receiver is not enabled in this process\n");
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return sendWriteResponse(reply, await remoteWrite(body, request.headers));
    });
  });

  const text = (reply: FastifyReply, body: string): FastifyReply => reply.type("text/plain; charset=utf-8").send(body);
  routeWithMethods(app, "/-/healthy", ["GET", "HEAD"], async (_request, reply) => text(reply, "orrery is Healthy.\n"));
  routeWithMethods(app, "/-/ready", ["GET", "HEAD"], async (_request, reply) => {
    if (ready()) return text(reply, "orrery is Ready.\n");
    return text(reply.code(503), "Service Unavailable\n");
  });
  routeWithMethods(app, "/metrics", ["GET"], async (request, reply) => {
    const body = await registry.metrics();
    reply.header("content-type", registry.contentType);
    return sendMaybeGzipped(request, reply, body);
  });
}

function sendWriteResponse(reply: FastifyReply, res: { status: number; message?: string; headers?: Readonly<Record<string, string>> }): FastifyReply {
  reply.code(res.status);
  // remote_write 2.0's written counts (X-Prometheus-Remote-Write-*-Written).
  if (res.headers !== undefined) void reply.headers(res.headers);
  if (res.message === undefined || res.message === "") return reply.send();
  return reply.type("text/plain; charset=utf-8").send(res.message.endsWith("\n") ? res.message : res.message + "\n");
}

/**
 * Requests Node's parser refuses (headers over the limit: 431; malformed: 400) answered as Go's
 * server answers them for Prometheus: the status line repeated as a plain-text body, connection closed.
 */
function plainClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = status;
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

/** The context of one request: with enforced tenancy, every store and exemplar read carries the tenant's matcher. */
function tenantContext(ctx: ApiContext, headers: FastifyRequest["headers"]): ApiContext {
  if (!ctx.tenancy.enforce) return ctx;
  const tenant = tenantOf(headers, ctx.tenancy);
  const label = ctx.tenancy.labelName;
  const { storeFor, exemplars, metadata, individualStores } = ctx;
  const store = tenantStore(ctx.store, label, tenant);
  return {
    ...ctx,
    store,
    individualStores: () => individualStores().map((s) => ({ name: s.name, store: tenantStore(s.store, label, tenant) })),
    // Metadata is kept by metric name: a tenant sees that of the metrics it has series of.
    metadata: metadata === undefined ? undefined : { get: async (metric) => ownMetrics(await metadata.get(metric), store) },
    storeFor: storeFor === undefined ? undefined : (options) => tenantStore(storeFor(options), label, tenant),
    exemplars: exemplars === undefined ? undefined : { select: (start, end, sets) => exemplars.select(start, end, sets.map((m) => withTenantMatcher(m, label, tenant))) },
  };
}

/** The context of one request under the tenant's limits: its stores count series, samples and time range; its estimate is checked against them. */
function limitedContext(ctx: ApiContext, limits: TenantLimiter, tenant: string): ApiContext {
  const { storeFor, individualStores } = ctx;
  return {
    ...ctx,
    store: limits.requestStore(ctx.store, tenant),
    storeFor: storeFor === undefined ? undefined : (options) => limits.requestStore(storeFor(options), tenant),
    individualStores: () => individualStores().map((s) => ({ name: s.name, store: limits.requestStore(s.store, tenant) })),
    costPolicy: ctx.costEstimate ? limits.costPolicy(ctx.costPolicy, tenant) : ctx.costPolicy,
  };
}

/** The body whole, once `checkSize` accepts its size (a limited tenant's answer is held to measure it). */
function sizedBody(body: JsonBody, checkSize: (bytes: number) => void): JsonBody {
  const json = typeof body.json === "string" ? body.json : wholeBody(body.json);
  checkSize(Buffer.byteLength(json));
  return { ...body, json };
}

async function ownMetrics(all: Record<string, MetricMetadata[]>, store: Store): Promise<Record<string, MetricMetadata[]>> {
  const names = new Set((await store.labelValues({ label: "__name__", minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, matchers: [] })).values);
  return Object.fromEntries(Object.entries(all).filter(([name]) => names.has(name)));
}

function apiContext(deps: ApiDeps): ApiContext {
  const maxConcurrency = deps.maxConcurrency ?? 20;
  const now = deps.now ?? Date.now;
  return {
    tenancy: deps.tenancy ?? DEFAULT_TENANCY,
    limits: deps.limits,
    engine: deps.engine,
    store: deps.store,
    storeFor: deps.storeFor,
    storeViewDefaults: { replicaLabels: deps.replicaLabels ?? [], partialResponse: deps.partialResponse ?? true },
    registry: deps.registry,
    flags: deps.flags ?? {},
    queryTimeoutMs: deps.queryTimeoutMs ?? 120_000,
    maxSamples: deps.maxSamples ?? 50_000_000,
    costEstimate: deps.costEstimate ?? true,
    costPolicy: processCostPolicy(deps.maxSamples ?? 50_000_000, deps.costEstimate ?? true),
    lookbackDeltaMs: deps.lookbackDeltaMs,
    autoDownsampling: deps.autoDownsampling ?? false,
    gate: new QueryGate(maxConcurrency, deps.maxQueuedQueries ?? maxConcurrency * 10),
    remoteWrite: deps.remoteWrite,
    exemplars: deps.exemplars,
    metadata: deps.metadata,
    ready: deps.ready ?? (() => true),
    buildInfo: {
      // Grafana reads `version` as the Prometheus release whose API it talks to; orrery answers as
      // 2.42 does (its end-to-end reference) and names itself in the build metadata, as Debian's "+ds".
      version: `${PROMETHEUS_API_VERSION}+orrery.${ORRERY_VERSION}`,
      revision: `orrery-${ORRERY_VERSION}`,
      branch: "",
      buildUser: "",
      buildDate: "",
      goVersion: "node " + process.version,
      ...deps.buildInfo,
    },
    configYaml: deps.configYaml ?? "",
    storageRetention: deps.storageRetention ?? "",
    headStatus: deps.headStatus,
    storeStatus: deps.storeStatus ?? (() => []),
    individualStores: deps.individualStores ?? (() => []),
    startTimeMs: now(),
    now,
  };
}

function apiMetrics(ctx: ApiContext) {
  const registers = [ctx.registry];
  const requests = new Counter({
    name: "orrery_http_requests_total",
    help: "HTTP requests served, by route and status code.",
    labelNames: ["handler", "code"],
    registers,
  });
  const duration = new Histogram({
    name: "orrery_http_request_duration_seconds",
    help: "Time to serve HTTP requests, by route.",
    labelNames: ["handler"],
    buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60, 120],
    registers,
  });
  new Gauge({
    name: "orrery_queries_running",
    help: "Queries being evaluated now.",
    registers,
    collect() {
      this.set(ctx.gate.running);
    },
  });
  new Gauge({
    name: "orrery_queries_queued",
    help: "Queries waiting for a free slot (--query.max-concurrency).",
    registers,
    collect() {
      this.set(ctx.gate.queued);
    },
  });
  return { requests, duration };
}

/** The request through the stage; the stage's `next` runs the route's handler with the parameters it chooses. */
async function runStaged(stage: QueryStage, path: string, handler: Handler, ctx: ApiContext, request: FastifyRequest, signal: AbortSignal): Promise<StageAnswer> {
  // Form values first, as Params reads them.
  const params = new URLSearchParams(formBody(request));
  for (const [k, v] of urlParams(request.raw.url ?? "")) params.append(k, v);
  // Multipart fields last: they fill single values only, never match[] (as Params reads them).
  for (const [k, v] of multipartFields(request) ?? []) if (k !== "match[]" && !params.has(k)) params.append(k, v);
  const next = async (p: URLSearchParams, s: AbortSignal): Promise<TextAnswer> => {
    try {
      const body = await handler(ctx, new Params(p), s, request);
      const json = typeof body.json === "string" ? body.json : wholeBody(body.json);
      return { status: body.status ?? 200, body: json, headers: { "content-type": "application/json" } };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { status: err.status, body: errorJson(err.type, err.message, err.warnings), headers: { "content-type": "application/json" } };
    }
  };
  // The stage keys its cache by the standard tenant headers: give it the tenant this API resolved (a custom header included).
  const headers = { ...request.headers, "x-scope-orgid": tenantOf(request.headers, ctx.tenancy), "thanos-tenant": undefined };
  return stage({ path: pathOf(request.raw.url ?? path), params, headers }, next, signal);
}

/** The path of a request URL (no query string). */
function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

function sendStaged(reply: FastifyReply, answer: StageAnswer, body: string | Buffer): FastifyReply {
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  return sendWhole(reply.request, reply, body);
}

/** A multipart form's text fields; a malformed one has none (Go's r.FormValue ignores its error). */
function multipartFields(request: FastifyRequest): URLSearchParams | undefined {
  const boundary = multipartBoundary(request.headers["content-type"] ?? "");
  if (boundary === undefined || !Buffer.isBuffer(request.body)) return undefined;
  try {
    return parseMultipartFields(request.body, boundary);
  } catch {
    return undefined;
  }
}

function formBody(request: FastifyRequest): URLSearchParams | undefined {
  const type = request.headers["content-type"] ?? "";
  if (typeof request.body !== "string" || !type.startsWith("application/x-www-form-urlencoded")) return undefined;
  return new URLSearchParams(request.body);
}

/** Aborts when the client goes away before the response is written. */
function requestSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new ApiError("canceled", "query was canceled by the client"));
  });
  return controller.signal;
}

function acceptsGzip(request: FastifyRequest): boolean {
  const accept = request.headers["accept-encoding"];
  return typeof accept === "string" && /\bgzip\b/.test(accept);
}

function sendJson(request: FastifyRequest, reply: FastifyReply, body: JsonBody): FastifyReply {
  reply.code(body.status ?? 200).header("content-type", "application/json");
  if (typeof body.json === "string") return sendMaybeGzipped(request, reply, body.json);
  // A small body is sent whole: a stream (and a gzip stream) per response costs more than it.
  const it = body.json[Symbol.iterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  // Gzipped, a body past the small size streams: its first blocks compress while the rest is encoded.
  const gzipped = acceptsGzip(request);
  const wholeBytes = gzipped ? SMALL_BODY_CHARS : WHOLE_BODY_BYTES;
  for (;;) {
    const r = it.next();
    if (r.done === true) return sendWhole(request, reply, head.length === 1 ? head[0]! : Buffer.concat(head, headBytes));
    const chunk = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    head.push(chunk);
    headBytes += chunk.length;
    if (headBytes > wholeBytes) break;
  }
  if (!gzipped) return reply.send(Readable.from(continued(head, it), { objectMode: false }));
  reply.header("content-encoding", "gzip").header("vary", "Accept-Encoding");
  return reply.send(Readable.from(gzipBlocks(continued(head, it)), { objectMode: false }));
}

/** A chunked body as one string. */
function wholeBody(chunks: Iterable<string | Buffer>): string {
  const parts: Buffer[] = [];
  for (const c of chunks) parts.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(parts).toString("utf8");
}

/** A complete JSON body as one Buffer (a string would get "; charset=utf-8" added to its type). */
function sendWhole(request: FastifyRequest, reply: FastifyReply, body: string | Buffer): FastifyReply {
  // Compressing a body this small saves less than setting up zlib costs.
  if (body.length < GZIP_MIN_CHARS || !acceptsGzip(request)) return reply.send(typeof body === "string" ? Buffer.from(body) : body);
  reply.header("content-encoding", "gzip").header("vary", "Accept-Encoding");
  if (body.length <= SMALL_BODY_CHARS) return reply.send(gzipAnswer(body));
  // Bigger ones are compressed on the thread pool, not on the event loop.
  return reply.send(Readable.from(gzipBlocks([body]), { objectMode: false }));
}

/** The chunks of a body whose first ones have already been read. */
function* continued(head: readonly Buffer[], rest: Iterator<string | Buffer>): Generator<string | Buffer, void, undefined> {
  yield* head;
  for (let r = rest.next(); r.done !== true; r = rest.next()) yield r.value;
}

function sendMaybeGzipped(request: FastifyRequest, reply: FastifyReply, text: string): FastifyReply {
  // As for query answers: compressing a body this small saves less than setting up zlib costs.
  if (text.length < GZIP_MIN_CHARS || !acceptsGzip(request)) return reply.send(text);
  reply.header("content-encoding", "gzip").header("vary", "Accept-Encoding");
  if (text.length <= SMALL_BODY_CHARS) return reply.send(gzipAnswer(text));
  return reply.send(Readable.from(gzipBlocks([text]), { objectMode: false }));
}
