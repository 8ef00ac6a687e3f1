// A Store over an existing Prometheus server, through its remote_read API (no sidecar).
//
// series(): POST {url}/api/v1/read, a snappy ReadRequest asking for STREAMED_XOR_CHUNKS, then SAMPLES.
// Streamed chunks (XOR and histogram) pass through as Prometheus wrote them; SAMPLES answers (floats and
// histograms) are cut into chunks as our stores cut them. Prometheus's read handler itself attaches its
// external labels to every series and turns `name="value"` matchers on them into `name=""`; this store
// therefore does not add them again, and settles every matcher on an external label itself (no series when it fails, removed
// from the query when it holds), since Prometheus would test other matcher kinds against series
// that lack the label. External labels come from GET /api/v1/status/config (global.external_labels).
// info(): Prometheus has no cheap endpoint for the oldest sample, so min/max time are unbounded
// (±Number.MAX_SAFE_INTEGER), as Thanos's sidecar starts out.
import snappy from "snappyjs";
import {
  ChunkEncoding,
  EMPTY_LABELS,
  chunksOfSamples,
  compareLabels,
  compileMatcher,
  formatMatcher,
  formatLabels,
  histogramShapeError,
  int64ToNumber,
  isStaleNaN,
  nativeHistogramFromPrompb,
  labelsFromList,
  labelsFromRecord,
  prompb,
  PrompbChunkEncoding,
  PrompbMatcherType,
  PrompbResponseType,
  type AggrChunk,
  type Labels,
  type LabelNamesRequest,
  type LabelValuesRequest,
  type Matcher,
  type NativeHistogram,
  type PrompbChunkedSeries,
  type PrompbLabel,
  type PrompbReadResponse,
  type PrompbTimeSeries,
  type Series,
  type SeriesFrame,
  type SeriesRequest,
  type Store,
  type StoreInfo,
  type StringsResponse,
  snappyUncompress,
  parseYaml,
} from "../../storeapi/index.js";
import { readChunkedFrames } from "./frames.js";

export interface PrometheusStoreOptions {
  /** Base URL of the Prometheus server, e.g. http://prometheus:9090 (the --prometheus.url flag). */
  readonly url: string;
  /** Per-request timeout in ms. */
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** fetch to use (tests); the global one by default. */
  readonly fetch?: typeof fetch;
  /** Response types to offer, in order of preference (default streamed chunks, then samples). */
  readonly responseTypes?: readonly ("streamed" | "samples")[];
  /** Series per SeriesFrame. */
  readonly frameSize?: number;
  /** How long series/label calls reuse the external labels last read (info() always rereads). */
  readonly externalLabelsTtlMs?: number;
}

/** The one error type of this store; its message names the store's URL. */
export class PrometheusStoreError extends Error {
  override name = "PrometheusStoreError";
}

interface Sent {
  readonly response: Response;
  /** Stops the timeout timer. */
  readonly done: () => void;
  /** The error to throw for a failure while reading the body. */
  readonly fail: (err: unknown) => unknown;
}

const STREAMED_CONTENT_TYPE = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
const UNBOUNDED = Number.MAX_SAFE_INTEGER;
const OP_TO_PROMPB: Record<Matcher["op"], number> = {
  "=": PrompbMatcherType.EQ,
  "!=": PrompbMatcherType.NEQ,
  "=~": PrompbMatcherType.RE,
  "!~": PrompbMatcherType.NRE,
};
// A SAMPLES answer decompressing beyond this is refused rather than allocated.
const MAX_SAMPLES_BODY_BYTES = 1 << 30;
// The API's time bounds: beyond them a time parameter is left out rather than sent.
const API_TIME_LIMIT_MS = 253402300799000;

export class PrometheusStore implements Store {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private ext: { readonly at: number; readonly labels: Labels } | undefined;

  constructor(private readonly opts: PrometheusStoreOptions) {
    this.base = opts.url.replace(/\/+$/, "");
    this.fetchFn = opts.fetch ?? fetch;
  }

  async info(): Promise<StoreInfo> {
    const ext = await this.externalLabels();
    this.ext = { at: Date.now(), labels: ext };
    return {
      labelSets: ext.length > 0 ? [ext] : [],
      minTime: -UNBOUNDED,
      maxTime: UNBOUNDED,
      resolutions: [0],
      supportsAggregationPushdown: false,
    };
  }

