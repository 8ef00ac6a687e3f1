// What the role subcommands (start, query, receive) share: their flag groups, the typed settings
// behind them, the federated store (endpoints, Prometheus servers, the proxy), and the head's
// remote_write wiring. One place, so a flag means the same thing in every command.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Counter, type Registry } from "prom-client";
import {
  type ExemplarQuerier,
  LimitsConfigError,
  LiveWebConfig,
  parseLimitsOverrides,
  loadWebConfig,
  TenantLimiter,
  type TenantLimits,
  type MetadataQuerier,
  type RemoteWriteHandler,
  type StoreEndpointStatus,
  type StoreViewOptions,
  DEFAULT_TENANCY,
  type TenancyConfig,
  tenantOf,
  type WebConfig,
  WebConfigError,
} from "../api/index.js";
import { EndpointSet, ProxyStore, type StoreFactory, type StoreRef } from "../federation/index.js";
import {
  GRPC_CLIENT_FLAGS,
  GRPC_SERVER_FLAGS,
  GrpcFlagError,
  GrpcStoreClient,
  grpcClientOptionsFromFlags,
  labelsFromList,
  SnappyWorker,
  type GrpcStoreClientOptions,
  type Label,
  type Labels,
  type Store,
  parseYaml,
  type YamlValue,
} from "../storeapi/index.js";
import {
  createRemoteWriteContext,
  handleRemoteWrite,
  type Head,
  METRIC_TYPES,
  type MetricType,
  type ObjectBucket,
  ObjstoreConfigError,
  openBucket,
  openHead,
  type ObjstoreConfig,
  type OpenHeadOptions,
  parseObjstoreConfig,
  parseRemoteReadConfig,
  PrometheusStore,
  RemoteReadConfigError,
  type RemoteReadEndpoint,
  remoteReadStoreOptions,
  type RemoteWriteContext,
  Shipper,
  type ThanosSource,
} from "../stores/index.js";
import { type CacheBackend, InMemoryBackend, QueryFrontend, RedisBackend, type RedisBackendOptions, type RedisTlsOptions, redisHostPort } from "../cache/index.js";
import { DEFAULT_PARALLEL_MIN_SAMPLES, WindowWorkerPool } from "../engine/index.js";
import { byteSize, durationFlag, expandEnv, FlagError, type FlagSpec, integerFlag, joinHostPort, type Logger, type ParsedFlags, pathOrContent } from "./flags.js";

// ── Flag groups ──

/** The engine's and the API's limits (`orrery start` and `orrery query`). */
export const QUERY_FLAGS: readonly FlagSpec[] = [
  { name: "query.lookback-delta", default: "5m", help: "How far back an instant selector looks for a sample." },
  { name: "query.timeout", default: "2m", help: "Maximum time a query may take before it is aborted." },
  { name: "query.max-samples", default: "50000000", help: "Maximum samples a single query may hold in memory at once." },
  {
    name: "query.cost-estimate",
    default: "true",
    boolean: true,
    help: "Estimate a query's series and samples from the stores' postings and chunk statistics and refuse it over --query.max-samples or a tenant's series limit before any chunk is read; off: the limits are checked only as the query runs.",
  },
  { name: "query.max-concurrency", default: "20", help: "Maximum queries evaluated at the same time." },
  {
    name: "query.max-queue-length",
    default: "0",
    help: "Queries that may wait for a free slot before new ones are refused with 503 (0: 10 × max-concurrency).",
  },
  {
    name: "query.auto-downsampling",
    default: "false",
    boolean: true,
    help: "Without max_source_resolution, read the coarsest downsampled data not above step/5 (as max_source_resolution=auto).",
  },
  {
    name: "query.parallelism",
    default: "auto",
    help: "Worker threads a heavy range function call shares its chunk decoding and window evaluation with (auto: CPUs − 1; 0: every query on one thread).",
  },
  {
    name: "query.parallel-min-samples",
    default: String(DEFAULT_PARALLEL_MIN_SAMPLES),
    help: "Least work (samples decoded + windows evaluated) for a range function call to use the worker threads; smaller calls stay on one thread.",
  },
];

/** Thanos Query's flags for the stores it federates. */
export const FEDERATION_FLAGS: readonly FlagSpec[] = [
  { name: "endpoint", default: "", repeatable: true, help: "host:port of a StoreAPI (Thanos sidecar, store, receive, orrery) to query." },
  { name: "endpoint.sd-files", default: "", repeatable: true, help: "File SD (YAML or JSON) listing StoreAPI host:port targets; re-read on change." },
  { name: "prometheus.url", default: "", repeatable: true, help: "URL of a Prometheus server to query through remote_read." },
  {
    name: "prometheus.config-file",
    default: "",
    help: "Prometheus servers to query, as Prometheus's remote_read section (url, remote_timeout, headers, basic_auth, authorization, tls_config); $(ENV) is substituted.",
  },
  { name: "prometheus.config", default: "", help: "The --prometheus.config-file content, inline." },
  { name: "query.replica-label", default: "", repeatable: true, help: "Label whose values tell replicas apart; series differing only in it are deduplicated." },
  {
    name: "query.partial-response",
    default: "true",
    boolean: true,
    help: "Answer with the stores that respond (and warnings) when some fail; the partial_response parameter overrides it.",
  },
  { name: "store.response-timeout", default: "0ms", help: "Longest wait for each response of a store before it counts as failed (0ms: none)." },
];

/** `--label name="value"`: the external labels of a process's head, as Thanos spells them. */
export const EXTERNAL_LABEL_FLAG: FlagSpec = {
  name: "label",
  default: "",
  repeatable: true,
  help: 'External label of this process\'s head, name="value" (what a querier deduplicates and selects stores by).',
};

/** Thanos's flags for a bucket (store gateway, shipper, compactor): its objstore YAML, as a file or inline. */
export const OBJSTORE_FLAGS: readonly FlagSpec[] = [
  { name: "objstore.config-file", default: "", help: "Object store configuration file, in Thanos's objstore YAML (type: FILESYSTEM or S3)." },
  { name: "objstore.config", default: "", help: "Object store configuration as YAML text, instead of --objstore.config-file." },
];

