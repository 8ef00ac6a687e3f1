// A minimal Prometheus HTTP API client: instant and range queries, POST form-encoded.
import { decodeResult, ResultDecodeError, type QueryResult } from "./result.js";

export type Auth = { kind: "bearer"; token: string } | { kind: "basic"; user: string; password: string };

export interface Endpoint {
  /** Base URL, e.g. http://127.0.0.1:9090 (a path prefix is kept). */
  url: string;
  auth?: Auth;
  /** Per-request timeout in ms (default 60 s). */
  timeoutMs?: number;
}

/** The endpoint answered: with a result, or with a query error (bad_data, execution, …). */
export type QueryOutcome =
  | { ok: true; result: QueryResult; warnings: string[] }
  | { ok: false; errorType: string; error: string; httpStatus: number };

/** The endpoint could not be asked (refused, timed out, not the Prometheus API). */
export class EndpointError extends Error {
  override name = "EndpointError";
}

export interface RangeParams {
  startMs: number;
  endMs: number;
  stepMs: number;
}

function secondsParam(ms: number): string {
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, "");
}

export function instantQuery(ep: Endpoint, query: string, timeMs: number): Promise<QueryOutcome> {
  return post(ep, "/api/v1/query", { query, time: secondsParam(timeMs) });
}

export function rangeQuery(ep: Endpoint, query: string, r: RangeParams): Promise<QueryOutcome> {
  return post(ep, "/api/v1/query_range", { query, start: secondsParam(r.startMs), end: secondsParam(r.endMs), step: secondsParam(r.stepMs) });
}

function headers(ep: Endpoint): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (ep.auth?.kind === "bearer") h.authorization = `Bearer ${ep.auth.token}`;
  if (ep.auth?.kind === "basic") h.authorization = `Basic ${Buffer.from(`${ep.auth.user}:${ep.auth.password}`).toString("base64")}`;
  return h;
}

async function post(ep: Endpoint, path: string, form: Record<string, string>): Promise<QueryOutcome> {
  const url = ep.url.replace(/\/+$/, "") + path;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: headers(ep),
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(ep.timeoutMs ?? 60_000),
    });
    text = await res.text();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new EndpointError(`${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  let body: { status?: string; data?: unknown; errorType?: string; error?: string; warnings?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new EndpointError(`${url}: HTTP ${res.status}, not a JSON answer: ${text.slice(0, 200)}`);
  }
  if (body.status === "error") return { ok: false, errorType: body.errorType ?? "unknown", error: body.error ?? "", httpStatus: res.status };
  if (body.status !== "success") throw new EndpointError(`${url}: HTTP ${res.status}, answer has no status`);
  try {
    const warnings = Array.isArray(body.warnings) ? body.warnings.map(String) : [];
    return { ok: true, result: decodeResult(body.data), warnings };
  } catch (err) {
    if (err instanceof ResultDecodeError) throw new EndpointError(`${url}: ${err.message}`);
    throw err;
  }
}
