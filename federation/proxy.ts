// The proxy store: one Store over many. Picks stores by time range and external labels, fans out
// concurrently, k-way merges their sorted streams (one frame per store in memory, pulled as the
// consumer pulls), merges the same series from several stores, deduplicates replicas on request,
// and turns store failures into warnings (partial response) or an error naming the store (abort).
import { setMaxListeners } from "node:events";
import { compareLabels, compareUtf8, estimateSeries, formatLabels, labelsEqual, labelsKey, mergeSeriesChunks } from "../storeapi/index.js";
import type {
  AggrChunk,
  Chunk,
  EstimateOptions,
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Matcher,
  Series,
  SeriesEstimate,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../storeapi/index.js";
import { ChunkEncoding, FloatBits } from "../storeapi/index.js";
import { StoreCursor, StoreFailure } from "./cursor.js";
import { combineStoreEstimates, type StoreShare } from "./estimate.js";
import { dedupSamples, encodeXorChunks, type ReplicaSamples } from "./dedup.js";
import { matchesExternalLabels, overlapsTime } from "./select.js";
import { BufferedSource, replicaLabelsPinned, type SeriesSource } from "./sources.js";
import { isCounterFunction } from "./counter-functions.js";

/**
 * The controller of one fan-out: every store's call listens to its signal, so it may hold a
 * listener per store; past Node's default of 10 that would print MaxListenersExceededWarning.
 */
function fanOutController(stores: number): AbortController {
  const controller = new AbortController();
  setMaxListeners(stores + 1, controller.signal);
  return controller;
}

/** Thanos's warning when no store can hold data for the request. */
export const NO_STORES_MATCHED = "No StoreAPIs matched for this query";

/** A store the proxy may query, with its last known info. */
export interface StoreRef {
  /** How the store is named in warnings and errors (its address). */
  readonly name: string;
  readonly store: Store;
  readonly info: StoreInfo;
}

export interface ProxyStoreOptions {
  /** The stores, or a function giving the current ones (e.g. EndpointSet.storeRefs). */
  readonly stores: readonly StoreRef[] | (() => readonly StoreRef[]);
  /** Longest wait for each response of a store, ms (`--store.response-timeout`; 0 or absent: none). */
  readonly storeResponseTimeoutMs?: number;
  /** Series per frame of the merged stream (default 256). */
  readonly frameSize?: number;
  /** Called for every frame pulled from a store (metrics, tests). */
  readonly onStoreFrame?: () => void;
}

/** A series request the proxy also accepts: replica labels to deduplicate on (none: no dedup). */
export interface ProxySeriesRequest extends SeriesRequest {
  readonly replicaLabels?: readonly string[];
}

/** What a per-request view of the proxy applies to every request (see ProxyStore.view). */
export interface ProxyViewOptions {
  readonly replicaLabels?: readonly string[];
  readonly partialResponseDisabled?: boolean;
}

/** Label requests with Thanos's partial response switch. */
export interface ProxyLabelNamesRequest extends LabelNamesRequest {
  readonly partialResponseDisabled?: boolean;
}
export interface ProxyLabelValuesRequest extends LabelValuesRequest {
  readonly partialResponseDisabled?: boolean;
}

interface Part {
  readonly replica: string;
  readonly chunks: readonly AggrChunk[];
}

export class ProxyStore implements Store {
  private readonly storesOf: () => readonly StoreRef[];
  private readonly timeoutMs: number;
  private readonly frameSize: number;

  constructor(private readonly options: ProxyStoreOptions) {
    const stores = options.stores;
    this.storesOf = typeof stores === "function" ? stores : () => stores;
    this.timeoutMs = Math.max(0, options.storeResponseTimeoutMs ?? 0);
    this.frameSize = Math.max(1, options.frameSize ?? 256);
  }

  /** A view of this proxy that deduplicates on the given replica labels (one per query: `dedup=true`). */
  deduplicated(replicaLabels: readonly string[]): Store {
    return this.view({ replicaLabels });
  }

  /**
   * The per-request view the query API uses: replica labels to deduplicate on (none: no dedup) and
   * Thanos's partial response switch, applied to every series and label request made through it.
   */
  view(options: ProxyViewOptions): Store {
    const replicaLabels = options.replicaLabels ?? [];
    const partialResponseDisabled = options.partialResponseDisabled === true;
    if (replicaLabels.length === 0 && !partialResponseDisabled) return this;
    const drop = new Set(replicaLabels);
    return {
      info: () => this.info(),
      series: (request, signal) => this.series({ ...request, replicaLabels, partialResponseDisabled }, signal),
      estimate: (request, signal, options) => this.estimate({ ...request, replicaLabels, partialResponseDisabled }, signal, options),
      labelNames: async (request, signal) => {
        const res = await this.labelNames({ ...request, partialResponseDisabled }, signal);
        return drop.size === 0 ? res : { values: res.values.filter((n) => !drop.has(n)), warnings: res.warnings };
      },
      labelValues: (request, signal) => this.labelValues({ ...request, partialResponseDisabled }, signal),
    };
  }

  async info(): Promise<StoreInfo> {
    const refs = this.storesOf();
    const sets = new Map<string, Labels>();
    const resolutions = new Set<number>();
    let minTime = Number.MAX_SAFE_INTEGER;
    let maxTime = Number.MIN_SAFE_INTEGER;
    for (const { info } of refs) {
      for (const set of info.labelSets) sets.set(labelsKey(set), set);
      for (const r of info.resolutions) resolutions.add(r);
      minTime = Math.min(minTime, info.minTime);
      maxTime = Math.max(maxTime, info.maxTime);
    }
    return {
      labelSets: [...sets.values()].sort(compareLabels),
      minTime,
      maxTime,
      resolutions: [...resolutions].sort((a, b) => a - b),
      supportsAggregationPushdown: false,
    };
  }

  /** The stores that may hold data for a request. */
  private selectStores(minTime: number, maxTime: number, matchers: readonly Matcher[]): StoreRef[] {
    return this.storesOf().filter((r) => overlapsTime(r.info, minTime, maxTime) && matchesExternalLabels(r.info.labelSets, matchers));
  }

  /** The stores a series request goes to: by time, external labels and resolution. */
  private seriesStores(request: SeriesRequest): StoreRef[] {
    // A store holding only resolutions coarser than the request allows has nothing to give it.
    const maxResolution = request.maxResolutionWindow ?? 0;
    return this.selectStores(request.minTime, request.maxTime, request.matchers).filter(
      (r) => r.info.resolutions.length === 0 || r.info.resolutions.some((res) => res <= maxResolution),
    );
  }

  /**
   * What series(request) would return, from the estimates of the stores it reaches (each named, with
   * its share); a store that fails to estimate is left out and makes the basis "assumed".
   */
  async estimate(request: ProxySeriesRequest, signal?: AbortSignal, options?: EstimateOptions): Promise<SeriesEstimate> {
    signal?.throwIfAborted();
    const { replicaLabels = [], ...storeRequest } = request;
    const refs = this.seriesStores(request);
    const results = await Promise.allSettled(refs.map((ref) => this.withTimeout(ref, signal, (r, s) => estimateSeries(r.store, storeRequest, s, options))));
    signal?.throwIfAborted();
    const shares: StoreShare[] = [];
    results.forEach((r, i) => {
      if (r.status !== "fulfilled") return;
      const { series, samples, basis } = r.value;
      shares.push({ labelSets: refs[i]!.info.labelSets, estimate: { name: refs[i]!.name, series, samples, basis } });
    });
    return combineStoreEstimates(shares, replicaLabels, shares.length === refs.length);
  }

  async *series(request: ProxySeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    signal?.throwIfAborted();
    const refs = this.seriesStores(request);
    if (refs.length === 0) {
      yield { series: [], warnings: [NO_STORES_MATCHED] };
      return;
    }
    const { replicaLabels = [], latestOnly, ...rest } = request;
    const dedup = replicaLabels.length > 0;
    // Each store's answer to a newest-only read holds its own newest sample in range (alone, or in
    // its chunks), so the merge holds the newest of all; deduplication chooses among replicas'
    // samples by time, which the newest alone cannot tell, so it gets full reads.
    const storeRequest: SeriesRequest = latestOnly === true && !dedup ? { ...rest, latestOnly } : rest;
    const controller = fanOutController(refs.length);
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const sources = refs.map((ref) => this.source(ref, storeRequest, replicaLabels, controller.signal));
    const warnings: string[] = [];
    const failed = (source: SeriesSource, err: unknown): void => {
      if (signal?.aborted) throw signal.reason;
      if (request.partialResponseDisabled || !(err instanceof StoreFailure)) throw err;
      warnings.push(err.message);
      source.close();
    };
    const step = async (source: SeriesSource): Promise<void> => {
      try {
        await source.advance();
      } catch (e) {
        failed(source, e);
      }
      for (const w of source.warnings.splice(0)) warnings.push(w);
    };
    // Moves a source on within the frame in hand (warnings only come with frames); false when it must pull.
    const stepBuffered = (source: SeriesSource): boolean => {
      try {
        return source.advanceBuffered();
      } catch (e) {
        failed(source, e);
        return true;
      }
    };
    try {
      await Promise.all(sources.map(step));
      const counter = isCounterFunction(request.queryHints?.func);
      let scratch: FloatBits | undefined; // only deduplication re-encodes chunks
      const limit = request.limit !== undefined && request.limit > 0 ? request.limit : Infinity;
      let emitted = 0;
      let batch: Series[] = [];
      let active = sources.filter((s) => s.head !== undefined);
      while (active.length > 0 && emitted < limit) {
        let min = active[0]!.head!.labels;
        for (let i = 1; i < active.length; i++) if (compareLabels(active[i]!.head!.labels, min) < 0) min = active[i]!.head!.labels;
        // The series as one store sent it, until a second part turns up (the common case: no new objects).
        let single: Series | undefined;
        let singleReplica = "";
        let parts: Part[] | undefined;
        let ended = false;
        for (const s of active) {
          while (s.head !== undefined && labelsEqual(s.head.labels, min)) {
            if (single === undefined) {
              single = s.head;
              singleReplica = s.headReplica;
            } else {
              parts ??= [{ replica: singleReplica, chunks: single.chunks }];
              parts.push({ replica: s.headReplica, chunks: s.head.chunks });
            }
            if (!stepBuffered(s)) await step(s);
          }
          if (s.head === undefined) ended = true;
        }
        if (ended) active = active.filter((s) => s.head !== undefined);
        if (parts === undefined) batch.push(single!);
        else batch.push(dedup ? dedupSeries(min, parts, counter, warnings, (scratch ??= new FloatBits())) : { labels: min, chunks: mergeChunks(parts) });
        emitted++;
        if (batch.length >= this.frameSize) {
          yield { series: batch, warnings: warnings.splice(0) };
          batch = [];
        }
      }
      if (batch.length > 0 || warnings.length > 0) yield { series: batch, warnings: warnings.splice(0) };
    } finally {
      signal?.removeEventListener("abort", onAbort);
      for (const s of sources) s.close();
    }
  }

  private source(ref: StoreRef, request: SeriesRequest, replicaLabels: readonly string[], signal: AbortSignal): SeriesSource {
    const stream = replicaLabels.length > 0 && replicaLabelsPinned(ref.info.labelSets, replicaLabels);
    const cursor = new StoreCursor(ref.name, ref.store, request, signal, {
      responseTimeoutMs: this.timeoutMs,
      stripLabels: replicaLabels.length > 0 ? new Set(replicaLabels) : undefined,
      checkStrippedOrder: stream,
      onFrame: this.options.onStoreFrame,
    });
    return replicaLabels.length > 0 && !stream ? new BufferedSource(cursor) : cursor;
  }

  async labelNames(request: ProxyLabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.fanOutStrings(request, signal, async (ref, s) => {
      const res = await ref.store.labelNames(request, s);
      const names = [...res.values];
      if (names.length > 0) for (const set of ref.info.labelSets) for (const l of set) names.push(l.name);
      return { values: names, warnings: res.warnings };
    });
  }

  async labelValues(request: ProxyLabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.fanOutStrings(request, signal, async (ref, s) => {
      const res = await ref.store.labelValues(request, s);
      const values = [...res.values];
      const external = ref.info.labelSets.flatMap((set) => set.filter((l) => l.name === request.label).map((l) => l.value));
      if (external.length === 0) return { values, warnings: res.warnings };
      // An external label's values count only where the store holds matching series.
      const names = await ref.store.labelNames({ ...request }, s);
      if (names.values.length > 0) values.push(...external);
      return { values, warnings: [...res.warnings, ...names.warnings] };
    });
  }

  /** Fans a label request out with the response timeout and partial response rules; sorted union. */
  private async fanOutStrings(
    request: ProxyLabelNamesRequest,
    signal: AbortSignal | undefined,
    call: (ref: StoreRef, signal: AbortSignal) => Promise<StringsResponse>,
  ): Promise<StringsResponse> {
    signal?.throwIfAborted();
    const refs = this.selectStores(request.minTime, request.maxTime, request.matchers);
    if (refs.length === 0) return { values: [], warnings: [NO_STORES_MATCHED] };
    // One listener on the caller's signal, however many stores; each store's call listens to `fanOut`.
    const fanOut = fanOutController(refs.length);
    const onAbort = (): void => fanOut.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let results: PromiseSettledResult<StringsResponse>[];
    try {
      results = await Promise.allSettled(refs.map((ref) => this.withTimeout(ref, fanOut.signal, call)));
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    signal?.throwIfAborted();
    const values = new Set<string>();
    const warnings: string[] = [];
    results.forEach((r) => {
      if (r.status === "fulfilled") {
        for (const v of r.value.values) values.add(v);
        warnings.push(...r.value.warnings);
        return;
      }
      if (request.partialResponseDisabled || !(r.reason instanceof StoreFailure)) throw r.reason;
      warnings.push((r.reason as StoreFailure).message);
    });
    const sorted = [...values].sort(compareUtf8);
    const limited = request.limit !== undefined && request.limit > 0 ? sorted.slice(0, request.limit) : sorted;
    return { values: limited, warnings };
  }

  private async withTimeout<T>(ref: StoreRef, signal: AbortSignal | undefined, call: (ref: StoreRef, s: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<never>((_, reject) => {
      if (this.timeoutMs > 0) {
        timer = setTimeout(() => reject(new StoreFailure(ref.name, `no response within ${this.timeoutMs}ms (store response timeout)`)), this.timeoutMs);
      }
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
    });
    cutOff.catch(() => undefined);
    try {
      return await Promise.race([call(ref, controller.signal), cutOff]);
    } catch (e) {
      if (e instanceof StoreFailure || signal?.aborted) throw e;
      throw new StoreFailure(ref.name, e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }
}

function chunkBytesEqual(a: Chunk | undefined, b: Chunk | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.encoding !== b.encoding || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function aggrChunkEqual(a: AggrChunk, b: AggrChunk): boolean {
  return (
    a.minTime === b.minTime &&
    a.maxTime === b.maxTime &&
    chunkBytesEqual(a.raw, b.raw) &&
    chunkBytesEqual(a.count, b.count) &&
    chunkBytesEqual(a.sum, b.sum) &&
    chunkBytesEqual(a.min, b.min) &&
    chunkBytesEqual(a.max, b.max) &&
    chunkBytesEqual(a.counter, b.counter)
  );
}

/** All parts' chunks sorted by minTime, byte-identical chunks kept once; one part passes through. */
export function mergeChunks(parts: readonly Part[]): readonly AggrChunk[] {
  if (parts.length === 1) return parts[0]!.chunks;
  const all = parts.flatMap((p) => p.chunks).sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  const out: AggrChunk[] = [];
  for (const c of all) {
    // Identical chunks have equal bounds, so they sit together after the sort.
    let dup = false;
    for (let k = out.length - 1; k >= 0 && out[k]!.minTime === c.minTime; k--) {
      if (aggrChunkEqual(out[k]!, c)) {
        dup = true;
        break;
      }
    }
    if (!dup) out.push(c);
  }
  return out;
}

function isRawXor(c: AggrChunk): boolean {
  return c.raw !== undefined && c.raw.encoding === ChunkEncoding.XOR;
}

/** One series from replicas' parts: one replica passes through; several are deduplicated and re-encoded. */
function dedupSeries(labels: Labels, parts: readonly Part[], counter: boolean, warnings: string[], scratch: FloatBits): Series {
  const byReplica = new Map<string, Part[]>();
  for (const p of parts) {
    const list = byReplica.get(p.replica);
    if (list === undefined) byReplica.set(p.replica, [p]);
    else list.push(p);
  }
  if (byReplica.size === 1) return { labels, chunks: mergeChunks(parts) };
  if (!parts.every((p) => p.chunks.every(isRawXor))) {
    warnings.push(`dedup: ${formatLabels(labels)} has non-XOR chunks; replicas returned merged, not deduplicated`);
    return { labels, chunks: mergeChunks(parts) };
  }
  const replicas: ReplicaSamples[] = [];
  for (const group of byReplica.values()) {
    const chunks = mergeChunks(group);
    replicas.push(mergeSeriesChunks({ labels, chunks }, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  }
  return { labels, chunks: encodeXorChunks(dedupSamples(replicas, { counter }), scratch) };
}
