// gRPC server and client settings, Thanos's flag names, and the credentials built from them.
import { parseDuration } from "../../promql/index.js";
import { readFileSync } from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { grpcJs } from "./grpc-js.js";
import type { LabelFieldsCache } from "../proto/index.js";
import type { Http2CallOptions } from "./http2-stream.js";

/** Thanos's default StoreAPI address. */
export const DEFAULT_GRPC_ADDRESS = "127.0.0.1:10901";
/** Largest message either side accepts (Thanos sets math.MaxInt32; grpc-js's default receive limit is 4 MB). */
export const GRPC_MAX_MESSAGE_BYTES = 2 ** 31 - 1;

const FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;
/** Client keep-alive pings and their timeout, Thanos's. */
const CLIENT_KEEPALIVE_TIME_MS = 10_000;
const CLIENT_KEEPALIVE_TIMEOUT_MS = 5_000;

/** Series per SeriesResponse a client asks for: each message costs both sides a fixed toll (framing, a copy, a write), so fewer, larger ones cost the store less CPU. */
export const DEFAULT_RESPONSE_BATCH_SERIES = 512;

export interface GrpcServerTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, clients must present a certificate signed by this CA (mTLS). */
  readonly clientCaFile?: string;
}

export interface StoreApiServerOptions {
  /** host:port to listen on; port 0 picks a free one. Default 127.0.0.1:10901. */
  readonly address?: string;
  readonly tls?: GrpcServerTlsOptions;
  /** Info's ComponentType ("store", "sidecar", "receive", "rule", "query"). Default "store". */
  readonly componentType?: string;
  readonly maxReceiveMessageBytes?: number;
  readonly maxSendMessageBytes?: number;
  /** Server keep-alive pings (ms); 0 or absent: grpc-js defaults. */
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** Close connections after this long (Thanos --grpc-server-max-connection-age); 0 or absent: never. */
  readonly maxConnectionAgeMs?: number;
  /**
   * Series' encoded label fields kept across calls, by label set object: for a store whose label
   * sets are bounded elsewhere (the gateway's index cache). Absent: kept for one call only.
   */
  readonly labelFields?: LabelFieldsCache;
}

export interface GrpcClientTlsOptions {
  /** CA bundle to verify the server with; absent: the system roots. */
  readonly caFile?: string;
  /** Client certificate and key, for mTLS. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Name to verify the server certificate against (and SNI), when it differs from the address. */
  readonly serverName?: string;
}

export interface GrpcStoreClientOptions {
  /** TLS to the server; absent: plaintext. */
  readonly tls?: GrpcClientTlsOptions;
  readonly maxReceiveMessageBytes?: number;
  /** Client keep-alive (ms): Thanos uses 10 s and 5 s. */
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** Largest number of series per SeriesFrame yielded by series(). Default 256. */
  readonly frameSize?: number;
  /** Series per SeriesResponse asked of the server (response_batch_size; older servers ignore it). Default DEFAULT_RESPONSE_BATCH_SERIES. */
  readonly responseBatchSize?: number;
}

/** A flag spec in the shape cli/ uses: --name=value, booleans as --name / --no-name. */
export interface GrpcFlagSpec {
  readonly name: string;
  readonly default: string;
  readonly help: string;
  readonly boolean?: boolean;
}

/** Thanos's gRPC server flags. */
export const GRPC_SERVER_FLAGS: readonly GrpcFlagSpec[] = [
  { name: "grpc-address", default: DEFAULT_GRPC_ADDRESS, help: "Listen host:port for the gRPC StoreAPI and Info API." },
  { name: "grpc-server-tls-cert", default: "", help: "TLS certificate for the gRPC server; empty disables TLS." },
  { name: "grpc-server-tls-key", default: "", help: "TLS key for the gRPC server; empty disables TLS." },
  { name: "grpc-server-tls-client-ca", default: "", help: "CA to verify client certificates with; empty: no client verification." },
  { name: "grpc-server-max-connection-age", default: "60m", help: "How long a client connection lives before the server asks it to reconnect (and redo TLS); 0: forever." },
];

