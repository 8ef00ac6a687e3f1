// The process a fuzz run aims at: `orrery start` in a temp directory, with a little data
// remote-written into it and its StoreAPI served over gRPC.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../../stores/index.js";
import { repoRoot } from "../index.js";
import type { FuzzTarget } from "./run.js";

export interface RunningTarget extends FuzzTarget {
  /** The clock the data was written at, ms. */
  readonly nowMs: number;
  stop(): Promise<void>;
}

function firstMatch(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m === null) return;
      child.stdout!.off("data", onData);
      resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`orrery exited ${code} before logging ${pattern}:\n${out}`)));
  });
}

/** A few hundred series of counters and gauges over the last hour, so queries find data. */
function seedData(nowMs: number): WriteTimeSeries[] {
  const out: WriteTimeSeries[] = [];
  for (let i = 0; i < 200; i++) {
    const samples = [];
    for (let t = nowMs - 3_600_000; t <= nowMs; t += 60_000) samples.push({ timestamp: t, value: i % 2 === 0 ? (t - nowMs + 3_600_000) / 1000 : Math.sin(t / 1e6) });
    const labels = [
      { name: "__name__", value: i % 2 === 0 ? "fuzz_total" : "fuzz_gauge" },
      { name: "instance", value: `i${i}` },
      { name: "job", value: `j${i % 3}` },
      { name: "le", value: String([0.1, 1, 10, "+Inf"][i % 4]) },
    ];
    out.push({ labels, samples });
  }
  return out;
}

export async function startFuzzTarget(extraArgs: readonly string[] = []): Promise<RunningTarget> {
  const dir = mkdtempSync(join(tmpdir(), "orrery-fuzz-"));
  const main = join(repoRoot(), "dist", "cli", "main.js");
  const args = [main, "start", `--storage.tsdb.path=${dir}`, "--web.listen-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", "--no-self-scrape", "--query.timeout=5s", ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.on("data", () => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [httpUrl, grpcAddress] = await Promise.all([firstMatch(child, /listening on (http:\/\/[^\s"]+)/), firstMatch(child, /gRPC StoreAPI on ([^\s"]+)/)]);
    const nowMs = Date.now();
    const res = await fetch(`${httpUrl}/api/v1/write`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
      body: encodeRemoteWriteBody({ timeseries: seedData(nowMs) }),
    });
    if (res.status !== 204) throw new Error(`seeding the fuzz target: ${res.status} ${await res.text()}`);
    return { process: child, httpUrl, grpcAddress, nowMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
