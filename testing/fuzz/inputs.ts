// Generated and mutated requests for a running orrery: HTTP API calls, remote_write and
// remote_read bodies, and gRPC StoreAPI messages. Everything is drawn from one seeded PRNG.
import snappy from "snappyjs";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../../stores/index.js";
import { prompb, thanosTypes, encodeWire, THANOS_METHODS, type Labels } from "../../storeapi/index.js";
import { fragments, generateQuery, mutateQuery } from "./queries.js";

export type Random = () => number;

export interface HttpInput {
  readonly kind: "http";
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
}

export interface GrpcInput {
  readonly kind: "grpc";
  readonly path: string;
  /** The request body: gRPC length-prefixed frames (or bytes that only look like them). */
  readonly body: Uint8Array;
}

export type FuzzInput = HttpInput | GrpcInput;

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Random, n: number): number => Math.floor(r() * n);

/** A few bytes changed, cut, repeated or replaced, as transport damage and hostile senders do. */
export function mutateBytes(r: Random, input: Uint8Array): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  const edits = 1 + int(r, 4);
  for (let k = 0; k < edits; k++) {
    const i = int(r, b.length + 1);
    switch (int(r, 6)) {
      case 0:
        if (b.length > 0) b[Math.min(i, b.length - 1)]! ^= 1 << int(r, 8);
        break;
      case 1:
        b = b.subarray(0, i);
        break;
      case 2: {
        const extra = Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256));
        b = concat(b.subarray(0, i), extra, b.subarray(i));
        break;
      }
      case 3: {
        const j = int(r, b.length + 1);
        b = concat(b.subarray(0, Math.max(i, j)), b.subarray(Math.min(i, j), Math.max(i, j)), b.subarray(Math.max(i, j)));
        break;
      }
      case 4:
        if (b.length > 0) b[Math.min(i, b.length - 1)] = pick(r, [0x00, 0x7f, 0x80, 0xff]);
        break;
      default:
        b = Uint8Array.from({ length: int(r, 64) }, () => int(r, 256));
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A PromQL query: generated, a mutated seed, a seed as is, or a pile of fragments. */
export function queryText(r: Random, seeds: readonly string[]): string {
  switch (int(r, 5)) {
    case 0:
      return generateQuery(r, 1 + int(r, 5));
    case 1:
      return pick(r, seeds);
    case 2: {
      let s = "";
      for (let k = int(r, 12); k > 0; k--) s += pick(r, fragments) + (r() < 0.5 ? " " : "");
      return s;
    }
    default:
      return mutateQuery(r, pick(r, seeds));
  }
}

const TIMES = ["0", "1", "-1", "1e400", "-1e400", "NaN", "Inf", "-Inf", "abc", "", "1700000000.5", "99999999999999999999", "2026-01-01T00:00:00Z", "2026-13-45T99:00:00Z", "1e-9", "0x10", "1_000"];
const STEPS = ["0", "-1", "1e-9", "0.001", "15", "15s", "1m", "1y", "abc", "", "NaN", "Inf", "1e300"];
const LABELS = ["job", "__name__", "instance", "", "é", "a.b", "le", "__proto__", "constructor", "x".repeat(300)];

/** A time near the data (`nowS`), or a hostile one. */
function timeParam(r: Random, nowS: number): string {
  return r() < 0.6 ? String(nowS - int(r, 7200) + (r() < 0.2 ? r() : 0)) : pick(r, TIMES);
}

/** Percent-encoded UTF-8; a lone surrogate (mutations make them) travels as U+FFFD, as any client sends it. */
function encode(s: string): string {
  return encodeURIComponent(Buffer.from(s, "utf8").toString("utf8"));
}

function param(r: Random, name: string, value: string): string {
  const mangled = r() < 0.05 ? mutateQuery(r, value) : value;
  return `${encode(name)}=${encode(mangled)}`;
}