/** Thanos's gRPC client flags (for talking to StoreAPI endpoints). */
export const GRPC_CLIENT_FLAGS: readonly GrpcFlagSpec[] = [
  { name: "grpc-client-tls-secure", default: "false", help: "Use TLS when talking to gRPC servers.", boolean: true },
  { name: "grpc-client-tls-cert", default: "", help: "TLS certificate identifying this client to the server." },
  { name: "grpc-client-tls-key", default: "", help: "TLS key for the client's certificate." },
  { name: "grpc-client-tls-ca", default: "", help: "CA to verify gRPC servers with; empty: the system roots." },
  { name: "grpc-client-server-name", default: "", help: "Server name to verify the certificate against." },
];

/** A flag combination that cannot work; names the flags. */
export class GrpcFlagError extends Error {
  override name = "GrpcFlagError";
}

function flag(values: Readonly<Record<string, string | undefined>>, name: string): string {
  return values[name] ?? "";
}

/** Server options from flag values (missing names take their defaults). Throws GrpcFlagError. */
export function grpcServerOptionsFromFlags(values: Readonly<Record<string, string | undefined>>): StoreApiServerOptions {
  const address = flag(values, "grpc-address") || DEFAULT_GRPC_ADDRESS;
  const certFile = flag(values, "grpc-server-tls-cert");
  const keyFile = flag(values, "grpc-server-tls-key");
  const clientCaFile = flag(values, "grpc-server-tls-client-ca");
  if ((certFile === "") !== (keyFile === "")) {
    throw new GrpcFlagError("--grpc-server-tls-cert and --grpc-server-tls-key must be given together");
  }
  if (certFile === "" && clientCaFile !== "") {
    throw new GrpcFlagError("--grpc-server-tls-client-ca needs --grpc-server-tls-cert and --grpc-server-tls-key");
  }
  const age = maxConnectionAge(flag(values, "grpc-server-max-connection-age"));
  const base = age > 0 ? { address, maxConnectionAgeMs: age } : { address };
  if (certFile === "") return base;
  return { ...base, tls: { certFile, keyFile, ...(clientCaFile !== "" ? { clientCaFile } : {}) } };
}

function maxConnectionAge(text: string): number {
  if (text === "") return 0;
  try {
    return parseDuration(text);
  } catch {
    throw new GrpcFlagError(`--grpc-server-max-connection-age=${text} is not a duration (e.g. 60m)`);
  }
}

