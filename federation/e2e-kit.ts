// Shared parts of the end-to-end federation tests on real Prometheus 2.42 servers: the replica
// datasets (one demo dataset written as replica A, replica B and the dedup reference), `orrery query`
// as a child process, and small HTTP helpers.
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exactTimestamp, generateDataset } from "../bench/dataset/index.js";
import { freePort, stopProcess, waitReady, type RunningServer } from "../conformance/index.js";

const MIN = 60_000;
/** The demo families' scrape interval (bench/dataset's default). */
export const SCRAPE_INTERVAL_MS = 5_000;
/** End of the data: a whole hour, so the 2h of data sit in one promtool block. */
export const END_MS = Date.UTC(2026, 0, 1, 2, 0, 0);
export const START_MS = END_MS - 120 * MIN;
/** Scrapes (by nominal time) replica A lacks: a 20-minute window. */
export const HOLE_A: readonly [number, number] = [START_MS + 30 * MIN, START_MS + 50 * MIN];
/** Scrapes replica B lacks: 20 minutes, after A's hole (non-overlapping). */
export const HOLE_B: readonly [number, number] = [START_MS + 70 * MIN, START_MS + 90 * MIN];
/** B scrapes this many ms after A (its own jitter on top of the dataset's 1–40 ms). */
export const B_SHIFT_MS = 7;

/** One series' samples in time order. */
export interface SeriesSamples {
  ts: number[];
  vs: number[];
}

export interface ReplicaDatasets {
  files: { a: string; b: string; ref: string };
  /** Series key (the text before the value) → samples, for each of A, B and the reference. */
  a: Map<string, SeriesSamples>;
  b: Map<string, SeriesSamples>;
  ref: Map<string, SeriesSamples>;
}

/** Present in even minutes only: its gaps are holes of both replicas (see writeReplicaDatasets). */
const INTERMITTENT = "demo_intermittent_metric{";

const inWindow = (t: number, w: readonly [number, number]): boolean => t >= w[0] && t < w[1];

/**
 * The scrape a sample belongs to: its time less the dataset's jitter (1–40 ms, plus at most a few ms
 * of exact-timestamp bump), so the nominal time is the multiple of the interval below it.
 */
function nominal(ms: number): number {
  return ms - (ms % SCRAPE_INTERVAL_MS);
}

/**
 * The scrapes where the dedup walk changes replica (the last one before each hole). B keeps A's
 * timestamps there, so in counter mode the switched-to replica's own increase since the last emitted
 * sample is exactly its next delta and the join offset is zero: the reference then holds raw values
 * for counters as for gauges (with B late everywhere, a counter would gain B's slope × 7 ms there).
 */
function isSwitchScrape(t: number): boolean {
  return t === HOLE_A[0] - SCRAPE_INTERVAL_MS || t === HOLE_B[0] - SCRAPE_INTERVAL_MS;
}

function record(map: Map<string, SeriesSamples>, key: string, t: number, v: number): void {
  let s = map.get(key);
  if (s === undefined) map.set(key, (s = { ts: [], vs: [] }));
  s.ts.push(t);
  s.vs.push(v);
}

/**
 * Writes the demo dataset (2h, 5s scrapes) three ways as OpenMetrics files under `dir`:
 *   a.om   every sample except the scrapes in HOLE_A;
 *   b.om   every sample except those in HOLE_B, B_SHIFT_MS later (values unchanged);
 *   ref.om what replica dedup must give (see the test): A before HOLE_A, B from HOLE_A to HOLE_B, A after;
 *          for the intermittent metric B only inside HOLE_A: HOLE_A ends after an odd minute, a gap of
 *          B's, where A (7 ms ahead) has the earliest sample, so the walk goes back to A there.
 */
