// Server-streaming gRPC calls made straight on node:http2, without grpc-js: its per-call layers
// (resolving, retrying, load-balancing calls, filter stacks, metadata objects) cost a store call
// more CPU than the HTTP/2 stream itself, and the querier makes one call per store per selector.
// The bytes on the wire are gRPC's: one POST stream per call, 5-byte length-prefixed messages,
// the status in trailers (or in the headers of a trailers-only response).
import * as http2 from "node:http2";
import {
  GRPC_CANCELLED,
  GRPC_INTERNAL,
  GRPC_PERMISSION_DENIED,
  GRPC_RESOURCE_EXHAUSTED,
  GRPC_UNAUTHENTICATED,
  GRPC_UNAVAILABLE,
  GRPC_UNIMPLEMENTED,
  GRPC_UNKNOWN,
  StoreApiError,
} from "./convert.js";

const MESSAGE_HEADER_BYTES = 5;

/** How to reach the server and what to accept from it. */
export interface Http2CallOptions {
  /** Connect with TLS: node:tls options (ca, cert, key, servername); absent: plaintext. */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly servername?: string };
  /** The :authority sent (absent: the address). */
  readonly authority?: string;
  /** Largest message accepted, bytes. */
  readonly maxReceiveMessageBytes: number;
  /** Stream and connection flow-control window, bytes. */
  readonly windowBytes: number;
  /** Ping an idle-looking connection with calls open this often, ms (0: never), and give up on it after keepaliveTimeoutMs. */
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
}

/** gRPC's status for an HTTP status other than 200 (the gRPC spec's HTTP-to-gRPC mapping). */
function statusOfHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GRPC_INTERNAL;
    case 401:
      return GRPC_UNAUTHENTICATED;
    case 403:
      return GRPC_PERMISSION_DENIED;
    case 404:
      return GRPC_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_UNAVAILABLE;
    default:
      return GRPC_UNKNOWN;
  }
}

/** gRPC's status for a stream the peer reset without one. */
function statusOfReset(code: number): number {
  if (code === http2.constants.NGHTTP2_CANCEL) return GRPC_CANCELLED;
  if (code === http2.constants.NGHTTP2_REFUSED_STREAM) return GRPC_UNAVAILABLE;
  if (code === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM) return GRPC_RESOURCE_EXHAUSTED;
  return GRPC_INTERNAL;
}

/** grpc-message is percent-encoded; a malformed escape leaves the text as sent. */
function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The status a headers or trailers block carries: null for OK, undefined when it has none. */
function statusOfHeaders(headers: http2.IncomingHttpHeaders): StoreApiError | null | undefined {
  const raw = headers["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === 0) return null;
  return new StoreApiError(Number.isInteger(code) ? code : GRPC_UNKNOWN, decodeGrpcMessage(headers["grpc-message"]));
}

/** One HTTP/2 connection to a gRPC server, made when a call needs it and remade after it closes. */
export class Http2GrpcConnection {
  private session: http2.ClientHttp2Session | undefined;
  private readonly open = new Set<Http2ServerStreamCall>();
  private keepalive: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly options: Http2CallOptions,
  ) {}

  /** Starts a server-streaming call: the request message is sent whole and the request side closed. */
  serverStream(path: string, request: Uint8Array): Http2ServerStreamCall {
    if (this.closed) throw new StoreApiError(GRPC_UNAVAILABLE, "connection closed");
    const session = this.connected();
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (this.options.authority !== undefined) headers[":authority"] = this.options.authority;
    const stream = session.request(headers);
    const framed = Buffer.allocUnsafe(MESSAGE_HEADER_BYTES + request.length);
    framed[0] = 0;
    framed.writeUInt32BE(request.length, 1);
    framed.set(request, MESSAGE_HEADER_BYTES);
    stream.end(framed);
    const call = new Http2ServerStreamCall(session, stream, this.options.maxReceiveMessageBytes, () => {
      this.open.delete(call);
      // An idle connection does not keep the process alive; one with calls open does.
      if (this.open.size === 0) session.unref();
    });
    if (this.open.size === 0) session.ref();
    this.open.add(call);
    return call;
  }

  /** Closes the connection; open calls end with an error. */
  close(): void {
    this.closed = true;
    const session = this.session;
    this.drop(session);
    session?.destroy();
  }

  private connected(): http2.ClientHttp2Session {
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) return this.session;
    const { tls, windowBytes } = this.options;
    const authority = tls === undefined ? `http://${this.address}` : `https://${this.address}`;
    const session = http2.connect(authority, { ...(tls ?? {}), settings: { initialWindowSize: windowBytes } });
    session.on("connect", () => session.setLocalWindowSize(windowBytes));
    // A connection that fails fails its calls (each stream gets the error); the next call reconnects.
    session.on("error", () => this.drop(session));
    session.on("goaway", () => this.drop(session));
    session.on("close", () => this.drop(session));
    session.unref();
    this.session = session;
    this.startKeepalive(session);
    return session;
  }

  private drop(session: http2.ClientHttp2Session | undefined): void {
    if (session === undefined || this.session !== session) return;
    this.session = undefined;
    clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  /** Pings while calls are open; a ping unanswered in time closes the connection (and fails its calls). */
  private startKeepalive(session: http2.ClientHttp2Session): void {
    const { keepaliveTimeMs, keepaliveTimeoutMs } = this.options;
    if (!(keepaliveTimeMs > 0)) return;
    this.keepalive = setInterval(() => {
      if (this.open.size === 0 || session.destroyed) return;
      const timer = setTimeout(() => {
        session.destroy(new Error(`keepalive ping not answered within ${keepaliveTimeoutMs}ms`));
      }, keepaliveTimeoutMs);
      timer.unref();
      const sent = session.ping(() => clearTimeout(timer));
      if (!sent) clearTimeout(timer);
    }, keepaliveTimeMs);
    this.keepalive.unref();
  }
}