/** Client options from flag values. Throws GrpcFlagError. */
export function grpcClientOptionsFromFlags(values: Readonly<Record<string, string | undefined>>): GrpcStoreClientOptions {
  const secureText = flag(values, "grpc-client-tls-secure") || "false";
  if (secureText !== "true" && secureText !== "false") {
    throw new GrpcFlagError(`--grpc-client-tls-secure must be true or false, got ${JSON.stringify(secureText)}`);
  }
  const certFile = flag(values, "grpc-client-tls-cert");
  const keyFile = flag(values, "grpc-client-tls-key");
  const caFile = flag(values, "grpc-client-tls-ca");
  const serverName = flag(values, "grpc-client-server-name");
  if ((certFile === "") !== (keyFile === "")) {
    throw new GrpcFlagError("--grpc-client-tls-cert and --grpc-client-tls-key must be given together");
  }
  if (secureText === "false") {
    if (certFile !== "" || caFile !== "" || serverName !== "") {
      throw new GrpcFlagError("--grpc-client-tls-cert/-key/-ca and --grpc-client-server-name need --grpc-client-tls-secure");
    }
    return {};
  }
  return {
    tls: {
      ...(caFile !== "" ? { caFile } : {}),
      ...(certFile !== "" ? { certFile, keyFile } : {}),
      ...(serverName !== "" ? { serverName } : {}),
    },
  };
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new GrpcFlagError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

export function serverCredentials(tls: GrpcServerTlsOptions | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpcJs().ServerCredentials.createInsecure();
  const pair = { cert_chain: readPem(tls.certFile, "gRPC server TLS certificate"), private_key: readPem(tls.keyFile, "gRPC server TLS key") };
  const ca = tls.clientCaFile !== undefined ? readPem(tls.clientCaFile, "gRPC server TLS client CA") : null;
  return grpcJs().ServerCredentials.createSsl(ca, [pair], ca !== null);
}

export function serverChannelOptions(o: StoreApiServerOptions): grpc.ChannelOptions {
  const out: grpc.ChannelOptions = {
    "grpc.max_receive_message_length": o.maxReceiveMessageBytes ?? GRPC_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": o.maxSendMessageBytes ?? GRPC_MAX_MESSAGE_BYTES,
    // HTTP/2's default 64 KB window stalls large Series streams on window updates.
    "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW_BYTES,
    // channelz (on by default in grpc-js, unused by orrery) traces every call: CPU per store call.
    "grpc.enable_channelz": 0,
  };
  if (o.keepaliveTimeMs) out["grpc.keepalive_time_ms"] = o.keepaliveTimeMs;
  if (o.keepaliveTimeoutMs) out["grpc.keepalive_timeout_ms"] = o.keepaliveTimeoutMs;
  if (o.maxConnectionAgeMs) out["grpc.max_connection_age_ms"] = o.maxConnectionAgeMs;
  return out;
}

/** The client's TLS files, read (each absent one null: the system roots, no client certificate). */
export interface ClientTlsMaterial {
  readonly ca: Buffer | null;
  readonly key: Buffer | null;
  readonly cert: Buffer | null;
}

export function readClientTls(tls: GrpcClientTlsOptions): ClientTlsMaterial {
  return {
    ca: tls.caFile !== undefined ? readPem(tls.caFile, "gRPC client TLS CA") : null,
    key: tls.keyFile !== undefined ? readPem(tls.keyFile, "gRPC client TLS key") : null,
    cert: tls.certFile !== undefined ? readPem(tls.certFile, "gRPC client TLS certificate") : null,
  };
}

export function clientCredentials(material: ClientTlsMaterial | undefined): grpc.ChannelCredentials {
  if (material === undefined) return grpcJs().credentials.createInsecure();
  return grpcJs().credentials.createSsl(material.ca, material.key, material.cert);
}

/** The settings of the client's Series streams, made on node:http2 directly (see http2-stream.ts). */
export function clientStreamOptions(o: GrpcStoreClientOptions, material: ClientTlsMaterial | undefined): Http2CallOptions {
  const serverName = o.tls?.serverName;
  const tls =
    material === undefined
      ? undefined
      : {
          ...(material.ca !== null ? { ca: material.ca } : {}),
          ...(material.cert !== null ? { cert: material.cert } : {}),
          ...(material.key !== null ? { key: material.key } : {}),
          ...(serverName !== undefined ? { servername: serverName } : {}),
        };
  return {
    ...(tls !== undefined ? { tls } : {}),
    ...(serverName !== undefined ? { authority: serverName } : {}),
    maxReceiveMessageBytes: o.maxReceiveMessageBytes ?? GRPC_MAX_MESSAGE_BYTES,
    windowBytes: FLOW_CONTROL_WINDOW_BYTES,
    keepaliveTimeMs: o.keepaliveTimeMs ?? CLIENT_KEEPALIVE_TIME_MS,
    keepaliveTimeoutMs: o.keepaliveTimeoutMs ?? CLIENT_KEEPALIVE_TIMEOUT_MS,
  };
}

export function clientChannelOptions(o: GrpcStoreClientOptions): grpc.ChannelOptions {
  const out: grpc.ChannelOptions = {
    "grpc.max_receive_message_length": o.maxReceiveMessageBytes ?? GRPC_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": GRPC_MAX_MESSAGE_BYTES,
    "grpc.keepalive_time_ms": o.keepaliveTimeMs ?? CLIENT_KEEPALIVE_TIME_MS,
    "grpc.keepalive_timeout_ms": o.keepaliveTimeoutMs ?? CLIENT_KEEPALIVE_TIMEOUT_MS,
    "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW_BYTES,
    "grpc.enable_channelz": 0,
  };
  if (o.tls?.serverName !== undefined) {
    out["grpc.ssl_target_name_override"] = o.tls.serverName;
    out["grpc.default_authority"] = o.tls.serverName;
  }
  return out;
}