/** The length of blocks cut from the head: Prometheus's --storage.tsdb.min-block-duration, Thanos Receive's --tsdb.min-block-duration. */
export function blockDurationFlagSpec(name: string): FlagSpec {
  return {
    name,
    default: "2h",
    help: "Length of the blocks cut from the head and shipped to the bucket (with --objstore.config*), aligned to multiples of it; also the head's chunk range.",
  };
}

/**
 * Thanos Receive's flag. Off there by default; here 10m, Mimir's default grace period for samples
 * ahead of the clock: it absorbs sender clock skew, while one sample from a clock years ahead is
 * refused instead of moving the head's window forward and making every later sample too_old.
 */
export const TOO_FAR_IN_FUTURE_FLAG: FlagSpec = {
  name: "tsdb.too-far-in-future.time-window",
  default: "10m",
  help: "Samples more than this ahead of the wall clock are rejected as too_far_in_future (0s: no limit).",
};

/** The too-far-in-future window in ms; undefined when the flag is 0 (no limit). */
export function tooFarInFutureFlag(values: Record<string, string>): number | undefined {
  const ms = durationFlag(values, TOO_FAR_IN_FUTURE_FLAG.name, true);
  return ms > 0 ? ms : undefined;
}

/** Request size limits of the HTTP servers: Go's header limit and orrery's body limits, as flags. */
export const REQUEST_LIMIT_FLAGS: readonly FlagSpec[] = [
  { name: "web.max-request-body-size", default: "32MiB", help: "Largest request body (query forms, remote_write), compressed; beyond it 413." },
  { name: "web.max-request-header-size", default: "1MiB", help: "Largest request line (URL) plus headers, as Go's http.DefaultMaxHeaderBytes; beyond it 431." },
];

/** The remote_write limit of a process with a head. */
export const REMOTE_WRITE_DECODED_FLAG: FlagSpec = {
  name: "remote-write.max-decoded-size",
  default: "64MiB",
  help: "Largest remote_write body after snappy decompression; beyond it 400 naming both sizes.",
};

/** Where a process with a head snappy-decodes remote_write bodies. */
export const REMOTE_WRITE_SNAPPY_THREAD_FLAG: FlagSpec = {
  name: "remote-write.snappy-thread",
  default: "true",
  boolean: true,
  help: "Snappy-decode remote_write bodies on a thread of their own (a second core, ~16 MB of RSS); false: on the event loop.",
};

export interface RequestLimits {
  bodyLimitBytes: number;
  maxHeaderBytes: number;
}

export function requestLimits(values: Record<string, string>): RequestLimits {
  const positive = (name: string): number => {
    const n = byteSize(values[name]!, `--${name}`);
    if (n <= 0) throw new FlagError(`invalid --${name}=${values[name]}: want a size above 0`);
    return n;
  };
  return { bodyLimitBytes: positive("web.max-request-body-size"), maxHeaderBytes: positive("web.max-request-header-size") };
}

export function remoteWriteDecodedLimit(values: Record<string, string>): number {
  const n = byteSize(values[REMOTE_WRITE_DECODED_FLAG.name]!, `--${REMOTE_WRITE_DECODED_FLAG.name}`);
  if (n <= 0) throw new FlagError(`invalid --${REMOTE_WRITE_DECODED_FLAG.name}=${values[REMOTE_WRITE_DECODED_FLAG.name]}: want a size above 0`);
  return n;
}

/** Prometheus's --web.config.file (exporter-toolkit format); Thanos calls the same file --http.config. */
export const WEB_CONFIG_FLAGS: readonly FlagSpec[] = [
  { name: "web.config.file", default: "", help: "Web config file (Prometheus's exporter-toolkit format): TLS, basic auth and headers for the HTTP listener; reloaded on change." },
  { name: "http.config", default: "", help: "Thanos's name for --web.config.file." },
];

/** The web config file the flags name, read and checked; undefined when none is given. */
export interface WebConfigFlag {
  readonly file: string;
  readonly initial: WebConfig;
}

export function webConfigFlag(values: Record<string, string>): WebConfigFlag | undefined {
  const web = values["web.config.file"] ?? "";
  const http = values["http.config"] ?? "";
  if (web !== "" && http !== "" && web !== http) throw new FlagError("--web.config.file and --http.config are both given: give one");
  const file = web !== "" ? web : http;
  if (file === "") return undefined;
  try {
    return { file, initial: loadWebConfig(file) };
  } catch (err) {
    if (err instanceof WebConfigError) throw new FlagError(err.message);
    throw err;
  }
}

/** The web config in force on the listener, watched for changes until close(); undefined when none is given. */
export function openWebConfig(flag: WebConfigFlag | undefined, registry: Registry, log: Logger): LiveWebConfig | undefined {
  if (flag === undefined) return undefined;
  const web = new LiveWebConfig(flag.file, flag.initial, { registry, log });
  web.start();
  log.info(`web config ${flag.file}: ${web.scheme === "https" ? "TLS" : "no TLS"}, ${flag.initial.users.size > 0 ? "basic auth" : "no authentication"}`);
  return web;
}

/** The URL a process listening on host:port is reached at. */
export function listenUrl(web: LiveWebConfig | undefined, host: string, port: number): string {
  return `${web?.scheme ?? "http"}://${joinHostPort(host === "0.0.0.0" ? "127.0.0.1" : host, port)}`;
}

/** Thanos Query's tenancy flags (`orrery start`, `orrery query`). */
export const QUERY_TENANCY_FLAGS: readonly FlagSpec[] = [
  { name: "query.tenant-header", default: "THANOS-TENANT", help: "Request header naming the tenant (X-Scope-OrgID, Mimir's, is accepted too)." },
  { name: "query.default-tenant-id", default: "default-tenant", help: "Tenant of a request that names none." },
  { name: "query.tenant-label-name", default: "tenant_id", help: "Series label carrying the tenant." },
  {
    name: "query.enforce-tenancy",
    default: "false",
    boolean: true,
    help: "Every selector of a request gets tenant_label=\"<tenant>\" (queries, series, labels, exemplars, metadata, status); with a head, remote_write labels series with the writer's tenant.",
  },
];

/** The per-tenant overrides file, shared by every process with per-tenant limits. */
const LIMITS_FILE_FLAGS: readonly FlagSpec[] = [
  { name: "limits.config-file", default: "", help: "Per-tenant limit overrides, as Mimir's runtime config (overrides: {<tenant>: {ingestion_rate: 1000, …}}); re-read when it changes." },
  { name: "limits.reload-period", default: "10s", help: "How often --limits.config-file is checked for a change." },
];

