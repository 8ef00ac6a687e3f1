// The same data split over 1, 4 and 16 stores behind the proxy store (issue 11): range and
// instant latency of the compliance query set, and whether the split changes any answer.
//
//   node dist/bench/federation-split.bench.js [--series 3000 --hours 3 --runs 3 --step 15 --limit N] [--calls N]
//
// One child process (this file with --serve-stores) holds every store and serves each over
// gRPC, so the process count is the same in every case: that store process + this querier.
// Each case splits the series by a hash of their labels; the querier reads them through
// GrpcStoreClients behind a ProxyStore with the Engine. A first pass over every query checks
// the 4- and 16-store answers against the 1-store one (series, timestamps and value bits);
// the timed passes then alternate the cases query by query.
//
// --calls N (default 300; 0 skips it) first times N bare Series fan-outs of one small selector
// per case and prints the CPU each store call costs the querier and the store process: the
// fixed per-call cost that a split multiplies.
//
// The "floor" cases measure what a split costs at the least, whatever the StoreAPI code: the
// 1-store case's store plus 3 or 15 stores that hold nothing and answer each call at once with
// the bare minimum on node:http2 (one HEADERS frame: an empty gRPC stream, status OK), asked by a
// bare node:http2 client. A real split's extra stores must at least do that, so no gRPC client and
// server written over node:http2 can bring a split under its floor case.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as http2 from "node:http2";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Engine, QueryError, type QueryResult, type Value } from "../engine/index.js";
import { ProxyStore, type StoreRef } from "../federation/index.js";
import {
  GrpcStoreClient,
  MemoryStore,
  labelsHash,
  labelsKey,
  serveStoreApi,
  type Labels,
  type LabelNamesRequest,
  type LabelValuesRequest,
  type SeriesFrame,
  type SeriesRequest,
  type Store,
  type StoreInfo,
  type StringsResponse,
} from "../storeapi/index.js";
import { parseExpositionLine } from "../stores/index.js";
import { expandQueryFile, parseQueryFile, type CompareCase } from "../conformance/index.js";
import { sharedDir } from "../testing/index.js";
import { generateDataset } from "./dataset/index.js";
import { keepHeapPolicy, tuneHeapForQueries } from "../cli/heap-policy.js";

const SPLITS = [1, 4, 16] as const;
// A fixed end (a whole hour) keeps the data, and so the answers, identical from run to run.
const END_MS = Date.UTC(2024, 0, 15, 12);

interface Args {
  series: number;
  hours: number;
  runs: number;
  stepMs: number;
  limit: number;
  calls: number;
}

function parseCli(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: "string", default: "3000" },
      hours: { type: "string", default: "3" },
      runs: { type: "string", default: "3" },
      step: { type: "string", default: "15" },
      limit: { type: "string", default: "0" },
      calls: { type: "string", default: "300" },
      "serve-stores": { type: "boolean", default: false },
    },
  });
  const args = {
    series: Number(values.series),
    hours: Number(values.hours),
    runs: Number(values.runs),
    stepMs: Number(values.step) * 1000,
    limit: Number(values.limit),
    calls: Number(values.calls),
  };
  if (!Number.isInteger(args.series) || args.series < 0) throw new Error(`--series ${values.series}: want an integer ≥ 0`);
  if (!(args.hours >= 1)) throw new Error(`--hours ${values.hours}: want at least 1 (queries cover the last hour)`);
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error(`--runs ${values.runs}: want an integer ≥ 1`);
  if (!(args.stepMs >= 1000)) throw new Error(`--step ${values.step}: want seconds ≥ 1`);
  if (!Number.isInteger(args.limit) || args.limit < 0) throw new Error(`--limit ${values.limit}: want an integer ≥ 0 (0: all queries)`);
  if (!Number.isInteger(args.calls) || args.calls < 0) throw new Error(`--calls ${values.calls}: want an integer ≥ 0 (0: no per-call section)`);
  return args;
}

// ── the store process ──

interface SeriesData {
  labels: Labels;
  ts: number[];
  vs: number[];
}

