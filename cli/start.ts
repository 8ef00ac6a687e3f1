// `orrery start`: the all-in-one process. A head store with its WAL, the
// engine, the HTTP API, and a self-scrape so there is data to query at once.
import { collectDefaultMetrics, Registry } from "prom-client";
import { readFileSync } from "node:fs";
import { uiRoutes } from "../ui/index.js";
import { buildApi, SelfScraper } from "../api/index.js";
import { frontendStage } from "../cache/index.js";
import { Engine } from "../engine/index.js";
import { grpcServerOptionsFromFlags, type Labels, serveStoreApi, type StoreApiServer, type StoreApiServerOptions } from "../storeapi/index.js";
import { commandConfig, durationFlag, type FlagSpec, flagUsage, joinHostPort, logger, logLevelFlag, type ParsedFlags, parseFlagsWith, shutdownSignal, splitHostPort } from "./flags.js";
import {
  EXTERNAL_LABEL_FLAG,
  externalLabelsFlag,
  GRPC_CLIENT_FLAG_SPECS,
  grpcFlags,
  headWriting,
  openLoggedHead,
  LOG_FLAG,
  blockDurationFlagSpec,
  metricType,
  OBJSTORE_FLAGS,
  openShipping,
  startShipping,
  type Shipping,
  type ShippingConfig,
  shippingConfig,
  OPTIONAL_GRPC_SERVER_FLAG_SPECS,
  TOO_FAR_IN_FUTURE_FLAG,
  tooFarInFutureFlag,
  REQUEST_LIMIT_FLAGS,
  requestLimits,
  type RequestLimits,
  REMOTE_WRITE_DECODED_FLAG,
  REMOTE_WRITE_SNAPPY_THREAD_FLAG,
  remoteWriteDecodedLimit,
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
  FRONTEND_FLAGS,
  type FrontendConfig,
  frontendConfig,
  openQueryFrontend,
  federationConfig,
  hasRemoteStores,
  localStoreRef,
  openFederation,
  QUERY_FLAGS,
  type QueryConfig,
  queryConfig,
  openWindowWorkers,
} from "./query-roles.js";
import type { TenancyConfig } from "../api/index.js";
import { openRuler, reloadOnSighup, RULER_FLAGS, type RulerConfig, rulerConfig } from "./rule.js";
import { engineQuerier } from "../ruler/index.js";
import { BucketStore } from "../stores/index.js";
import { join } from "node:path";

export { FlagError, splitHostPort } from "./flags.js";

const BLOCK_DURATION_FLAG = "storage.tsdb.min-block-duration";

/** How often `orrery start` re-reads the bucket's block list (beside the sync after each upload), as Thanos Store's --sync-block-duration. */
const BUCKET_SYNC_INTERVAL_MS = 3 * 60_000;

const FLAGS: FlagSpec[] = [
  { name: "web.listen-address", default: "127.0.0.1:9090", help: "Address to listen on for the HTTP API, Grafana and remote_write." },
  { name: "storage.tsdb.path", default: "./data", help: "Directory of the head store's write-ahead log." },
  { name: "storage.tsdb.retention.time", default: "2h", help: "How much data the head keeps in memory behind its newest sample." },
  blockDurationFlagSpec(BLOCK_DURATION_FLAG),
  ...OBJSTORE_FLAGS,
  TOO_FAR_IN_FUTURE_FLAG,
  ...QUERY_FLAGS,
  ...REQUEST_LIMIT_FLAGS,
  ...WEB_CONFIG_FLAGS,
  ...QUERY_TENANCY_FLAGS,
  ...LIMITS_FLAGS,
  REMOTE_WRITE_DECODED_FLAG,
  REMOTE_WRITE_SNAPPY_THREAD_FLAG,
  { name: "query-frontend.enabled", default: "true", boolean: true, help: "Run range queries through the query frontend (split, align, results cache); --no-query-frontend.enabled for engine benchmarks." },
  ...FRONTEND_FLAGS,
  { name: "self-scrape.enabled", default: "true", boolean: true, help: "Scrape orrery's own /metrics into the head (--no-self-scrape turns it off)." },
  { name: "self-scrape.interval", default: "15s", help: "Interval of the self-scrape." },
  EXTERNAL_LABEL_FLAG,
  ...FEDERATION_FLAGS,
  ...RULER_FLAGS,
  ...OPTIONAL_GRPC_SERVER_FLAG_SPECS,
  ...GRPC_CLIENT_FLAG_SPECS,
  LOG_FLAG,
];

