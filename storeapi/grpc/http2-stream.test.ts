import { test } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Http2GrpcConnection, type Http2CallOptions } from "./http2-stream.js";
import { StoreApiError } from "./convert.js";

const OPTIONS: Http2CallOptions = { maxReceiveMessageBytes: 1 << 20, windowBytes: 4 << 20, keepaliveTimeMs: 0, keepaliveTimeoutMs: 0 };
const PATH = "/thanos.Store/Series";

/** gRPC's framing of one message: compressed flag, 4-byte length, bytes. */
function framed(message: Uint8Array, compressed = false): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, request: Buffer) => void;

/** A raw HTTP/2 server answering each call with `handler` once the request is in. */
async function withH2Server(handler: Handler, fn: (address: string) => Promise<void>, windowBytes?: number): Promise<void> {
  const server = http2.createServer(windowBytes !== undefined ? { settings: { initialWindowSize: windowBytes } } : {});
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => sessions.add(s));
  server.on("stream", (stream, headers) => {
    const parts: Buffer[] = [];
    stream.on("data", (d: Buffer) => parts.push(d));
    stream.on("end", () => handler(stream, headers, Buffer.concat(parts)));
    stream.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    await fn(`127.0.0.1:${port}`);
  } finally {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function respondOk(stream: http2.ServerHttp2Stream, body: Buffer[], status = "0", message?: string): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": status, ...(message !== undefined ? { "grpc-message": message } : {}) }));
  for (const b of body) stream.write(b);
  stream.end();
}

async function readAll(conn: Http2GrpcConnection, max = 256): Promise<Buffer[]> {
  const call = conn.serverStream(PATH, Buffer.from("req"));
  const out: Buffer[] = [];
  for (let m = await call.read(max); m !== undefined; m = await call.read(max)) out.push(...m);
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreApiError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

test("messages cross whole however the data frames cut them: several in one frame, one split at every byte, empty ones", async () => {
  const messages = [Buffer.from("alpha"), Buffer.alloc(0), Buffer.from("a longer message, split byte by byte"), Buffer.alloc(70_000, 7), Buffer.from("z")];
  const wire = Buffer.concat(messages.map((m) => framed(m)));
  for (const cut of [1, 3, 5, 6, 17, 4096, wire.length]) {
    await withH2Server(
      (stream, headers, request) => {
        assert.equal(headers[":path"], PATH);
        assert.equal(headers["content-type"], "application/grpc");
        assert.equal(headers.te, "trailers");
        assert.deepEqual(request, framed(Buffer.from("req")));
        const pieces: Buffer[] = [];
        for (let at = 0; at < wire.length; at += cut) pieces.push(wire.subarray(at, at + cut));
        respondOk(stream, pieces);
      },
      async (address) => {
        const conn = new Http2GrpcConnection(address, OPTIONS);
        try {
          const got = await readAll(conn, 2);
          assert.deepEqual(got.map((b) => b.toString("hex")), messages.map((b) => b.toString("hex")), `cut every ${cut} bytes`);
        } finally {
          conn.close();
        }
      },
    );
  }
});

test("a failed call's status: trailers, a trailers-only response, HTTP statuses, resets, a stream cut inside a message", async () => {
  const cases: { name: string; handler: Handler; code: number; message: RegExp }[] = [
    { name: "trailers", handler: (s) => respondOk(s, [framed(Buffer.from("x"))], "3", "bad%20matcher%3A%20%25"), code: 3, message: /^bad matcher: %$/ },
    {
      name: "trailers-only",
      handler: (s) => s.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "unknown method" }, { endStream: true }),
      code: 12,
      message: /^unknown method$/,
    },
    { name: "HTTP 404", handler: (s) => s.respond({ ":status": 404 }, { endStream: true }), code: 12, message: /HTTP status 404/ },
    { name: "HTTP 503", handler: (s) => s.respond({ ":status": 503 }, { endStream: true }), code: 14, message: /HTTP status 503/ },
    { name: "not gRPC", handler: (s) => s.respond({ ":status": 200, "content-type": "text/html" }, { endStream: true }), code: 2, message: /content-type "text\/html"/ },
    { name: "no status", handler: (s) => (s.respond({ ":status": 200, "content-type": "application/grpc" }), s.end()), code: 13, message: /without a gRPC status/ },
    { name: "refused", handler: (s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM), code: 14, message: /REFUSED_STREAM/ },
    { name: "cut inside a message", handler: (s) => respondOk(s, [framed(Buffer.from("whole")).subarray(0, 7)]), code: 13, message: /inside a message/ },
    { name: "cut inside a message's header", handler: (s) => respondOk(s, [framed(Buffer.from("whole")).subarray(0, 3)]), code: 13, message: /inside a message/ },
    { name: "compressed", handler: (s) => respondOk(s, [framed(Buffer.from("x"), true)]), code: 13, message: /compressed message/ },
    { name: "too large", handler: (s) => respondOk(s, [framed(Buffer.alloc(2_000))]), code: 8, message: /2000 bytes, more than the limit of 1000/ },
  ];
  for (const c of cases) {
    await withH2Server(c.handler, async (address) => {
      const conn = new Http2GrpcConnection(address, { ...OPTIONS, maxReceiveMessageBytes: 1000 });
      try {
        await rejectsWith(readAll(conn), c.code, c.message);
      } catch (err) {
        throw new Error(`${c.name}: ${(err as Error).message}`);
      } finally {
        conn.close();
      }
    });
  }
});

