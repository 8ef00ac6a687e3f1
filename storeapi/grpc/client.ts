// A remote StoreAPI (Thanos or orrery) as an in-process Store. The stream is checked as it
// arrives: unsorted series are an error, unusable chunks a warning and a counted drop, each
// naming the endpoint.
import type * as grpc from "@grpc/grpc-js";
import { grpcJs } from "./grpc-js.js";
import type {
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../types.js";
import { compareLabels, compareUtf8, formatLabels } from "../labels.js";
import {
  SeriesResponseDecoder,
  type ChunkDropReason,
  type DroppedChunk,
  type StoreSeriesRead,
  type WireInfoResponse,
  type WireLabelNamesResponse,
  type WireLabelValuesResponse,
  type WireStoreInfoResponse,
} from "../proto/index.js";
import {
  GRPC_INTERNAL,
  GRPC_UNIMPLEMENTED,
  GRPC_UNKNOWN,
  StoreApiError,
  infoFromWire,
  labelNamesRequestToWire,
  labelValuesRequestToWire,
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
    this.client = new (grpcJs().Client)(address, clientCredentials(tls), clientChannelOptions(options));
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
    const checker = new SeriesStreamChecker(this.address, this.drops);
    try {
      const skipChunks = request.skipChunks === true;
      for (let read = await this.readResponses(call, decoder, skipChunks); read !== undefined; read = await this.readResponses(call, decoder, skipChunks)) {
        const frame = checker.frame(read);
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

  /** The next frame's worth of responses, read into the store's types; undefined after the last. Throws StoreApiError naming the store. */
  private async readResponses(call: Http2ServerStreamCall, decoder: SeriesResponseDecoder, skipChunks: boolean): Promise<StoreSeriesRead | undefined> {
    try {
      const messages = await call.read(this.frameSize);
      if (messages === undefined) return undefined;
      const read: StoreSeriesRead = { series: [], notes: [] };
      for (const m of messages) decodeSeriesMessage(decoder, m, read, skipChunks);
      return read;
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

/** One Series message read into `read`; bytes that do not decode are the store's INTERNAL error. */
function decodeSeriesMessage(decoder: SeriesResponseDecoder, message: Buffer, read: StoreSeriesRead, skipChunks: boolean): void {
  try {
    decoder.decodeInto(message, read, skipChunks);
  } catch (err) {
    throw new StoreApiError(GRPC_INTERNAL, err instanceof Error ? err.message : String(err));
  }
}

/** Checks one Series stream: order and label sets; the chunks the read left out become warnings and counted drops. */
class SeriesStreamChecker {
  private previous: Labels | undefined;

  constructor(
    private readonly store: string,
    private readonly drops: Map<ChunkDropReason, number>,
  ) {}

  frame(read: StoreSeriesRead): SeriesFrame {
    for (const s of read.series) this.check(s.labels);
    const warnings = read.notes.map((note) => (typeof note === "string" ? note : this.dropped(read.series[note.series]!.labels, note)));
    return { series: read.series, warnings };
  }

  private check(labels: Labels): void {
    this.checkLabels(labels);
    // Equal label sets in a row are one series split by time (allowed); going back is not.
    if (this.previous !== undefined && compareLabels(this.previous, labels) > 0) {
      throw new StoreApiError(GRPC_INTERNAL, `store ${this.store}: series not sorted: ${formatLabels(labels)} after ${formatLabels(this.previous)}`);
    }
    this.previous = labels;
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

  private dropped(labels: Labels, d: DroppedChunk): string {
    this.drops.set(d.reason, (this.drops.get(d.reason) ?? 0) + 1);
    return `store ${this.store}: series ${formatLabels(labels)}: dropped chunk [${d.minTime}, ${d.maxTime}]: ${d.why}`;
  }
}