export function writeReplicaDatasets(dir: string): ReplicaDatasets {
  const files = { a: join(dir, "a.om"), b: join(dir, "b.om"), ref: join(dir, "ref.om") };
  const fds = { a: openSync(files.a, "w"), b: openSync(files.b, "w"), ref: openSync(files.ref, "w") };
  const out: ReplicaDatasets = { files, a: new Map(), b: new Map(), ref: new Map() };
  try {
    generateDataset({ endMs: END_MS, hours: 2, benchSeries: 0 }, (chunk) => {
      const a: string[] = [];
      const b: string[] = [];
      const ref: string[] = [];
      for (const line of chunk.split("\n")) {
        if (line === "") continue;
        if (line.startsWith("#")) {
          a.push(line);
          b.push(line);
          ref.push(line);
          continue;
        }
        const tsAt = line.lastIndexOf(" ");
        const valueAt = line.lastIndexOf(" ", tsAt - 1);
        const key = line.slice(0, valueAt);
        const value = Number(line.slice(valueAt + 1, tsAt));
        const ms = Math.trunc(Number(line.slice(tsAt + 1)) * 1000);
        const t = nominal(ms);
        const bTs = isSwitchScrape(t) ? { ms, text: line.slice(tsAt + 1) } : exactTimestamp(ms + B_SHIFT_MS);
        const bLine = `${line.slice(0, tsAt)} ${bTs.text}`;
        if (!inWindow(t, HOLE_A)) {
          a.push(line);
          record(out.a, key, ms, value);
        }
        if (!inWindow(t, HOLE_B)) {
          b.push(bLine);
          record(out.b, key, bTs.ms, value);
        }
        const fromB = t >= HOLE_A[0] && t < (line.startsWith(INTERMITTENT) ? HOLE_A[1] : HOLE_B[0]);
        ref.push(fromB ? bLine : line);
        record(out.ref, key, fromB ? bTs.ms : ms, value);
      }
      for (const [fd, lines] of [
        [fds.a, a],
        [fds.b, b],
        [fds.ref, ref],
      ] as const) {
        if (lines.length > 0) writeSync(fd, lines.join("\n") + "\n");
      }
    });
  } finally {
    closeSync(fds.a);
    closeSync(fds.b);
    closeSync(fds.ref);
  }
  return out;
}

/** Prometheus's configuration text with these external labels and no scrape jobs. */
export function prometheusConfig(externalLabels: Record<string, string>): string {
  const labels = Object.entries(externalLabels).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`);
  return `global:\n  scrape_interval: 1m\n${labels.length > 0 ? `  external_labels:\n${labels.join("")}` : ""}scrape_configs: []\n`;
}

const ORRERY_MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");

/** Starts `orrery query` with these flags on a free 127.0.0.1 port; resolves once it answers queries. */
export async function startOrreryQuery(flags: readonly string[]): Promise<RunningServer> {
  const port = await freePort();
  const p = spawn(process.execPath, [ORRERY_MAIN, "query", `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn", ...flags], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let buf = "";
  p.stderr?.on("data", (d: Buffer) => (buf = (buf + d.toString()).slice(-8192)));
  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = { url, pid: p.pid ?? -1, process: p, logTail: () => buf, stop: () => stopProcess(p) };
  try {
    await waitReady(`${url}/api/v1/query?query=1`, p, 60_000, () => buf);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

export interface ApiAnswer {
  httpStatus: number;
  status: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
  warnings?: string[];
  errorType?: string;
  error?: string;
  elapsedMs: number;
}

/** POSTs a form to the Prometheus HTTP API and returns the parsed answer and the time it took. */
export async function apiCall(url: string, path: string, form: Record<string, string>, timeoutMs = 60_000): Promise<ApiAnswer> {
  const started = performance.now();
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as Omit<ApiAnswer, "httpStatus" | "elapsedMs">;
  return { ...body, httpStatus: res.status, elapsedMs: performance.now() - started };
}

/** Polls an API call until `ok` holds of its answer (stores are found by background info polls). */
export async function waitForAnswer(url: string, form: Record<string, string>, ok: (a: ApiAnswer) => boolean, timeoutMs = 30_000): Promise<ApiAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: ApiAnswer | undefined;
  while (Date.now() < deadline) {
    last = await apiCall(url, "/api/v1/query", form);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no answer as wanted after ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 1000)}`);
}