/** The remote_write limits' defaults of every tenant. */
const INGESTION_LIMITS_FLAGS: readonly FlagSpec[] = [
  { name: "limits.ingestion-rate", default: "0", help: "Default samples per second a tenant may remote_write (0: unlimited); over it, 429." },
  { name: "limits.ingestion-burst-size", default: "0", help: "Default samples a tenant may send at once above the rate (0: one second's worth)." },
  { name: "limits.max-global-series-per-user", default: "0", help: "Default series a tenant may have in the head (0: unlimited); over it, 400." },
];

/** The query limits' defaults of every tenant. */
const QUERY_LIMITS_FLAGS: readonly FlagSpec[] = [
  { name: "limits.max-concurrent-queries", default: "0", help: "Default API requests a tenant may run at once (0: unlimited); over it, 429." },
  {
    name: "limits.max-fetched-series-per-query",
    default: "0",
    help: "Default series one request of a tenant may fetch (0: unlimited); checked on the cost estimate before execution and as series stream in.",
  },
  { name: "limits.max-samples-per-query", default: "0", help: "Default samples (in fetched chunks) one request of a tenant may fetch (0: unlimited)." },
  { name: "limits.max-query-length", default: "0s", help: "Default time range one request of a tenant may read (0s: unlimited)." },
  { name: "limits.max-response-size", default: "0", help: "Default size of a tenant's JSON answer (e.g. 10MB; 0: unlimited)." },
];

/** Per-tenant limits: the defaults of every tenant, and a Mimir-like overrides file (`orrery start`, `query`). */
export const LIMITS_FLAGS: readonly FlagSpec[] = [...LIMITS_FILE_FLAGS, ...INGESTION_LIMITS_FLAGS, ...QUERY_LIMITS_FLAGS];

/** Per-tenant remote_write limits (`orrery receive`): the same limiter and overrides file, without the query limits. */
export const RECEIVE_LIMITS_FLAGS: readonly FlagSpec[] = [...LIMITS_FILE_FLAGS, ...INGESTION_LIMITS_FLAGS];

export interface LimitsConfig {
  readonly defaults: TenantLimits;
  readonly file: string | undefined;
  readonly reloadMs: number;
}

/** The limits the flags give; undefined when none is set (no limiter, no per-request cost). */
export function limitsConfig(given: Record<string, string>): LimitsConfig | undefined {
  // A process with a part of the group (receive) gets the other limits' defaults: unlimited.
  const values = Object.fromEntries(LIMITS_FLAGS.map((f) => [f.name, given[f.name] ?? f.default]));
  const rate = Number(values["limits.ingestion-rate"] ?? "0");
  if (!Number.isFinite(rate) || rate < 0) throw new FlagError(`invalid --limits.ingestion-rate=${values["limits.ingestion-rate"]}: want a number of samples per second ≥ 0`);
  const defaults: TenantLimits = {
    ingestionRate: rate,
    ingestionBurstSize: integerFlag(values, "limits.ingestion-burst-size", 0),
    maxGlobalSeriesPerUser: integerFlag(values, "limits.max-global-series-per-user", 0),
    maxConcurrentQueries: integerFlag(values, "limits.max-concurrent-queries", 0),
    maxFetchedSeriesPerQuery: integerFlag(values, "limits.max-fetched-series-per-query", 0),
    maxSamplesPerQuery: integerFlag(values, "limits.max-samples-per-query", 0),
    maxQueryLengthMs: durationFlag(values, "limits.max-query-length", true),
    maxResponseSizeBytes: byteSize(values["limits.max-response-size"] ?? "0", "--limits.max-response-size"),
  };
  const file = values["limits.config-file"] || undefined;
  if (file === undefined && Object.values(defaults).every((v) => v === 0)) return undefined;
  if (file !== undefined) checkLimitsFile(file, defaults);
  return { defaults, file, reloadMs: durationFlag(values, "limits.reload-period") };
}

function checkLimitsFile(file: string, defaults: TenantLimits): void {
  try {
    parseLimitsOverrides(readFileSync(file, "utf8"), file, defaults);
  } catch (err) {
    throw new FlagError(err instanceof LimitsConfigError ? err.message : `invalid --limits.config-file=${file}: ${(err as Error).message}`);
  }
}

/** The limiter the config describes, its file loaded (a bad one is a FlagError naming the file and key) and its reloading started. */
export function openLimiter(cfg: LimitsConfig, registry: Registry, log: Logger): TenantLimiter {
  try {
    const limiter = new TenantLimiter({ defaults: cfg.defaults, file: cfg.file, reloadMs: cfg.reloadMs, registry, log: (line) => log.warn(line) });
    limiter.start();
    return limiter;
  } catch (err) {
    if (err instanceof LimitsConfigError) throw new FlagError(err.message);
    throw err;
  }
}

/** Thanos Receive's tenancy flags: remote_write series are labelled with the writer's tenant. */
export const RECEIVE_TENANCY_FLAGS: readonly FlagSpec[] = [
  { name: "receive.tenant-header", default: "THANOS-TENANT", help: "Request header naming the writing tenant (X-Scope-OrgID accepted too)." },
  { name: "receive.default-tenant-id", default: "default-tenant", help: "Tenant of a remote_write request that names none." },
  { name: "receive.tenant-label-name", default: "tenant_id", help: "Label set on every received series to its tenant, replacing any the sender gave." },
];

/** The tenancy settings of the flags with `prefix` ("query" or "receive"). */
export function tenancyFlags(values: Record<string, string>, prefix: "query" | "receive"): TenancyConfig {
  const get = (name: string): string => values[`${prefix}.${name}`] ?? "";
  const cfg = { header: get("tenant-header"), defaultTenant: get("default-tenant-id"), labelName: get("tenant-label-name"), enforce: get("enforce-tenancy") === "true" };
  if (!/^[A-Za-z0-9-]+$/.test(cfg.header)) throw new FlagError(`invalid --${prefix}.tenant-header=${cfg.header}: want an HTTP header name`);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(cfg.labelName)) throw new FlagError(`invalid --${prefix}.tenant-label-name=${cfg.labelName}: want a label name`);
  if (cfg.defaultTenant === "") throw new FlagError(`invalid --${prefix}.default-tenant-id: must not be empty`);
  return cfg;
}