/**
 * One server-streaming call: whole messages queue as they arrive (the stream is paused while a
 * frame's worth waits, so HTTP/2 flow control holds the server back) and are taken by read().
 */
export class Http2ServerStreamCall {
  private messages: Buffer[] = [];
  /** A message not yet whole (its header read), and how many of its bytes have come. */
  private partial: Buffer | undefined;
  private partialFilled = 0;
  /** Bytes of a message header split across data chunks. */
  private headerBytes: Buffer | undefined;
  /** null: ended OK; a StoreApiError: failed; undefined: still running. */
  private status: StoreApiError | null | undefined;
  private headersStatus: StoreApiError | null | undefined;
  private wake: (() => void) | undefined;
  private pauseAt = 256;

  constructor(
    private readonly session: http2.ClientHttp2Session,
    private readonly stream: http2.ClientHttp2Stream,
    private readonly maxMessageBytes: number,
    onEnd: () => void,
  ) {
    stream.on("response", (headers) => this.onResponse(headers));
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("trailers", (trailers) => {
      const status = statusOfHeaders(trailers);
      this.finish(status === undefined ? new StoreApiError(GRPC_UNKNOWN, "trailers without grpc-status") : status);
    });
    stream.on("error", (err: Error) => this.finish(this.errorStatus(err)));
    stream.on("close", () => {
      onEnd();
      if (this.status === undefined) this.finish(this.closeStatus());
    });
  }

