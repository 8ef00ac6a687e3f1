// A Store served over gRPC as thanos.Store (Series, LabelNames, LabelValues, and the deprecated
// Info) and thanos.info.Info: a thin adapter; one SeriesResponse per series or per batch.
import { once } from "node:events";
import type * as grpc from "@grpc/grpc-js";
import { grpcJs } from "./grpc-js.js";
import type { Store } from "../types.js";
import { MatcherError } from "../matchers.js";
import { shardFrames } from "../shard.js";
import {
  SeriesResponseEncoder,
  fromWireInt64,
  WireStoreType,
  type LabelFieldsCache,
  type WireLabelNamesRequest,
  type WireLabelValuesRequest,
  type WireSeriesRequest,
} from "../proto/index.js";
import {
  GRPC_CANCELLED,
  GRPC_INTERNAL,
  GRPC_INVALID_ARGUMENT,
  StoreApiError,
  infoToWire,
  labelNamesRequestFromWire,
  labelValuesRequestFromWire,
  seriesRequestFromWire,
  storeInfoToWire,
} from "./convert.js";
import { INFO_METHODS, STORE_METHODS, UndecodableRequest } from "./methods.js";
import { DEFAULT_GRPC_ADDRESS, serverChannelOptions, serverCredentials, type StoreApiServerOptions } from "./options.js";

/** A running StoreAPI server. */
export interface StoreApiServer {
  /** The bound host:port (the real port when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  /** Stops accepting calls and waits for running ones. */
  close(): Promise<void>;
  /** Cancels running calls and stops. */
  forceClose(): void;
}

/** The gRPC status of a failure: bad matchers are the caller's fault, the rest the store's. */
function toStatus(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof StoreApiError) return { code: err.code, details: err.message };
  if (err instanceof MatcherError) return { code: GRPC_INVALID_ARGUMENT, details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: GRPC_INTERNAL, details: message };
}

const STORE_TYPES: Record<string, WireStoreType> = {
  query: WireStoreType.Query,
  rule: WireStoreType.Rule,
  sidecar: WireStoreType.Sidecar,
  store: WireStoreType.Store,
  receive: WireStoreType.Receive,
};

function checkDecoded(request: unknown): void {
  if (request instanceof UndecodableRequest) throw new StoreApiError(GRPC_INVALID_ARGUMENT, request.message);
}

/** A call's abort signal, aborted when the client cancels. */
interface CallSignal {
  readonly controller: AbortController;
  /** The handler is done: a later "cancelled" is not the client's. */
  finish(): void;
}

/**
 * grpc-js emits "cancelled" after every call, finished ones too; aborting (and building the
 * reason's Error) only for unfinished calls keeps that off every call's path.
 */
function callSignal(call: NodeJS.EventEmitter): CallSignal {
  const controller = new AbortController();
  let finished = false;
  call.once("cancelled", () => {
    if (!finished) controller.abort(new StoreApiError(GRPC_CANCELLED, "cancelled by the client"));
  });
  return { controller, finish: () => (finished = true) };
}

function unary<Req, Res>(handle: (request: Req, signal: AbortSignal) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const cancel = callSignal(call);
    Promise.resolve(call.request)
      .then((request) => {
        checkDecoded(request);
        return handle(request, cancel.controller.signal);
      })
      .then(
        (response) => {
          cancel.finish();
          callback(null, response);
        },
        (err: unknown) => {
          cancel.finish();
          callback(toStatus(err) as grpc.ServiceError);
        },
      );
  };
}

/** thanos.Store as served: a Series call writes its messages already encoded, through one SeriesResponseEncoder per call. */
const SERVED_STORE_METHODS = { ...STORE_METHODS, Series: { ...STORE_METHODS.Series, responseSerialize: (bytes: Buffer): Buffer => bytes } };

type SeriesCall = grpc.ServerWritableStream<WireSeriesRequest, Buffer>;