export const LOG_FLAG: FlagSpec = { name: "log.level", default: "info", help: "Only log messages at or above this level: debug, info, warn, error." };

export const GRPC_CLIENT_FLAG_SPECS: readonly FlagSpec[] = GRPC_CLIENT_FLAGS;
export const GRPC_SERVER_FLAG_SPECS: readonly FlagSpec[] = GRPC_SERVER_FLAGS;

/** The gRPC server flags with --grpc-address off unless given (`orrery start`). */
export const OPTIONAL_GRPC_SERVER_FLAG_SPECS: readonly FlagSpec[] = GRPC_SERVER_FLAGS.map((f) =>
  f.name === "grpc-address" ? { ...f, default: "", help: "Listen host:port for the gRPC StoreAPI serving this process's head; empty: off." } : f,
);

// ── Typed settings ──

export interface QueryConfig {
  lookbackDeltaMs: number;
  queryTimeoutMs: number;
  maxSamples: number;
  costEstimate: boolean;
  maxConcurrency: number;
  maxQueueLength: number;
  autoDownsampling: boolean;
  /** Window worker threads (--query.parallelism resolved; 0: none). */
  parallelism: number;
  parallelMinSamples: number;
}

export function queryConfig(values: Record<string, string>): QueryConfig {
  return {
    lookbackDeltaMs: durationFlag(values, "query.lookback-delta"),
    queryTimeoutMs: durationFlag(values, "query.timeout"),
    maxSamples: integerFlag(values, "query.max-samples", 1),
    costEstimate: values["query.cost-estimate"] === "true",
    maxConcurrency: integerFlag(values, "query.max-concurrency", 1),
    maxQueueLength: integerFlag(values, "query.max-queue-length", 0),
    autoDownsampling: values["query.auto-downsampling"] === "true",
    parallelism: values["query.parallelism"] === "auto" ? Math.max(0, availableParallelism() - 1) : integerFlag(values, "query.parallelism", 0),
    parallelMinSamples: integerFlag(values, "query.parallel-min-samples", 0),
  };
}

/** The engine's window workers for --query.parallelism, or undefined for none; close it on shutdown. */
export function openWindowWorkers(cfg: QueryConfig): WindowWorkerPool | undefined {
  return cfg.parallelism > 0 ? new WindowWorkerPool({ size: cfg.parallelism, minSamples: cfg.parallelMinSamples }) : undefined;
}

export interface FederationConfig {
  endpoints: string[];
  sdFiles: string[];
  prometheusUrls: string[];
  /** Prometheus servers from --prometheus.config-file, with their credentials and TLS. */
  remoteReads: RemoteReadEndpoint[];
  replicaLabels: string[];
  partialResponse: boolean;
  storeResponseTimeoutMs: number;
  grpcClient: GrpcStoreClientOptions;
}

export function federationConfig(flags: ParsedFlags): FederationConfig {
  const { values, lists } = flags;
  const nonEmpty = (name: string): string[] => (lists[name] ?? []).filter((v) => v !== "");
  const prometheusUrls = nonEmpty("prometheus.url");
  for (const url of prometheusUrls) {
    if (!/^https?:\/\/[^/]+/.test(url)) throw new FlagError(`invalid --prometheus.url=${url}: want http://host:port or https://host:port`);
  }
  const endpoints = nonEmpty("endpoint");
  for (const e of endpoints) {
    if (!/^(\[[^\]]+\]|[^:/\s]+):\d+$/.test(e)) throw new FlagError(`invalid --endpoint=${e}: want host:port`);
  }
  const remoteReads = remoteReadFlag(values);
  for (const r of remoteReads) {
    if (prometheusUrls.some((u) => u.replace(/\/+$/, "") === r.url)) throw new FlagError(`${r.url} is given both by --prometheus.url and by --prometheus.config-file: give it once`);
  }
  return {
    endpoints,
    sdFiles: nonEmpty("endpoint.sd-files"),
    prometheusUrls,
    remoteReads,
    replicaLabels: nonEmpty("query.replica-label"),
    partialResponse: values["query.partial-response"] === "true",
    storeResponseTimeoutMs: durationFlag(values, "store.response-timeout", true),
    grpcClient: grpcFlags(() => grpcClientOptionsFromFlags(values)),
  };
}

/** Whether any store besides the process's own head is configured. */
export function hasRemoteStores(cfg: FederationConfig): boolean {
  return cfg.endpoints.length + cfg.sdFiles.length + cfg.prometheusUrls.length + cfg.remoteReads.length > 0;
}

function remoteReadFlag(values: Record<string, string>): RemoteReadEndpoint[] {
  const config = pathOrContent(values, "prometheus.config");
  if (config === undefined) return [];
  try {
    return parseRemoteReadConfig(config.text, config.source);
  } catch (err) {
    if (err instanceof RemoteReadConfigError) throw new FlagError(err.message);
    throw err;
  }
}

/**
 * The object store the OBJSTORE_FLAGS give (open it with openBucket), or undefined when neither flag
 * is and the bucket is optional; a FlagError when both are, or the file or its content is bad.
 */
export function objstoreConfigFlag(values: Record<string, string>, required: boolean): ObjstoreConfig | undefined {
  const config = pathOrContent(values, "objstore.config");
  if (config === undefined) {
    if (required) throw new FlagError("one of --objstore.config-file or --objstore.config is required");
    return undefined;
  }
  try {
    return parseObjstoreConfig(config.text, config.source);
  } catch (err) {
    if (err instanceof ObjstoreConfigError) throw new FlagError(err.message);
    throw err;
  }
}

// ── Shipping the head's blocks to a bucket ──

export interface ShippingConfig {
  /** undefined: no bucket; the head cuts no blocks and only truncates to its window. */
  readonly objstore: ObjstoreConfig | undefined;
  readonly blockDurationMs: number;
}

/** The shipping settings from OBJSTORE_FLAGS and the block duration flag named `blockDurationFlag`. */
export function shippingConfig(values: Record<string, string>, blockDurationFlag: string): ShippingConfig {
  return { objstore: objstoreConfigFlag(values, false), blockDurationMs: durationFlag(values, blockDurationFlag) };
}

