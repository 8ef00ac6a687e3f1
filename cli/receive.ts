// `orrery receive`: Thanos Receive's role. A head fed by remote_write (WAL on disk), served to
// queriers over the gRPC StoreAPI with its external labels (--label).
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildWriteApi } from "../api/index.js";
import { grpcServerOptionsFromFlags, type Labels, serveStoreApi, type StoreApiServer, type StoreApiServerOptions } from "../storeapi/index.js";
import {
  commandConfig,
  durationFlag,
  type FlagSpec,
  flagUsage,
  joinHostPort,
  logger,
  type LogLevel,
  logLevelFlag,
  type ParsedFlags,
  parseFlagsWith,
  shutdownSignal,
  splitHostPort,
} from "./flags.js";
import {
  EXTERNAL_LABEL_FLAG,
  externalLabelsFlag,
  GRPC_SERVER_FLAG_SPECS,
  grpcFlags,
  headWriting,
  LOG_FLAG,
  blockDurationFlagSpec,
  OBJSTORE_FLAGS,
  openLoggedHead,
  openShipping,
  startShipping,
  type Shipping,
  type ShippingConfig,
  shippingConfig,
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
  RECEIVE_TENANCY_FLAGS,
  tenancyFlags,
  RECEIVE_LIMITS_FLAGS,
  limitsConfig,
  type LimitsConfig,
  openLimiter,
} from "./roles.js";
import type { TenancyConfig } from "../api/index.js";
import type { IngestYoungGeneration } from "./heap-policy.js";

const BLOCK_DURATION_FLAG = "tsdb.min-block-duration";

const FLAGS: FlagSpec[] = [
  { name: "remote-write.address", default: "127.0.0.1:19291", help: "Address to listen on for remote_write (POST /api/v1/write), /-/healthy, /-/ready, /metrics." },
  ...GRPC_SERVER_FLAG_SPECS,
  { name: "tsdb.path", default: "./data", help: "Directory of the head store's write-ahead log." },
  {
    name: "tsdb.retention",
    default: "2h",
    // Thanos Receive keeps 15d in local blocks; orrery's head is in memory and its blocks go to the bucket, so this is the head's window.
    help: "How much data the in-memory head keeps behind its newest sample (blocks go to the bucket with --objstore.config*, not to local disk).",
  },
  blockDurationFlagSpec(BLOCK_DURATION_FLAG),
  ...OBJSTORE_FLAGS,
  TOO_FAR_IN_FUTURE_FLAG,
  ...REQUEST_LIMIT_FLAGS,
  ...WEB_CONFIG_FLAGS,
  ...RECEIVE_TENANCY_FLAGS,
  ...RECEIVE_LIMITS_FLAGS,
  REMOTE_WRITE_DECODED_FLAG,
  REMOTE_WRITE_SNAPPY_THREAD_FLAG,
  EXTERNAL_LABEL_FLAG,
  LOG_FLAG,
];

export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv);
}

export function usage(): string {
  return flagUsage(
    "usage: orrery receive [flags]",
    "Runs the receiver (Thanos Receive's role): remote_write into a head store, served over the gRPC StoreAPI;\nwith --objstore.config-file it cuts blocks from the head and ships them to the bucket (thanos.source \"receive\").",
    FLAGS,
  );
}

export interface ReceiveConfig {
  host: string;
  port: number;
  grpc: StoreApiServerOptions;
  dataDir: string;
  retentionMs: number;
  /** Samples further ahead of the clock are rejected; undefined: no limit. */
  tooFarInFutureMs: number | undefined;
  limits: RequestLimits;
  web: WebConfigFlag | undefined;
  tenancy: TenancyConfig;
  /** Per-tenant remote_write limits (--limits.*); undefined: none. */
  tenantLimits: LimitsConfig | undefined;
  maxDecodedBytes: number;
  /** Snappy-decode remote_write bodies on a thread of their own (--remote-write.snappy-thread). */
  snappyThread: boolean;
  externalLabels: Labels;
  logLevel: LogLevel;
  /** Blocks cut from the head and shipped to a bucket; objstore undefined: off. */
  shipping: ShippingConfig;
}

