// Sends fuzz inputs to a running orrery process and watches it: a crash is the process
// exiting, a hang is an input unanswered past the timeout, and memory is read from /proc.
import { request as httpRequest, Agent } from "node:http";
import { connect, type ClientHttp2Session } from "node:http2";
import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { rng } from "../random.js";
import { nextInput, type FuzzInput } from "./inputs.js";
import { takeHeapReport } from "./heap-report.js";

export interface FuzzTarget {
  readonly process: ChildProcess;
  /** http://host:port of the HTTP API. */
  readonly httpUrl: string;
  /** host:port of the gRPC StoreAPI, when the process serves one. */
  readonly grpcAddress?: string;
}

export interface FuzzOptions {
  readonly seed: number;
  /** Stop after this many inputs… */
  readonly count: number;
  /** …or after this long, whichever comes first. */
  readonly seconds: number;
  /** Inputs in flight at once. */
  readonly concurrency: number;
  /** An input unanswered for this long is a hang. */
  readonly timeoutMs: number;
  readonly seeds: readonly string[];
  /** The clock the data was written at (ms); inputs ask around it. */
  readonly nowMs: number;
  /** Called every second with the figures so far. */
  readonly progress?: (report: FuzzReport) => void;
  /** How long the target idles after the last input before its memory is read (10 s). */
  readonly settleMs?: number;
  /** Called on each failure as it happens (a long run's log shows it without waiting for the end). */
  readonly onFailure?: (failure: FuzzFailure) => void;
}

export interface FuzzFailure {
  readonly what: "crash" | "hang" | "5xx";
  /** The input as a line to read (a crash: the inputs in flight, one a line). */
  readonly input: string;
  readonly detail: string;
  /** The inputs behind it, to send again (replayFailures). */
  readonly inputs: readonly FuzzInput[];
}

export interface FuzzReport {
  inputs: number;
  crashes: number;
  hangs: number;
  /** Responses by status code (gRPC: "grpc-<status>"). */
  statuses: Record<string, number>;
  /** The first few failures, each with the input that caused it. */
  failures: FuzzFailure[];
  /** RSS and live heap after a full collection, before the first input. */
  baselineRssBytes: number;
  baselineHeapBytes: number;
  peakRssBytes: number;
  /** RSS after the last input, an idle spell and a full collection. */
  finalRssBytes: number;
  finalHeapBytes: number;
  /** Head series before and after: accepted remote_write inputs add series, and their memory is rightly kept. */
  headSeriesBefore: number;
  headSeriesAfter: number;
  elapsedMs: number;
}

/** VmRSS and VmHWM of a process, in bytes (0 when /proc has no such process). */
export function processMemory(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), peak: kb("VmHWM") };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

function describe(input: FuzzInput): string {
  const body = input.body === undefined ? "" : ` body(${input.body.length} B)=${Buffer.from(input.body.subarray(0, 200)).toString("base64")}`;
  return input.kind === "http" ? `${input.method} ${input.path.slice(0, 500)}${body}` : `gRPC ${input.path}${body}`;
}

/** RSS and live heap (V8 heap used + external) after a full collection; 0 when the process is gone. */
export async function collectedMemory(pid: number): Promise<{ rssBytes: number; heapBytes: number }> {
  try {
    process.kill(pid, "SIGUSR2");
  } catch {
    return { rssBytes: 0, heapBytes: 0 };
  }
  // The report appears once the collection is done (poll up to 10 s).
  let heap = takeHeapReport(pid);
  for (let waited = 0; heap === undefined && waited < 10_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    heap = takeHeapReport(pid);
  }
  return { rssBytes: processMemory(pid).rss, heapBytes: heap === undefined ? 0 : heap.heapUsed + heap.external };
}