export interface ShippingDeps {
  /** The head's data directory: blocks wait there for upload, beside thanos.shipper.json. */
  readonly dataDir: string;
  /** meta.json's thanos.source. */
  readonly source: ThanosSource;
  readonly externalLabels: Labels;
  readonly registry: Registry;
  readonly log: Logger;
  /** After an upload, before the head truncates: what reads the bucket catches up. */
  readonly onUploaded?: (ulids: readonly string[]) => Promise<void>;
}

/** The head → block → bucket shipper of one command, with its bucket. */
export interface Shipping {
  readonly shipper: Shipper;
  readonly bucket: ObjectBucket;
  /** What the head must be opened with: chunks cut at block edges, truncation held back until upload, no sample into a cut range. */
  readonly headOptions: { readonly chunkRangeMs: number; readonly truncationLimit: () => number; readonly appendFloor: () => number };
  /** Loads the shipper's state (call once the head holds the directory's lock) and starts its timer. */
  start(head: Head): Promise<void>;
  /** Stops the timer after a last sync (what is due is cut and everything pending uploaded), and closes the bucket. */
  close(head: Head): Promise<void>;
}

/** Opens the bucket and the shipper when an objstore is configured; undefined (nothing shipped) otherwise. */
export async function openShipping(cfg: ShippingConfig, deps: ShippingDeps): Promise<Shipping | undefined> {
  if (cfg.objstore === undefined) return undefined;
  const bucket = await openBucket(cfg.objstore);
  const shipper = new Shipper({
    dir: deps.dataDir,
    bucket,
    blockDurationMs: cfg.blockDurationMs,
    source: deps.source,
    externalLabels: deps.externalLabels,
    registry: deps.registry,
    log: deps.log,
    onUploaded: deps.onUploaded,
  });
  return {
    shipper,
    bucket,
    headOptions: { chunkRangeMs: cfg.blockDurationMs, truncationLimit: shipper.truncationLimit, appendFloor: shipper.appendFloor },
    async start(head) {
      await shipper.load();
      deps.log.info(`shipping ${cfg.blockDurationMs / 60_000}m blocks of the head to ${bucket.name}`);
      shipper.start(head);
    },
    async close(head) {
      await shipper.stop();
      await shipper.sync(head).catch((err: Error) => deps.log.warn(`last block shipment before shutdown failed; the WAL keeps the data for the next start: ${err.message}`));
      await bucket.close();
    },
  };
}

/** Starts shipping from `head` (none: true); on failure logs it, closes the bucket and the head, and says false. */
export async function startShipping(shipping: Shipping | undefined, head: Head, log: Logger): Promise<boolean> {
  try {
    await shipping?.start(head);
    return true;
  } catch (err) {
    log.error(`cannot start shipping blocks: ${(err as Error).message}`);
    await shipping?.bucket.close();
    await head.close();
    return false;
  }
}

/** Runs a gRPC flag parser, reporting its error as a FlagError (exit 2). */
export function grpcFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof GrpcFlagError) throw new FlagError(err.message);
    throw err;
  }
}

/** `--label name="value"` values as a label set; throws a FlagError naming the bad one. */
export function externalLabelsFlag(values: readonly string[]): Labels {
  const out: Label[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (v === "") continue;
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")$/.exec(v);
    if (m === null) throw new FlagError(`invalid --label=${v}: want name="value"`);
    const name = m[1]!;
    if (seen.has(name)) throw new FlagError(`invalid --label=${v}: label ${name} given twice`);
    seen.add(name);
    let value: string;
    try {
      value = JSON.parse(m[2]!) as string;
    } catch {
      throw new FlagError(`invalid --label=${v}: bad escape in the quoted value`);
    }
    out.push({ name, value });
  }
  return labelsFromList(out);
}

// ── The federated store ──

/** Addresses of `--prometheus.url` stores in the endpoint set: the URL itself. */
const isPrometheusUrl = (address: string): boolean => /^https?:\/\//.test(address);

export interface Federation {
  /** The store a query reads by default (the proxy over every store). */
  readonly store: Store;
  /** The per-request view for the API (dedup, replicaLabels[], partial_response). */
  readonly storeFor: (options: StoreViewOptions) => Store;
  readonly storeStatus: () => readonly StoreEndpointStatus[];
  /** Every store the proxy reads, each on its own: the process's own, then the endpoints. */
  readonly stores: () => readonly StoreRef[];
  start(): void;
  stop(): void;
}

export interface FederationDeps {
  readonly registry: Registry;
  /** Stores of the process itself, always queried (e.g. `orrery start`'s head). */
  readonly local?: readonly StoreRef[];
  /** Endpoint-set timing, for tests. */
  readonly tickMs?: number;
}

/**
 * The proxy over `--endpoint`s, `--endpoint.sd-files` targets and `--prometheus.url`s: one endpoint
 * set polls them all (a Prometheus server is keyed by its URL), unhealthy ones are left out.
 */
export function openFederation(cfg: FederationConfig, deps: FederationDeps): Federation {
  const clients = new Map<string, GrpcStoreClient>();
  const retired = new Map<string, number>();
  const timeoutMs = cfg.storeResponseTimeoutMs > 0 ? cfg.storeResponseTimeoutMs : 120_000;
  const remoteReads = new Map(cfg.remoteReads.map((r) => [r.url, r]));
  const factory: StoreFactory = (address) => {
    const remoteRead = remoteReads.get(address);
    if (remoteRead !== undefined) return new PrometheusStore(remoteReadStoreOptions(remoteRead, timeoutMs));
    if (isPrometheusUrl(address)) return new PrometheusStore({ url: address, timeoutMs });
    // A re-created client's predecessor keeps its counts, so the counter never goes down.
    for (const [reason, n] of clients.get(address)?.droppedChunks() ?? []) retired.set(`${address}\n${reason}`, (retired.get(`${address}\n${reason}`) ?? 0) + n);
    const client = new GrpcStoreClient(address, cfg.grpcClient);
    clients.set(address, client);
    return client;
  };
  registerDroppedChunks(deps.registry, clients, retired);
  const endpoints = new EndpointSet({
    factory,
    staticAddresses: [...cfg.endpoints, ...cfg.prometheusUrls, ...remoteReads.keys()],
    sdFiles: cfg.sdFiles,
    tickMs: deps.tickMs,
  });
  const local = deps.local ?? [];
  const stores = (): StoreRef[] => [...local, ...endpoints.storeRefs()];
  const proxy = new ProxyStore({
    stores,
    storeResponseTimeoutMs: cfg.storeResponseTimeoutMs,
  });
  return {
    store: proxy,
    storeFor: (o) => proxy.view({ replicaLabels: o.replicaLabels, partialResponseDisabled: !o.partialResponse }),
    storeStatus: () => endpoints.status(),
    stores,
    start: () => endpoints.start(),
    stop: () => endpoints.stop(),
  };
}