test("a reader that stops reading holds the server back through flow control; every message comes once it reads on", async () => {
  const count = 2_000;
  let finished = false;
  await withH2Server(
    (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      let i = 0;
      const pump = (): void => {
        while (i < count) if (!stream.write(framed(Buffer.alloc(1_000, i++ % 256)))) return void stream.once("drain", pump);
        stream.end(() => (finished = true));
      };
      pump();
    },
    async (address) => {
      const conn = new Http2GrpcConnection(address, { ...OPTIONS, windowBytes: 65_535 });
      try {
        const call = conn.serverStream(PATH, Buffer.alloc(0));
        let n = 0;
        while (n < 10) n += (await call.read(10))!.length;
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(finished, false, "the server could not send 2 MB to a reader that stopped");
        for (let m = await call.read(64); m !== undefined; m = await call.read(64)) {
          for (const b of m) assert.equal(b[0], n++ % 256);
        }
        assert.equal(n, count);
      } finally {
        conn.close();
      }
    },
    65_535,
  );
});

test("cancel resets the stream (the server sees CANCEL) and the reader gets CANCELLED", async () => {
  let serverSaw: number | undefined;
  await withH2Server(
    (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.write(framed(Buffer.from("first")));
      stream.on("close", () => (serverSaw = stream.rstCode));
    },
    async (address) => {
      const conn = new Http2GrpcConnection(address, OPTIONS);
      try {
        const call = conn.serverStream(PATH, Buffer.alloc(0));
        assert.equal((await call.read(10))?.[0]?.toString(), "first");
        const pending = call.read(10);
        call.cancel();
        await rejectsWith(pending, 1, /cancelled/);
        for (let i = 0; i < 50 && serverSaw === undefined; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(serverSaw, http2.constants.NGHTTP2_CANCEL);
      } finally {
        conn.close();
      }
    },
  );
});

test("a connection the server closes is remade for the next call; a refused one fails the call UNAVAILABLE", async () => {
  let calls = 0;
  await withH2Server(
    (stream) => {
      calls++;
      respondOk(stream, [framed(Buffer.from(`call ${calls}`))]);
      stream.on("close", () => stream.session?.close());
    },
    async (address) => {
      const conn = new Http2GrpcConnection(address, OPTIONS);
      try {
        assert.equal((await readAll(conn))[0]!.toString(), "call 1");
        await new Promise((r) => setTimeout(r, 50));
        assert.equal((await readAll(conn))[0]!.toString(), "call 2");
      } finally {
        conn.close();
      }
    },
  );
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const conn = new Http2GrpcConnection(`127.0.0.1:${port}`, OPTIONS);
  try {
    await rejectsWith(readAll(conn), 14, /ECONNREFUSED/);
  } finally {
    conn.close();
  }
});

test("a connection lost in the middle of a call fails it UNAVAILABLE, not as a reset", async () => {
  const sockets = new Set<net.Socket>();
  const server = http2.createServer();
  server.on("connection", (s: net.Socket) => sockets.add(s));
  server.on("stream", (stream) => {
    stream.on("data", () => undefined);
    stream.on("error", () => undefined);
    stream.on("end", () => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.write(framed(Buffer.from("first")), () => setTimeout(() => sockets.forEach((s) => s.destroy()), 20));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const conn = new Http2GrpcConnection(`127.0.0.1:${port}`, OPTIONS);
  try {
    const call = conn.serverStream(PATH, Buffer.alloc(0));
    assert.equal((await call.read(10))?.[0]?.toString(), "first");
    await rejectsWith(call.read(10), 14, /connection to the server lost/);
  } finally {
    conn.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("keepalive: a peer that stops answering fails the open call after the ping timeout", async () => {
  // Accepts the connection and never speaks HTTP/2.
  const sockets = new Set<net.Socket>();
  const mute = net.createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
  const { port } = mute.address() as net.AddressInfo;
  const conn = new Http2GrpcConnection(`127.0.0.1:${port}`, { ...OPTIONS, keepaliveTimeMs: 50, keepaliveTimeoutMs: 50 });
  try {
    await rejectsWith(readAll(conn), 14, /keepalive ping not answered within 50ms/);
  } finally {
    conn.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => mute.close(() => resolve()));
  }
});
