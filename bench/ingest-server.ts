// A remote_write receiver process: the head with its WAL in --dir, served on 127.0.0.1 by node:http.
// Used by bench/ingest.ts and the head's crash test.
//   node dist/bench/ingest-server.js --dir DIR [--fsync always|batch|never] [--port 0]
//     [--segment-size BYTES] [--checkpoint-every-ms N]   (the last runs head truncation + WAL checkpoint)
// Prints "READY <port> <replay report as JSON>" once listening. Endpoints:
//   POST /api/v1/write   remote_write 1.0
//   GET  /dump           every series and its samples as JSON (for the crash test)
//   GET  /stats          series, samples, the head's memory estimate, heap figures
// SIGTERM closes the head (WAL synced) and exits.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import type { FsyncPolicy } from "../stores/index.js";
import { IngestYoungGeneration, keepFreedMallocMemory, keepHeapPolicy } from "../cli/heap-policy.js";

// As `orrery receive` does, before the stores are loaded (loading them alone grows the young generation).
const young = new IngestYoungGeneration();
keepHeapPolicy(young.policy);
keepFreedMallocMemory();
const { labelsToRecord, mergeSeriesChunks, SnappyWorker } = await import("../storeapi/index.js");
const { openHead, createRemoteWriteContext, handleRemoteWrite } = await import("../stores/index.js");

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    fsync: { type: "string", default: "always" },
    port: { type: "string", default: "0" },
    "segment-size": { type: "string" },
    "checkpoint-every-ms": { type: "string" },
  },
});
if (!values.dir) {
  console.error("usage: ingest-server --dir DIR [--fsync always|batch|never] [--port N]");
  process.exit(2);
}

/** The JS heap in use and the ArrayBuffers' bytes (chunk bytes and series slots live there), after a full collection. */
function heapUsed(): { heap: number; arrayBuffers: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

const heapAtStart = heapUsed();
const { head, replay, replaySkipped } = await openHead(values.dir, {
  fsync: values.fsync as FsyncPolicy,
  minValidTime: -Infinity,
  segmentSize: values["segment-size"] ? Number(values["segment-size"]) : undefined,
  // With --checkpoint-every-ms every truncation checkpoints, however little mint has moved.
  checkpointIntervalMs: values["checkpoint-every-ms"] ? 0 : undefined,
});
if (values["checkpoint-every-ms"]) {
  const every = Number(values["checkpoint-every-ms"]);
  const tick = (): void => {
    head.truncate().then(
      () => setTimeout(tick, every),
      (err: unknown) => {
        console.error("truncate/checkpoint failed:", err);
        setTimeout(tick, every);
      },
    );
  };
  setTimeout(tick, every);
}
// As `orrery receive` does by default: snappy decoded on the event loop (ORRERY_BENCH_SNAPPY_THREAD=1: on a thread
// of its own, as --remote-write.snappy-thread does).
const ctx = createRemoteWriteContext({ snappy: process.env.ORRERY_BENCH_SNAPPY_THREAD ? new SnappyWorker() : undefined });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function dump(): Promise<unknown[]> {
  const out: unknown[] = [];
  const request = { minTime: -8.64e15, maxTime: 8.64e15, matchers: [{ name: "__name__", op: "=~" as const, value: ".*" }] };
  for await (const frame of head.series(request)) {
    for (const s of frame.series) {
      const { ts, vs, length } = mergeSeriesChunks(s, request.minTime, request.maxTime);
      const samples: [number, number][] = [];
      for (let i = 0; i < length; i++) samples.push([ts[i], vs[i]]);
      out.push({ labels: labelsToRecord(s.labels), samples });
    }
  }
  return out;
}

function reply(res: ServerResponse, status: number, body?: string, type = "text/plain; charset=utf-8"): void {
  if (body === undefined || status === 204) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": type }).end(body);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === "POST" && req.url === "/api/v1/write") {
    const body = await readBody(req);
    const r = await handleRemoteWrite(head, body, req.headers, ctx);
    young.headSeries(head.numSeries());
    reply(res, r.status, r.message);
    return;
  }
  if (req.method === "GET" && req.url === "/dump") {
    reply(res, 200, JSON.stringify(await dump()), "application/json");
    return;
  }
  if (req.method === "GET" && req.url === "/cpu") {
    const u = process.cpuUsage();
    reply(res, 200, JSON.stringify({ cpuSeconds: (u.user + u.system) / 1e6 }), "application/json");
    return;
  }
  if (req.method === "GET" && req.url === "/stats") {
    let chunkBytes = 0;
    const all = { minTime: -8.64e15, maxTime: 8.64e15, matchers: [{ name: "__name__", op: "=~" as const, value: ".*" }] };
    for await (const frame of head.series(all)) {
      for (const s of frame.series) for (const c of s.chunks) chunkBytes += c.raw?.data.length ?? 0;
    }
    const heap = heapUsed();
    const walBytes = (await head.registry.getSingleMetric("orrery_tsdb_wal_bytes_written_total")?.get())?.values[0]?.value ?? 0;
    const stats = {
      walBytes,
      series: head.numSeries(),
      chunks: head.numChunks(),
      memoryBytes: head.memoryBytes(),
      chunkBytes,
      heapUsed: heap.heap,
      heapGrowth: heap.heap - heapAtStart.heap,
      arrayBuffersGrowth: heap.arrayBuffers - heapAtStart.arrayBuffers,
      rss: process.memoryUsage().rss,
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    };
    reply(res, 200, JSON.stringify(stats), "application/json");
    return;
  }
  reply(res, 404, "not found\n");
}

const server = createServer((req, res) => {
  route(req, res).catch((err: unknown) => reply(res, 500, String(err)));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  process.stdout.write(`READY ${port} ${JSON.stringify({ ...replay, replaySkipped })}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  head.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