/** orrery_storeapi_client_chunks_dropped_total{endpoint,reason}, read from the clients at scrape time. */
function registerDroppedChunks(registry: Registry, clients: ReadonlyMap<string, GrpcStoreClient>, retired: ReadonlyMap<string, number>): void {
  new Counter({
    name: "orrery_storeapi_client_chunks_dropped_total",
    help: "Chunks a StoreAPI client could not use (unknown encoding, corrupt bytes), by endpoint and reason.",
    labelNames: ["endpoint", "reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of retired) {
        const [endpoint, reason] = key.split("\n");
        this.inc({ endpoint, reason }, n);
      }
      for (const [endpoint, client] of clients) for (const [reason, n] of client.droppedChunks()) this.inc({ endpoint, reason }, n);
    },
  });
}

/** A store of the process itself as the proxy sees it: always selected, whatever the time range. */
export function localStoreRef(name: string, store: Store, externalLabels: Labels): StoreRef {
  return {
    name,
    store,
    info: {
      labelSets: externalLabels.length > 0 ? [externalLabels] : [],
      minTime: Number.MIN_SAFE_INTEGER,
      maxTime: Number.MAX_SAFE_INTEGER,
      resolutions: [0],
      supportsAggregationPushdown: false,
    },
  };
}

// ── The head's remote_write receiver ──

export interface HeadWriting {
  readonly remoteWrite: RemoteWriteHandler;
  readonly exemplars: ExemplarQuerier;
  readonly metadata: MetadataQuerier;
  readonly received: RemoteWriteContext;
  /** Stops the snappy thread (after the API: a body that still comes is decoded on the event loop). */
  close(): Promise<void>;
}

/**
 * remote_write into the head, with the exemplars and metadata it carries kept for the API; rejections
 * logged as warnings. With `tenancy`, every series gets the tenant label of the writer (the default tenant without a header).
 */
export function headWriting(head: Head, registry: Registry, log: Logger, maxDecodedBytes?: number, tenancy?: TenancyConfig, limiter?: TenantLimiter, snappyThread = true): HeadWriting {
  const snappy = snappyThread ? new SnappyWorker() : undefined;
  const received = createRemoteWriteContext({ registry, log: (line) => log.warn(line), maxDecodedBytes, snappy });
  const tenantLabel = (headers: Parameters<RemoteWriteHandler>[1]): Label | undefined => {
    if (tenancy === undefined) return undefined;
    // Without enforcement, a request naming no tenant is stored as sent (an empty default resolves to "").
    const tenant = tenantOf(headers, tenancy.enforce ? tenancy : { ...tenancy, defaultTenant: "" });
    return tenant === "" ? undefined : { name: tenancy.labelName, value: tenant };
  };
  return {
    remoteWrite: (body, headers) => {
      const label = tenantLabel(headers);
      return handleRemoteWrite(head, body, headers, received, label, limiter === undefined ? undefined : ingestionLimits(head, limiter, tenancy, headers, label));
    },
    exemplars: {
      select: (start, end, sets) =>
        received.exemplars.select(sets, start, end).map((s) => ({
          seriesLabels: s.seriesLabels,
          exemplars: s.exemplars.map((e) => ({ labels: e.labels, value: e.value, t: e.timestamp })),
        })),
    },
    metadata: { get: (metric) => received.metadata.get(metric) },
    received,
    close: async () => snappy?.close(),
  };
}

/**
 * The remote_write admission of the writing tenant: its series in the head, then its samples per
 * second. Its series are those carrying the label its write gets (`label`); a write stored as sent
 * under tenancy (receive without a tenant header) is the default tenant's, whose series have no tenant label.
 */
function ingestionLimits(
  head: Head,
  limiter: TenantLimiter,
  tenancy: TenancyConfig | undefined,
  headers: Parameters<RemoteWriteHandler>[1],
  label: Label | undefined,
): (samples: number) => Promise<{ status: number; message: string } | undefined> {
  const tenant = tenantOf(headers, tenancy ?? DEFAULT_TENANCY);
  const labelName = (tenancy ?? DEFAULT_TENANCY).labelName;
  const own = label ?? { name: labelName, value: tenancy === undefined ? tenant : "" };
  return async (samples) => {
    if (limiter.limits(tenant).maxGlobalSeriesPerUser > 0) {
      const refused = limiter.admitSeries(tenant, await tenantSeries(head, own));
      if (refused !== undefined) return refused;
    }
    return limiter.admitSamples(tenant, samples);
  };
}

/** How many series carrying `own` the head holds (value "": those without the label; labels only, no chunks read). */
async function tenantSeries(head: Head, own: Label): Promise<number> {
  let n = 0;
  const request = { matchers: [{ name: own.name, op: "=" as const, value: own.value }], minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, skipChunks: true };
  for await (const frame of head.series(request)) n += frame.series.length;
  return n;
}

export function metricType(type: string): MetricType {
  return (METRIC_TYPES as readonly string[]).includes(type) ? (type as MetricType) : "unknown";
}

/** Opens the head, replaying its WAL, starts it, and logs what the replay found. */
export async function openLoggedHead(dataDir: string, options: OpenHeadOptions, log: Logger): Promise<Head> {
  log.info(`opening head store in ${dataDir}`);
  const opened = await openHead(dataDir, options);
  opened.head.start();
  if (opened.replay !== undefined) log.info(`replayed the WAL: ${describeReplay(opened.replay)}, ${opened.replaySkipped} samples skipped`);
  for (const w of opened.warnings) log.warn(w);
  return opened.head;
}

