// The process a fuzz run aims at: `orrery start` in a temp directory, with a little data
// remote-written into it and its StoreAPI served over gRPC.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import type { WriteTimeSeries } from "../../stores/index.js";
import { logged, orrery, remoteWrite } from "../../cli/testkit.js";
import { stopProcess } from "../../conformance/index.js";
import { collectedMemory, headSeries, type FuzzTarget } from "./run.js";

export interface RunningTarget extends FuzzTarget {
  /** The clock the data was written at, ms. */
  readonly nowMs: number;
  /**
   * Stops the fuzzed process and starts a fresh one on its data directory (the WAL replayed):
   * the memory the accepted data needs, without whatever the fuzz left behind.
   */
  freshProcessMemory(): Promise<{ rssBytes: number; heapBytes: number; headSeries: number }>;
  stop(): Promise<void>;
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
  const gcOnSignal = fileURLToPath(new URL("./gc-on-signal.js", import.meta.url));
  const start = (): ChildProcess =>
    orrery(["start", `--storage.tsdb.path=${dir}`, "--web.listen-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", "--no-self-scrape", "--query.timeout=5s", ...extraArgs], ["--expose-gc", "--import", gcOnSignal]);
  const child = start();
  let fresh: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    if (fresh !== undefined) await stopProcess(fresh);
    rmSync(dir, { recursive: true, force: true });
  };
  const freshProcessMemory = async (): Promise<{ rssBytes: number; heapBytes: number; headSeries: number }> => {
    await stopProcess(child);
    fresh = start();
    const httpUrl = await logged(fresh, /listening on (http:\/\/[^\s"]+)/, "start");
    const memory = await collectedMemory(fresh.pid!);
    return { ...memory, headSeries: await headSeries(httpUrl) };
  };
  try {
    const [httpUrl, grpcAddress] = await Promise.all([logged(child, /listening on (http:\/\/[^\s"]+)/, "start"), logged(child, /gRPC StoreAPI on ([^\s"]+)/, "start")]);
    const nowMs = Date.now();
    await remoteWrite(httpUrl, seedData(nowMs));
    return { process: child, httpUrl, grpcAddress, nowMs, freshProcessMemory, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