/** Writes one encoded response, waiting for the client when the send buffer is full. */
async function write(call: SeriesCall, message: Buffer, signal: AbortSignal): Promise<void> {
  if (!call.write(message)) await once(call, "drain", { signal });
}

async function streamSeries(store: Store, call: SeriesCall, signal: AbortSignal, labelFields: LabelFieldsCache): Promise<void> {
  checkDecoded(call.request);
  const request = seriesRequestFromWire(call.request);
  const encoder = new SeriesResponseEncoder(labelFields);
  const batchSize = Math.min(fromWireInt64(call.request.responseBatchSize), 10_000);
  // Filtered here too, so the Info's supports_sharding holds for a store that ignores shardInfo.
  for await (const frame of shardFrames(store.series(request, signal), request.shardInfo)) {
    for (const warning of frame.warnings) await write(call, encoder.encode({ warning }), signal);
    const series = frame.series;
    if (batchSize <= 1) {
      for (let i = 0; i < series.length; i++) await write(call, encoder.encodeStoreSeries(series, i, i + 1, false), signal);
    } else {
      // Batches never span frames: a store's next frame may be slow to come.
      for (let start = 0; start < series.length; start += batchSize) {
        await write(call, encoder.encodeStoreSeries(series, start, Math.min(series.length, start + batchSize), true), signal);
      }
    }
    // A store's frames may follow one another with no pause for I/O, and HTTP/2 sends a written
    // message only as the event loop turns: each frame goes out now, so the client decodes it while
    // the next is made.
    if (frame.series.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function seriesHandler(store: Store, shared: LabelFieldsCache | undefined): grpc.handleServerStreamingCall<WireSeriesRequest, Buffer> {
  return (call) => {
    const cancel = callSignal(call);
    const signal = cancel.controller.signal;
    // Shared, a label set the store hands out again in a later call is encoded once (see LabelFieldsCache).
    streamSeries(store, call, signal, shared ?? new WeakMap()).then(
      () => {
        cancel.finish();
        call.end();
      },
      (err: unknown) => {
        const aborted = signal.aborted;
        cancel.finish();
        if (!aborted) call.emit("error", toStatus(err));
      },
    );
  };
}

/** Starts a gRPC server for a store. Rejects naming the address when it cannot bind. */
export async function serveStoreApi(store: Store, options: StoreApiServerOptions = {}): Promise<StoreApiServer> {
  const componentType = options.componentType ?? "store";
  const server = new (grpcJs().Server)(serverChannelOptions(options));
  server.addService(SERVED_STORE_METHODS as unknown as grpc.ServiceDefinition, {
    Info: unary(async () => storeInfoToWire(await store.info(), STORE_TYPES[componentType] ?? WireStoreType.Unknown)),
    Series: seriesHandler(store, options.labelFields),
    LabelNames: unary(async (r: WireLabelNamesRequest, signal) => {
      const res = await store.labelNames(labelNamesRequestFromWire(r), signal);
      return { names: [...res.values], warnings: [...res.warnings] };
    }),
    LabelValues: unary(async (r: WireLabelValuesRequest, signal) => {
      const res = await store.labelValues(labelValuesRequestFromWire(r), signal);
      return { values: [...res.values], warnings: [...res.warnings] };
    }),
  });
  server.addService(INFO_METHODS as unknown as grpc.ServiceDefinition, {
    Info: unary(async () => infoToWire(await store.info(), componentType)),
  });
  const address = options.address ?? DEFAULT_GRPC_ADDRESS;
  const credentials = serverCredentials(options.tls);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) => {
      if (err !== null) reject(new Error(`gRPC server: cannot listen on ${address}: ${err.message}`));
      else resolve(bound);
    });
  });
  const host = address.slice(0, address.lastIndexOf(":"));
  return {
    address: `${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    forceClose: () => server.forceShutdown(),
  };
}