  /**
   * Up to `max` whole messages, waiting for one when none is queued; undefined once the call ended
   * OK and all were taken. Throws the call's StoreApiError.
   */
  async read(max: number): Promise<Buffer[] | undefined> {
    this.pauseAt = max;
    for (;;) {
      if (this.messages.length > 0) {
        const taken = this.messages.length <= max ? this.messages : this.messages.splice(0, max);
        if (taken === this.messages) this.messages = [];
        if (this.stream.isPaused() && this.messages.length < max) this.stream.resume();
        return taken;
      }
      if (this.status === null) return undefined;
      if (this.status !== undefined) throw this.status;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Cancels the call (RST_STREAM CANCEL: the server sees the client go); read() then ends it with CANCELLED. */
  cancel(): void {
    if (this.status !== undefined) return;
    this.finish(new StoreApiError(GRPC_CANCELLED, "cancelled on the client"));
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    const httpStatus = headers[":status"] ?? 0;
    if (httpStatus !== 200) {
      this.finish(new StoreApiError(statusOfHttp(httpStatus), `received HTTP status ${httpStatus}`));
      this.stream.close(http2.constants.NGHTTP2_CANCEL);
      return;
    }
    const type = headers["content-type"] ?? "";
    if (!type.startsWith("application/grpc")) {
      this.finish(new StoreApiError(GRPC_UNKNOWN, `received content-type ${JSON.stringify(type)}, not application/grpc`));
      this.stream.close(http2.constants.NGHTTP2_CANCEL);
      return;
    }
    // A trailers-only response carries its status here; the stream then ends.
    this.headersStatus = statusOfHeaders(headers);
  }

  private onData(chunk: Buffer): void {
    if (this.status !== undefined) return;
    let at = 0;
    while (at < chunk.length) {
      if (this.partial !== undefined) {
        const n = Math.min(this.partial.length - this.partialFilled, chunk.length - at);
        chunk.copy(this.partial, this.partialFilled, at, at + n);
        this.partialFilled += n;
        at += n;
        if (this.partialFilled < this.partial.length) break;
        this.messages.push(this.partial);
        this.partial = undefined;
        continue;
      }
      let header: Buffer;
      if (this.headerBytes !== undefined || chunk.length - at < MESSAGE_HEADER_BYTES) {
        const have = this.headerBytes ?? Buffer.alloc(0);
        const n = Math.min(MESSAGE_HEADER_BYTES - have.length, chunk.length - at);
        header = Buffer.concat([have, chunk.subarray(at, at + n)]);
        at += n;
        if (header.length < MESSAGE_HEADER_BYTES) {
          this.headerBytes = header;
          break;
        }
        this.headerBytes = undefined;
      } else {
        header = chunk.subarray(at, at + MESSAGE_HEADER_BYTES);
        at += MESSAGE_HEADER_BYTES;
      }
      const length = header.readUInt32BE(1);
      if (header[0] !== 0) return this.fail(new StoreApiError(GRPC_INTERNAL, "received a compressed message, and no compression was asked for"));
      if (length > this.maxMessageBytes) {
        return this.fail(new StoreApiError(GRPC_RESOURCE_EXHAUSTED, `received a message of ${length} bytes, more than the limit of ${this.maxMessageBytes}`));
      }
      if (chunk.length - at >= length) {
        // The common case: the whole message in this chunk, kept as a view.
        this.messages.push(chunk.subarray(at, at + length));
        at += length;
      } else {
        this.partial = Buffer.allocUnsafe(length);
        this.partialFilled = 0;
      }
    }
    if (this.messages.length >= this.pauseAt) this.stream.pause();
    this.wakeReader();
  }

  private fail(err: StoreApiError): void {
    this.finish(err);
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private errorStatus(err: Error): StoreApiError {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_HTTP2_STREAM_ERROR") return new StoreApiError(statusOfReset(this.stream.rstCode ?? 0), err.message);
    // A stream cancelled because its connection failed carries the connection's error.
    const cause = err.cause instanceof Error ? err.cause : undefined;
    if (code === "ERR_HTTP2_STREAM_CANCEL" && cause === undefined) return new StoreApiError(GRPC_CANCELLED, err.message);
    // A connection that could not be made or was lost: the server is unavailable.
    return new StoreApiError(GRPC_UNAVAILABLE, (cause ?? err).message);
  }

  /** The status of a stream that closed without trailers. */
  private closeStatus(): StoreApiError | null {
    if (this.headersStatus !== undefined) return this.headersStatus;
    // Streams of a connection that went away close as cancelled: the server is unavailable, it did not reset them.
    if (this.session.destroyed) return new StoreApiError(GRPC_UNAVAILABLE, "connection to the server lost");
    const rst = this.stream.rstCode ?? http2.constants.NGHTTP2_NO_ERROR;
    if (rst !== http2.constants.NGHTTP2_NO_ERROR) return new StoreApiError(statusOfReset(rst), `stream reset by the server with HTTP/2 code ${rst}`);
    return new StoreApiError(GRPC_INTERNAL, "stream ended without a gRPC status");
  }

  private finish(status: StoreApiError | null): void {
    if (this.status !== undefined) return;
    // A message begun (its header or its bytes only in part) and never finished is a truncated stream.
    if (status !== null || (this.partial === undefined && this.headerBytes === undefined)) this.status = status;
    else this.status = new StoreApiError(GRPC_INTERNAL, "stream ended inside a message");
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