/** The typed settings behind the flags; throws FlagError naming a bad one. */
export function receiveConfig(parsed: ParsedFlags): ReceiveConfig {
  const values = parsed.values;
  const { host, port } = splitHostPort(values["remote-write.address"]!, "remote-write.address");
  splitHostPort(values["grpc-address"]!, "grpc-address");
  return {
    host,
    port,
    grpc: grpcFlags(() => grpcServerOptionsFromFlags(values)),
    dataDir: values["tsdb.path"]!,
    retentionMs: durationFlag(values, "tsdb.retention"),
    tooFarInFutureMs: tooFarInFutureFlag(values),
    limits: requestLimits(values),
    web: webConfigFlag(values),
    tenancy: tenancyFlags(values, "receive"),
    tenantLimits: limitsConfig(values),
    maxDecodedBytes: remoteWriteDecodedLimit(values),
    snappyThread: values[REMOTE_WRITE_SNAPPY_THREAD_FLAG.name] === "true",
    externalLabels: externalLabelsFlag(parsed.lists["label"] ?? []),
    logLevel: logLevelFlag(values),
    shipping: shippingConfig(values, BLOCK_DURATION_FLAG),
  };
}

/** `young`: the process's young-generation policy (cli/main.ts), told the head's size after each write. */
export async function run(argv: string[], young?: IngestYoungGeneration): Promise<number> {
  const parsed = commandConfig("receive", argv, parseFlags, receiveConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const web = openWebConfig(cfg.web, registry, log);
  let shipping: Shipping | undefined;
  try {
    shipping = await openShipping(cfg.shipping, { dataDir: cfg.dataDir, source: "receive", externalLabels: cfg.externalLabels, registry, log });
  } catch (err) {
    log.error(`cannot open the bucket: ${(err as Error).message}`);
    return 1;
  }
  const head = await openLoggedHead(
    cfg.dataDir,
    { registry, windowMs: cfg.retentionMs, tooFarInFutureMs: cfg.tooFarInFutureMs, externalLabels: cfg.externalLabels, ...shipping?.headOptions },
    log,
  );
  if (!(await startShipping(shipping, head, log))) return 1;
  const limiter = cfg.tenantLimits === undefined ? undefined : openLimiter(cfg.tenantLimits, registry, log);
  const writing = headWriting(head, registry, log, cfg.maxDecodedBytes, cfg.tenancy, limiter, cfg.snappyThread, young);
  const app = buildWriteApi({ ...cfg.limits, remoteWrite: writing.remoteWrite, registry, logger: cfg.logLevel === "debug" ? { level: "debug" } : false, web });

  let grpc: StoreApiServer;
  try {
    grpc = await serveStoreApi(head, { ...cfg.grpc, componentType: "receive" });
  } catch (err) {
    log.error(`cannot serve the StoreAPI on ${cfg.grpc.address}: ${(err as Error).message}`);
    await shipping?.close(head);
    await head.close();
    return 1;
  }
  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.host, cfg.port)}: ${(err as Error).message}`);
    await grpc.close();
    await shipping?.close(head);
    await head.close();
    return 1;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : cfg.port;
  const url = listenUrl(web, cfg.host, port);
  log.info(`serving the head over the gRPC StoreAPI on ${grpc.address}`);
  // Listen for SIGTERM before saying we listen: a caller may stop us as soon as it reads that line.
  const stopping = shutdownSignal();
  log.info(`orrery receive is listening on ${url} (remote_write to ${url}/api/v1/write)`);

  await stopping;
  log.info("shutting down: stopping remote_write and the StoreAPI, flushing the WAL");
  await app.close();
  await writing.close();
  web?.close();
  limiter?.stop();
  await grpc.close();
  await shipping?.close(head);
  await head.close();
  log.info("bye");
  return 0;
}
