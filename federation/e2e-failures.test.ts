// End to end: failing stores behind `orrery query` on real Prometheus 2.42 replicas — a store that
// never answers (partial response vs abort, bounded by --store.response-timeout), a remote_read frame
// with a bad CRC, and a replica killed mid-run and restarted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDatasetFile } from "../bench/dataset/index.js";
import { createBlocks, PROMETHEUS_BIN, PROMTOOL_BIN, startPrometheus, type RunningServer } from "../conformance/index.js";
import { crc32c, prompb, XorChunk } from "../storeapi/index.js";
import { apiCall, prometheusConfig, startOrreryQuery, waitForAnswer, type ApiAnswer } from "./e2e-kit.js";

const END_MS = Date.UTC(2026, 0, 1, 0, 30, 0);
const TIME = String(END_MS / 1000 - 60);
const RESPONSE_TIMEOUT_MS = 2_000;
/** Slack for a loaded 2-core machine on top of the store response timeout. */
const MARGIN_MS = 3_000;

function listen(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : 0);
    }),
  );
}

/** A TCP server that accepts connections and never writes a byte. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** One remote_read frame (varint length, CRC32C, ChunkedReadResponse) whose CRC is wrong. */
function badCrcFrame(): Buffer {
  const chunk = new XorChunk();
  chunk.append(END_MS - 60_000, 1);
  const msg = Buffer.from(
    prompb.ChunkedReadResponse.encode({
      chunkedSeries: [{ labels: [{ name: "__name__", value: "up" }, { name: "instance", value: "fake" }], chunks: [{ minTimeMs: END_MS - 60_000, maxTimeMs: END_MS - 60_000, type: 1, data: chunk.bytes().slice() }] }],
      queryIndex: 0,
    }).finish(),
  );
  const len: number[] = [];
  for (let n = msg.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32c(msg) ^ 0xdeadbeef) >>> 0);
  return Buffer.concat([Buffer.from(len), crc, msg]);
}

/**
 * A fake Prometheus: its config (external labels) answers, so the querier finds it healthy; its
 * remote_read answers one corrupted frame, or accepts the request and never answers.
 */