/** A WAL replay summary for the log: its numeric fields as key=value. */
function describeReplay(replay: object): string {
  return Object.entries(replay)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k}=${v as number}`)
    .join(" ");
}

// ── The query frontend (`orrery start` and `orrery frontend`) ──

/** Thanos Query Frontend's flags, and orrery's for the cache backends. */
export const FRONTEND_FLAGS: readonly FlagSpec[] = [
  { name: "query-range.split-interval", default: "24h", help: "Split range queries by this interval (pieces aligned to it, UTC) and run them in parallel; 0 turns splitting off." },
  { name: "query-range.align-range-with-step", default: "true", boolean: true, help: "Move start and end of range queries down to multiples of the step, so dashboards hit the cache." },
  { name: "query-range.max-query-parallelism", default: "14", help: "Pieces of one range query sent downstream at the same time." },
  { name: "query-range.max-retries-per-request", default: "5", help: "Retries of a piece that failed with a 5xx or a connection error (with back-off)." },
  { name: "query-range.response-cache-max-freshness", default: "1m", help: "Steps newer than now minus this are never cached (late samples can still change them)." },
  { name: "query-range.response-cache-config", default: "", help: "Results cache config as Thanos YAML (type: IN-MEMORY or REDIS, config: …); overrides the cache.* flags." },
  { name: "query-range.response-cache-config-file", default: "", help: "File holding the results cache config YAML." },
  {
    name: "query-frontend.vertical-shards",
    default: "1",
    help: "Run a range query whose aggregations group by labels (sum by (job), …) as this many queries, each over the series hashed into its shard (Thanos shard_info; downstream must be orrery or Thanos Query); 1: off.",
  },
  { name: "labels.default-time-range", default: "24h", help: "Range of a labels, label values or series request that gives no start and end." },
  { name: "cache.in-memory.max-size", default: "256MB", help: "Largest size of the in-process results cache (B, KB, MB, GB; powers of 1024); 0 turns caching off." },
  { name: "cache.redis.address", default: "", help: "host:port of a Redis to keep the results cache in (shared by frontend replicas) instead of in process." },
  { name: "cache.redis.db", default: "0", help: "Redis database number." },
  { name: "cache.redis.username", default: "", help: "Redis ACL user name." },
  { name: "cache.redis.password", default: "", help: "Redis password (visible in the process list: prefer --cache.redis.password-file)." },
  { name: "cache.redis.password-file", default: "", help: "File holding the Redis password." },
  { name: "cache.redis.tls", default: "false", boolean: true, help: "Connect to Redis over TLS." },
  { name: "cache.redis.tls-ca-file", default: "", help: "CA certificate(s) that sign Redis's certificate (default: the system's)." },
  { name: "cache.redis.tls-cert-file", default: "", help: "Client certificate for Redis (with --cache.redis.tls-key-file), for tls-auth-clients." },
  { name: "cache.redis.tls-key-file", default: "", help: "Key of the client certificate for Redis." },
  { name: "cache.redis.tls-server-name", default: "", help: "Name to verify Redis's certificate against (default: the address's host)." },
  { name: "cache.redis.key-prefix", default: "orrery:", help: "Prefix of every key orrery writes to Redis." },
  { name: "cache.redis.ttl", default: "24h", help: "Expiry of every results cache entry in Redis." },
  { name: "cache.timeout", default: "500ms", help: "Longest wait for a cache read or write; past it the request goes on uncached." },
];

export type CacheBackendConfig =
  | { type: "none" }
  | { type: "in-memory"; maxSizeBytes: number; ttlMs: number }
  | { type: "redis"; redis: RedisBackendOptions };

export interface FrontendConfig {
  splitIntervalMs: number;
  alignRangeWithStep: boolean;
  maxParallelism: number;
  maxRetries: number;
  maxFreshnessMs: number;
  labelsDefaultRangeMs: number;
  cacheTimeoutMs: number;
  verticalShards: number;
  cache: CacheBackendConfig;
}

/** The frontend's settings from its flags (and cache config YAML); throws FlagError naming a bad one. */
export function frontendConfig(values: Record<string, string>, readFile: (path: string) => string): FrontendConfig {
  const cacheTimeoutMs = durationFlag(values, "cache.timeout");
  const file = values["query-range.response-cache-config-file"] ?? "";
  let yaml = values["query-range.response-cache-config"] ?? "";
  if (yaml === "" && file !== "") {
    try {
      yaml = readFile(file);
    } catch (err) {
      throw new FlagError(`cannot read --query-range.response-cache-config-file=${file}: ${(err as Error).message}`);
    }
  }
  yaml = expandEnv(yaml, file !== "" ? `--query-range.response-cache-config-file=${file}` : "--query-range.response-cache-config");
  return {
    splitIntervalMs: durationFlag(values, "query-range.split-interval", true),
    alignRangeWithStep: values["query-range.align-range-with-step"] === "true",
    maxParallelism: integerFlag(values, "query-range.max-query-parallelism", 1),
    maxRetries: integerFlag(values, "query-range.max-retries-per-request", 0),
    maxFreshnessMs: durationFlag(values, "query-range.response-cache-max-freshness", true),
    labelsDefaultRangeMs: durationFlag(values, "labels.default-time-range"),
    cacheTimeoutMs,
    verticalShards: integerFlag(values, "query-frontend.vertical-shards", 1),
    cache: yaml !== "" ? cacheConfigYaml(yaml, file !== "" ? file : "--query-range.response-cache-config", cacheTimeoutMs) : cacheFlags(values, cacheTimeoutMs),
  };
}

function cacheFlags(values: Record<string, string>, timeoutMs: number): CacheBackendConfig {
  const address = values["cache.redis.address"] ?? "";
  if (address !== "") {
    return {
      type: "redis",
      redis: {
        address: checkedRedisAddress(address, "--cache.redis.address"),
        db: integerFlag(values, "cache.redis.db", 0),
        username: values["cache.redis.username"],
        password: redisPasswordFlags(values),
        tls: values["cache.redis.tls"] === "true" ? redisTls({ caFile: values["cache.redis.tls-ca-file"] ?? "", certFile: values["cache.redis.tls-cert-file"] ?? "", keyFile: values["cache.redis.tls-key-file"] ?? "", serverName: values["cache.redis.tls-server-name"] ?? "", insecureSkipVerify: false }, (key) => `--cache.redis.tls-${key.replace("_file", "-file").replace("_", "-")}`) : false,
        keyPrefix: values["cache.redis.key-prefix"],
        ttlMs: durationFlag(values, "cache.redis.ttl", true),
        timeoutMs,
      },
    };
  }
  const size = byteSize(values["cache.in-memory.max-size"]!, "--cache.in-memory.max-size");
  return size === 0 ? { type: "none" } : { type: "in-memory", maxSizeBytes: size, ttlMs: 0 };
}

/** Thanos's response cache config: `type: IN-MEMORY|REDIS` and its `config:` mapping. */
export function cacheConfigYaml(text: string, where: string, timeoutMs: number): CacheBackendConfig {
  let doc: YamlValue;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new FlagError(`invalid cache config in ${where}: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new FlagError(`invalid cache config in ${where}: want a mapping with type and config`);
  const type = String(doc["type"] ?? "").toUpperCase();
  const config = doc["config"] ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new FlagError(`invalid cache config in ${where}: config must be a mapping`);
  const str = (key: string, dflt: string): string => (config[key] === undefined || config[key] === null ? dflt : String(config[key]));
  const duration = (key: string, dflt: string): number => durationFlag({ [`${key} in ${where}`]: str(key, dflt) }, `${key} in ${where}`, true);
  if (type === "IN-MEMORY" || type === "INMEMORY") {
    const size = byteSize(str("max_size", "256MB"), `max_size in ${where}`);
    return size === 0 ? { type: "none" } : { type: "in-memory", maxSizeBytes: size, ttlMs: duration("validity", "0s") };
  }
  if (type === "REDIS") {
    const addr = str("addr", "");
    if (addr === "") throw new FlagError(`invalid cache config in ${where}: a REDIS cache needs config.addr`);
    const db = Number(str("db", "0"));
    if (!Number.isInteger(db) || db < 0) throw new FlagError(`invalid cache config in ${where}: db must be a whole number ≥ 0, got ${str("db", "")}`);
    return {
      type: "redis",
      redis: {
        address: checkedRedisAddress(addr, `config.addr in ${where}`),
        db,
        username: str("username", ""),
        password: str("password", ""),
        tls: str("tls_enabled", "false") === "true" ? redisTlsYaml(config["tls_config"] ?? null, where) : false,
        keyPrefix: str("key_prefix", "orrery:"),
        ttlMs: duration("expiration", "24h"),
        timeoutMs,
      },
    };
  }
  throw new FlagError(`invalid cache config in ${where}: unknown type ${JSON.stringify(doc["type"] ?? "")} (want IN-MEMORY or REDIS)`);
}

