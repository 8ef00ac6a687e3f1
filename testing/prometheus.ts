// A real Prometheus 2.42 for end-to-end tests: started on 127.0.0.1 on a free port, stopped by pid.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const PROMTOOL_BIN = "/usr/bin/promtool";

/** The reason a test that needs Prometheus gives when it does not run. */
export const NO_PROMETHEUS = `did not run: ${PROMETHEUS_BIN} and ${PROMTOOL_BIN} are not installed`;

export function hasPrometheus(): boolean {
  return existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  /** What Prometheus wrote to stderr so far. */
  log(): string;
  /** Stops this Prometheus (SIGTERM to its pid) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts Prometheus with `config` (YAML) in `dir`, waiting until /-/ready answers. */
export async function startPrometheus(dir: string, config: string, flags: readonly string[] = [], port?: number): Promise<RunningPrometheus> {
  const listen = port ?? (await freePort());
  writeFileSync(join(dir, "prometheus.yml"), config);
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "prometheus")}`,
      `--web.listen-address=127.0.0.1:${listen}`,
      "--log.level=warn",
      ...flags,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${listen}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, port: listen, log: () => log, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready: ${log}`);
}
