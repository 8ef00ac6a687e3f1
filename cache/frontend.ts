// The query frontend: range queries step-aligned, split by interval, answered
// from cached extents where it can and from downstream for the rest; every
// other request passed through. The same stage runs inside `orrery start`
// and as `orrery frontend` in front of any Prometheus-compatible API.
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Registry } from "prom-client";
import { errorJson, MAX_POINTS_PER_SERIES, parseDuration, parseTime, type StageAnswer, type TextAnswer } from "../api/index.js";
import type { CacheBackend } from "./backend.js";
import { decodeExtents, encodeExtents } from "./codec.js";
import { type Extent, joinExtents, joinInfos, mergeExtents, missingRanges, type ParsedMatrix, parseMatrixBody } from "./extents.js";
import { InFlight } from "./inflight.js";
import { decodeMetaAnswer, encodeMetaAnswer, joinMetaAnswers, type MetaAnswer, type MetaKind, metaKind, parseMetaBody } from "./meta.js";
import { createFrontendMetrics, type FrontendMetrics } from "./metrics.js";
import { matrixBody, renderExtents, seriesPoints } from "./points.js";
import { queryShape, type QueryShape } from "./query.js";
import { joinShardAnswers, type ShardBy, shardInfoJson } from "./shard.js";
import { alignToStep, lastStepAtOrBefore, type RangePiece, splitByInterval } from "./split.js";

/** A request as the frontend sees it. */
export interface FrontendRequest {
  /** The route, e.g. "/api/v1/query_range". */
  path: string;
  /** URL and form parameters together. */
  params: URLSearchParams;
  /** The tenant (X-Scope-OrgID / THANOS-TENANT header); part of every cache key. */
  tenant: string;
  /** The client asked with `Cache-Control: no-store`: answer without reading or writing the cache. */
  noStore: boolean;
}

/** A complete HTTP answer (the API's stage answer: the frontend is that stage); it reads cache-control and content-type. */
export type StageResponse = StageAnswer;

/** A downstream's answer: text, which the frontend parses. */
export type DownstreamResponse = TextAnswer;

/** Sends one request downstream (to the engine in-process, or over HTTP). Rejects only when nothing answered. */
export type Downstream = (path: string, params: URLSearchParams, signal: AbortSignal) => Promise<DownstreamResponse>;

export interface FrontendOptions {
  registry: Registry;
  /** Where extents are cached; undefined: split, but cache nothing. */
  backend?: CacheBackend;
  /** --query-range.split-interval; 0: no splitting. */
  splitIntervalMs?: number;
  /** --query-range.align-range-with-step. */
  alignRangeWithStep?: boolean;
  /** --query-range.max-query-parallelism: pieces of one request fetched at once. */
  maxParallelism?: number;
  /** --query-range.max-retries-per-request. */
  maxRetries?: number;
  /** --query-range.response-cache-max-freshness: nothing newer than now − this is cached. */
  maxFreshnessMs?: number;
  /** How long a cache read or write may take before the request goes on uncached. */
  cacheTimeoutMs?: number;
  /** --labels.default-time-range: the range of a labels / series request that gives none. */
  labelsDefaultRangeMs?: number;
  /** First retry back-off; doubles per attempt, at most 1s. */
  retryBackoffMs?: number;
  /** --query-frontend.vertical-shards: shardable queries are run as this many shards (≤ 1: off). */
  verticalShards?: number;
  now?: () => number;
}

const RANGE_ROUTE = "/api/v1/query_range";
/** Parameters that change a range query's answer besides query, step and range (Prometheus and Thanos). */
const ANSWER_PARAMS = ["max_source_resolution", "dedup", "replicaLabels[]", "partial_response", "lookback_delta", "engine"];
const JSON_HEADERS = { "content-type": "application/json" };

/** A downstream range answer parsed, or the response to pass on instead (mergeable: an error; not: one the frontend cannot join). */
type FetchedMatrix = { ok: true; parsed: ParsedMatrix; noStore: boolean } | { ok: false; response: StageResponse; mergeable: boolean };