/** One HTTP API call: endpoint, method, parameters in the URL or a form, sometimes broken. */
export function apiCall(r: Random, seeds: readonly string[], nowS: number): HttpInput {
  const q = (): string => param(r, "query", queryText(r, seeds));
  const t = (name: string): string => param(r, name, timeParam(r, nowS));
  const match = (): string => param(r, "match[]", queryText(r, seeds));
  const endpoints: [string, () => string[]][] = [
    ["/api/v1/query", () => [q(), t("time"), ...(r() < 0.2 ? [param(r, "timeout", pick(r, STEPS))] : []), ...(r() < 0.1 ? [param(r, "stats", "all")] : [])]],
    ["/api/v1/query_range", () => [q(), t("start"), t("end"), param(r, "step", r() < 0.7 ? pick(r, ["15", "60", "300"]) : pick(r, STEPS))]],
    ["/api/v1/series", () => [match(), ...(r() < 0.5 ? [match()] : []), t("start"), t("end"), ...(r() < 0.2 ? [param(r, "limit", pick(r, ["-1", "0", "1", "x"]))] : [])]],
    ["/api/v1/labels", () => (r() < 0.5 ? [match(), t("start")] : [])],
    [`/api/v1/label/${encode(pick(r, LABELS))}/values`, () => (r() < 0.5 ? [match(), t("end")] : [])],
    ["/api/v1/query_exemplars", () => [q(), t("start"), t("end")]],
    ["/api/v1/format_query", () => [q()]],
    ["/api/v1/parse_query", () => [q()]],
    ["/api/v1/metadata", () => (r() < 0.5 ? [param(r, "metric", pick(r, LABELS)), param(r, "limit", pick(r, ["1", "-1", "x"]))] : [])],
    ["/api/v1/status/tsdb", () => (r() < 0.3 ? [param(r, "limit", pick(r, ["0", "5", "-3", "1e9", "x"]))] : [])],
    [pick(r, ["/api/v1/status/buildinfo", "/api/v1/status/runtimeinfo", "/api/v1/status/flags", "/api/v1/status/config", "/api/v1/targets", "/api/v1/rules", "/api/v1/alerts", "/api/v1/stores", "/-/healthy", "/-/ready", "/metrics", "/federate", "/api/v1/nope", "/%zz", "/api/v1/label//values"]), () => (r() < 0.5 ? [match()] : [])],
  ];
  const [path, params] = pick(r, endpoints);
  const query = params().join("&");
  const method = r() < 0.05 ? pick(r, ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) : r() < 0.5 ? "GET" : "POST";
  if (method !== "POST") return { kind: "http", method, path: query === "" ? path : `${path}?${query}`, headers: {} };
  const form = new TextEncoder().encode(query);
  const body = r() < 0.1 ? mutateBytes(r, form) : form;
  const contentType = r() < 0.9 ? "application/x-www-form-urlencoded" : pick(r, ["application/json", "multipart/form-data; boundary=x", "text/plain", "", "application/x-www-form-urlencoded; charset=latin1"]);
  return { kind: "http", method, path, headers: contentType === "" ? {} : { "content-type": contentType }, body };
}

const SPECIAL_VALUES = [NaN, Infinity, -Infinity, 0, -0, 1e308, -1e-308, 5e-324];
// Prometheus's stale marker as a float64.
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

function randomLabels(r: Random): Labels {
  const names = new Set<string>(["__name__"]);
  for (let k = int(r, 4); k > 0; k--) names.add(r() < 0.9 ? pick(r, ["job", "instance", "le", "code", "a_b"]) : pick(r, LABELS));
  const labels = [...names].map((name) => ({ name, value: name === "__name__" ? pick(r, ["fuzz_total", "fuzz_gauge", "", "1bad", "é"]) : pick(r, ["a", "b", "", "0.5", "+Inf", "é"]) }));
  if (r() < 0.9) labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return labels;
}

