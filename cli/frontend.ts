// `orrery frontend`: the query frontend as its own process, in front of any
// Prometheus-compatible API (orrery, Prometheus, Thanos Query) — what Thanos
// Query Frontend is. Range queries are split and cached; the rest is proxied.
import { readFileSync } from "node:fs";
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildFrontendServer } from "../cache/index.js";
import { commandConfig, durationFlag, FlagError, type FlagSpec, flagUsage, joinHostPort, logger, logLevelFlag, type LogLevel, type ParsedFlags, parseFlagsWith, shutdownSignal, splitHostPort } from "./flags.js";
import { listenUrl, LOG_FLAG, openWebConfig, WEB_CONFIG_FLAGS, type WebConfigFlag, webConfigFlag } from "./roles.js";
import { FRONTEND_FLAGS, type FrontendConfig, frontendConfig, openQueryFrontend } from "./query-roles.js";

const FLAGS: FlagSpec[] = [
  { name: "http-address", default: "127.0.0.1:10902", help: "Address to listen on for the Prometheus HTTP API (Grafana points here)." },
  { name: "query-frontend.downstream-url", default: "", help: "URL of the Prometheus-compatible API behind the frontend (orrery, Prometheus, Thanos Query)." },
  { name: "query-frontend.downstream-timeout", default: "2m", help: "Longest wait for one downstream request." },
  ...FRONTEND_FLAGS,
  ...WEB_CONFIG_FLAGS,
  LOG_FLAG,
];

export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv);
}

export function usage(): string {
  return flagUsage(
    "usage: orrery frontend --query-frontend.downstream-url=URL [flags]",
    "Runs the query frontend in front of a Prometheus-compatible API: range queries are step-aligned, split by interval,\nrun in parallel and cached (in process, or in Redis with --cache.redis.address); every other request is proxied.",
    FLAGS,
  );
}

export interface FrontendCommandConfig extends FrontendConfig {
  host: string;
  port: number;
  downstreamUrl: string;
  downstreamTimeoutMs: number;
  web: WebConfigFlag | undefined;
  logLevel: LogLevel;
}

export function frontendCommandConfig(parsed: ParsedFlags): FrontendCommandConfig {
  const values = parsed.values;
  const downstreamUrl = values["query-frontend.downstream-url"]!;
  if (downstreamUrl === "") throw new FlagError("--query-frontend.downstream-url is required: the API the frontend sends queries to");
  if (!/^https?:\/\/[^/]/.test(downstreamUrl)) throw new FlagError(`invalid --query-frontend.downstream-url=${downstreamUrl}: want an http:// or https:// URL`);
  const { host, port } = splitHostPort(values["http-address"]!, "http-address");
  return {
    host,
    port,
    downstreamUrl,
    downstreamTimeoutMs: durationFlag(values, "query-frontend.downstream-timeout"),
    web: webConfigFlag(values),
    logLevel: logLevelFlag(values),
    ...frontendConfig(values, (path) => readFileSync(path, "utf8")),
  };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = commandConfig("frontend", argv, parseFlags, frontendCommandConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const web = openWebConfig(cfg.web, registry, log);
  const { frontend, close } = openQueryFrontend(cfg, registry);
  const app = buildFrontendServer({ frontend, downstreamUrl: cfg.downstreamUrl, registry, downstreamTimeoutMs: cfg.downstreamTimeoutMs, web });
  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.host, cfg.port)}: ${(err as Error).message}`);
    await close();
    return 1;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : cfg.port;
  const url = listenUrl(web, cfg.host, port);
  log.info(`orrery frontend is listening on ${url}`);
  log.info(`downstream: ${cfg.downstreamUrl}; results cache: ${cfg.cache.type}`);
  await shutdownSignal();
  log.info("shutting down");
  await app.close();
  web?.close();
  await close();
  return 0;
}
