// What the API is built from: the engine, the store and the optional parts a
// process may have (remote_write receiver, exemplars, metadata, head stats).
import type { LiveWebConfig } from "./webserver.js";
import type { TenancyConfig } from "./tenancy.js";
import type { TenantLimiter } from "./limits.js";
import type { CostPolicy } from "./cost.js";
import type { Registry } from "prom-client";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import type { QueryEngine } from "../engine/index.js";
import type { Labels, Matcher, Store } from "../storeapi/index.js";
import type { RulesSource } from "./rules.js";
import type { QueryGate } from "./gate.js";
import type { StoreViewOptions } from "./params.js";

/** A remote_write request handler, e.g. the head's receiver bound to the head. */
export type RemoteWriteHandler = (
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
) => Promise<{ status: number; message?: string; headers?: Readonly<Record<string, string>> }>;

export interface Exemplar {
  labels: Labels;
  value: number;
  /** ms */
  t: number;
}

export interface ExemplarSeries {
  seriesLabels: Labels;
  exemplars: Exemplar[];
}

/** Exemplars of the series matching any of the matcher sets, within [start, end] ms. */
export interface ExemplarQuerier {
  select(startMs: number, endMs: number, matcherSets: Matcher[][]): Promise<ExemplarSeries[]> | ExemplarSeries[];
}

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

/** Metric metadata by metric name (all metrics, or only `metric` when given). */
export interface MetadataQuerier {
  get(metric?: string): Promise<Record<string, MetricMetadata[]>> | Record<string, MetricMetadata[]>;
}

/** A head's sizes, as /api/v1/status/tsdb reports them. */
export interface HeadStatus {
  numSeries: number;
  chunkCount: number;
  /** Samples in the head's chunks. */
  numSamples: number;
  /** Estimated resident bytes of its series, chunks and index (orrery_head_memory_bytes). */
  memoryBytes: number;
}

export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

/** A store under the name /api/v1/stores and the proxy give it (an endpoint's address, "head"). */
export interface NamedStore {
  readonly name: string;
  readonly store: Store;
}

/** One StoreAPI endpoint as /api/v1/stores shows it (federation's EndpointSet.status() gives these). */
export interface StoreEndpointStatus {
  readonly name: string;
  /** When the endpoint was last checked, ms; undefined: never. */
  readonly lastCheckMs: number | undefined;
  readonly lastError: string | undefined;
  readonly labelSets: readonly Labels[];
  readonly minTime: number;
  readonly maxTime: number;
  /** Downsampling resolutions held, ms (0: raw data); absent or empty: not known. */
  readonly resolutions?: readonly number[];
  /** Thanos component type the endpoint is listed under (default "store"). */
  readonly type?: string;
}

/** A complete answer from a stage or from the routes behind it. */
export interface StageAnswer {
  status: number;
  /** JSON text, or its UTF-8 bytes in parts to be sent one after the other (the frontend's answers joined from cached bytes). */
  body: string | readonly Buffer[];
  /** Lower-case header names. */
  headers: Record<string, string>;
}

/** What the routes behind a stage answer: text, which the stage may parse. */
export interface TextAnswer extends StageAnswer {
  body: string;
}

/**
 * A stage in front of the engine for the routes in STAGED_ROUTES (the query
 * frontend): it answers from its cache or calls `next` with parameters of its own.
 */
export type QueryStage = (
  request: { path: string; params: URLSearchParams; headers: Readonly<Record<string, string | string[] | undefined>> },
  next: (params: URLSearchParams, signal: AbortSignal) => Promise<TextAnswer>,
  signal: AbortSignal,
) => Promise<StageAnswer>;

