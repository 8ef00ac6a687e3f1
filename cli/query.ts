// `orrery query`: the querier (Thanos Query's role). The Prometheus HTTP API over the federated view
// of StoreAPI endpoints and Prometheus servers; no head, no data of its own.
import { collectDefaultMetrics, Registry } from "prom-client";
import { uiRoutes } from "../ui/index.js";
import { buildApi } from "../api/index.js";
import { Engine } from "../engine/index.js";
import { commandConfig, FlagError, type FlagSpec, flagUsage, joinHostPort, logger, type LogLevel, logLevelFlag, type ParsedFlags, parseFlagsWith, shutdownSignal, splitHostPort } from "./flags.js";
import {
  GRPC_CLIENT_FLAG_SPECS,
  LOG_FLAG,
  REQUEST_LIMIT_FLAGS,
  requestLimits,
  type RequestLimits,
  listenUrl,
  openWebConfig,
  WEB_CONFIG_FLAGS,
  type WebConfigFlag,
  webConfigFlag,
  QUERY_TENANCY_FLAGS,
  LIMITS_FLAGS,
  limitsConfig,
  type LimitsConfig,
  openLimiter,
  tenancyFlags,
} from "./roles.js";
import {
  FEDERATION_FLAGS,
  type FederationConfig,
  federationConfig,
  hasRemoteStores,
  openFederation,
  QUERY_FLAGS,
  type QueryConfig,
  queryConfig,
  openWindowWorkers,
} from "./query-roles.js";
import type { TenancyConfig } from "../api/index.js";

const FLAGS: FlagSpec[] = [
  // Thanos listens on 0.0.0.0:10902; orrery keeps to loopback unless told, as `orrery start` does.
  { name: "web.listen-address", default: "127.0.0.1:10902", help: "Address to listen on for the HTTP API." },
  ...FEDERATION_FLAGS,
  ...QUERY_FLAGS,
  ...REQUEST_LIMIT_FLAGS,
  ...WEB_CONFIG_FLAGS,
  ...QUERY_TENANCY_FLAGS,
  ...LIMITS_FLAGS,
  ...GRPC_CLIENT_FLAG_SPECS,
  LOG_FLAG,
];

export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv);
}

export function usage(): string {
  return flagUsage(
    "usage: orrery query [flags]",
    "Runs the querier (Thanos Query's role): the Prometheus HTTP API over StoreAPI endpoints and Prometheus servers,\nmerged and deduplicated. Give at least one --endpoint, --endpoint.sd-files or --prometheus.url.",
    FLAGS,
  );
}

export interface QueryCommandConfig extends QueryConfig {
  host: string;
  port: number;
  federation: FederationConfig;
  limits: RequestLimits;
  web: WebConfigFlag | undefined;
  tenancy: TenancyConfig;
  /** Per-tenant limits (--limits.*); undefined: none. */
  tenantLimits: LimitsConfig | undefined;
  logLevel: LogLevel;
}

/** The typed settings behind the flags; throws FlagError naming a bad one. */
export function queryCommandConfig(parsed: ParsedFlags): QueryCommandConfig {
  const values = parsed.values;
  const { host, port } = splitHostPort(values["web.listen-address"]!);
  const federation = federationConfig(parsed);
  if (!hasRemoteStores(federation)) throw new FlagError("no stores to query: give --endpoint, --endpoint.sd-files, --prometheus.url or --prometheus.config-file");
  return { host, port, ...queryConfig(values), limits: requestLimits(values), web: webConfigFlag(values),
    tenancy: tenancyFlags(values, "query"), tenantLimits: limitsConfig(values), federation, logLevel: logLevelFlag(values) };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = commandConfig("query", argv, parseFlags, queryCommandConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const limiter = cfg.tenantLimits === undefined ? undefined : openLimiter(cfg.tenantLimits, registry, log);
  const federation = openFederation(cfg.federation, { registry });
  const web = openWebConfig(cfg.web, registry, log);
  const windowWorkers = openWindowWorkers(cfg);
  const engine = new Engine({ lookbackDeltaMs: cfg.lookbackDeltaMs, maxSamples: cfg.maxSamples, timeoutMs: cfg.queryTimeoutMs, registry, windowWorkers });
  const app = buildApi({
    ...cfg.limits,
    uiRoutes: uiRoutes(),
    engine,
    store: federation.store,
    storeFor: federation.storeFor,
    replicaLabels: cfg.federation.replicaLabels,
    partialResponse: cfg.federation.partialResponse,
    storeStatus: federation.storeStatus,
    individualStores: federation.stores,
    registry,
    flags: parsed.flags.values,
    queryTimeoutMs: cfg.queryTimeoutMs,
    maxSamples: cfg.maxSamples,
    costEstimate: cfg.costEstimate,
    lookbackDeltaMs: cfg.lookbackDeltaMs,
    autoDownsampling: cfg.autoDownsampling,
    maxConcurrency: cfg.maxConcurrency,
    maxQueuedQueries: cfg.maxQueueLength > 0 ? cfg.maxQueueLength : undefined,
    logger: cfg.logLevel === "debug" ? { level: "debug" } : false,
    web,
    tenancy: cfg.tenancy,
    limits: limiter,
  });
  federation.start();
  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.host, cfg.port)}: ${(err as Error).message}`);
    federation.stop();
    web?.close();
    return 1;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : cfg.port;
  const url = listenUrl(web, cfg.host, port);
  const { endpoints, sdFiles, prometheusUrls, remoteReads, replicaLabels } = cfg.federation;
  log.info(`querying ${endpoints.length} endpoint(s), ${sdFiles.length} SD file(s), ${prometheusUrls.length + remoteReads.length} Prometheus server(s); replica labels: ${replicaLabels.join(",") || "none"}`);
  log.info(`orrery query is listening on ${url}`);

  await shutdownSignal();
  log.info("shutting down");
  await app.close();
  web?.close();
  federation.stop();
  await windowWorkers?.close();
  log.info("bye");
  return 0;
}