/** A fetched sub-range: its answer, whether downstream forbade storing it, or the response to pass on instead. */
type Fetched = { ok: true; extent: Extent; warnings: string[]; noStore: boolean } | { ok: false; response: StageResponse; mergeable: boolean };

export class QueryFrontend {
  private readonly metrics: FrontendMetrics;
  private readonly backend: CacheBackend | undefined;
  private readonly backendName: string;
  private readonly splitIntervalMs: number;
  private readonly align: boolean;
  private readonly maxParallelism: number;
  private readonly maxRetries: number;
  private readonly maxFreshnessMs: number;
  private readonly cacheTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly labelsDefaultRangeMs: number;
  private readonly verticalShards: number;
  private readonly now: () => number;
  /** Shapes of recent queries by step and text: dashboards ask the same ones again and again, and parsing is not free. */
  private readonly shapes = new LRUCache<string, QueryShape>({ max: 2000 });
  /** Answers being computed, by request: an identical request arriving meanwhile shares one. */
  private readonly inFlight = new InFlight<StageResponse>();

  constructor(options: FrontendOptions) {
    this.metrics = createFrontendMetrics(options.registry);
    this.backend = options.backend;
    this.backendName = options.backend?.name ?? "none";
    this.splitIntervalMs = options.splitIntervalMs ?? 24 * 3600_000;
    this.align = options.alignRangeWithStep ?? true;
    this.maxParallelism = Math.max(1, options.maxParallelism ?? 14);
    this.maxRetries = Math.max(0, options.maxRetries ?? 5);
    this.maxFreshnessMs = options.maxFreshnessMs ?? 60_000;
    this.cacheTimeoutMs = options.cacheTimeoutMs ?? 500;
    this.retryBackoffMs = options.retryBackoffMs ?? 50;
    this.labelsDefaultRangeMs = options.labelsDefaultRangeMs ?? 24 * 3600_000;
    this.verticalShards = Math.max(1, Math.floor(options.verticalShards ?? 1));
    this.now = options.now ?? Date.now;
  }

  /**
   * Answers one request: a range query through split and cache, anything else straight downstream.
   * An identical request already in flight is shared where the cache could have answered it anyway
   * (a cache is on, the client did not ask for no-store).
   */
  handle(request: FrontendRequest, downstream: Downstream, signal: AbortSignal): Promise<StageResponse> {
    const ours = request.path === RANGE_ROUTE || metaKind(request.path) !== undefined;
    if (!ours || this.backend === undefined || request.noStore) return this.answer(request, downstream, signal);
    const key = requestKey(request);
    if (this.inFlight.has(key)) this.metrics.requests.inc({ route: request.path, path: "shared" });
    return this.inFlight.join(key, signal, (s) => this.answer(request, downstream, s));
  }

  private async answer(request: FrontendRequest, downstream: Downstream, signal: AbortSignal): Promise<StageResponse> {
    const meta = metaKind(request.path);
    if (meta !== undefined) return this.metaQuery(request, meta, downstream, signal);
    if (request.path !== RANGE_ROUTE) return downstream(request.path, request.params, signal);
    const range = this.rangeOf(request.params);
    if (range === undefined) {
      this.metrics.requests.inc({ route: request.path, path: "passthrough" });
      return this.fetchWithRetries(request.path, request.params, downstream, signal);
    }
    return this.rangeQuery(request, range, downstream, signal);
  }