  /** The server's external labels, from its loaded configuration. */
  async externalLabels(signal?: AbortSignal): Promise<Labels> {
    const data = await this.getJson<{ yaml?: unknown } | undefined>("/api/v1/status/config", new URLSearchParams(), signal);
    if (typeof data?.yaml !== "string") throw this.error("/api/v1/status/config: no yaml in the answer");
    try {
      return externalLabelsFromConfig(data.yaml);
    } catch (err) {
      throw this.error(`/api/v1/status/config: ${(err as Error).message}`);
    }
  }

  /** External labels, reread when older than the TTL (a config reload may change them). */
  private async currentExternalLabels(signal?: AbortSignal): Promise<Labels> {
    const ttl = this.opts.externalLabelsTtlMs ?? 30_000;
    if (this.ext !== undefined && Date.now() - this.ext.at < ttl) return this.ext.labels;
    const labels = await this.externalLabels(signal);
    this.ext = { at: Date.now(), labels };
    return labels;
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    const ext = await this.currentExternalLabels(signal);
    const matchers = queryMatchers(request.matchers, ext);
    if (matchers === undefined) return;
    const body = snappy.compress(prompb.ReadRequest.encode(this.readRequest(request, matchers)).finish());
    const url = `${this.base}/api/v1/read`;
    const { response, done, fail } = await this.send(url, {
      method: "POST",
      headers: {
        ...this.opts.headers,
        "Content-Type": "application/x-protobuf",
        "Content-Encoding": "snappy",
        "X-Prometheus-Remote-Read-Version": "0.1.0",
      },
      body,
      signal,
    });
    try {
      const type = response.headers.get("content-type") ?? "";
      const batches =
        type === STREAMED_CONTENT_TYPE
          ? this.streamedSeries(response, request)
          : type.startsWith("application/x-protobuf")
            ? this.sampledSeries(response, request)
            : undefined;
      if (batches === undefined) throw this.error(`POST ${url}: unexpected Content-Type ${JSON.stringify(type)}`);
      yield* batches;
    } catch (err) {
      throw fail(err);
    } finally {
      done();
    }
  }