const ALIASES: Record<string, string> = { "no-self-scrape": "self-scrape.enabled=false" };

/** Parses `orrery start`'s flags. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv, ALIASES);
}

export function usage(): string {
  return flagUsage(
    "usage: orrery start [flags]",
    "Runs the all-in-one server: head store (WAL on disk), PromQL engine, Prometheus HTTP API. With --endpoint or\n--prometheus.url it also queries those stores beside its head; with --grpc-address it serves its head as a StoreAPI.\nWith --objstore.config-file it cuts blocks from the head and ships them to the bucket (thanos.source \"sidecar\").",
    FLAGS,
    [
      "  --no-self-scrape                         Same as --self-scrape.enabled=false.",
    ],
  );
}

/** The typed settings behind the flags; throws FlagError naming a bad one. */
export interface StartConfig extends QueryConfig {
  host: string;
  port: number;
  dataDir: string;
  retentionMs: number;
  /** Samples further ahead of the clock are rejected; undefined: no limit. */
  tooFarInFutureMs: number | undefined;
  limits: RequestLimits;
  web: WebConfigFlag | undefined;
  tenancy: TenancyConfig;
  /** Per-tenant limits (--limits.*); undefined: none. */
  tenantLimits: LimitsConfig | undefined;
  maxDecodedBytes: number;
  /** Snappy-decode remote_write bodies on a thread of their own (--remote-write.snappy-thread). */
  snappyThread: boolean;
  selfScrape: boolean;
  selfScrapeIntervalMs: number;
  logLevel: "debug" | "info" | "warn" | "error";
  externalLabels: Labels;
  federation: FederationConfig;
  /** The query frontend in front of the engine; undefined: off. */
  frontend: FrontendConfig | undefined;
  /** The StoreAPI server over the head; undefined: off. */
  grpcServer: StoreApiServerOptions | undefined;
  /** The ruler; on when rule files are given. */
  ruler: RulerConfig;
  /** Blocks cut from the head and shipped to a bucket; objstore undefined: off. */
  shipping: ShippingConfig;
}