/** The series the target's head holds (its /api/v1/status/tsdb), -1 when it does not answer. */
export async function headSeries(httpUrl: string): Promise<number> {
  try {
    const body = (await (await fetch(`${httpUrl}/api/v1/status/tsdb`)).json()) as { data?: { headStats?: { numSeries?: number } } };
    return body.data?.headStats?.numSeries ?? -1;
  } catch {
    return -1;
  }
}

type Outcome = { status: string } | { hang: true } | { error: string };

export function sendHttp(agent: Agent, base: URL, input: Extract<FuzzInput, { kind: "http" }>, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...input.headers };
    if (input.body !== undefined) headers["content-length"] = input.body.length;
    const req = httpRequest({ agent, host: base.hostname, port: base.port, method: input.method, path: input.path, headers }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve({ status: String(res.statusCode) }));
      res.on("error", (err) => resolve({ error: err.message }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ hang: true });
    });
    req.on("error", (err) => resolve({ error: err.message }));
    req.end(input.body === undefined ? undefined : Buffer.from(input.body));
  });
}

export function sendGrpc(session: ClientHttp2Session, input: Extract<FuzzInput, { kind: "grpc" }>, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": input.path, "content-type": "application/grpc", te: "trailers" });
    let status = "";
    const timer = setTimeout(() => {
      stream.close();
      resolve({ hang: true });
    }, timeoutMs);
    stream.on("response", (headers) => (status = String(headers["grpc-status"] ?? "")));
    stream.on("trailers", (trailers) => (status = String(trailers["grpc-status"] ?? status)));
    stream.on("data", () => undefined);
    stream.on("close", () => {
      clearTimeout(timer);
      resolve({ status: `grpc-${status === "" ? "none" : status}` });
    });
    stream.on("error", (err) => {
      clearTimeout(timer);
      resolve({ error: err.message });
    });
    stream.end(Buffer.from(input.body));
  });
}

/** Runs the fuzzer against `target` until the count or time is reached, or the process dies. */
export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const r = rng(options.seed);
  const pid = target.process.pid!;
  const started = Date.now();
  const report: FuzzReport = {
    inputs: 0,
    crashes: 0,
    hangs: 0,
    statuses: {},
    failures: [],
    baselineRssBytes: 0,
    baselineHeapBytes: 0,
    peakRssBytes: 0,
    finalRssBytes: 0,
    finalHeapBytes: 0,
    headSeriesBefore: await headSeries(target.httpUrl),
    headSeriesAfter: -1,
    elapsedMs: 0,
  };
  const baseline = await collectedMemory(pid);
  report.baselineRssBytes = baseline.rssBytes;
  report.baselineHeapBytes = baseline.heapBytes;
  let exited = target.process.exitCode !== null;
  const fail = (failure: FuzzFailure): void => {
    options.onFailure?.(failure);
    if (report.failures.length < 20 || failure.what === "crash") report.failures.push(failure);
  };
  const onExit = (code: number | null, signal: string | null): void => {
    exited = true;
    report.crashes++;
    fail({ what: "crash", input: lastInputs.map(describe).join("\n"), detail: `exited ${code ?? signal}`, inputs: [...lastInputs] });
  };
  target.process.once("exit", onExit);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const base = new URL(target.httpUrl);
  let session: ClientHttp2Session | undefined;
  const grpcSession = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      session = connect(`http://${target.grpcAddress}`);
      session.on("error", () => undefined);
    }
    return session;
  };
  const lastInputs: FuzzInput[] = [];
  let answered = 0;
  const deadline = started + options.seconds * 1000;
  const ticker = setInterval(() => {
    report.elapsedMs = Date.now() - started;
    options.progress?.(report);
  }, 1000);
  const worker = async (): Promise<void> => {
    while (!exited && report.inputs < options.count && Date.now() < deadline) {
      const input = nextInput(r, options.seeds, options.nowMs, target.grpcAddress !== undefined);
      report.inputs++;
      const text = describe(input);
      lastInputs.push(input);
      if (lastInputs.length > options.concurrency) lastInputs.shift();
      const answeredBefore = answered;
      const outcome = input.kind === "http" ? await sendHttp(agent, base, input, options.timeoutMs) : await sendGrpc(grpcSession(), input, options.timeoutMs);
      if ("hang" in outcome) {
        report.hangs++;
        // Many answers meanwhile: this request was stuck alone; none: the whole process was.
        fail({ what: "hang", input: text, detail: `no answer in ${options.timeoutMs} ms (${answered - answeredBefore} other answers meanwhile)`, inputs: [input] });
        continue;
      }
      answered++;
      const key = "status" in outcome ? outcome.status : "transport-error";
      report.statuses[key] = (report.statuses[key] ?? 0) + 1;
      if ("status" in outcome && (outcome.status.startsWith("5") || outcome.status === "grpc-13") && outcome.status !== "503") {
        fail({ what: "5xx", input: text, detail: `status ${outcome.status}`, inputs: [input] });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearInterval(ticker);
    target.process.off("exit", onExit);
    agent.destroy();
    session?.close();
  }
  report.elapsedMs = Date.now() - started;
  report.peakRssBytes = processMemory(pid).peak;
  if (exited) return report;
  // Idle a while so in-flight work and caches settle, then read memory after a full collection.
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 10_000));
  const final = await collectedMemory(pid);
  report.finalRssBytes = final.rssBytes;
  report.finalHeapBytes = final.heapBytes;
  report.headSeriesAfter = await headSeries(target.httpUrl);
  return report;
}