  async labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    const ext = await this.currentExternalLabels(signal);
    const matchers = queryMatchers(request.matchers, ext);
    if (matchers === undefined) return { values: [], warnings: [] };
    const { data, warnings } = await this.getStrings("/api/v1/labels", request, matchers, signal);
    const names = new Set([...data, ...ext.map((l) => l.name)]);
    return { values: limit([...names].sort(), request.limit), warnings };
  }

  async labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    const ext = await this.currentExternalLabels(signal);
    const matchers = queryMatchers(request.matchers, ext);
    if (matchers === undefined) return { values: [], warnings: [] };
    const own = ext.find((l) => l.name === request.label);
    // Every series of this server carries the external label's value (Prometheus adds it on read).
    if (own !== undefined) return { values: [own.value], warnings: [] };
    const path = `/api/v1/label/${encodeURIComponent(request.label)}/values`;
    const { data, warnings } = await this.getStrings(path, request, matchers, signal);
    return { values: limit(data, request.limit), warnings };
  }

  private readRequest(request: SeriesRequest, matchers: readonly Matcher[]): Record<string, unknown> {
    const h = request.queryHints;
    const start = clampTime(request.minTime);
    const end = clampTime(request.maxTime);
    return {
      queries: [
        {
          startTimestampMs: start,
          endTimestampMs: end,
          matchers: matchers.map((m) => ({ type: OP_TO_PROMPB[m.op], name: m.name, value: m.value })),
          hints: {
            stepMs: h?.stepMillis ?? 0,
            func: h?.func ?? "",
            startMs: start,
            endMs: end,
            grouping: h?.grouping?.labels ?? [],
            by: h?.grouping?.by ?? false,
            rangeMs: h?.rangeMillis ?? 0,
          },
        },
      ],
      acceptedResponseTypes: (this.opts.responseTypes ?? ["streamed", "samples"]).map((t) =>
        t === "streamed" ? PrompbResponseType.STREAMED_XOR_CHUNKS : PrompbResponseType.SAMPLES,
      ),
    };
  }

  /** Series of a STREAMED_XOR_CHUNKS body; a series split over frames is joined. */
  private async *streamedSeries(response: Response, request: SeriesRequest): AsyncGenerator<SeriesFrame> {
    if (response.body === null) throw this.error("streamed response without a body");
    const frameSize = this.opts.frameSize ?? 256;
    const max = request.limit !== undefined && request.limit > 0 ? request.limit : Infinity;
    let batch: Series[] = [];
    let warnings: string[] = [];
    let pending: { labels: Labels; chunks: AggrChunk[] } | undefined;
    let previous: Labels | undefined;
    let sent = 0;
    const finish = (s: { labels: Labels; chunks: AggrChunk[] }): void => {
      if (previous !== undefined && compareLabels(previous, s.labels) > 0) {
        warnings.push(`${this.base}: remote_read series out of label order: ${formatLabels(s.labels)} after ${formatLabels(previous)}`);
      }
      previous = s.labels;
      batch.push({ labels: s.labels, chunks: request.skipChunks ? [] : s.chunks });
      sent++;
    };
    for await (const frame of readChunkedFrames(response.body as unknown as AsyncIterable<Uint8Array>)) {
      const q = int64ToNumber(frame.queryIndex);
      if (q !== 0) throw this.error(`streamed frame for query ${q}; only query 0 was sent`);
      for (const cs of frame.chunkedSeries) {
        const labels = labelsOf(cs.labels);
        const chunks = this.chunksOf(cs, warnings);
        if (pending !== undefined && compareLabels(pending.labels, labels) === 0) {
          pending.chunks.push(...chunks);
          continue;
        }
        if (pending !== undefined) finish(pending);
        pending = { labels, chunks };
        if (sent >= max) break;
      }
      if (batch.length >= frameSize) {
        yield { series: batch, warnings };
        batch = [];
        warnings = [];
      }
      if (sent >= max) {
        pending = undefined;
        break;
      }
    }
    if (pending !== undefined && sent < max) finish(pending);
    if (batch.length > 0 || warnings.length > 0) yield { series: batch, warnings };
  }

  private chunksOf(cs: PrompbChunkedSeries, warnings: string[]): AggrChunk[] {
    const out: AggrChunk[] = [];
    for (const c of cs.chunks) {
      const encoding = chunkEncoding(c.type);
      if (encoding === undefined) {
        warnings.push(`${this.base}: chunk of unknown encoding ${c.type} in ${formatLabels(labelsOf(cs.labels))} skipped`);
        continue;
      }
      out.push({ minTime: int64ToNumber(c.minTimeMs), maxTime: int64ToNumber(c.maxTimeMs), raw: { encoding, data: c.data } });
    }
    return out;
  }

  /** Series of a SAMPLES body, sorted (Prometheus does not sort them here) and cut into chunks as our stores cut them. */
  private async *sampledSeries(response: Response, request: SeriesRequest): AsyncGenerator<SeriesFrame> {
    const compressed = new Uint8Array(await response.arrayBuffer());
    let decoded: PrompbReadResponse;
    try {
      decoded = prompb.ReadResponse.decode(snappyUncompress(compressed, MAX_SAMPLES_BODY_BYTES)) as unknown as PrompbReadResponse;
    } catch (err) {
      throw this.error(`SAMPLES response is not a snappy ReadResponse: ${(err as Error).message}`);
    }
    if (decoded.results.length !== 1) throw this.error(`SAMPLES response has ${decoded.results.length} results for 1 query`);
    const all = decoded.results[0]!.timeseries.map((ts) => ({ labels: labelsOf(ts.labels), ts }));
    all.sort((a, b) => compareLabels(a.labels, b.labels));
    const max = request.limit !== undefined && request.limit > 0 ? Math.min(request.limit, all.length) : all.length;
    const frameSize = this.opts.frameSize ?? 256;
    let batch: Series[] = [];
    for (let i = 0; i < max; i++) {
      const { labels, ts } = all[i]!;
      batch.push({ labels, chunks: request.skipChunks ? [] : this.chunks(ts, labels) });
      if (batch.length >= frameSize) {
        yield { series: batch, warnings: [] };
        batch = [];
      }
    }
    if (batch.length > 0) yield { series: batch, warnings: [] };
  }

  /** A SAMPLES time series as chunks (floats as XOR, histograms as histogram chunks), its times checked for order. */
  private chunks(ts: PrompbTimeSeries, labels: Labels): AggrChunk[] {
    const floatTimes = ts.samples.map((x) => int64ToNumber(x.timestamp));
    const histTimes = ts.histograms.map((h) => int64ToNumber(h.timestamp));
    for (const [kind, t] of [["sample", floatTimes], ["histogram", histTimes]] as const) {
      for (let i = 1; i < t.length; i++) {
        if (t[i]! <= t[i - 1]!) throw this.error(`SAMPLES response: ${formatLabels(labels)} has ${kind} at ${t[i]} after ${t[i - 1]}`);
      }
    }
    // One timeline: floats and histograms merged by time (a histogram wins a shared timestamp).
    const n = floatTimes.length + histTimes.length;
    const times: number[] = [];
    const values = new Float64Array(n);
    const hs: (NativeHistogram | undefined)[] = [];
    let i = 0;
    let j = 0;
    while (i < floatTimes.length || j < histTimes.length) {
      if (j < histTimes.length && (i >= floatTimes.length || histTimes[j]! <= floatTimes[i]!)) {
        if (i < floatTimes.length && floatTimes[i] === histTimes[j]) i++;
        const h = nativeHistogramFromPrompb(ts.histograms[j]!);
        const problem = isStaleNaN(h.sum) ? undefined : histogramShapeError(h);
        if (problem !== undefined) throw this.error(`SAMPLES response: ${formatLabels(labels)} has a bad histogram at ${histTimes[j]}: ${problem}`);
        hs[times.length] = h;
        times.push(histTimes[j++]!);
      } else {
        values[times.length] = ts.samples[i]!.value;
        times.push(floatTimes[i++]!);
      }
    }
    return chunksOfSamples(times, values, times.length, hs);
  }

  private async getStrings(
    path: string,
    request: LabelNamesRequest,
    matchers: readonly Matcher[],
    signal?: AbortSignal,
  ): Promise<{ data: string[]; warnings: string[] }> {
    const params = new URLSearchParams();
    if (matchers.length > 0) params.append("match[]", `{${matchers.map(formatMatcher).join(",")}}`);
    if (Math.abs(request.minTime) <= API_TIME_LIMIT_MS) params.set("start", String(request.minTime / 1000));
    if (Math.abs(request.maxTime) <= API_TIME_LIMIT_MS) params.set("end", String(request.maxTime / 1000));
    const warnings: string[] = [];
    const data = await this.getJson<unknown>(path, params, signal, warnings);
    if (!Array.isArray(data) || !data.every((v) => typeof v === "string")) throw this.error(`GET ${path}: data is not a list of strings`);
    return { data, warnings };
  }

  /** GETs an API path and returns `data`, checking the Prometheus API envelope. */
  private async getJson<T>(path: string, params: URLSearchParams, signal?: AbortSignal, warnings?: string[]): Promise<T> {
    const query = params.toString();
    const url = `${this.base}${path}${query === "" ? "" : "?" + query}`;
    const { response, done, fail } = await this.send(url, { method: "GET", headers: { ...this.opts.headers, Accept: "application/json" }, signal });
    try {
      let body: { status?: string; data?: T; error?: string; warnings?: string[] };
      const text = await response.text();
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw this.error(`GET ${url}: answer is not JSON: ${snippet(text)}`);
      }
      if (body.status !== "success") throw this.error(`GET ${url}: ${body.error ?? "status " + String(body.status)}`);
      for (const w of body.warnings ?? []) warnings?.push(`${this.base}: ${w}`);
      return body.data as T;
    } catch (err) {
      throw fail(err);
    } finally {
      done();
    }
  }

  /**
   * Sends a request under the store's timeout and the caller's signal; rejects HTTP errors (a JSON
   * error answer of the query API is left to getJson). `fail` turns any later error while reading
   * the body into the error to throw: the caller's abort reason, a timeout, or a store error.
   */
  private async send(url: string, init: RequestInit & { signal?: AbortSignal }): Promise<Sent> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.opts.timeoutMs);
    const caller = init.signal;
    const signal = caller !== undefined ? AbortSignal.any([caller, timeout.signal]) : timeout.signal;
    const what = `${init.method ?? "GET"} ${url}`;
    const fail = (err: unknown): unknown => {
      if (caller?.aborted) return caller.reason;
      if (timeout.signal.aborted) return this.error(`${what}: timed out after ${this.opts.timeoutMs} ms`);
      if (err instanceof PrometheusStoreError) return err;
      return this.error(`${what}: ${err instanceof Error ? err.message + causeOf(err) : String(err)}`);
    };
    const done = (): void => clearTimeout(timer);
    let response: Response;
    try {
      response = await this.fetchFn(url, { ...init, signal });
    } catch (err) {
      done();
      throw fail(err);
    }
    const json = response.headers.get("content-type")?.includes("json") === true;
    if (!response.ok && (init.method === "POST" || !json)) {
      const text = await response.text().catch(() => "");
      done();
      throw this.error(`${what}: HTTP ${response.status}: ${snippet(text)}`);
    }
    return { response, done, fail };
  }

  private error(message: string): PrometheusStoreError {
    return new PrometheusStoreError(`prometheus store ${this.base}: ${message}`);
  }

}