/** A remote_write request: random series (odd labels, special values, old and future timestamps), sometimes damaged. */
export function remoteWrite(r: Random, nowMs: number): HttpInput {
  const timeseries: WriteTimeSeries[] = [];
  for (let k = 1 + int(r, 5); k > 0; k--) {
    const samples = [];
    for (let j = int(r, 6); j > 0; j--) {
      const timestamp = r() < 0.8 ? nowMs - int(r, 3_600_000) : pick(r, [0, -1, nowMs + 86_400_000 * 365, 2 ** 53 - 1]);
      samples.push({ timestamp, value: r() < 0.8 ? r() * 100 : r() < 0.5 ? STALE : pick(r, SPECIAL_VALUES) });
    }
    timeseries.push({ labels: randomLabels(r), samples });
  }
  let body = encodeRemoteWriteBody({ timeseries });
  if (r() < 0.4) body = mutateBytes(r, body);
  const headers: Record<string, string> = { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" };
  if (r() < 0.1) headers["content-type"] = pick(r, ["text/plain", "application/json", "application/x-protobuf;proto=io.prometheus.write.v2.Request"]);
  if (r() < 0.05) delete headers["content-encoding"];
  return { kind: "http", method: "POST", path: "/api/v1/write", headers, body };
}

/** A remote_read request over the matchers of a random selector, sometimes damaged. */
export function remoteRead(r: Random, nowMs: number): HttpInput {
  const request = {
    queries: [
      {
        startTimestampMs: nowMs - int(r, 7_200_000),
        endTimestampMs: r() < 0.9 ? nowMs : pick(r, [0, -1, 2 ** 53 - 1]),
        matchers: [{ type: int(r, 5), name: pick(r, LABELS), value: pick(r, ["fuzz_total", ".*", "(", "", "a|b"]) }],
      },
    ],
    acceptedResponseTypes: [int(r, 3)],
  };
  let body: Uint8Array = snappy.compress(prompb.ReadRequest.encode(request).finish());
  if (r() < 0.4) body = mutateBytes(r, body);
  return { kind: "http", method: "POST", path: "/api/v1/read", headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-read-version": "0.1.0" }, body };
}

function grpcFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** A StoreAPI call: a real request message (random matchers and times), or bytes that are not one. */
export function storeApiCall(r: Random, nowMs: number): GrpcInput {
  const matchers = [{ type: int(r, 5), name: pick(r, LABELS), value: pick(r, ["fuzz_total", ".*", "(", "", "a|b"]) }];
  const span = { minTime: String(nowMs - int(r, 7_200_000)), maxTime: String(r() < 0.9 ? nowMs : pick(r, [0, -1, 2 ** 53 - 1])) };
  const calls: [string, () => Uint8Array][] = [
    [THANOS_METHODS.series, () => encodeWire(thanosTypes.SeriesRequest, { ...span, matchers, skipChunks: r() < 0.3, maxResolutionWindow: String(int(r, 4) * 300_000) })],
    [THANOS_METHODS.labelNames, () => encodeWire(thanosTypes.LabelNamesRequest, { start: span.minTime, end: span.maxTime, matchers })],
    [THANOS_METHODS.labelValues, () => encodeWire(thanosTypes.LabelValuesRequest, { label: pick(r, LABELS), start: span.minTime, end: span.maxTime, matchers })],
    [THANOS_METHODS.info, () => new Uint8Array(0)],
    [pick(r, ["/thanos.Store/Nope", "/", "/thanos.Store/Series/x"]), () => new Uint8Array(0)],
  ];
  const [path, message] = pick(r, calls);
  let body = grpcFrame(message());
  if (r() < 0.4) body = mutateBytes(r, body);
  return { kind: "grpc", path, body };
}

/** The next input: mostly API calls, then writes, reads and StoreAPI calls. */
export function nextInput(r: Random, seeds: readonly string[], nowMs: number, grpc: boolean): FuzzInput {
  const x = r();
  if (x < 0.6) return apiCall(r, seeds, Math.floor(nowMs / 1000));
  if (x < 0.75) return remoteWrite(r, nowMs);
  if (x < 0.85 || !grpc) return remoteRead(r, nowMs);
  return storeApiCall(r, nowMs);
}
