// Crash test: a receiver process (bench/ingest-server, head + WAL, fsync "always", small segments,
// frequent checkpoints) is fed
// remote_write batches by four concurrent senders and killed with SIGKILL at a random moment;
// restarted on the same directory, it must hold every sample it acknowledged with a 2xx, exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "../../../testing/index.js";
import { encodeRemoteWriteBody } from "./index.js";

const SERVER = join(repoRoot(), "dist", "bench", "ingest-server.js");
const RUNS = 3;
const WRITERS = 4;
const SERIES_PER_WRITER = 50;

interface Child {
  proc: ChildProcess;
  port: number;
}

/** Small segments and a checkpoint every 50 ms, so kills also land mid-rollover and mid-checkpoint. */
function startServer(dir: string): Promise<Child> {
  const args = [SERVER, "--dir", dir, "--fsync", "always", "--segment-size", "65536", "--checkpoint-every-ms", "50"];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    // A receiver that never got ready is killed too: the test's after hook only knows started ones.
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error("receiver did not start within 15 s"));
    }, 15_000);
    proc.once("exit", (code) => reject(new Error(`receiver exited with ${code} before it was ready`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^READY (\d+) /.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ proc, port: Number(m[1]) });
    });
  });
}

function stopped(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once("exit", () => resolve()));
}

/** The value sent for a sample, so the check needs no table of values. */
function valueOf(writer: number, series: number, seq: number): number {
  return writer * 1e6 + series * 1e3 + seq + seq / 7;
}

/** Sends batches until the receiver dies; returns acknowledged samples by series key → timestamps. */
async function sender(port: number, writer: number, t0: number, acked: Map<string, number[]>): Promise<void> {
  for (let seq = 0; ; seq++) {
    const t = t0 + seq * 1000;
    const timeseries = [];
    for (let s = 0; s < SERIES_PER_WRITER; s++) {
      timeseries.push({
        labels: [
          { name: "__name__", value: "crash_test" },
          { name: "series", value: String(s) },
          { name: "writer", value: String(writer) },
        ],
        samples: [{ value: valueOf(writer, s, seq), timestamp: t }],
      });
    }
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${port}/api/v1/write`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
        body: encodeRemoteWriteBody({ timeseries }),
      });
    } catch {
      return; // the receiver is gone: this batch was not acknowledged
    }
    const text = await res.text().catch(() => "");
    if (res.status !== 204) throw new Error(`writer ${writer} batch ${seq}: ${res.status} ${text}`);
    for (let s = 0; s < SERIES_PER_WRITER; s++) {
      const key = `${writer}/${s}`;
      let list = acked.get(key);
      if (!list) acked.set(key, (list = []));
      list.push(seq);
    }
  }
}

test("every sample acknowledged before a SIGKILL is there after restart", { timeout: 40_000 }, async (t) => {
  if (!existsSync(SERVER)) {
    t.skip(`did not run: ${SERVER} is not built`);
    return;
  }
  const base = await fsp.mkdtemp(join(tmpdir(), "orrery-crash-"));
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) c.kill("SIGKILL");
    await fsp.rm(base, { recursive: true, force: true });
  });
  let seed = 4242;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let run = 0; run < RUNS; run++) {
    const dir = join(base, `run${run}`);
    const acked = new Map<string, number[]>();
    const t0 = 1_700_000_000_000 + run * 10_000_000;
    const first = await startServer(dir);
    children.push(first.proc);
    const senders = Array.from({ length: WRITERS }, (_, w) => sender(first.port, w, t0, acked));
    await new Promise((r) => setTimeout(r, 300 + rand() * 1200));
    first.proc.kill("SIGKILL");
    await Promise.all(senders);
    await stopped(first.proc);
    let total = 0;
    for (const l of acked.values()) total += l.length;
    assert.ok(total > 0, `run ${run}: nothing was acknowledged before the kill`);

    const second = await startServer(dir);
    children.push(second.proc);
    const res = await fetch(`http://127.0.0.1:${second.port}/dump`);
    const dumped = (await res.json()) as { labels: Record<string, string>; samples: [number, number][] }[];
    const stored = new Map<string, Map<number, number>>();
    for (const s of dumped) stored.set(`${s.labels.writer}/${s.labels.series}`, new Map(s.samples));
    for (const [key, seqs] of acked) {
      const [writer, series] = key.split("/").map(Number);
      const have = stored.get(key);
      assert.ok(have, `run ${run}: series ${key} lost`);
      for (const seq of seqs) {
        assert.equal(have.get(t0 + seq * 1000), valueOf(writer, series, seq), `run ${run}: series ${key} sample ${seq}`);
      }
    }
    const walFiles = await fsp.readdir(join(dir, "wal"));
    t.diagnostic(`run ${run}: ${total} samples acknowledged, all present after restart; wal: ${walFiles.join(" ")}`);
    second.proc.kill("SIGTERM");
    await stopped(second.proc);
  }
});
