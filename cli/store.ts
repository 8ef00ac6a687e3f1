// `orrery store`: Thanos Store Gateway's role. Every TSDB block in a bucket (filesystem or S3),
// served over the gRPC StoreAPI; /metrics, /-/healthy and /-/ready on --http-address.
import { mkdir } from "node:fs/promises";
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildWriteApi } from "../api/index.js";
import { grpcServerOptionsFromFlags, serveStoreApi, type StoreApiServer, type StoreApiServerOptions } from "../storeapi/index.js";
import { BucketStore, openBucket, type BucketStoreLimits, type ObjstoreConfig } from "../stores/index.js";
import {
  bytesFlag,
  commandConfig,
  durationFlag,
  type FlagSpec,
  flagUsage,
  integerFlag,
  joinHostPort,
  logger,
  type LogLevel,
  logLevelFlag,
  type ParsedFlags,
  parseFlagsWith,
  shutdownSignal,
  splitHostPort,
} from "./flags.js";
import { GRPC_SERVER_FLAG_SPECS, grpcFlags, LOG_FLAG, OBJSTORE_FLAGS, objstoreConfigFlag, openWebConfig, WEB_CONFIG_FLAGS, type WebConfigFlag, webConfigFlag } from "./roles.js";

const FLAGS: FlagSpec[] = [
  ...OBJSTORE_FLAGS,
  ...WEB_CONFIG_FLAGS,
  ...GRPC_SERVER_FLAG_SPECS,
  { name: "http-address", default: "127.0.0.1:10902", help: "Listen host:port for /metrics, /-/healthy and /-/ready." },
  { name: "data-dir", default: "./data", help: "Directory of the blocks' local index-headers (rebuilt from the bucket when missing)." },
  { name: "sync-block-duration", default: "3m", help: "How often the bucket is listed for new, deleted and marked blocks." },
  { name: "ignore-deletion-marks-delay", default: "24h", help: "A block marked for deletion (deletion-mark.json) longer ago than this is no longer served." },
  { name: "index-cache-size", default: "250MB", help: "Bytes of postings and series kept in memory (0: no cache)." },
  { name: "chunk-cache-size", default: "64MB", help: "Bytes of chunks (read and CRC-checked) kept in memory (0: no cache)." },
  { name: "store.limits.request-series", default: "0", help: "Most series one Series request may touch; more is a RESOURCE_EXHAUSTED error (0: no limit)." },
  { name: "store.limits.request-samples", default: "0", help: "Most samples one Series request may return; more is a RESOURCE_EXHAUSTED error (0: no limit)." },
  LOG_FLAG,
];

export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv);
}

export function usage(): string {
  return flagUsage(
    "usage: orrery store [flags]",
    "Runs the store gateway (Thanos Store's role): every TSDB block in an object-storage bucket, served over the gRPC StoreAPI.",
    FLAGS,
  );
}

export interface StoreConfig {
  objstore: ObjstoreConfig;
  grpc: StoreApiServerOptions;
  httpHost: string;
  httpPort: number;
  web: WebConfigFlag | undefined;
  dataDir: string;
  syncIntervalMs: number;
  ignoreDeletionMarksDelayMs: number;
  indexCacheBytes: number;
  chunkCacheBytes: number;
  limits: BucketStoreLimits;
  logLevel: LogLevel;
}

/** The typed settings behind the flags; throws FlagError naming a bad one. */
export function storeConfig(parsed: ParsedFlags): StoreConfig {
  const values = parsed.values;
  const { host, port } = splitHostPort(values["http-address"]!, "http-address");
  splitHostPort(values["grpc-address"]!, "grpc-address");
  return {
    objstore: objstoreConfigFlag(values, true)!,
    grpc: grpcFlags(() => grpcServerOptionsFromFlags(values)),
    httpHost: host,
    httpPort: port,
    web: webConfigFlag(values),
    dataDir: values["data-dir"]!,
    syncIntervalMs: durationFlag(values, "sync-block-duration"),
    ignoreDeletionMarksDelayMs: durationFlag(values, "ignore-deletion-marks-delay", true),
    indexCacheBytes: bytesFlag(values, "index-cache-size"),
    chunkCacheBytes: bytesFlag(values, "chunk-cache-size"),
    limits: {
      requestSeries: integerFlag(values, "store.limits.request-series", 0),
      requestSamples: integerFlag(values, "store.limits.request-samples", 0),
    },
    logLevel: logLevelFlag(values),
  };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = commandConfig("store", argv, parseFlags, storeConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const web = openWebConfig(cfg.web, registry, log);
  await mkdir(cfg.dataDir, { recursive: true });
  const bucket = await openBucket(cfg.objstore);
  let ready = false;
  const app = buildWriteApi({ registry, ready: () => ready, web });
  try {
    await app.listen({ host: cfg.httpHost, port: cfg.httpPort });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.httpHost, cfg.httpPort)}: ${(err as Error).message}`);
    await bucket.close();
    return 1;
  }
  log.info(`orrery store: /metrics, /-/healthy, /-/ready on ${joinHostPort(cfg.httpHost, cfg.httpPort)}; first sync of ${bucket.name}`);
  let store: BucketStore;
  try {
    store = await BucketStore.open(bucket, {
      dataDir: cfg.dataDir,
      indexCacheBytes: cfg.indexCacheBytes,
      chunkCacheBytes: cfg.chunkCacheBytes,
      limits: cfg.limits,
      ignoreDeletionMarksDelayMs: cfg.ignoreDeletionMarksDelayMs,
      registry,
      onWarning: (w) => log.warn(w),
      onInfo: (m) => log.info(m),
    });
  } catch (err) {
    log.error(`cannot sync ${bucket.name}: ${(err as Error).message}`);
    await app.close();
    await bucket.close();
    return 1;
  }
  let grpc: StoreApiServer;
  try {
    // The index cache bounds the label sets, so their encoded fields can be kept across calls.
    grpc = await serveStoreApi(store, { ...cfg.grpc, componentType: "store", labelFields: new WeakMap() });
  } catch (err) {
    log.error(`cannot serve the StoreAPI on ${cfg.grpc.address}: ${(err as Error).message}`);
    await Promise.all([app.close(), store.close()]);
    await bucket.close();
    return 1;
  }
  store.syncEvery(cfg.syncIntervalMs, (err) => log.warn(`bucket sync failed (the blocks already loaded are still served): ${err.message}`));
  ready = true;
  log.info(`serving ${store.blockIds.length} blocks of ${bucket.name} over the gRPC StoreAPI on ${grpc.address}`);

  await shutdownSignal();
  log.info("shutting down");
  await app.close();
  web?.close();
  await grpc.close();
  await store.close();
  await bucket.close();
  log.info("bye");
  return 0;
}
