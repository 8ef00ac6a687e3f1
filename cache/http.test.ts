import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { InMemoryBackend } from "./backend.js";
import { QueryFrontend } from "./frontend.js";
import { buildFrontendServer, downstreamAgent, httpDownstream } from "./http.js";
import { matrixAnswer } from "./testkit.js";

/** What the stand-in downstream saw of the last request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base = "";
const seen: Seen[] = [];
const agent = downstreamAgent();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if ((req.url ?? "").includes("hang")) return; // never answers
      res.writeHead((req.url ?? "").includes("fail") || body.includes("fail") ? 503 : 200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end('{"status":"success","data":"é"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}/prefix/`;
});

after(async () => {
  agent.http.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("a short request is a GET under the URL's path, with the forwarded headers, asking for an uncompressed answer", async () => {
  const ds = httpDownstream(base, { "x-scope-orgid": "team-a" }, 5000, agent);
  const answer = await ds("/api/v1/query_range", new URLSearchParams({ query: "up", step: "60" }), new AbortController().signal);
  assert.deepEqual(answer, { status: 200, body: '{"status":"success","data":"é"}', headers: { "content-type": "application/json", "cache-control": "no-store" } });
  const last = seen.at(-1)!;
  assert.equal(last.method, "GET");
  assert.equal(last.url, "/prefix/api/v1/query_range?query=up&step=60");
  assert.equal(last.headers["x-scope-orgid"], "team-a");
  assert.equal(last.headers["accept-encoding"], "identity");
});

test("a long query is POSTed as a form; a 5xx comes back as an answer, not a rejection", async () => {
  const ds = httpDownstream(base, {}, 5000, agent);
  const query = "fail_" + "x".repeat(5000);
  const answer = await ds("/api/v1/query_range", new URLSearchParams({ query }), new AbortController().signal);
  assert.equal(answer.status, 503);
  const last = seen.at(-1)!;
  assert.equal(last.method, "POST");
  assert.equal(last.headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(new URLSearchParams(last.body).get("query"), query);
});

test("no answer within the timeout, or the caller aborting, rejects with the reason", async () => {
  await assert.rejects(httpDownstream(base, {}, 50, agent)("/hang", new URLSearchParams(), new AbortController().signal), /no answer within 50ms/);
  const abort = new AbortController();
  const pending = httpDownstream(base, {}, 5000, agent)("/hang", new URLSearchParams(), abort.signal);
  setTimeout(() => abort.abort(new Error("client went away")), 20);
  await assert.rejects(pending, /client went away/);
  await assert.rejects(httpDownstream("http://127.0.0.1:1", {}, 5000)("/x", new URLSearchParams(), new AbortController().signal), /ECONNREFUSED/);
});

test("a range answer joined from cached bytes goes out whole: the downstream's body byte for byte, its length, JSON as UTF-8, hook headers kept", async () => {
  const DAY = 86_400_000;
  const params = { query: "m", start: String(DAY / 1000), end: String((DAY + 3_600_000) / 1000), step: "60" };
  const rangeServer = createServer((req, res) => {
    const q = new URL(req.url ?? "", "http://x").searchParams;
    const call = { query: q.get("query") ?? "", start: Number(q.get("start")) * 1000, end: Number(q.get("end")) * 1000, step: Number(q.get("step")) * 1000 };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(matrixAnswer(call));
  });
  await new Promise<void>((resolve) => rangeServer.listen(0, "127.0.0.1", resolve));
  const frontend = new QueryFrontend({ registry: new Registry(), backend: new InMemoryBackend({ maxSizeBytes: 1 << 20 }), now: () => 3 * DAY });
  const app = buildFrontendServer({ frontend, downstreamUrl: `http://127.0.0.1:${(rangeServer.address() as AddressInfo).port}`, registry: new Registry(), downstreamTimeoutMs: 5000 });
  // As --web.config.file's headers are set: on every request, before the answer.
  app.addHook("onRequest", async (_request, reply) => void reply.header("x-frame-options", "deny"));
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/query_range?${new URLSearchParams(params)}`;
    const want = matrixAnswer({ query: "m", start: DAY, end: DAY + 3_600_000, step: 60_000 });
    for (const round of ["cold", "warm"]) {
      const res = await fetch(url, { headers: { "accept-encoding": "identity" } });
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, round);
      assert.equal(body.toString("utf8"), want, round);
      assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(want)), round);
      assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8", round);
      assert.equal(res.headers.get("x-frame-options"), "deny", round);
    }
  } finally {
    await app.close();
    rangeServer.closeAllConnections();
    await new Promise((resolve) => rangeServer.close(resolve));
  }
});