/** The demo dataset plus the bench set, parsed into series (the generator writes each series in time order). */
function loadDataset(args: Args): SeriesData[] {
  const byKey = new Map<string, SeriesData>();
  let lineNo = 0;
  let rest = "";
  const onLine = (line: string): void => {
    const parsed = parseExpositionLine(line, ++lineNo, "openmetrics");
    if (parsed.kind === "error") throw new Error(`dataset line ${parsed.line}:${parsed.column}: ${parsed.message}`);
    if (parsed.kind !== "sample") return;
    if (parsed.timestamp === undefined) throw new Error(`dataset line ${lineNo}: sample without a timestamp`);
    const key = labelsKey(parsed.labels);
    let s = byKey.get(key);
    if (s === undefined) byKey.set(key, (s = { labels: parsed.labels, ts: [], vs: [] }));
    s.ts.push(parsed.timestamp);
    s.vs.push(parsed.value);
  };
  generateDataset({ endMs: END_MS, hours: args.hours, benchSeries: args.series }, (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const l of lines) onLine(l);
  });
  if (rest !== "") onLine(rest);
  return [...byKey.values()];
}

/** Builds every split, serves each store on a free port, prints the addresses as one JSON line, runs until stdin closes. */
async function serveStores(args: Args): Promise<void> {
  const began = performance.now();
  const data = loadDataset(args);
  const addresses: Record<string, string[]> = {};
  let samples = 0;
  for (const s of data) samples += s.ts.length;
  for (const n of SPLITS) {
    const stores = Array.from({ length: n }, () => new MemoryStore());
    for (const s of data) stores[labelsHash(s.labels) % n]!.add(s.labels, s.ts, s.vs);
    // Encode the chunks now, so no case pays for it inside a timed query.
    for (const store of stores) for await (const _ of store.series({ minTime: -Infinity, maxTime: Infinity, matchers: [{ name: "__name__", op: "=~", value: ".+" }] }));
    const servers = await Promise.all(stores.map((store) => serveStoreApi(store, { address: "127.0.0.1:0" })));
    addresses[n] = servers.map((s) => `127.0.0.1:${s.port}`);
  }
  addresses.silent = await Promise.all(Array.from({ length: SPLITS[SPLITS.length - 1] - 1 }, serveSilently));
  const loadSeconds = (performance.now() - began) / 1000;
  process.stdout.write(JSON.stringify({ addresses, series: data.length, samples, loadSeconds }) + "\n");
  // Each "cpu" line on stdin is answered with this process's CPU time so far, µs.
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "cpu") process.stdout.write(JSON.stringify(cpuMicros()) + "\n");
  });
  await new Promise<void>((resolve) => lines.on("close", resolve));
  process.exit(0);
}

