// What the role subcommands (start, query, receive, store, …) share: their flag groups, the typed
// settings behind them, the head's remote_write wiring and the shipping of its blocks. One place, so a
// flag means the same thing in every command. The query side (engine, federation, frontend) is in
// query-roles.ts, so a role without queries (receive) never loads those modules.
import { readFileSync } from "node:fs";
import type { Registry } from "prom-client";
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
  DEFAULT_TENANCY,
  type TenancyConfig,
  tenantOf,
  type WebConfig,
  WebConfigError,
} from "../api/index.js";
import {
  GRPC_CLIENT_FLAGS,
  GRPC_SERVER_FLAGS,
  GrpcFlagError,
  labelsFromList,
  SnappyWorker,
  type Label,
  type Labels,
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
  type RemoteWriteContext,
  Shipper,
  type ThanosSource,
} from "../stores/index.js";
import { byteSize, durationFlag, FlagError, type FlagSpec, integerFlag, joinHostPort, type Logger, pathOrContent } from "./flags.js";
import type { IngestYoungGeneration } from "./heap-policy.js";

// ── Flag groups ──

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
  // Off: the thread's ~11 MB of RSS bought at most ~5 % of steady ingest at 10k series, none at 100k (README, Ingest speed).
  default: "false",
  boolean: true,
  help: "Snappy-decode remote_write bodies on a thread of their own (a second core, ~11 MB of RSS); false: on the event loop.",
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
export function headWriting(
  head: Head,
  registry: Registry,
  log: Logger,
  maxDecodedBytes?: number,
  tenancy?: TenancyConfig,
  limiter?: TenantLimiter,
  snappyThread = false,
  /** A receiver's young generation, told the head's size after each write. */
  young?: IngestYoungGeneration,
): HeadWriting {
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
      const written = handleRemoteWrite(head, body, headers, received, label, limiter === undefined ? undefined : ingestionLimits(head, limiter, tenancy, headers, label));
      if (young === undefined) return written;
      return written.then((res) => {
        young.headSeries(head.numSeries());
        return res;
      });
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
