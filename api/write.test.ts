// remote_write's refusals before the receiver sees the request (body or headers too large)
// answered in the receiver's own form: the status and one plain-text line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { hasPrometheus, NO_PROMETHEUS, startPrometheus } from "../conformance/index.js";
import { createRemoteWriteContext, encodeRemoteWriteBody, handleRemoteWrite, openHead } from "../stores/index.js";
import { buildWriteApi } from "./index.js";

function writeApi() {
  return buildWriteApi({ remoteWrite: async () => ({ status: 204 }), registry: new Registry(), bodyLimitBytes: 1024 });
}

test("remote_write: a body over the limit is 413 with a plain-text line, as the receiver's other errors", async () => {
  const app = writeApi();
  const res = await app.inject({ method: "POST", url: "/api/v1/write", headers: { "content-type": "application/x-protobuf" }, payload: Buffer.alloc(4096) });
  assert.equal(res.statusCode, 413);
  assert.match(String(res.headers["content-type"]), /^text\/plain/);
  assert.equal(res.body, "request body too large: more than 1024 bytes\n");
});

test("headers over Node's limit are 431 with a plain-text body, as Prometheus's Go server answers", async () => {
  const app = writeApi();
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const addr = app.server.address();
    assert.ok(typeof addr === "object" && addr !== null);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(addr.port, "127.0.0.1");
      let got = "";
      socket.on("data", (d: Buffer) => (got += d.toString()));
      socket.on("end", () => resolve(got));
      socket.on("error", (err) => (got === "" ? reject(err) : resolve(got)));
      socket.write(`POST /api/v1/write HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(4 << 20)}\r\nContent-Length: 0\r\n\r\n`);
    });
    assert.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.match(answer, /Content-Type: text\/plain; charset=utf-8\r\n/);
    assert.ok(answer.endsWith("\r\n\r\n431 Request Header Fields Too Large"), answer);
  } finally {
    await app.close();
  }
});

test("remote_write answered as Prometheus 2.42 answers: any Content-Type read by its encoding, 431 for huge headers", { timeout: 60_000 }, async (t) => {
  if (!hasPrometheus()) return t.skip(NO_PROMETHEUS);
  const dir = mkdtempSync(join(tmpdir(), "orrery-write-parity-"));
  const prometheus = await startPrometheus({ dataDir: join(dir, "prometheus"), extraArgs: ["--web.enable-remote-write-receiver"] });
  const { head } = await openHead(undefined);
  const received = createRemoteWriteContext();
  const app = buildWriteApi({ remoteWrite: (body, headers) => handleRemoteWrite(head, body, headers, received), registry: new Registry() });
  t.after(async () => {
    await prometheus.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const orrery = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const answer = async (base: string, headers: Record<string, string>, i: number): Promise<[number, string]> => {
    const body = encodeRemoteWriteBody({ timeseries: [{ labels: [{ name: "__name__", value: "up" }], samples: [{ value: 1, timestamp: Date.now() - 60_000 + i }] }] });
    const res = await fetch(`${base}/api/v1/write`, { method: "POST", headers: { "content-encoding": "snappy", ...headers }, body });
    return [res.status, await res.text()];
  };
  const cases: Record<string, string>[] = [
    { "content-type": "application/x-protobuf" },
    { "content-type": "application/json" },
    { "content-type": "text/plain; charset=utf-8" },
    {},
    { "x-huge": "a".repeat(2 << 20) },
  ];
  for (const [i, headers] of cases.entries()) {
    const [want, got] = [await answer(prometheus.url, headers, i), await answer(orrery, headers, i)];
    assert.deepEqual(got, want, JSON.stringify(headers).slice(0, 80));
  }
});
