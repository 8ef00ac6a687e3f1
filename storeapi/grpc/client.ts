// A remote StoreAPI (Thanos or orrery) as an in-process Store. The stream is checked as it
// arrives: unsorted series are an error, unusable chunks a warning and a counted drop, each
// naming the endpoint.
import * as grpc from "@grpc/grpc-js";
import type {
  AggrChunk,
  Chunk,
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Series,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../types.js";
import { ChunkEncoding } from "../types.js";
import { compareLabels, compareUtf8, formatLabels } from "../labels.js";
import { histogramChunkHeaderError, xorChunkHeaderError } from "../chunkenc/index.js";
import {
  SeriesResponseDecoder,
  chunkEncodingFromWire,
  type WireAggrChunk,
  type WireChunk,
  type WireInfoResponse,
  type WireLabelNamesResponse,
  type WireLabelValuesResponse,
  type WireSeries,
  type WireSeriesResponse,
  type WireStoreInfoResponse,
} from "../proto/index.js";
import {
  GRPC_INTERNAL,
  GRPC_UNIMPLEMENTED,
  GRPC_UNKNOWN,
  StoreApiError,
  fromWireInt64,
  infoFromWire,
  labelNamesRequestToWire,
  labelValuesRequestToWire,
  seriesLabelsFromWire,
  seriesRequestToWire,
} from "./convert.js";
import { INFO_METHODS, STORE_METHODS } from "./methods.js";
import { DEFAULT_RESPONSE_BATCH_SERIES, clientChannelOptions, clientCredentials, clientStreamOptions, readClientTls, type GrpcStoreClientOptions } from "./options.js";
import { Http2GrpcConnection, type Http2ServerStreamCall } from "./http2-stream.js";

/**
 * Makes a grpc-js call without the Error grpc-js builds per call to keep its caller's stack (some
 * microseconds of stack capture per store per query): this client remakes every failure as a
 * StoreApiError naming the store, so that stack is never shown. The previous limit is restored at once.
 */
export function withoutCallerStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Why the client dropped a chunk (the label of its drop counter). */
export type ChunkDropReason = "unknown_encoding" | "corrupt_chunk";

/** A Store backed by a StoreAPI endpoint over gRPC. close() when done. */
export class GrpcStoreClient implements Store {
  /** Unary calls (Info, LabelNames, LabelValues). */
  private readonly client: grpc.Client;
  /** Series streams, the per-query hot path, made on node:http2 without grpc-js's per-call layers. */
  private readonly streams: Http2GrpcConnection;
  private readonly frameSize: number;
  private readonly responseBatchSize: number;
  private readonly drops = new Map<ChunkDropReason, number>();

  /** `address` is host:port. Throws GrpcFlagError when a TLS file cannot be read. */
  constructor(
    readonly address: string,
    options: GrpcStoreClientOptions = {},
  ) {
    const tls = options.tls !== undefined ? readClientTls(options.tls) : undefined;
    this.client = new grpc.Client(address, clientCredentials(tls), clientChannelOptions(options));
    this.streams = new Http2GrpcConnection(address, clientStreamOptions(options, tls));
    this.frameSize = Math.max(1, options.frameSize ?? 256);
    this.responseBatchSize = Math.max(0, options.responseBatchSize ?? DEFAULT_RESPONSE_BATCH_SERIES);
  }

  close(): void {
    this.client.close();
    this.streams.close();
  }

  /** Chunks dropped so far, by reason. */
  droppedChunks(): ReadonlyMap<ChunkDropReason, number> {
    return this.drops;
  }

  private fail(err: unknown): StoreApiError {
    const e = err as Partial<grpc.ServiceError>;
    const code = typeof e.code === "number" ? e.code : GRPC_UNKNOWN;
    const details = e.details ?? e.message ?? String(err);
    return new StoreApiError(code, `store ${this.address}: ${details}`);
  }

  private unary<Res>(m: grpc.MethodDefinition<object, object>, request: object, signal?: AbortSignal): Promise<Res> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Res>((resolve, reject) => {
      const deserialize = m.responseDeserialize as (bytes: Buffer) => Res;
      const call = withoutCallerStack(() =>
        this.client.makeUnaryRequest<object, Res>(m.path, m.requestSerialize, deserialize, request, (err, response) => {
          signal?.removeEventListener("abort", onAbort);
          if (signal?.aborted) reject(signal.reason);
          else if (err !== null || response === undefined) reject(this.fail(err));
          else resolve(response);
        }),
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** thanos.info.Info/Info, or the deprecated thanos.Store/Info on peers that lack the Info API. */
  async info(): Promise<StoreInfo> {
    let r: WireInfoResponse;
    try {
      r = await this.unary<WireInfoResponse>(INFO_METHODS.Info, {});
    } catch (err) {
      if (err instanceof StoreApiError && err.code === GRPC_UNIMPLEMENTED) return this.legacyInfo();
      throw err;
    }
    if (r.store == null) throw new StoreApiError(GRPC_UNIMPLEMENTED, `store ${this.address}: Info reports no StoreAPI (component ${JSON.stringify(r.ComponentType)})`);
    return infoFromWire(r.labelSets, r.store.minTime, r.store.maxTime, r.store.orreryResolutions);
  }

  private async legacyInfo(): Promise<StoreInfo> {
    const r = await this.unary<WireStoreInfoResponse>(STORE_METHODS.Info, {});
    // Before label_sets, a store had one label set in the now deprecated labels field.
    const labelSets = r.labelSets.length > 0 || r.labels.length === 0 ? r.labelSets : [{ labels: r.labels }];
    return infoFromWire(labelSets, r.minTime, r.maxTime, r.orreryResolutions);
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    signal?.throwIfAborted();
    const body = STORE_METHODS.Series.requestSerialize(seriesRequestToWire(request, this.responseBatchSize));
    let call: Http2ServerStreamCall;
    try {
      call = this.streams.serverStream(STORE_METHODS.Series.path, body);
    } catch (err) {
      throw this.fail(err);
    }
    const onAbort = (): void => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    const decoder = new SeriesResponseDecoder();
    const checker = new SeriesStreamChecker(this.address, request.skipChunks === true, this.drops);
    try {
      for (let responses = await this.readResponses(call, decoder); responses !== undefined; responses = await this.readResponses(call, decoder)) {
        const frame = checker.frame(responses);
        if (frame.series.length > 0 || frame.warnings.length > 0) yield frame;
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err instanceof StoreApiError ? err : this.fail(err);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      call.cancel(); // a no-op after the stream ended; stops it when the reader left early
    }
  }

  /** The next frame's worth of responses, decoded; undefined after the last. Throws StoreApiError naming the store. */
  private async readResponses(call: Http2ServerStreamCall, decoder: SeriesResponseDecoder): Promise<WireSeriesResponse[] | undefined> {
    try {
      const messages = await call.read(this.frameSize);
      return messages?.map((m) => decodeSeriesMessage(decoder, m));
    } catch (err) {
      throw this.fail(err);
    }
  }

  async labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    const r = await this.unary<WireLabelNamesResponse>(STORE_METHODS.LabelNames, labelNamesRequestToWire(request), signal);
    return { values: r.names, warnings: r.warnings };
  }

  async labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    const r = await this.unary<WireLabelValuesResponse>(STORE_METHODS.LabelValues, labelValuesRequestToWire(request), signal);
    return { values: r.values, warnings: r.warnings };
  }
}

/** One Series message decoded; bytes that do not decode are the store's INTERNAL error. */
function decodeSeriesMessage(decoder: SeriesResponseDecoder, message: Buffer): WireSeriesResponse {
  try {
    return decoder.decode(message);
  } catch (err) {
    throw new StoreApiError(GRPC_INTERNAL, err instanceof Error ? err.message : String(err));
  }
}

/** Checks and converts one Series stream: order, label sets, chunk encodings and headers. */
class SeriesStreamChecker {
  private previous: Labels | undefined;

  constructor(
    private readonly store: string,
    private readonly skipChunks: boolean,
    private readonly drops: Map<ChunkDropReason, number>,
  ) {}

  frame(responses: readonly WireSeriesResponse[]): SeriesFrame {
    const series: Series[] = [];
    const warnings: string[] = [];
    for (const r of responses) {
      if (r.series != null) series.push(this.series(r.series, warnings));
      else if (r.batch != null) for (const s of r.batch.series) series.push(this.series(s, warnings));
      else if (r.result === "warning") warnings.push(r.warning ?? "");
      // hints (an Any of store-specific data) are not used.
    }
    return { series, warnings };
  }

  private series(wire: WireSeries, warnings: string[]): Series {
    const labels = seriesLabelsFromWire(wire);
    this.checkLabels(labels);
    // Equal label sets in a row are one series split by time (allowed); going back is not.
    if (this.previous !== undefined && compareLabels(this.previous, labels) > 0) {
      throw new StoreApiError(GRPC_INTERNAL, `store ${this.store}: series not sorted: ${formatLabels(labels)} after ${formatLabels(this.previous)}`);
    }
    this.previous = labels;
    if (this.skipChunks || wire.chunks.length === 0) return { labels, chunks: [] };
    const chunks: AggrChunk[] = [];
    for (const c of wire.chunks) {
      const converted = this.aggrChunk(labels, c, warnings);
      if (converted !== undefined) chunks.push(converted);
    }
    return { labels, chunks };
  }

  private checkLabels(labels: Labels): void {
    const before = this.previous;
    for (let i = 1; i < labels.length; i++) {
      const a = labels[i - 1]!.name;
      const b = labels[i]!.name;
      // The same two names as the series before (the decoder hands back the same strings): checked then.
      if (before !== undefined && a === before[i - 1]?.name && b === before[i]?.name) continue;
      if (compareUtf8(a, b) >= 0) {
        throw new StoreApiError(GRPC_INTERNAL, `store ${this.store}: series ${formatLabels(labels)} has unsorted or duplicate label names`);
      }
    }
  }

  private drop(labels: Labels, minTime: number, maxTime: number, warnings: string[], reason: ChunkDropReason, why: string): undefined {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    warnings.push(`store ${this.store}: series ${formatLabels(labels)}: dropped chunk [${minTime}, ${maxTime}]: ${why}`);
    return undefined;
  }

  /** One part of an aggregate chunk, or why it is unusable. */
  private static part(w: WireChunk, part: string): Chunk | { reason: ChunkDropReason; why: string } {
    const encoding = chunkEncodingFromWire(w.type);
    if (encoding === undefined) return { reason: "unknown_encoding", why: `${part} chunk has unknown encoding ${w.type}` };
    const problem = encoding === ChunkEncoding.XOR ? xorChunkHeaderError(w.data) : histogramChunkHeaderError(w.data);
    if (problem !== undefined) return { reason: "corrupt_chunk", why: `${part} ${encoding === ChunkEncoding.XOR ? "XOR" : "histogram"} chunk: ${problem}` };
    return { encoding, data: w.data };
  }

  private aggrChunk(labels: Labels, c: WireAggrChunk, warnings: string[]): AggrChunk | undefined {
    const minTime = fromWireInt64(c.minTime);
    const maxTime = fromWireInt64(c.maxTime);
    if (minTime > maxTime) return this.drop(labels, minTime, maxTime, warnings, "corrupt_chunk", "min_time after max_time");
    // Raw data (the common case) has only `raw`.
    if (c.raw != null && c.count == null && c.sum == null && c.min == null && c.max == null && c.counter == null) {
      const raw = SeriesStreamChecker.part(c.raw, "raw");
      if ("reason" in raw) return this.drop(labels, minTime, maxTime, warnings, raw.reason, raw.why);
      return { minTime, maxTime, raw };
    }
    const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime, maxTime };
    let parts = 0;
    for (const part of ["raw", "count", "sum", "min", "max", "counter"] as const) {
      const w: WireChunk | null | undefined = c[part];
      if (w == null) continue;
      const chunk = SeriesStreamChecker.part(w, part);
      if ("reason" in chunk) return this.drop(labels, minTime, maxTime, warnings, chunk.reason, chunk.why);
      out[part] = chunk;
      parts++;
    }
    if (parts === 0) return this.drop(labels, minTime, maxTime, warnings, "corrupt_chunk", "no chunk data");
    return out;
  }
}