/** An input as one JSON line (bytes as base64), for a log that a replay reads back. */
export function inputJson(input: FuzzInput): string {
  const body = input.body === undefined ? undefined : Buffer.from(input.body).toString("base64");
  return JSON.stringify({ ...input, body });
}

/** The input of an inputJson line; throws naming what is wrong. */
export function inputFromJson(line: string): FuzzInput {
  const o = JSON.parse(line) as { kind?: unknown; method?: unknown; path?: unknown; headers?: unknown; body?: unknown };
  if (typeof o.path !== "string") throw new Error(`fuzz input ${line.slice(0, 80)}: no path`);
  const body = typeof o.body === "string" ? new Uint8Array(Buffer.from(o.body, "base64")) : undefined;
  if (o.kind === "grpc") return { kind: "grpc", path: o.path, body: body ?? new Uint8Array() };
  if (o.kind !== "http" || typeof o.method !== "string") throw new Error(`fuzz input ${line.slice(0, 80)}: want kind "http" with a method, or "grpc"`);
  return { kind: "http", method: o.method, path: o.path, headers: (o.headers ?? {}) as Record<string, string>, ...(body === undefined ? {} : { body }) };
}

export interface ReplayResult {
  readonly input: string;
  /** The status, "hang" or "transport-error: …". */
  readonly outcome: string;
  readonly ms: number;
}

/** Sends each input alone, one after another (no load beside it): what each answers and how long it takes. */
export async function replay(target: FuzzTarget, inputs: readonly FuzzInput[], timeoutMs: number): Promise<ReplayResult[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(target.httpUrl);
  const session = target.grpcAddress === undefined ? undefined : connect(`http://${target.grpcAddress}`);
  session?.on("error", () => undefined);
  const out: ReplayResult[] = [];
  try {
    for (const input of inputs) {
      const started = performance.now();
      const outcome = input.kind === "http" ? await sendHttp(agent, base, input, timeoutMs) : session === undefined ? { error: "no gRPC address" } : await sendGrpc(session, input, timeoutMs);
      const text = "hang" in outcome ? "hang" : "status" in outcome ? outcome.status : `transport-error: ${outcome.error}`;
      out.push({ input: describe(input), outcome: text, ms: performance.now() - started });
    }
  } finally {
    agent.destroy();
    session?.close();
  }
  return out;
}