function redisPasswordFlags(values: Record<string, string>): string {
  const file = values["cache.redis.password-file"] ?? "";
  if (file === "") return values["cache.redis.password"] ?? "";
  if ((values["cache.redis.password"] ?? "") !== "") throw new FlagError("--cache.redis.password and --cache.redis.password-file are both given: give one");
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new FlagError(`invalid --cache.redis.password-file=${file}: ${(err as Error).message}`);
  }
}

interface RedisTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  serverName: string;
  insecureSkipVerify: boolean;
}

/** Thanos's redis `tls_config` (ca_file, cert_file, key_file, server_name, insecure_skip_verify). */
function redisTlsYaml(value: YamlValue, where: string): true | RedisTlsOptions {
  if (value === null) return true;
  if (typeof value !== "object" || Array.isArray(value)) throw new FlagError(`invalid cache config in ${where}: config.tls_config must be a mapping`);
  const known = ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version"];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new FlagError(`invalid cache config in ${where}: config.tls_config.${key}: unknown key (known here: ${known.join(", ")})`);
  }
  const str = (key: string): string => (value[key] === undefined || value[key] === null ? "" : String(value[key]));
  const files = { caFile: str("ca_file"), certFile: str("cert_file"), keyFile: str("key_file"), serverName: str("server_name"), insecureSkipVerify: value["insecure_skip_verify"] === true };
  return redisTls(files, (key) => `cache config in ${where}: config.tls_config.${key}`);
}

/** The TLS options for Redis with the files read; `name` turns a key (ca_file …) into what the error calls it. */
function redisTls(files: RedisTlsFiles, name: (key: string) => string): true | RedisTlsOptions {
  if (files.caFile === "" && files.certFile === "" && files.keyFile === "" && files.serverName === "" && !files.insecureSkipVerify) return true;
  if ((files.certFile === "") !== (files.keyFile === "")) throw new FlagError(`invalid ${name(files.certFile === "" ? "cert_file" : "key_file")}: missing; give a client certificate and its key together`);
  const read = (key: string, path: string): string | undefined => {
    if (path === "") return undefined;
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      throw new FlagError(`invalid ${name(key)}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  return { ca: read("ca_file", files.caFile), cert: read("cert_file", files.certFile), key: read("key_file", files.keyFile), serverName: files.serverName || undefined, insecureSkipVerify: files.insecureSkipVerify };
}

function checkedRedisAddress(address: string, where: string): string {
  try {
    redisHostPort(address);
  } catch (err) {
    throw new FlagError(`invalid ${where}: ${(err as Error).message}`);
  }
  return address;
}

/** The frontend its config describes, on `registry`; close() disconnects its cache. */
export function openQueryFrontend(cfg: FrontendConfig, registry: Registry): { frontend: QueryFrontend; close(): Promise<void> } {
  const backend = cacheBackend(cfg.cache);
  const frontend = new QueryFrontend({
    registry,
    backend,
    splitIntervalMs: cfg.splitIntervalMs,
    alignRangeWithStep: cfg.alignRangeWithStep,
    maxParallelism: cfg.maxParallelism,
    maxRetries: cfg.maxRetries,
    maxFreshnessMs: cfg.maxFreshnessMs,
    labelsDefaultRangeMs: cfg.labelsDefaultRangeMs,
    cacheTimeoutMs: cfg.cacheTimeoutMs,
    verticalShards: cfg.verticalShards,
  });
  return { frontend, close: async () => backend?.close() };
}

function cacheBackend(cfg: CacheBackendConfig): CacheBackend | undefined {
  switch (cfg.type) {
    case "none":
      return undefined;
    case "in-memory":
      return new InMemoryBackend({ maxSizeBytes: cfg.maxSizeBytes, ttlMs: cfg.ttlMs });
    case "redis":
      return new RedisBackend(cfg.redis);
  }
}
