// Starting a real Prometheus on 127.0.0.1 over a TSDB folder, for tests and benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const PROMTOOL_BIN = "/usr/bin/promtool";

/** The reason a test that needs Prometheus gives when it does not run. */
export const NO_PROMETHEUS = `did not run: ${PROMETHEUS_BIN} and ${PROMTOOL_BIN} are not installed`;

export function hasPrometheus(): boolean {
  return existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);
}

/** A port the OS says is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  pid: number;
  process: ChildProcess;
  /** The last lines the process wrote to stderr (for error messages). */
  logTail(): string;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s); safe to call twice. */
  stop(): Promise<void>;
}

/** Keeps the last ~8 KiB of a stream's text. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let buf = "";
  stream?.on("data", (d: Buffer) => {
    buf = (buf + d.toString()).slice(-8192);
  });
  return () => buf;
}

export function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill("SIGKILL"), 5000);
    p.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill("SIGTERM");
  });
}

/** Polls `url` until it answers 200, the process exits, or the time runs out. */
export async function waitReady(url: string, p: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`process exited (${p.exitCode ?? p.signalCode}) before ready: ${log().slice(-2000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready after ${timeoutMs} ms at ${url}: ${log().slice(-2000)}`);
}

export interface PrometheusOptions {
  /** TSDB folder (blocks made by promtool go here); Prometheus locks it. */
  dataDir: string;
  bin?: string;
  readyTimeoutMs?: number;
  extraArgs?: string[];
  /** The configuration file's text (default: no scrape jobs, no external labels). */
  config?: string;
  /** Listen on this port (default: a free one), e.g. to restart on the same address. */
  port?: number;
}

/** Starts Prometheus on a free 127.0.0.1 port with no scrape jobs and unlimited retention. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningServer> {
  const bin = opts.bin ?? PROMETHEUS_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} not found (Debian package "prometheus")`);
  const config = join(opts.dataDir, "..", `prometheus-${Date.now()}-${process.pid}.yml`);
  await writeFile(config, opts.config ?? "global:\n  scrape_interval: 1m\nscrape_configs: []\n");
  const port = opts.port ?? (await freePort());
  const args = [
    `--config.file=${config}`,
    `--storage.tsdb.path=${opts.dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--storage.tsdb.retention.time=100y",
    "--log.level=warn",
    ...(opts.extraArgs ?? []),
  ];
  return startServer(bin, args, `http://127.0.0.1:${port}`, "/-/ready", opts.readyTimeoutMs ?? 60_000);
}

/**
 * Starts a server process and waits until `url` + `readyPath` answers 200; on failure it is
 * stopped and the error carries the end of its stderr.
 */
export async function startServer(command: string, args: readonly string[], url: string, readyPath: string, readyTimeoutMs: number): Promise<RunningServer> {
  const p = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  const log = tail(p.stderr);
  const server: RunningServer = { url, pid: p.pid ?? -1, process: p, logTail: log, stop: () => stopProcess(p) };
  try {
    await waitReady(url + readyPath, p, readyTimeoutMs, log);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** `promtool tsdb create-blocks-from openmetrics FILE DIR`; rejects with promtool's output on failure. */
export function createBlocks(file: string, dir: string, bin: string = PROMTOOL_BIN): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ["tsdb", "create-blocks-from", "openmetrics", file, dir], { stdio: ["ignore", "pipe", "pipe"] });
    const out = tail(p.stdout);
    const err = tail(p.stderr);
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`promtool exited ${code}: ${err() || out()}`))));
  });
}
