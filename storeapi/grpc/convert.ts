// In-process Store types ↔ Thanos StoreAPI wire objects. Chunk bytes pass through untouched;
// only the encoding number changes (StoreAPI XOR=0… against chunkenc's XOR=1…).
import type {
  Aggregate,
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Matcher,
  MatcherOp,
  QueryHints,
  SeriesRequest,
  ShardInfo,
  StoreInfo,
} from "../types.js";
import { isSharded, shardInfoError } from "../shard.js";
import {
  WireAggr,
  WireMatcherType,
  fromWireInt64,
  WirePartialResponseStrategy,
  type WireInfoResponse,
  type WireInt64,
  type WireLabel,
  type WireLabelMatcher,
  type WireLabelNamesRequest,
  type WireLabelSet,
  type WireLabelValuesRequest,
  type WireQueryHints,
  type WireSeriesRequest,
  type WireStoreInfoResponse,
} from "../proto/index.js";

/** A failure with its gRPC status code (grpc-js `status`), raised on either side of the wire. */
export class StoreApiError extends Error {
  override name = "StoreApiError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

// gRPC status codes used here (numbers fixed by the gRPC spec).
export const GRPC_CANCELLED = 1;
export const GRPC_UNKNOWN = 2;
export const GRPC_INVALID_ARGUMENT = 3;
export const GRPC_PERMISSION_DENIED = 7;
export const GRPC_RESOURCE_EXHAUSTED = 8;
export const GRPC_UNIMPLEMENTED = 12;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;
export const GRPC_UNAUTHENTICATED = 16;

const INT64_MIN = "-9223372036854775808";
const INT64_MAX = "9223372036854775807";

/** A ms timestamp for the wire: beyond ±2^53 (orrery's unbounded) it becomes math.MinInt64/MaxInt64. */
export function toWireInt64(ms: number): WireInt64 {
  if (Number.isNaN(ms)) throw new StoreApiError(GRPC_INVALID_ARGUMENT, "timestamp is NaN");
  if (ms >= Number.MAX_SAFE_INTEGER) return INT64_MAX;
  if (ms <= Number.MIN_SAFE_INTEGER) return INT64_MIN;
  return Math.trunc(ms);
}

const OP_TO_WIRE: Record<MatcherOp, WireMatcherType> = {
  "=": WireMatcherType.EQ,
  "!=": WireMatcherType.NEQ,
  "=~": WireMatcherType.RE,
  "!~": WireMatcherType.NRE,
};
const WIRE_TO_OP: readonly MatcherOp[] = ["=", "!=", "=~", "!~"];

export function matchersToWire(matchers: readonly Matcher[]): WireLabelMatcher[] {
  return matchers.map((m) => ({ type: OP_TO_WIRE[m.op], name: m.name, value: m.value }));
}

/** Throws INVALID_ARGUMENT naming the matcher with an unknown type. */
export function matchersFromWire(matchers: readonly WireLabelMatcher[]): Matcher[] {
  return matchers.map((m, i) => {
    const op = WIRE_TO_OP[m.type];
    if (op === undefined) throw new StoreApiError(GRPC_INVALID_ARGUMENT, `matcher ${i} (${m.name}): unknown LabelMatcher.Type ${m.type}`);
    return { name: m.name, op, value: m.value };
  });
}

const AGGR_TO_WIRE: Record<Aggregate, WireAggr> = {
  count: WireAggr.Count,
  sum: WireAggr.Sum,
  min: WireAggr.Min,
  max: WireAggr.Max,
  counter: WireAggr.Counter,
};
const WIRE_TO_AGGR: readonly (Aggregate | undefined)[] = [undefined, "count", "sum", "min", "max", "counter"];

function labelsToWire(labels: Labels): WireLabel[] {
  return labels.map((l) => ({ name: l.name, value: l.value }));
}

function labelsFromWire(labels: readonly WireLabel[]): Labels {
  return labels.map((l) => ({ name: l.name, value: l.value }));
}

export function labelSetsToWire(sets: readonly Labels[]): WireLabelSet[] {
  return sets.map((s) => ({ labels: labelsToWire(s) }));
}

export function labelSetsFromWire(sets: readonly WireLabelSet[]): Labels[] {
  return sets.map((s) => labelsFromWire(s.labels));
}

// ── Series requests ──

function queryHintsToWire(h: QueryHints): WireQueryHints {
  return {
    stepMillis: h.stepMillis ?? 0,
    func: h.func !== undefined ? { name: h.func } : null,
    grouping: h.grouping !== undefined ? { by: h.grouping.by, labels: [...h.grouping.labels] } : null,
    range: h.rangeMillis !== undefined ? { millis: h.rangeMillis } : null,
  };
}

/** The wire request; the deprecated step/range fields are filled too, for older stores. */
export function seriesRequestToWire(r: SeriesRequest, responseBatchSize: number): WireSeriesRequest {
  const disabled = r.partialResponseDisabled === true;
  return {
    minTime: toWireInt64(r.minTime),
    maxTime: toWireInt64(r.maxTime),
    matchers: matchersToWire(r.matchers),
    maxResolutionWindow: r.maxResolutionWindow ?? 0,
    aggregates: (r.aggregates ?? []).map((a) => AGGR_TO_WIRE[a]),
    partialResponseDisabled: disabled,
    partialResponseStrategy: disabled ? WirePartialResponseStrategy.Abort : WirePartialResponseStrategy.Warn,
    skipChunks: r.skipChunks === true,
    step: r.queryHints?.stepMillis ?? 0,
    range: r.queryHints?.rangeMillis ?? 0,
    queryHints: r.queryHints !== undefined ? queryHintsToWire(r.queryHints) : null,
    shardInfo: r.shardInfo !== undefined ? { ...r.shardInfo, labels: [...r.shardInfo.labels] } : null,
    limit: r.limit ?? 0,
    responseBatchSize,
  };
}

function queryHintsFromWire(w: WireSeriesRequest): QueryHints | undefined {
  const h = w.queryHints;
  if (h == null) {
    // Older queriers send only the deprecated step/range fields.
    const step = fromWireInt64(w.step);
    const range = fromWireInt64(w.range);
    if (step === 0 && range === 0) return undefined;
    return { stepMillis: step, ...(range !== 0 ? { rangeMillis: range } : {}) };
  }
  return {
    stepMillis: fromWireInt64(h.stepMillis),
    ...(h.func?.name ? { func: h.func.name } : {}),
    ...(h.grouping != null ? { grouping: { by: h.grouping.by, labels: h.grouping.labels } } : {}),
    ...(h.range != null ? { rangeMillis: fromWireInt64(h.range.millis) } : {}),
  };
}

/** The request's shard, or undefined; INVALID_ARGUMENT for an index outside the total. */
function shardInfoFromWire(w: WireSeriesRequest): ShardInfo | undefined {
  const s = w.shardInfo;
  if (s == null) return undefined;
  const info = { shardIndex: fromWireInt64(s.shardIndex), totalShards: fromWireInt64(s.totalShards), by: s.by === true, labels: s.labels ?? [] };
  const problem = shardInfoError(info);
  if (problem !== undefined) throw new StoreApiError(GRPC_INVALID_ARGUMENT, `shard_info: ${problem}`);
  return isSharded(info) ? info : undefined;
}

/**
 * The in-process request of a wire request. Ignored, as a store without these capabilities may:
 * hints (Any), without_replica_labels (Info says unsupported; the querier deduplicates),
 * projection hints (advisory).
 */
export function seriesRequestFromWire(w: WireSeriesRequest): SeriesRequest {
  const shardInfo = shardInfoFromWire(w);
  const aggregates: Aggregate[] = [];
  for (const a of w.aggregates ?? []) {
    const name = WIRE_TO_AGGR[a];
    if (a === WireAggr.Raw) continue;
    if (name === undefined) throw new StoreApiError(GRPC_INVALID_ARGUMENT, `aggregates: unknown Aggr ${a}`);
    aggregates.push(name);
  }
  const queryHints = queryHintsFromWire(w);
  const limit = fromWireInt64(w.limit);
  return {
    minTime: fromWireInt64(w.minTime),
    maxTime: fromWireInt64(w.maxTime),
    matchers: matchersFromWire(w.matchers),
    maxResolutionWindow: fromWireInt64(w.maxResolutionWindow),
    ...(aggregates.length > 0 ? { aggregates } : {}),
    partialResponseDisabled: w.partialResponseDisabled === true || w.partialResponseStrategy === WirePartialResponseStrategy.Abort,
    skipChunks: w.skipChunks === true,
    ...(queryHints !== undefined ? { queryHints } : {}),
    ...(limit > 0 ? { limit } : {}),
    ...(shardInfo !== undefined ? { shardInfo } : {}),
  };
}

// ── Label names and values ──

export function labelNamesRequestToWire(r: LabelNamesRequest): WireLabelNamesRequest {
  return {
    start: toWireInt64(r.minTime),
    end: toWireInt64(r.maxTime),
    matchers: matchersToWire(r.matchers),
    limit: r.limit ?? 0,
  };
}

export function labelValuesRequestToWire(r: LabelValuesRequest): WireLabelValuesRequest {
  return { ...labelNamesRequestToWire(r), label: r.label };
}

export function labelNamesRequestFromWire(w: WireLabelNamesRequest): LabelNamesRequest {
  const limit = fromWireInt64(w.limit);
  return {
    minTime: fromWireInt64(w.start),
    maxTime: fromWireInt64(w.end),
    matchers: matchersFromWire(w.matchers),
    ...(limit > 0 ? { limit } : {}),
  };
}

export function labelValuesRequestFromWire(w: WireLabelValuesRequest): LabelValuesRequest {
  if (w.label === "") throw new StoreApiError(GRPC_INVALID_ARGUMENT, "label: empty label name");
  return { ...labelNamesRequestFromWire(w), label: w.label };
}

// ── Info ──

export function infoToWire(info: StoreInfo, componentType: string): WireInfoResponse {
  return {
    labelSets: labelSetsToWire(info.labelSets),
    ComponentType: componentType,
    store: {
      minTime: toWireInt64(info.minTime),
      maxTime: toWireInt64(info.maxTime),
      // The server filters every answer by shard_info (server.ts), whatever the store behind it does.
      supportsSharding: true,
      supportsWithoutReplicaLabels: false,
      tsdbInfos: [],
      orreryResolutions: info.resolutions.map(toWireInt64),
    },
  };
}

export function storeInfoToWire(info: StoreInfo, storeType: number): WireStoreInfoResponse {
  return {
    labels: [],
    minTime: toWireInt64(info.minTime),
    maxTime: toWireInt64(info.maxTime),
    storeType,
    labelSets: labelSetsToWire(info.labelSets),
    orreryResolutions: info.resolutions.map(toWireInt64),
  };
}

/**
 * Thanos's Info carries no resolutions (its querier sends max_resolution_window to every store), so
 * a peer without orrery's field 1001 is taken as holding raw data, which every request may read.
 * The wire carries no push-down capability.
 */
export function infoFromWire(
  labelSets: readonly WireLabelSet[],
  minTime: WireInt64,
  maxTime: WireInt64,
  resolutions: readonly WireInt64[] | undefined,
): StoreInfo {
  const held = (resolutions ?? []).map(fromWireInt64).sort((a, b) => a - b);
  return {
    labelSets: labelSetsFromWire(labelSets),
    minTime: fromWireInt64(minTime),
    maxTime: fromWireInt64(maxTime),
    resolutions: held.length === 0 ? [0] : held,
    supportsAggregationPushdown: false,
  };
}