  /** The query, range and step the frontend can work with; undefined leaves the request (and its error) to downstream. */
  private rangeOf(params: URLSearchParams): { start: number; end: number; step: number; shape: QueryShape } | undefined {
    // Answers the cache cannot hold as they are asked for (stats, a cut, orrery's grid layout) pass through.
    if (params.has("stats") || params.has("layout") || (params.get("limit") ?? "0") !== "0") return undefined;
    let start: number;
    let end: number;
    let step: number;
    try {
      start = parseTime(params.get("start") ?? "");
      end = parseTime(params.get("end") ?? "");
      step = Math.floor(parseDuration(params.get("step") ?? ""));
    } catch {
      return undefined;
    }
    if (step <= 0 || end < start || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return undefined;
    // Downstream refuses the whole range; split into pieces it would be run, day by day.
    if (Math.floor((end - start) / step) > MAX_POINTS_PER_SERIES) return undefined;
    if (this.align) ({ start, end } = alignToStep(start, end, step));
    const shape = this.shapeOf(params.get("query") ?? "", start, end, step);
    if (shape === undefined) return undefined;
    return { start, end, step, shape };
  }

  private shapeOf(query: string, start: number, end: number, step: number): QueryShape | undefined {
    const key = step + "\n" + query;
    const known = this.shapes.get(key);
    if (known !== undefined) return known;
    const shape = queryShape(query, start, end, step);
    if (shape?.rangeFree === true) this.shapes.set(key, shape);
    return shape;
  }

  private async rangeQuery(
    request: FrontendRequest,
    range: { start: number; end: number; step: number; shape: QueryShape },
    downstream: Downstream,
    signal: AbortSignal,
  ): Promise<StageResponse> {
    const { start, end, step, shape } = range;
    const cacheable = this.cacheable(request, range);
    const pieces = shape.splittable ? splitByInterval(start, end, step, this.splitIntervalMs) : [{ start, end, window: 0 }];
    this.metrics.requests.inc({ route: request.path, path: cacheable ? "cache" : "split" });
    const results = await runLimited(pieces, this.maxParallelism, (piece) => this.resolvePiece(request, range, piece, cacheable, downstream, signal));
    const extents: Extent[] = [];
    const warnings = new Set<string>();
    let noStore = false;
    for (const r of results) {
      if (!r.ok) {
        if (r.mergeable) return r.response;
        // An answer the frontend cannot join (native histograms): ask for the whole range in one piece.
        return this.fetchWithRetries(request.path, this.withRange(request.params, shape, start, end), downstream, signal);
      }
      extents.push(...r.extents);
      for (const w of r.warnings) warnings.add(w);
      noStore ||= r.noStore;
    }
    const body = matrixBody(extents, start, end, [...warnings], joinInfos(extents, start, end));
    return { status: 200, body, headers: noStore ? { ...JSON_HEADERS, "cache-control": "no-store" } : JSON_HEADERS };
  }

  /** Whether answers to this request may be read from and written to the cache at all. */
  private cacheable(request: FrontendRequest, range: { start: number; step: number; shape: QueryShape }): boolean {
    if (this.backend === undefined || request.noStore || !range.shape.splittable) return false;
    // Extents join only on one step grid; an unaligned query has its own.
    if (range.start % range.step !== 0) return false;
    // `@ t` with t still to come: the answer for every step can still change.
    return range.shape.latestAtMs <= this.now() - this.maxFreshnessMs;
  }

  private async resolvePiece(
    request: FrontendRequest,
    range: { step: number; shape: QueryShape },
    piece: RangePiece,
    cacheable: boolean,
    downstream: Downstream,
    signal: AbortSignal,
  ): Promise<{ ok: true; extents: Extent[]; warnings: string[]; noStore: boolean } | { ok: false; response: StageResponse; mergeable: boolean }> {
    const { step, shape } = range;
    const key = cacheable ? this.cacheKey(request, shape.canonical, step, piece.window) : "";
    const cached = cacheable ? await this.readCache(key) : [];
    // Info annotations carry positions in the query text: reuse them only for the same spelling.
    const usable = shape.downstream === shape.canonical ? cached : cached.filter((e) => e.infos.length === 0);
    const gaps = missingRanges(usable, piece.start, piece.end, step);
    if (cacheable) this.metrics.lookups.inc({ backend: this.backendName, result: gaps.length === 0 ? "hit" : usable.length > 0 ? "partial" : "miss" });
    const fetched = await Promise.all(gaps.map((g) => this.fetchRange(request, shape, g.start, g.end, step, downstream, signal)));
    const extents = [...usable];
    const fresh: Extent[] = [];
    const warnings: string[] = [];
    let noStore = false;
    const storeLimit = lastStepAtOrBefore(piece.start, step, this.now() - this.maxFreshnessMs - shape.lookAheadMs);
    for (const f of fetched) {
      if (!f.ok) return f;
      if (cacheable) this.metrics.extentsFetched.inc({ backend: this.backendName });
      extents.push(f.extent);
      warnings.push(...f.warnings);
      noStore ||= f.noStore;
      const keep = this.storablePart(f, storeLimit, shape);
      if (keep !== undefined) fresh.push(keep);
    }
    if (cacheable && fresh.length > 0) await this.writeCache(key, mergeExtents([...cached, ...fresh], step));
    return { ok: true, extents, warnings, noStore };
  }

  /** The part of a fetched answer the cache may keep, or undefined: never a partial answer, a no-store one, or steps still too fresh. */
  private storablePart(f: { extent: Extent; warnings: string[]; noStore: boolean }, storeLimit: number, shape: QueryShape): Extent | undefined {
    if (f.warnings.length > 0) return this.notStored("warnings");
    if (f.noStore) return this.notStored("no_store");
    if (f.extent.infos.length > 0 && shape.downstream !== shape.canonical) return this.notStored("spelling");
    const e = f.extent;
    if (e.end <= storeLimit) return e;
    if (e.start > storeLimit) return this.notStored("fresh");
    return { start: e.start, end: storeLimit, infos: e.infos, series: joinExtents([e], e.start, storeLimit) };
  }

  private notStored(reason: string): undefined {
    this.metrics.notStored.inc({ reason });
    return undefined;
  }

  private async fetchRange(request: FrontendRequest, shape: QueryShape, start: number, end: number, step: number, downstream: Downstream, signal: AbortSignal): Promise<Fetched> {
    const params = this.withRange(request.params, shape, start, end);
    params.set("step", String(step / 1000));
    const answer = shape.shardBy !== undefined && this.verticalShards > 1 ? await this.fetchSharded(request.path, params, shape.shardBy, downstream, signal) : undefined;
    const f = answer ?? (await this.fetchMatrix(request.path, params, downstream, signal));
    if (!f.ok) return f;
    // Formatted once here, the points' text serves the answer and the cache entry alike.
    for (const s of f.parsed.series) seriesPoints(s);
    return { ok: true, extent: { start, end, infos: f.parsed.infos, series: f.parsed.series }, warnings: f.parsed.warnings, noStore: f.noStore };
  }

  private async fetchMatrix(path: string, params: URLSearchParams, downstream: Downstream, signal: AbortSignal): Promise<FetchedMatrix> {
    const response = await this.fetchWithRetries(path, params, downstream, signal);
    if (response.status !== 200) return { ok: false, response, mergeable: true };
    const parsed = parseMatrixBody(response.body);
    if (parsed === undefined) return { ok: false, response, mergeable: false };
    return { ok: true, parsed, noStore: /\bno-store\b/i.test(response.headers["cache-control"] ?? "") };
  }

  /** The range as vertical shards joined; undefined when it must be asked unsharded (shards overlap, or an answer the frontend cannot join). */
  private async fetchSharded(path: string, params: URLSearchParams, shardBy: ShardBy, downstream: Downstream, signal: AbortSignal): Promise<FetchedMatrix | undefined> {
    const shards = Array.from({ length: this.verticalShards }, (_, i) => {
      const p = new URLSearchParams(params);
      p.set("shard_info", shardInfoJson(shardBy, i, this.verticalShards));
      return p;
    });
    const answers = await runLimited(shards, this.maxParallelism, (p) => this.fetchMatrix(path, p, downstream, signal));
    const parsed: ParsedMatrix[] = [];
    let noStore = false;
    for (const a of answers) {
      if (!a.ok) return a.mergeable ? a : undefined;
      parsed.push(a.parsed);
      noStore ||= a.noStore;
    }
    const joined = joinShardAnswers(parsed);
    this.metrics.verticalShards.inc({ result: joined === undefined ? "overlap" : "joined" });
    return joined === undefined ? undefined : { ok: true, parsed: joined, noStore };
  }

  private withRange(params: URLSearchParams, shape: QueryShape, start: number, end: number): URLSearchParams {
    const out = new URLSearchParams(params);
    out.set("query", shape.downstream);
    out.set("start", String(start / 1000));
    out.set("end", String(end / 1000));
    return out;
  }

  /**
   * Labels, label values or series: the range (or the default one) cut at every split
   * interval; a whole window older than the freshness limit is cached, the rest fetched.
   */
  private async metaQuery(request: FrontendRequest, kind: MetaKind, downstream: Downstream, signal: AbortSignal): Promise<StageResponse> {
    const range = this.metaRange(request.params);
    if (range === undefined) {
      this.metrics.requests.inc({ route: request.path, path: "passthrough" });
      return this.fetchWithRetries(request.path, request.params, downstream, signal);
    }
    const interval = this.splitIntervalMs;
    const pieces: { start: number; end: number; whole: boolean }[] = [];
    for (let s = range.start; s <= range.end; ) {
      const windowStart = interval > 0 ? Math.floor(s / interval) * interval : s;
      const windowEnd = interval > 0 ? windowStart + interval - 1 : range.end;
      const e = Math.min(range.end, windowEnd);
      pieces.push({ start: s, end: e, whole: interval > 0 && s === windowStart && e === windowEnd });
      s = e + 1;
    }
    const freshLimit = this.now() - this.maxFreshnessMs;
    const cacheable = this.backend !== undefined && !request.noStore;
    this.metrics.requests.inc({ route: request.path, path: cacheable ? "cache" : "split" });
    const answers = await runLimited(pieces, this.maxParallelism, async (piece): Promise<MetaAnswer | StageResponse> => {
      const storable = cacheable && piece.whole && piece.end <= freshLimit;
      const key = storable ? this.metaKey(request, piece.start, piece.end) : "";
      if (storable) {
        const cached = await this.readBytes(key);
        this.metrics.lookups.inc({ backend: this.backendName, result: cached === undefined ? "miss" : "hit" });
        if (cached !== undefined) return cached;
      }
      const params = new URLSearchParams(request.params);
      params.set("start", String(piece.start / 1000));
      params.set("end", String(piece.end / 1000));
      const response = await this.fetchWithRetries(request.path, params, downstream, signal);
      const answer = response.status === 200 ? parseMetaBody(kind, response.body) : undefined;
      if (answer === undefined) return response;
      if (!storable) return answer;
      if (answer.warnings.length > 0) this.notStored("warnings");
      else if (/\bno-store\b/i.test(response.headers["cache-control"] ?? "")) this.notStored("no_store");
      else await this.writeBytes(key, encodeMetaAnswer(answer));
      return answer;
    });
    const failed = answers.find((a): a is StageResponse => "status" in a);
    if (failed !== undefined) return failed;
    return { status: 200, body: joinMetaAnswers(answers as MetaAnswer[]), headers: JSON_HEADERS };
  }

  /** The range of a metadata request, the default one where none is given; undefined leaves it to downstream. */
  private metaRange(params: URLSearchParams): { start: number; end: number } | undefined {
    if ((params.get("limit") ?? "0") !== "0") return undefined;
    try {
      const end = params.has("end") ? parseTime(params.get("end")!) : this.now();
      const start = params.has("start") ? parseTime(params.get("start")!) : end - this.labelsDefaultRangeMs;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
      // A range as long as "all time" would be millions of pieces: leave it whole.
      if (this.splitIntervalMs > 0 && (end - start) / this.splitIntervalMs > 1000) return undefined;
      return { start, end };
    } catch {
      return undefined;
    }
  }

  private metaKey(request: FrontendRequest, start: number, end: number): string {
    const identity = JSON.stringify([request.tenant, request.path, start, end, request.params.getAll("match[]").sort(), ANSWER_PARAMS.map((n) => request.params.getAll(n))]);
    return "md:" + createHash("sha256").update(identity).digest("base64url");
  }

  private async readBytes(key: string): Promise<MetaAnswer | undefined> {
    try {
      const buf = await withTimeout(this.backend!.get(key), this.cacheTimeoutMs, "get");
      return buf === undefined ? undefined : decodeMetaAnswer(buf);
    } catch {
      this.metrics.backendErrors.inc({ backend: this.backendName, op: "get" });
      return undefined;
    }
  }

  private async writeBytes(key: string, buf: Buffer): Promise<void> {
    try {
      await withTimeout(this.backend!.set(key, buf), this.cacheTimeoutMs, "set");
      this.metrics.bytesStored.inc({ backend: this.backendName }, buf.length);
    } catch {
      this.metrics.backendErrors.inc({ backend: this.backendName, op: "set" });
    }
  }

  /** One downstream request, retried with back-off while it fails with a 5xx or does not connect. */
  private async fetchWithRetries(path: string, params: URLSearchParams, downstream: Downstream, signal: AbortSignal): Promise<DownstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      let response: DownstreamResponse;
      try {
        response = await downstream(path, params, signal);
      } catch (err) {
        if (signal.aborted || attempt >= this.maxRetries) {
          const message = `query frontend: downstream request failed: ${(err as Error).message}`;
          return { status: 503, body: errorJson("unavailable", message), headers: JSON_HEADERS };
        }
        await this.backOff(attempt, signal);
        continue;
      }
      if (response.status < 500 || attempt >= this.maxRetries || signal.aborted) return response;
      await this.backOff(attempt, signal);
    }
  }

  private backOff(attempt: number, signal: AbortSignal): Promise<void> {
    this.metrics.retries.inc();
    const ms = Math.min(1000, this.retryBackoffMs * 2 ** attempt);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  private cacheKey(request: FrontendRequest, canonical: string, step: number, window: number): string {
    const answerParams = ANSWER_PARAMS.map((name) => request.params.getAll(name));
    const identity = JSON.stringify([request.tenant, canonical, step, this.splitIntervalMs, window, answerParams]);
    return "qr:" + createHash("sha256").update(identity).digest("base64url");
  }

  /** The extents under key, rendered: decoded and rendered once, then kept by the backend beside the bytes they came from. */
  private async readCache(key: string): Promise<Extent[]> {
    try {
      const current = (await withTimeout(this.backend!.currentForm(key), this.cacheTimeoutMs, "get")) as Extent[] | undefined;
      if (current !== undefined) return current;
      const buf = await withTimeout(this.backend!.get(key), this.cacheTimeoutMs, "get");
      if (buf === undefined) return [];
      const kept = this.backend!.keptForm(key, buf) as Extent[] | undefined;
      if (kept !== undefined) return kept;
      const extents = decodeExtents(buf);
      this.backend!.keepForm(key, buf, extents, renderExtents(extents));
      return extents;
    } catch {
      this.metrics.backendErrors.inc({ backend: this.backendName, op: "get" });
      return [];
    }
  }

  private async writeCache(key: string, extents: Extent[]): Promise<void> {
    const buf = encodeExtents(extents);
    await this.writeBytes(key, buf);
    // The next hit gets these very extents back, their points' text already rendered.
    this.backend!.keepForm(key, buf, extents, renderExtents(extents));
  }
}

/** A request's identity for sharing it in flight: tenant, route and every parameter, in any order. */
function requestKey(request: FrontendRequest): string {
  const params = new URLSearchParams(request.params);
  params.sort();
  return request.tenant + "\n" + request.path + "\n" + params.toString();
}

/** The promise, or a rejection once ms pass. */
function withTimeout<T>(p: Promise<T>, ms: number, op: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cache ${op} timed out after ${ms}ms`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}

/** f over items, at most `limit` at a time; results in item order. */
async function runLimited<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