export interface ApiDeps {
  engine: QueryEngine;
  store: Store;
  /** Runs in front of the engine for query_range (see QueryStage); absent: none. */
  queryStage?: QueryStage;
  /**
   * The store a request reads from, given its `dedup` / `replicaLabels[]` / `partial_response`
   * (e.g. a ProxyStore's view); absent: `store` for every request.
   */
  storeFor?: (options: StoreViewOptions) => Store;
  /** Replica labels deduplicated on by default (`--query.replica-label`). */
  replicaLabels?: readonly string[];
  /** Whether a failing store gives a partial answer with warnings by default (`--query.partial-response`, default true). */
  partialResponse?: boolean;
  /** Where the API's own metrics are registered and what /metrics serves. */
  registry: Registry;
  /** Command-line flags as shown by /api/v1/status/flags. */
  flags?: Record<string, string>;
  /** Server query timeout, ms (default 120000, `--query.timeout`). */
  queryTimeoutMs?: number;
  /** Samples one query may hold (default 50,000,000, `--query.max-samples`). */
  maxSamples?: number;
  /** Whether a query's cost is estimated and checked before it runs (default true, `--query.cost-estimate`). */
  costEstimate?: boolean;
  /** Default lookback delta, ms (the engine's default when absent). */
  lookbackDeltaMs?: number;
  /** Without max_source_resolution, read downsampled data up to step/5 (`--query.auto-downsampling`, default false). */
  autoDownsampling?: boolean;
  /** Queries running at once (default 20, `--query.max-concurrency`). */
  maxConcurrency?: number;
  /** Queries waiting for a slot before new ones get 503 (default 10 × maxConcurrency). */
  maxQueuedQueries?: number;
  /** Largest request body accepted, bytes (default 32 MiB). */
  bodyLimitBytes?: number;
  /** Largest request line (URL) plus headers accepted, bytes (default 1 MiB, as Go's server). */
  maxHeaderBytes?: number;
  remoteWrite?: RemoteWriteHandler;
  exemplars?: ExemplarQuerier;
  metadata?: MetadataQuerier;
  /** Whether the process is ready to serve (e.g. WAL replayed). Default: always. */
  ready?: () => boolean;
  buildInfo?: Partial<BuildInfo>;
  /** The head's figures for /api/v1/status/tsdb (absent: no head, chunkCount 0 and no memory figures). */
  headStatus?: () => HeadStatus;
  /** Shown by /api/v1/status/config. */
  configYaml?: string;
  /** The StoreAPI endpoints for /api/v1/stores (absent: empty data). */
  storeStatus?: () => readonly StoreEndpointStatus[];
  /** Each store the query's view merges, on its own (per-store cardinality); absent: none listed. */
  individualStores?: () => readonly NamedStore[];
  /** Shown as storageRetention by /api/v1/status/runtimeinfo, e.g. "2h". */
  storageRetention?: string;
  /** Fastify's logger option (default off). */
  logger?: FastifyServerOptions["logger"];
  /** Tenant header, default tenant, tenant label and whether reads are limited to the tenant (--query.tenant-*). */
  tenancy?: TenancyConfig;
  /** --web.config.file in force: TLS, basic auth and headers on this listener; absent: plain HTTP, open. */
  web?: LiveWebConfig;
  /** The clock, ms (tests pin it). */
  now?: () => number;
  /** Registers the web UI's routes (ui/'s uiRoutes); absent: no UI, `/` answers 404. */
  uiRoutes?: (app: FastifyInstance) => void;
  /** The ruler behind /api/v1/rules, /api/v1/alerts and POST /-/reload (absent: empty lists). */
  rules?: RulesSource;
  /** Per-tenant query limits (concurrency, series, samples, length, response size); absent: none. */
  limits?: TenantLimiter;
}

/** The deps with defaults filled in, plus the parts buildApi creates. */
export interface ApiContext {
  tenancy: TenancyConfig;
  limits: TenantLimiter | undefined;
  engine: QueryEngine;
  store: Store;
  storeFor: ((options: StoreViewOptions) => Store) | undefined;
  storeViewDefaults: StoreViewOptions;
  registry: Registry;
  flags: Record<string, string>;
  queryTimeoutMs: number;
  maxSamples: number;
  /** Whether the cost estimate runs before a query (false: only the limits checked as it runs). */
  costEstimate: boolean;
  /** The limits a query's estimate is checked against (the process's; a tenant's request adds its own). */
  costPolicy: CostPolicy;
  lookbackDeltaMs: number | undefined;
  autoDownsampling: boolean;
  gate: QueryGate;
  remoteWrite: RemoteWriteHandler | undefined;
  exemplars: ExemplarQuerier | undefined;
  metadata: MetadataQuerier | undefined;
  ready: () => boolean;
  buildInfo: BuildInfo;
  configYaml: string;
  storageRetention: string;
  headStatus: (() => HeadStatus) | undefined;
  storeStatus: () => readonly StoreEndpointStatus[];
  individualStores: () => readonly NamedStore[];
  startTimeMs: number;
  now: () => number;
}

/** A handler's answer: HTTP status (default 200) and the JSON body, whole or in chunks (text or UTF-8 bytes). */
export interface JsonBody {
  status?: number;
  json: string | Iterable<string | Buffer>;
}