/** A bare node:http2 server answering every call with an empty gRPC stream (status OK in one HEADERS frame); its address. */
function serveSilently(): Promise<string> {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    stream.resume();
    stream.once("end", () => stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "0" }, { endStream: true }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as { port: number }).port}`)));
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

// ── the querier ──

interface StoreProcess {
  child: ChildProcess;
  /** The store process's CPU time so far, µs. */
  cpu(): Promise<number>;
  addresses: Record<string, string[]>;
  series: number;
  samples: number;
  loadSeconds: number;
}

function startStoreProcess(argv: string[]): Promise<StoreProcess> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--serve-stores", ...argv], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const cpu = (): Promise<number> =>
    new Promise((resolve) => {
      lines.once("line", (line) => resolve(JSON.parse(line) as number));
      child.stdin!.write("cpu\n");
    });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => reject(new Error(`store process exited (${code ?? signal}) before it was ready`)));
    lines.once("line", (line) => {
      const ready = JSON.parse(line) as Omit<StoreProcess, "child" | "cpu">;
      resolve({ child, cpu, ...ready });
    });
  });
}

/** Closes the child's stdin (it exits, writing a --cpu-prof profile if asked); kills it by pid if it lingers. */
async function stopStoreProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Case {
  /** How the case is named in the tables: its store count, "floor" added for a floor case. */
  name: string;
  stores: number;
  proxy: ProxyStore;
  close(): void;
}

async function connect(stores: number, addresses: readonly string[]): Promise<Case> {
  const clients = addresses.map((a) => new GrpcStoreClient(a));
  const refs: StoreRef[] = await Promise.all(clients.map(async (c) => ({ name: c.address, store: c, info: await c.info() })));
  return { name: String(stores), stores, proxy: new ProxyStore({ stores: refs }), close: () => clients.forEach((c) => c.close()) };
}

const EMPTY_GRPC_MESSAGE = Buffer.alloc(5);

/** A store holding nothing, asked over a bare node:http2 session: one POST carrying an empty message, read to its end. */
class SilentStore implements Store {
  /** `span`: the time range it claims (the real store's, so the proxy picks it for the same requests). */
  constructor(
    private readonly session: http2.ClientHttp2Session,
    private readonly span: StoreInfo,
  ) {}

  info(): Promise<StoreInfo> {
    return Promise.resolve({ ...this.span, labelSets: [], supportsAggregationPushdown: false });
  }

  async *series(_request: SeriesRequest): AsyncIterable<SeriesFrame> {
    await new Promise<void>((resolve, reject) => {
      const call = this.session.request({ ":method": "POST", ":path": "/thanos.Store/Series", "content-type": "application/grpc", te: "trailers" });
      call.on("error", reject);
      call.resume();
      call.once("end", resolve);
      call.end(EMPTY_GRPC_MESSAGE);
    });
  }

  labelNames(_request: LabelNamesRequest): Promise<StringsResponse> {
    return Promise.resolve({ values: [], warnings: [] });
  }

  labelValues(_request: LabelValuesRequest): Promise<StringsResponse> {
    return Promise.resolve({ values: [], warnings: [] });
  }
}

/** The 1-store case's store plus stores - 1 silent ones. */
async function connectFloor(stores: number, storeOfOne: string, silent: readonly string[]): Promise<Case> {
  const client = new GrpcStoreClient(storeOfOne);
  const sessions = silent.slice(0, stores - 1).map((a) => http2.connect(`http://${a}`));
  const info = await client.info();
  const refs: StoreRef[] = [{ name: client.address, store: client, info }];
  for (const [i, session] of sessions.entries()) {
    const store = new SilentStore(session, info);
    refs.push({ name: silent[i]!, store, info: await store.info() });
  }
  const close = (): void => {
    client.close();
    for (const s of sessions) s.close();
  };
  return { name: `${stores} floor`, stores, proxy: new ProxyStore({ stores: refs }), close };
}

type Kind = "range" | "instant";

interface Outcome {
  ms: number;
  result?: QueryResult;
  error?: string;
}

async function runQuery(engine: Engine, c: Case, query: string, kind: Kind, args: Args): Promise<Outcome> {
  const began = performance.now();
  try {
    const q =
      kind === "range" ? engine.rangeQuery(c.proxy, query, END_MS - 3_600_000, END_MS, args.stepMs) : engine.instantQuery(c.proxy, query, END_MS);
    const result = await q.exec();
    return { ms: performance.now() - began, result };
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    return { ms: performance.now() - began, error: `${err.kind}: ${err.message}` };
  }
}