async function fakePrometheus(read: "bad-crc" | "never"): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.startsWith("/api/v1/status/config")) {
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ status: "success", data: { yaml: prometheusConfig({ replica: "fake" }) } }));
        return;
      }
      if (req.url === "/api/v1/read" && read === "never") return;
      if (req.url === "/api/v1/read") {
        res.setHeader("Content-Type", "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
        res.end(badCrcFrame());
        return;
      }
      res.statusCode = 404;
      res.end();
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const upCount = (a: ApiAnswer): number => a.data?.result.length ?? -1;
const names = (a: ApiAnswer, url: string): boolean => (a.warnings ?? []).some((w) => w.includes(url));

test("failing stores behind orrery query: never answering, bad CRC, a replica killed and restarted", { timeout: 180_000 }, async (t) => {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) return t.skip(`did not run: ${PROMETHEUS_BIN} or ${PROMTOOL_BIN} is not installed`);
  const dir = await mkdtemp(join(tmpdir(), "orrery-fed-failures-"));
  const servers: RunningServer[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const file = join(dir, "data.om");
    writeDatasetFile(file, { endMs: END_MS, hours: 0.5, benchSeries: 0 });
    await createBlocks(file, join(dir, "blocks"));
    const config = { a: prometheusConfig({ replica: "a" }), b: prometheusConfig({ replica: "b" }) };
    for (const name of ["a", "b"] as const) {
      await mkdir(join(dir, name));
      await cp(join(dir, "blocks"), join(dir, name, "data"), { recursive: true });
    }
    let promA = await startPrometheus({ dataDir: join(dir, "a", "data"), config: config.a });
    const promB = await startPrometheus({ dataDir: join(dir, "b", "data"), config: config.b });
    servers.push(promA, promB);

    await t.test("stores that accept connections and never answer: warnings naming them, bounded by the timeout; or an error", async () => {
      // A TCP server that never writes, as a Prometheus URL and as a gRPC endpoint: their info() checks
      // time out, so the querier never contacts them again but names them in every answer.
      const silent = await silentServer();
      closers.push(silent.close);
      const silentUrl = `http://127.0.0.1:${silent.port}`;
      const silentGrpc = `store 127.0.0.1:${silent.port}:`;
      // A Prometheus whose config answers (healthy) and whose remote_read never does: cut by the timeout.
      const hanging = await fakePrometheus("never");
      closers.push(hanging.close);
      const flags = [`--prometheus.url=${promA.url}`, `--prometheus.url=${hanging.url}`, `--store.response-timeout=${RESPONSE_TIMEOUT_MS}ms`];
      const q = await startOrreryQuery([...flags, `--prometheus.url=${silentUrl}`, `--endpoint=127.0.0.1:${silent.port}`]);
      servers.push(q);
      try {
        const t0 = performance.now();
        const named = (a: ApiAnswer): boolean => names(a, silentUrl) && (a.warnings ?? []).some((w) => w.includes(silentGrpc)) && names(a, hanging.url);
        await waitForAnswer(q.url, { query: "up", time: TIME }, named);
        t.diagnostic(`never answering: every store named ${Math.round(performance.now() - t0)} ms after the querier started`);
        for (let i = 0; i < 3; i++) {
          const partial = await apiCall(q.url, "/api/v1/query", { query: "up", time: TIME });
          t.diagnostic(`partial response: ${Math.round(partial.elapsedMs)} ms, warnings ${JSON.stringify(partial.warnings)}`);
          assert.equal(partial.status, "success", JSON.stringify(partial));
          assert.equal(upCount(partial), 3, "A's series are there");
          assert.ok(named(partial), `warnings name every failing store: ${JSON.stringify(partial.warnings)}`);
          assert.ok(partial.elapsedMs < RESPONSE_TIMEOUT_MS + MARGIN_MS, `answered in ${partial.elapsedMs} ms`);
          const abort = await apiCall(q.url, "/api/v1/query", { query: "up", time: TIME, partial_response: "false" });
          t.diagnostic(`abort: ${Math.round(abort.elapsedMs)} ms, HTTP ${abort.httpStatus} ${abort.errorType}: ${abort.error}`);
          assert.equal(abort.status, "error", JSON.stringify(abort));
          assert.ok(abort.error?.includes(`127.0.0.1:${silent.port}`) || abort.error?.includes(hanging.url), `the error names a failing store: ${abort.error}`);
          assert.ok(abort.elapsedMs < RESPONSE_TIMEOUT_MS + MARGIN_MS, `answered in ${abort.elapsedMs} ms`);
        }
      } finally {
        await q.stop();
      }
      // The hanging remote_read alone, so the abort must come from the response timeout.
      const q2 = await startOrreryQuery(flags);
      servers.push(q2);
      try {
        await waitForAnswer(q2.url, { query: "up", time: TIME }, (a) => upCount(a) === 3);
        const partial = await apiCall(q2.url, "/api/v1/query", { query: "up", time: TIME });
        t.diagnostic(`hanging remote_read, partial response: ${Math.round(partial.elapsedMs)} ms, warnings ${JSON.stringify(partial.warnings)}`);
        assert.ok(names(partial, hanging.url) && upCount(partial) === 3, JSON.stringify(partial));
        assert.ok(partial.elapsedMs >= RESPONSE_TIMEOUT_MS - 100 && partial.elapsedMs < RESPONSE_TIMEOUT_MS + MARGIN_MS, `answered in ${partial.elapsedMs} ms`);
        const abort = await apiCall(q2.url, "/api/v1/query", { query: "up", time: TIME, partial_response: "false" });
        t.diagnostic(`hanging remote_read, abort: ${Math.round(abort.elapsedMs)} ms, HTTP ${abort.httpStatus} ${abort.errorType}: ${abort.error}`);
        assert.equal(abort.status, "error");
        assert.ok(abort.error?.includes(hanging.url), abort.error);
        assert.ok(abort.elapsedMs < RESPONSE_TIMEOUT_MS + MARGIN_MS, `answered in ${abort.elapsedMs} ms`);
      } finally {
        await q2.stop();
      }
    });

    await t.test("a remote_read frame with a bad CRC: a warning naming the store, or an error; never a crash", async () => {
      const fake = await fakePrometheus("bad-crc");
      closers.push(fake.close);
      const q = await startOrreryQuery([`--prometheus.url=${promA.url}`, `--prometheus.url=${fake.url}`, `--store.response-timeout=${RESPONSE_TIMEOUT_MS}ms`]);
      servers.push(q);
      try {
        const partial = await waitForAnswer(q.url, { query: "up", time: TIME }, (a) => names(a, fake.url));
        t.diagnostic(`bad CRC, partial response: warnings ${JSON.stringify(partial.warnings)}`);
        assert.equal(upCount(partial), 3, "A's series, nothing from the corrupted frame");
        assert.ok(partial.warnings!.some((w) => /CRC/.test(w)), "the warning says what is wrong");
        const abort = await apiCall(q.url, "/api/v1/query", { query: "up", time: TIME, partial_response: "false" });
        t.diagnostic(`bad CRC, abort: HTTP ${abort.httpStatus} ${abort.errorType}: ${abort.error}`);
        assert.equal(abort.status, "error");
        assert.ok(abort.error?.includes(fake.url) && /CRC/.test(abort.error), abort.error);
        const again = await apiCall(q.url, "/api/v1/query", { query: "up", time: TIME });
        assert.equal(upCount(again), 3, "the querier still answers");
        assert.equal(q.process.exitCode, null);
      } finally {
        await q.stop();
      }
    });

    await t.test("replica A killed mid-run: B answers with a warning naming A; A restarted is used again", async () => {
      const q = await startOrreryQuery([`--prometheus.url=${promA.url}`, `--prometheus.url=${promB.url}`, "--query.replica-label=replica", `--store.response-timeout=${RESPONSE_TIMEOUT_MS}ms`]);
      servers.push(q);
      try {
        const both = { query: "up", time: TIME, dedup: "false" };
        await waitForAnswer(q.url, both, (a) => upCount(a) === 6);
        const aUrl = promA.url;
        const answers: { at: number; answer: ApiAnswer }[] = [];
        let killedAt = Infinity;
        const started = performance.now();
        // Queries in a loop; A is SIGKILLed 1 s in, the loop runs 9 s more (past the endpoints' info polls).
        while (performance.now() - started < 10_000) {
          if (killedAt === Infinity && performance.now() - started > 1_000) {
            process.kill(promA.pid, "SIGKILL");
            await new Promise((r) => promA.process.once("exit", r));
            killedAt = performance.now();
          }
          answers.push({ at: performance.now(), answer: await apiCall(q.url, "/api/v1/query", { query: "up", time: TIME }) });
          await new Promise((r) => setTimeout(r, 100));
        }
        const after = answers.filter((x) => x.at > killedAt);
        t.diagnostic(`kill: ${answers.length} queries, ${after.length} after the kill; slowest ${Math.round(Math.max(...answers.map((x) => x.answer.elapsedMs)))} ms; first warning ${JSON.stringify(after[0]?.answer.warnings)}`);
        for (const { answer } of answers) {
          assert.equal(answer.status, "success", JSON.stringify(answer));
          assert.equal(upCount(answer), 3, "deduplicated: one copy of each series, whichever replica holds it");
        }
        for (const { answer } of after) assert.ok(names(answer, aUrl), `after the kill every answer names ${aUrl}: ${JSON.stringify(answer.warnings)}`);
        const bOnly = await apiCall(q.url, "/api/v1/query", both);
        assert.deepEqual(bOnly.data?.result.map((s) => s.metric.replica), ["b", "b", "b"]);

        const restartedAt = performance.now();
        promA = await startPrometheus({ dataDir: join(dir, "a", "data"), config: config.a, port: Number(new URL(aUrl).port) });
        servers.push(promA);
        assert.equal(promA.url, aUrl);
        const back = await waitForAnswer(q.url, both, (a) => upCount(a) === 6 && !names(a, aUrl), 60_000);
        t.diagnostic(`restart: A used again ${Math.round(performance.now() - restartedAt)} ms after its restart began`);
        assert.deepEqual(back.data?.result.map((s) => s.metric.replica).sort(), ["a", "a", "a", "b", "b", "b"]);
        const deduped = await apiCall(q.url, "/api/v1/query", { query: "up", time: TIME });
        assert.equal(upCount(deduped), 3);
        assert.deepEqual(deduped.warnings ?? [], [], "A's warning is gone");
      } finally {
        await q.stop();
      }
    });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(closers.map((c) => c()));
    await rm(dir, { recursive: true, force: true });
  }
});
