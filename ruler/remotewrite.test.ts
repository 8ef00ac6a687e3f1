// remoteWriteAppender's retries: a 5xx or 429 is retried with backoff, a 4xx is final.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeWriteRequest } from "../stores/index.js";
import snappy from "snappyjs";
import { remoteWriteAppender } from "./index.js";

async function server(statuses: number[]): Promise<{ url: string; bodies: Uint8Array[]; close(): Promise<void> }> {
  const bodies: Uint8Array[] = [];
  const srv = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      bodies.push(new Uint8Array(Buffer.concat(parts)));
      res.writeHead(statuses.shift() ?? 204).end(res.statusCode === 204 ? undefined : "nope");
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v1/receive`, bodies, close: () => new Promise((r) => srv.close(() => r())) };
}

const sample = [{ labels: [{ name: "__name__", value: "x:y" }], t: 1000, v: 1 }];

test("remote_write: 503 and 429 are retried until accepted; the request is snappy protobuf", async () => {
  const s = await server([503, 429, 204]);
  try {
    await remoteWriteAppender(s.url, { backoffMs: 1 })(sample);
    assert.equal(s.bodies.length, 3);
    const req = decodeWriteRequest(snappy.uncompress(s.bodies[2]!));
    assert.deepEqual([req.seriesCount, req.sampleCount, req.t[0], req.v[0]], [1, 1, 1000, 1]);
    assert.match(new TextDecoder().decode(req.buf), /__name__[^]*x:y/);
  } finally {
    await s.close();
  }
});

test("remote_write: a 400 is not retried; every attempt failing is an error naming the URL", async () => {
  const s = await server([400, 500, 500, 500]);
  try {
    await assert.rejects(remoteWriteAppender(s.url, { backoffMs: 1 })(sample), /refused: .*\/api\/v1\/receive: HTTP 400: nope/);
    assert.equal(s.bodies.length, 1);
    await assert.rejects(remoteWriteAppender(s.url, { backoffMs: 1, attempts: 3 })(sample), /failed after 3 attempts: .*HTTP 500/);
    assert.equal(s.bodies.length, 4);
  } finally {
    await s.close();
  }
});