/** Series of a value as (labels key, timestamps, values), sorted by labels so order never counts. */
function seriesOf(v: Value): { key: string; t: Float64Array; v: Float64Array }[] {
  switch (v.type) {
    case "scalar":
      return [{ key: "scalar", t: Float64Array.of(v.t), v: Float64Array.of(v.v) }];
    case "string":
      return [{ key: `string ${JSON.stringify(v.v)}`, t: Float64Array.of(v.t), v: new Float64Array(0) }];
    case "vector":
      return v.samples.map((s) => ({ key: labelsKey(s.labels), t: Float64Array.of(s.t), v: Float64Array.of(s.v) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    case "matrix":
      return v.series.map((s) => ({ key: labelsKey(s.labels), t: s.t, v: s.v })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Where `got` differs from `want` (undefined when identical): series set, timestamps, value bits, warnings, errors. */
function difference(want: Outcome, got: Outcome): string | undefined {
  if (want.error !== undefined || got.error !== undefined) return want.error === got.error ? undefined : `error ${JSON.stringify(got.error)}, want ${JSON.stringify(want.error)}`;
  const w = want.result!;
  const g = got.result!;
  if (w.value.type !== g.value.type) return `a ${g.value.type}, want a ${w.value.type}`;
  const ws = seriesOf(w.value);
  const gs = seriesOf(g.value);
  if (ws.length !== gs.length) return `${gs.length} series, want ${ws.length}`;
  for (let i = 0; i < ws.length; i++) {
    if (ws[i]!.key !== gs[i]!.key) return `series ${gs[i]!.key}, want ${ws[i]!.key}`;
    if (!sameBits(ws[i]!.t, gs[i]!.t)) return `series ${ws[i]!.key}: timestamps differ (${gs[i]!.t.length} points, want ${ws[i]!.t.length})`;
    if (!sameBits(ws[i]!.v, gs[i]!.v)) {
      const k = ws[i]!.v.findIndex((x, j) => !Object.is(x, gs[i]!.v[j]));
      return `series ${ws[i]!.key}: value at ${ws[i]!.t[k]} is ${gs[i]!.v[k]}, want ${ws[i]!.v[k]}`;
    }
  }
  const wWarn = w.warnings.map((a) => a.message).join("; ");
  const gWarn = g.warnings.map((a) => a.message).join("; ");
  return wWarn === gWarn ? undefined : `warnings "${gWarn}", want "${wWarn}"`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function complianceQueries(limit: number): CompareCase[] {
  const shared = sharedDir();
  if (shared === undefined) throw new Error("../shared (the compliance query set) is not beside this clone; set ORRERY_SHARED");
  const cases = expandQueryFile(parseQueryFile(readFileSync(join(shared, "compliance", "promql-test-queries.yml"), "utf8")));
  return limit > 0 ? cases.slice(0, limit) : cases;
}

async function query(args: Args, argv: string[]): Promise<number> {
  const cases = complianceQueries(args.limit);
  const proc = await startStoreProcess(argv);
  try {
    console.log(
      `${proc.series} series, ${proc.samples} samples (${args.hours} h, ${args.series} bench series) split over ${SPLITS.join(", ")} stores, ` +
        `loaded and served from one process in ${proc.loadSeconds.toFixed(1)} s`,
    );
    console.log(`${cases.length} compliance queries (variants expanded); range: last hour at a ${args.stepMs / 1000}s step; instant: at its end; ${args.runs} timed runs`);
    const all = await Promise.all(SPLITS.map((n) => connect(n, proc.addresses[n]!)));
    for (const n of SPLITS.slice(1)) all.push(await connectFloor(n, proc.addresses[1]![0]!, proc.addresses.silent!));
    if (args.calls > 0) await timeCalls(proc, all, args.calls);
    const engine = new Engine({ timeoutMs: 600_000 });
    const failures = await checkAnswers(engine, all, cases, args);
    const timings = await time(engine, all, cases, args);
    printTable(all, timings, cases.length);
    for (const c of all) c.close();
    if (failures > 0) {
      console.log(`\n${failures} answer(s) differ from the 1-store case: the figures above do not count`);
      return 1;
    }
    console.log(`\nall ${cases.length * 2 * (all.length - 1)} answers of the split and floor cases equal the 1-store case`);
    return 0;
  } finally {
    await stopStoreProcess(proc.child);
  }
}

// One small selector (a handful of series), so the fixed cost of a call dominates.
const CALL_REQUEST = {
  minTime: END_MS - 3_600_000,
  maxTime: END_MS,
  matchers: [{ name: "__name__", op: "=" as const, value: "demo_num_cpus" }],
};

/** `calls` Series fan-outs per case (after a warm-up of all cases); prints wall time and CPU per fan-out, and the CPU each extra store adds. */
async function timeCalls(proc: StoreProcess, all: readonly Case[], calls: number): Promise<void> {
  const fanOut = async (c: Case): Promise<void> => {
    for await (const _ of c.proxy.series(CALL_REQUEST));
  };
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(19))).join("");
  console.log(`\nper-call cost: ${calls} Series fan-outs of {__name__="demo_num_cpus"} per case`);
  console.log(row(["stores", "wall / fan-out", "querier CPU", "store proc. CPU", "CPU / extra store"]));
  // Every case warmed before any is timed: the optimising compiler's threads count in the process's
  // CPU, so a first case timed straight after its own short warm-up paid for everyone's compilation.
  for (let i = 0; i < Math.min(calls, 300); i++) for (const c of all) await fanOut(c);
  let first: { stores: number; cpu: number } | undefined;
  for (const c of all) {
    const storeBefore = await proc.cpu();
    const before = cpuMicros();
    const began = performance.now();
    for (let i = 0; i < calls; i++) await fanOut(c);
    const wall = (performance.now() - began) / calls;
    const querier = (cpuMicros() - before) / calls / 1000;
    const store = ((await proc.cpu()) - storeBefore) / calls / 1000;
    first ??= { stores: c.stores, cpu: querier + store };
    const extra = c.stores > first.stores ? `${((querier + store - first.cpu) / (c.stores - first.stores)).toFixed(3)} ms` : "";
    console.log(row([c.name, `${wall.toFixed(2)} ms`, `${querier.toFixed(3)} ms`, `${store.toFixed(3)} ms`, extra]));
  }
  console.log(`(CPU per fan-out; "extra store": the added CPU of both processes per store beyond the first case's, ÷ the added stores)`);
}

/** The untimed first pass (connections, JIT): every answer of the split cases against the 1-store case. */
async function checkAnswers(engine: Engine, all: readonly Case[], cases: readonly CompareCase[], args: Args): Promise<number> {
  let failures = 0;
  for (const c of cases) {
    for (const kind of ["range", "instant"] as const) {
      const want = await runQuery(engine, all[0]!, c.query, kind, args);
      for (const other of all.slice(1)) {
        const diff = difference(want, await runQuery(engine, other, c.query, kind, args));
        if (diff === undefined) continue;
        failures++;
        console.log(`MISMATCH ${other.name} stores, ${kind} ${c.query}: ${diff}`);
      }
    }
  }
  return failures;
}

/** ms[case][kind][query][run], the cases alternating query by query, the leading case rotating each run. */
type Timings = Record<Kind, number[][]>[];

async function time(engine: Engine, all: readonly Case[], cases: readonly CompareCase[], args: Args): Promise<Timings> {
  const timings: Timings = all.map(() => ({ range: cases.map(() => []), instant: cases.map(() => []) }));
  for (let run = 0; run < args.runs; run++) {
    for (let qi = 0; qi < cases.length; qi++) {
      for (const kind of ["range", "instant"] as const) {
        for (let k = 0; k < all.length; k++) {
          const ci = (k + run + qi) % all.length;
          timings[ci]![kind][qi]!.push((await runQuery(engine, all[ci]!, cases[qi]!.query, kind, args)).ms);
        }
      }
    }
  }
  return timings;
}

function printTable(all: readonly Case[], timings: Timings, queries: number): void {
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(14))).join("");
  console.log(
    "\n" + row(["stores", "range total", "range median", "range p90", "inst. total", "inst. median", "inst. p90", "range /1", "inst. /1"]),
  );
  const figures = all.map((_, ci) => {
    const f = (kind: Kind): { total: number; med: number; p90: number } => {
      // Per query, the median over the runs; then the sum, median and p90 over the queries.
      const perQuery = timings[ci]![kind].map(median).sort((a, b) => a - b);
      return { total: perQuery.reduce((a, b) => a + b, 0), med: median(perQuery), p90: perQuery[Math.floor(perQuery.length * 0.9)] ?? 0 };
    };
    return { range: f("range"), instant: f("instant") };
  });
  const ms = (x: number): string => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`);
  all.forEach((c, ci) => {
    const r = figures[ci]!.range;
    const i = figures[ci]!.instant;
    console.log(
      row([
        c.name,
        ms(r.total),
        ms(r.med),
        ms(r.p90),
        ms(i.total),
        ms(i.med),
        ms(i.p90),
        `${(r.total / figures[0]!.range.total).toFixed(2)}×`,
        `${(i.total / figures[0]!.instant.total).toFixed(2)}×`,
      ]),
    );
  });
  console.log(`(${queries} queries; per query the median of the runs; "total" sums those medians, "/1" is total ÷ the 1-store total)`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseCli(argv);
  // The querier and the store process stand for `orrery query` and `orrery store`: their heap policy.
  keepHeapPolicy(tuneHeapForQueries);
  if (argv.includes("--serve-stores")) return serveStores(args);
  process.exitCode = await query(args, argv);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
  process.exit();
});