/**
 * The matchers to send for a query over a server with external labels `ext`: matchers on external
 * label names are settled here (undefined: no series can match); the rest are sent. An empty list
 * selects every named series (Prometheus selects nothing without a matcher).
 */
export function queryMatchers(matchers: readonly Matcher[], ext: Labels): readonly Matcher[] | undefined {
  const out: Matcher[] = [];
  for (const m of matchers) {
    const own = ext.find((l) => l.name === m.name);
    if (own === undefined) {
      out.push(m);
      continue;
    }
    if (!compileMatcher(m)(own.value)) return undefined;
  }
  if (out.length === 0) out.push({ name: "__name__", op: "=~", value: ".+" });
  return out;
}

/** global.external_labels of a Prometheus configuration (YAML as /api/v1/status/config gives it). */
export function externalLabelsFromConfig(yaml: string): Labels {
  const lines = yaml.split(/\r?\n/);
  const global = lines.findIndex((l) => /^global:\s*$/.test(l));
  if (global < 0) return EMPTY_LABELS;
  let at = -1;
  let indent = 0;
  for (let i = global + 1; i < lines.length && !/^\S/.test(lines[i]!); i++) {
    const m = /^(\s+)external_labels:\s*(.*)$/.exec(lines[i]!);
    if (m !== null) {
      if (m[2] !== "" && m[2] !== "{}") throw new Error(`global.external_labels: unsupported form ${JSON.stringify(m[2])}`);
      at = i;
      indent = m[1]!.length;
      break;
    }
  }
  if (at < 0) return EMPTY_LABELS;
  const block: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (line.length - line.trimStart().length <= indent) break;
    block.push(line);
  }
  if (block.length === 0) return EMPTY_LABELS;
  const parsed = parseYaml(block.join("\n"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("global.external_labels is not a mapping");
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === "object" && value !== null) throw new Error(`global.external_labels.${name} is not a scalar`);
    record[name] = String(value);
  }
  return labelsFromRecord(record);
}

/** Plain labels (not protobufjs Message objects), sorted, empty values dropped. */
function labelsOf(labels: readonly PrompbLabel[]): Labels {
  return labelsFromList(labels.map((l) => ({ name: l.name, value: l.value })));
}

function chunkEncoding(type: number): ChunkEncoding | undefined {
  if (type === PrompbChunkEncoding.XOR) return ChunkEncoding.XOR;
  if (type === PrompbChunkEncoding.HISTOGRAM) return ChunkEncoding.Histogram;
  if (type === PrompbChunkEncoding.FLOAT_HISTOGRAM) return ChunkEncoding.FloatHistogram;
  return undefined;
}

function clampTime(t: number): number {
  return Math.max(-UNBOUNDED, Math.min(UNBOUNDED, Math.trunc(t)));
}

function limit(values: string[], n: number | undefined): string[] {
  return n !== undefined && n > 0 && values.length > n ? values.slice(0, n) : values;
}

function snippet(text: string): string {
  const t = text.trim();
  return t.length > 300 ? JSON.stringify(t.slice(0, 300)) + "…" : JSON.stringify(t);
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${cause.message})` : "";
}
