// The engine's public contract: what the API, the ruler and the conformance
// runner call, and the result shapes they consume.
import type { Registry } from "prom-client";
import type { Labels, Store } from "../storeapi/index.js";
import type { Explain } from "./model.js";
import type { FloatHistogram } from "./histogram/index.js";
import type { PlanContext, PlanNode } from "../planner/index.js";
import type { WindowWorkerPool } from "./parallel/pool.js";

export interface EngineOptions {
  /** Lookback delta for instant selectors, ms. Default 300000 (5m). */
  lookbackDeltaMs?: number;
  /** Maximum decoded points one query holds at once, as Prometheus counts them; exceeding it fails with kind "too_many_samples". Default 50,000,000. */
  maxSamples?: number;
  /** Query timeout, ms. Default 120000. */
  timeoutMs?: number;
  /** Step of subqueries written as `[range:]`, ms. Default 60000. */
  defaultEvaluationIntervalMs?: number;
  /** Accept experimental syntax and functions. Default true. */
  enableExperimental?: boolean;
  /** Where the engine's metrics (orrery_engine_*) are registered. Default: a registry of its own. */
  registry?: Registry;
  /**
   * Worker threads for the heavy part of a range function call (chunk decoding and window
   * evaluation), shared by the engine's queries. Default: none, every query runs on the caller's thread.
   */
  windowWorkers?: WindowWorkerPool;
}

/** Per-query overrides. */
export interface QueryOptions {
  lookbackDeltaMs?: number;
  /**
   * Coarsest downsampling resolution to read, ms (Thanos's max_source_resolution; 0 or absent: raw).
   * Above 0, selectors read the aggregate their function needs and the lookback widens to the resolution.
   */
  maxResolutionMs?: number;
  timeoutMs?: number;
  maxSamples?: number;
  signal?: AbortSignal;
}

export type ErrorKind = "bad_data" | "execution" | "timeout" | "canceled" | "too_many_samples" | "internal";

export interface PosRange {
  start: number;
  end: number;
}

/** A warning or info attached to a result, as Prometheus's annotations. */
export interface Annotation {
  kind: "warning" | "info";
  /** The message without the "PromQL warning: " prefix and without position. */
  message: string;
  /** Position of the offending expression in the query, when known. */
  pos?: PosRange;
  /** A store's own warning, shown as the store worded it (Prometheus prints storage warnings without the PromQL prefix). */
  fromStore?: boolean;
}

export interface QueryStats {
  /** Total samples read from selectors (Prometheus totalQueryableSamples). */
  totalSamples: number;
  /** Peak number of samples held at once (Prometheus peakSamples). */
  peakSamples: number;
  /** Wall time of evaluation, ms. */
  evalTimeMs: number;
}

export interface ScalarValue {
  type: "scalar";
  t: number;
  v: number;
}

export interface StringValue {
  type: "string";
  t: number;
  v: string;
}

/** One sample of an instant vector: a float `v`, or a native histogram `h` (then `v` is 0 and meaningless). */
export interface Sample {
  labels: Labels;
  t: number;
  v: number;
  h?: FloatHistogram;
}

export interface VectorValue {
  type: "vector";
  samples: Sample[];
}

export interface MatrixSeries {
  labels: Labels;
  /** Timestamps (ms) and values of the float points, same length, ascending time. */
  t: Float64Array;
  v: Float64Array;
  /** The histogram points, when the series has any (Prometheus's `histograms`, beside `values`). */
  histograms?: HistogramPoints;
}

/** Histogram points of a series: timestamps (ms) and histograms, same length, ascending time. */
export interface HistogramPoints {
  t: number[];
  h: FloatHistogram[];
}

export interface MatrixValue {
  type: "matrix";
  series: MatrixSeries[];
}

export type Value = ScalarValue | StringValue | VectorValue | MatrixValue;

export interface QueryResult {
  value: Value;
  warnings: Annotation[];
  infos: Annotation[];
  stats: QueryStats;
}

/** A prepared query; `exec` runs it once, `cancel` aborts it with kind "canceled". */
export interface Query {
  readonly query: string;
  /** The plan exec() will run, for a cost estimate before it runs (absent on engines without a planner). */
  readonly plan?: { readonly root: PlanNode; readonly context: PlanContext };
  exec(): Promise<QueryResult>;
  cancel(): void;
}

export interface QueryEngine {
  /** Parses and plans; throws QueryError (kind bad_data) for a bad query. */
  instantQuery(store: Store, query: string, timeMs: number, opts?: QueryOptions): Query;
  rangeQuery(store: Store, query: string, startMs: number, endMs: number, stepMs: number, opts?: QueryOptions): Query;
  /** The operator tree (stepMs 0: an instant query); absent on engines that cannot tell. */
  explain?(store: Store, query: string, startMs: number, endMs: number, stepMs: number, opts?: ExplainOptions): Promise<Explain>;
}

export interface ExplainOptions {
  /** Run the query and attach each operator's series, samples and time (`explain analyze`). */
  analyze?: boolean;
}