export function startConfig(parsed: ParsedFlags): StartConfig {
  const values = parsed.values;
  const { host, port } = splitHostPort(values["web.listen-address"]!);
  const grpcAddress = values["grpc-address"] ?? "";
  if (grpcAddress !== "") splitHostPort(grpcAddress, "grpc-address");
  return {
    host,
    port,
    dataDir: values["storage.tsdb.path"]!,
    retentionMs: durationFlag(values, "storage.tsdb.retention.time"),
    tooFarInFutureMs: tooFarInFutureFlag(values),
    limits: requestLimits(values),
    web: webConfigFlag(values),
    tenancy: tenancyFlags(values, "query"),
    tenantLimits: limitsConfig(values),
    maxDecodedBytes: remoteWriteDecodedLimit(values),
    snappyThread: values[REMOTE_WRITE_SNAPPY_THREAD_FLAG.name] === "true",
    ...queryConfig(values),
    selfScrape: values["self-scrape.enabled"] === "true",
    selfScrapeIntervalMs: durationFlag(values, "self-scrape.interval"),
    logLevel: logLevelFlag(values),
    externalLabels: externalLabelsFlag(parsed.lists["label"] ?? []),
    federation: federationConfig(parsed),
    grpcServer: grpcAddress === "" ? undefined : grpcFlags(() => grpcServerOptionsFromFlags(values)),
    ruler: rulerConfig(parsed),
    frontend: values["query-frontend.enabled"] === "true" ? frontendConfig(values, (path) => readFileSync(path, "utf8")) : undefined,
    shipping: shippingConfig(values, BLOCK_DURATION_FLAG),
  };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = commandConfig("start", argv, parseFlags, startConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const flagValues = parsed.flags.values;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const web = openWebConfig(cfg.web, registry, log);

  // An all-in-one server shipping its own head's blocks is in Thanos's sidecar position.
  let shipping: Shipping | undefined;
  // The blocks shipped are queried back through the store gateway's reader; it catches up before the head lets them go.
  let history: BucketStore | undefined;
  try {
    shipping = await openShipping(cfg.shipping, {
      dataDir: cfg.dataDir,
      source: "sidecar",
      externalLabels: cfg.externalLabels,
      registry,
      log,
      onUploaded: async () => void (await history?.sync()),
    });
    if (shipping !== undefined) {
      history = await BucketStore.open(shipping.bucket, {
        dataDir: join(cfg.dataDir, "index-headers"),
        registry,
        onWarning: (w) => log.warn(w),
        onInfo: (m) => log.info(m),
      });
      history.syncEvery(BUCKET_SYNC_INTERVAL_MS, (err) => log.warn(`bucket sync failed (the blocks already loaded are still served): ${err.message}`));
    }
  } catch (err) {
    log.error(`cannot open the bucket: ${(err as Error).message}`);
    await shipping?.bucket.close();
    return 1;
  }
  const head = await openLoggedHead(
    cfg.dataDir,
    { registry, windowMs: cfg.retentionMs, tooFarInFutureMs: cfg.tooFarInFutureMs, externalLabels: cfg.externalLabels, ...shipping?.headOptions },
    log,
  );
  if (!(await startShipping(shipping, head, log))) return 1;
  const limiter = cfg.tenantLimits === undefined ? undefined : openLimiter(cfg.tenantLimits, registry, log);
  const writing = headWriting(head, registry, log, cfg.maxDecodedBytes, cfg.tenancy.enforce ? cfg.tenancy : undefined, limiter, cfg.snappyThread);
  // Without other stores the head is queried directly: no proxy in the path.
  const local = [localStoreRef("head", head, cfg.externalLabels)];
  if (history !== undefined) local.push(localStoreRef("bucket", history, cfg.externalLabels));
  const federation = hasRemoteStores(cfg.federation) || history !== undefined ? openFederation(cfg.federation, { registry, local }) : undefined;
  const windowWorkers = openWindowWorkers(cfg);
  const engine = new Engine({ lookbackDeltaMs: cfg.lookbackDeltaMs, maxSamples: cfg.maxSamples, timeoutMs: cfg.queryTimeoutMs, registry, windowWorkers });
  let scraper: SelfScraper | undefined;
  // Rules read the global view; an `abort` group's queries fail instead of answering partially.
  const ruling =
    cfg.ruler.files.length === 0 && cfg.ruler.rulesDir === ""
      ? undefined
      : openRuler(cfg.ruler, {
          querier: engineQuerier(engine, (strategy) =>
            federation === undefined ? head : federation.storeFor({ replicaLabels: cfg.federation.replicaLabels, partialResponse: strategy === "warn" }),
          ),
          head,
          externalLabels: cfg.externalLabels,
          registry,
          log,
          defaultQueryUrl: `http://${joinHostPort(cfg.host === "0.0.0.0" ? "127.0.0.1" : cfg.host, cfg.port)}`,
        });
  const queryFrontend = cfg.frontend === undefined ? undefined : openQueryFrontend(cfg.frontend, registry);
  const app = buildApi({
    ...cfg.limits,
    uiRoutes: uiRoutes(),
    queryStage: queryFrontend === undefined ? undefined : frontendStage(queryFrontend.frontend),
    engine,
    store: federation?.store ?? head,
    storeFor: federation?.storeFor,
    replicaLabels: cfg.federation.replicaLabels,
    partialResponse: cfg.federation.partialResponse,
    storeStatus: federation?.storeStatus,
    individualStores: federation?.stores ?? (() => local),
    registry,
    flags: flagValues,
    queryTimeoutMs: cfg.queryTimeoutMs,
    maxSamples: cfg.maxSamples,
    costEstimate: cfg.costEstimate,
    lookbackDeltaMs: cfg.lookbackDeltaMs,
    autoDownsampling: cfg.autoDownsampling,
    maxConcurrency: cfg.maxConcurrency,
    maxQueuedQueries: cfg.maxQueueLength > 0 ? cfg.maxQueueLength : undefined,
    remoteWrite: writing.remoteWrite,
    exemplars: writing.exemplars,
    metadata: writing.metadata,
    storageRetention: flagValues["storage.tsdb.retention.time"],
    headStatus: () => ({ numSeries: head.numSeries(), chunkCount: head.numChunks(), numSamples: head.numSamples(), memoryBytes: head.memoryBytes() }),
    logger: cfg.logLevel === "debug" ? { level: "debug" } : false,
    rules: ruling?.ruler,
    web,
    tenancy: cfg.tenancy,
    limits: limiter,
  });

  let grpc: StoreApiServer | undefined;
  if (cfg.grpcServer !== undefined) {
    try {
      grpc = await serveStoreApi(head, cfg.grpcServer);
    } catch (err) {
      log.error(`cannot serve the StoreAPI on ${cfg.grpcServer.address}: ${(err as Error).message}`);
      await shipping?.close(head);
      await history?.close();
      await head.close();
      return 1;
    }
    log.info(`serving the head over the gRPC StoreAPI on ${grpc.address}`);
  }
  federation?.start();

  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.host, cfg.port)}: ${(err as Error).message}`);
    await queryFrontend?.close();
    federation?.stop();
    await grpc?.close();
    await shipping?.close(head);
    await history?.close();
    await head.close();
    web?.close();
    return 1;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : cfg.port;
  const listen = joinHostPort(cfg.host, port);
  const url = listenUrl(web, cfg.host, port);

  if (cfg.selfScrape) {
    scraper = new SelfScraper({
      registry,
      intervalMs: cfg.selfScrapeIntervalMs,
      job: "orrery",
      instance: listen,
      append: async (samples) => {
        await head.appendBatch(samples.map((s) => ({ labels: s.labels, t: [s.t], v: [s.v] })));
      },
      onError: (err) => log.warn(`self-scrape failed: ${(err as Error).message}`),
      onMetadata: (family, m) => writing.received.metadata.add({ metricFamilyName: family, type: metricType(m.type), help: m.help, unit: "" }),
    });
    scraper.start();
  }

  const ruleErrors = (await ruling?.ruler.start()) ?? [];
  for (const e of ruleErrors) log.error(`rule file: ${e}`);
  const stopSighup = ruling === undefined ? undefined : reloadOnSighup(ruling.ruler, log);
  if (ruling !== undefined) log.info(`ruler: evaluating ${ruling.ruler.ruleGroups().length} rule groups`);

  // Listen for SIGTERM before saying we listen: a caller may stop us as soon as it reads that line.
  const stopping = shutdownSignal();
  log.info(`orrery is listening on ${url}`);
  log.info(`query it: curl '${url}/api/v1/query?query=up'`);
  log.info(`Grafana: add a data source of type Prometheus with URL ${url}`);
  log.info(`Prometheus: remote_write to ${url}/api/v1/write`);

  await stopping;
  log.info("shutting down: stopping the API and flushing the WAL");
  stopSighup?.();
  await ruling?.ruler.stop();
  await ruling?.notifier.close();
  await scraper?.stop();
  await app.close();
  await writing.close();
  web?.close();
  await queryFrontend?.close();
  federation?.stop();
  await grpc?.close();
  await shipping?.close(head);
  await history?.close();
  await head.close();
  await windowWorkers?.close();
  log.info("bye");
  return 0;
}

