// What the roles that answer queries (start, query, frontend) share: the engine's flags and window
// workers, the federated store (endpoints, Prometheus servers, the proxy) and the query frontend.
// Apart from roles.ts, so a role without queries (receive) never loads the engine, the federation
// or the cache (~9 MB of RSS, measured on Node 20).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Counter, type Registry } from "prom-client";
import type { StoreEndpointStatus, StoreViewOptions } from "../api/index.js";
import { EndpointSet, ProxyStore, type StoreFactory, type StoreRef } from "../federation/index.js";
import { GrpcStoreClient, grpcClientOptionsFromFlags, type GrpcStoreClientOptions, type Labels, type Store, parseYaml, type YamlValue } from "../storeapi/index.js";
import { parseRemoteReadConfig, PrometheusStore, RemoteReadConfigError, type RemoteReadEndpoint, remoteReadStoreOptions } from "../stores/index.js";
import { type CacheBackend, InMemoryBackend, QueryFrontend, RedisBackend, type RedisBackendOptions, type RedisTlsOptions, redisHostPort } from "../cache/index.js";
import { DEFAULT_PARALLEL_MIN_SAMPLES, WindowWorkerPool } from "../engine/index.js";
import { byteSize, durationFlag, expandEnv, FlagError, type FlagSpec, integerFlag, type ParsedFlags, pathOrContent } from "./flags.js";
import { grpcFlags } from "./roles.js";

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
    help: "Worker threads a heavy range function call shares its chunk decoding and window evaluation with, and a range query's selector its reads (auto: CPUs − 1; 0: every query on one thread).",
  },
  {
    name: "query.parallel-min-samples",
    default: String(DEFAULT_PARALLEL_MIN_SAMPLES),
    help: "Least work (samples decoded + steps evaluated) for a range function call or a range query's selector to use the worker threads; smaller ones stay on one thread.",
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
