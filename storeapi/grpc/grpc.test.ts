import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { Series, SeriesFrame, SeriesRequest, Store, StoreInfo, StringsResponse } from "../types.js";
import { ChunkEncoding } from "../types.js";
import { MemoryStore } from "../memory-store.js";
import { HistogramChunk, HistogramChunkIterator, FloatHistogramChunkIterator, XorChunk } from "../chunkenc/index.js";
import { formatLabels, labelsFromRecord as L } from "../labels.js";
import type { LabelFieldsCache, WireSeries, WireSeriesResponse } from "../proto/index.js";
import { serveStoreApi, type StoreApiServer } from "./server.js";
import { GrpcStoreClient, withoutCallerStack } from "./client.js";
import { StoreApiError } from "./convert.js";
import { makeCerts } from "../../testing/index.js";
import { INFO_METHODS, STORE_METHODS } from "./methods.js";
import { DEFAULT_RESPONSE_BATCH_SERIES, GrpcFlagError, clientChannelOptions, grpcClientOptionsFromFlags, grpcServerOptionsFromFlags, serverChannelOptions, type GrpcStoreClientOptions, type StoreApiServerOptions } from "./options.js";

const ALL: SeriesRequest = { minTime: -Infinity, maxTime: Infinity, matchers: [] };

async function collect(frames: AsyncIterable<SeriesFrame>): Promise<{ series: Series[]; warnings: string[]; frames: number }> {
  const series: Series[] = [];
  const warnings: string[] = [];
  let n = 0;
  for await (const f of frames) {
    n++;
    series.push(...f.series);
    warnings.push(...f.warnings);
  }
  return { series, warnings, frames: n };
}

function fixture(): MemoryStore {
  const store = new MemoryStore({ externalLabels: L({ region: "eu" }), frameSize: 2 });
  const ts = Array.from({ length: 300 }, (_, i) => 1_000 + i * 15_000);
  for (const job of ["api", "db", "web"]) {
    for (const instance of ["1", "2"]) {
      store.add(L({ __name__: "up", job, instance, region: "eu" }), ts, ts.map((t) => (t % 7) + instance.length));
    }
  }
  store.add(L({ __name__: "cpu", job: "db", mode: "idle", region: "eu" }), [5_000], [3]);
  return store;
}

/** A store adding a warning frame to another's stream. */
function withWarning(inner: Store, warning: string): Store {
  return {
    info: () => inner.info(),
    async *series(r, signal) {
      yield { series: [], warnings: [warning] };
      yield* inner.series(r, signal);
    },
    labelNames: (r, s) => inner.labelNames(r, s),
    labelValues: (r, s) => inner.labelValues(r, s),
  };
}

async function withServer(store: Store, fn: (server: StoreApiServer) => Promise<void>, options: StoreApiServerOptions = {}): Promise<void> {
  const server = await serveStoreApi(store, { address: "127.0.0.1:0", ...options });
  try {
    await fn(server);
  } finally {
    server.forceClose();
  }
}

async function withClient(address: string, fn: (client: GrpcStoreClient) => Promise<void>, options: GrpcStoreClientOptions = {}): Promise<void> {
  const client = new GrpcStoreClient(address, options);
  try {
    await fn(client);
  } finally {
    client.close();
  }
}

test("round trip: info, series with external labels and warnings, chunk bytes unchanged, batching", async () => {
  const store = fixture();
  const direct = await collect(store.series(ALL));
  await withServer(withWarning(store, "store is slow"), async (server) => {
    for (const responseBatchSize of [0, 4]) {
      await withClient(
        server.address,
        async (client) => {
          const info: StoreInfo = await client.info();
          assert.deepEqual(info.labelSets, [L({ region: "eu" })]);
          assert.equal(info.minTime, 1_000);
          assert.equal(info.maxTime, 1_000 + 299 * 15_000);
          const got = await collect(client.series(ALL));
          assert.deepEqual(got.warnings, ["store is slow"]);
          assert.deepEqual(got.series.map((s) => formatLabels(s.labels)), direct.series.map((s) => formatLabels(s.labels)));
          assert.ok(got.series.every((s) => s.labels.some((l) => l.name === "region" && l.value === "eu")));
          for (let i = 0; i < got.series.length; i++) {
            const [a, b] = [got.series[i]!, direct.series[i]!];
            assert.equal(a.chunks.length, b.chunks.length);
            for (let j = 0; j < a.chunks.length; j++) {
              assert.equal(a.chunks[j]!.minTime, b.chunks[j]!.minTime);
              assert.equal(a.chunks[j]!.maxTime, b.chunks[j]!.maxTime);
              assert.equal(a.chunks[j]!.raw!.encoding, ChunkEncoding.XOR);
              assert.deepEqual(Buffer.from(a.chunks[j]!.raw!.data), Buffer.from(b.chunks[j]!.raw!.data));
            }
          }
          // Frames hold whatever has arrived: at most one per response message.
          const responses = responseBatchSize > 1 ? 5 : 8; // a warning, then 7 series in store frames of 2
          assert.ok(got.frames <= responses, `frames batch the stream (${got.frames} for ${responses} responses)`);
        },
        { responseBatchSize, frameSize: 256 },
      );
    }
  });
});

test("round trip: native histogram series cross the wire as HISTOGRAM (1) / FLOAT_HISTOGRAM (2) chunks, unchanged", async () => {
  const store = new MemoryStore();
  for (let i = 0; i < 30; i++) {
    const buckets = [i, 2 * i, ...(i >= 10 ? [i - 9] : [])];
    const h = {
      float: false,
      counterResetHint: 0,
      schema: 1,
      zeroThreshold: 2 ** -128,
      zeroCount: i,
      count: i + buckets.reduce((a, b) => a + b, 0),
      sum: i * 0.75,
      positiveSpans: [{ offset: -1, length: buckets.length }],
      positiveBuckets: buckets,
      negativeSpans: [],
      negativeBuckets: [],
    } as const;
    store.appendHistogram(L({ __name__: "lat", kind: "int" }), i * 15_000, h);
    store.appendHistogram(L({ __name__: "lat", kind: "float" }), i * 15_000, { ...h, float: true, sum: i / 3 });
  }
  const direct = await collect(store.series(ALL));
  await withServer(store, async (server) => {
    await withClient(server.address, async (client) => {
      const got = await collect(client.series(ALL));
      assert.deepEqual(got.warnings, []);
      assert.deepEqual(
        got.series.map((s) => s.chunks.map((c) => c.raw!.encoding)),
        [[ChunkEncoding.FloatHistogram], [ChunkEncoding.Histogram]],
      );
      const plain = (series: Series[]): unknown =>
        series.map((x) => ({ labels: x.labels, chunks: x.chunks.map((c) => [c.minTime, c.maxTime, c.raw!.encoding, Buffer.from(c.raw!.data).toString("hex")]) }));
      assert.deepEqual(plain(got.series), plain(direct.series));
      const it = new HistogramChunkIterator(got.series[1]!.chunks[0]!.raw!.data);
      let n = 0;
      while (it.next()) n++;
      assert.equal(n, 30);
      const fit = new FloatHistogramChunkIterator(got.series[0]!.chunks[0]!.raw!.data);
      while (fit.next()) assert.equal(fit.at().sum, fit.t / 15_000 / 3);
    });
  });
});

test("round trip: matchers, time range, skip_chunks, limit, label names and values", async () => {
  await withServer(fixture(), async (server) => {
    await withClient(server.address, async (client) => {
      const up = [{ name: "__name__", op: "=", value: "up" } as const, { name: "job", op: "=~", value: "api|db" } as const];
      const sel = await collect(client.series({ minTime: 0, maxTime: 10_000, matchers: up }));
      assert.equal(sel.series.length, 4);
      assert.ok(sel.series.every((s) => s.chunks.length === 1 && s.chunks[0]!.minTime === 1_000));
      const skipped = await collect(client.series({ ...ALL, skipChunks: true }));
      assert.equal(skipped.series.length, 7);
      assert.ok(skipped.series.every((s) => s.chunks.length === 0));
      assert.equal((await collect(client.series({ ...ALL, limit: 3 }))).series.length, 3);
      const names = await client.labelNames({ ...ALL, matchers: [{ name: "job", op: "=", value: "db" }] });
      assert.deepEqual(names, { values: ["__name__", "instance", "job", "mode", "region"], warnings: [] });
      const values = await client.labelValues({ ...ALL, label: "job", matchers: [{ name: "__name__", op: "=", value: "up" }] });
      assert.deepEqual(values.values, ["api", "db", "web"]);
      const limited = await client.labelValues({ ...ALL, label: "job", matchers: [], limit: 2 });
      assert.deepEqual(limited.values, ["api", "db"]);
      await assert.rejects(client.series({ ...ALL, matchers: [{ name: "job", op: "=~", value: "(" }] })[Symbol.asyncIterator]().next(), (err: StoreApiError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        assert.match(err.message, new RegExp(`store ${server.address}: .*`));
        return true;
      });
    });
  });
});

/** A store whose stream yields one frame and then waits to be aborted, noting what the server saw. */
function hangingStore(seen: { aborted: boolean }): Store {
  const inner = fixture();
  return {
    info: () => inner.info(),
    async *series(r, signal) {
      yield { series: [{ labels: L({ __name__: "x" }), chunks: [] }], warnings: [] };
      await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }));
      seen.aborted = signal?.aborted === true;
    },
    labelNames: (r, s) => inner.labelNames(r, s),
    labelValues: (r, s) =>
      new Promise<StringsResponse>((resolve) =>
        s?.addEventListener("abort", () => {
          seen.aborted = true;
          resolve({ values: [], warnings: [] });
        }),
      ),
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

test("shard_info crosses the wire: each shard gets its series, groups whole, and the server filters for a store that ignores it", async () => {
  const inner = fixture();
  const ignoring: Store = {
    info: () => inner.info(),
    series: ({ shardInfo: _ignored, ...rest }, signal) => inner.series(rest, signal),
    labelNames: (r, signal) => inner.labelNames(r, signal),
    labelValues: (r, signal) => inner.labelValues(r, signal),
  };
  for (const store of [fixture(), ignoring]) {
    await withServer(store, async (server) => {
      await withClient(server.address, async (client) => {
        const info = await client.info();
        assert.ok(info !== undefined);
        const shards = [];
        for (let shardIndex = 0; shardIndex < 3; shardIndex++) {
          const got = await collect(client.series({ ...ALL, shardInfo: { shardIndex, totalShards: 3, by: true, labels: ["job"] } }));
          shards.push(got.series.map((s) => s.labels.find((l) => l.name === "job")!.value + "/" + (s.labels.find((l) => l.name === "instance")?.value ?? "")));
        }
        assert.deepEqual(shards.flat().sort(), ["api/1", "api/2", "db/", "db/1", "db/2", "web/1", "web/2"]);
        for (const part of shards) for (const job of ["api", "db", "web"]) assert.ok(part.filter((x) => x.startsWith(job)).length % (job === "db" ? 3 : 2) === 0, `${job} whole`);
      });
    });
  }
});

test("aborting the signal cancels the gRPC call and the server's store sees it", async () => {
  const seen = { aborted: false };
  await withServer(hangingStore(seen), async (server) => {
    await withClient(server.address, async (client) => {
      const controller = new AbortController();
      const it = client.series(ALL, controller.signal)[Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(first.value?.series.length, 1);
      const pending = it.next();
      controller.abort(new Error("query cancelled"));
      await assert.rejects(pending, /query cancelled/);
      await until(() => seen.aborted, "server store saw the cancellation");

      seen.aborted = false;
      for await (const _ of client.series(ALL)) break; // leaving early cancels too
      await until(() => seen.aborted, "server store saw the early exit");

      seen.aborted = false;
      const c2 = new AbortController();
      const names = client.labelValues({ ...ALL, label: "job" }, c2.signal);
      setTimeout(() => c2.abort(new Error("stop")), 50);
      await assert.rejects(names, /stop/);
      await until(() => seen.aborted, "unary call cancelled on the server");
    });
  });
});

test("a finished call's signal is never aborted (grpc-js reports every ended call as cancelled)", async () => {
  const inner = fixture();
  const signals: AbortSignal[] = [];
  const recording: Store = {
    info: () => inner.info(),
    series: (r, s) => {
      signals.push(s!);
      return inner.series(r, s);
    },
    labelNames: (r, s) => {
      signals.push(s!);
      return inner.labelNames(r, s);
    },
    labelValues: (r, s) => inner.labelValues(r, s),
  };
  await withServer(recording, async (server) => {
    await withClient(server.address, async (client) => {
      assert.equal((await collect(client.series(ALL))).series.length, 7);
      assert.ok((await client.labelNames(ALL)).values.includes("job"));
      await new Promise((r) => setTimeout(r, 50));
    });
  });
  assert.equal(signals.length, 2);
  assert.deepEqual(
    signals.map((s) => s.aborted),
    [false, false],
  );
});

test("channelz, which traces every call, is off on both sides", () => {
  assert.equal(clientChannelOptions({})["grpc.enable_channelz"], 0);
  assert.equal(serverChannelOptions({})["grpc.enable_channelz"], 0);
});

// ── A raw server sending hand-made responses, to test the client's checks ──

async function fakeStore(series: (WireSeriesResponse | Buffer)[], fn: (address: string) => Promise<void>, withInfo = true): Promise<void> {
  const server = new grpc.Server();
  const garbage = series.some((s) => Buffer.isBuffer(s));
  const seriesMethod = garbage ? { ...STORE_METHODS.Series, responseSerialize: (b: object) => b as Buffer } : STORE_METHODS.Series;
  server.addService({ Series: seriesMethod, Info: STORE_METHODS.Info } as unknown as grpc.ServiceDefinition, {
    Series: (call: grpc.ServerWritableStream<object, object>) => {
      for (const s of series) call.write(s);
      call.end();
    },
    Info: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { labels: [{ name: "old", value: "yes" }], minTime: 5, maxTime: 6, storeType: 4, labelSets: [] }),
  });
  if (withInfo) {
    server.addService(INFO_METHODS as unknown as grpc.ServiceDefinition, {
      Info: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { labelSets: [], ComponentType: "query" }),
    });
  }
  const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  try {
    await fn(`127.0.0.1:${port}`);
  } finally {
    server.forceShutdown();
  }
}

function wireSeries(labels: Record<string, string>, chunks: WireSeries["chunks"] = []): WireSeriesResponse {
  return { series: { labels: L(labels).map((l) => ({ ...l })), chunks } };
}

test("client: unsorted series from a store are an error naming it", async () => {
  await fakeStore([wireSeries({ __name__: "b" }), wireSeries({ __name__: "a" })], async (address) => {
    await withClient(address, async (client) => {
      await assert.rejects(collect(client.series(ALL)), (err: Error) => {
        assert.match(err.message, new RegExp(`store ${address}: series not sorted: \\{__name__="a"\\} after \\{__name__="b"\\}`));
        return true;
      });
    });
  });
  const unsortedNames = { series: { labels: [{ name: "z", value: "1" }, { name: "a", value: "1" }], chunks: [] } };
  const sortedNames = { series: { labels: [{ name: "a", value: "0" }, { name: "z", value: "1" }], chunks: [] } };
  await fakeStore([sortedNames, unsortedNames], async (address) => {
    await withClient(address, async (client) => {
      await assert.rejects(collect(client.series(ALL)), /series \{z="1", a="1"\} has unsorted or duplicate label names/, "also after a good series with the same names");
    });
  });
  await fakeStore([unsortedNames], async (address) => {
    await withClient(address, async (client) => {
      await assert.rejects(collect(client.series(ALL)), /unsorted or duplicate label names/);
    });
  });
});

test("client: corrupt XOR and histogram chunks and unknown encodings are dropped with a warning naming the store; histograms pass", async () => {
  const hist = new HistogramChunk();
  hist.append(1, { float: false, counterResetHint: 0, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1], negativeSpans: [], negativeBuckets: [] });
  const good = new XorChunk();
  good.append(1, 1);
  good.append(2, 2);
  const data = good.bytes().slice();
  const truncated = Uint8Array.from([0, 50, 1, 2, 3]);
  await fakeStore(
    [
      wireSeries({ __name__: "a" }, [
        { minTime: 1, maxTime: 2, raw: { type: 0, data } },
        { minTime: 3, maxTime: 4, raw: { type: 0, data: truncated } },
      ]),
      wireSeries({ __name__: "b" }, [{ minTime: 1, maxTime: 2, raw: { type: 7, data } }]),
      wireSeries({ __name__: "c" }, [
        { minTime: 1, maxTime: 1, raw: { type: 1, data: hist.bytes().slice() } },
        { minTime: 2, maxTime: 2, raw: { type: 2, data: Uint8Array.from([9, 9]) } },
      ]),
    ],
    async (address) => {
      await withClient(address, async (client) => {
        const got = await collect(client.series(ALL));
        assert.deepEqual(got.series.map((s) => s.chunks.length), [1, 0, 1]);
        assert.deepEqual(Buffer.from(got.series[0]!.chunks[0]!.raw!.data), Buffer.from(data));
        assert.equal(got.series[2]!.chunks[0]!.raw!.encoding, ChunkEncoding.Histogram);
        assert.equal(got.warnings.length, 3);
        assert.match(got.warnings[0]!, new RegExp(`^store ${address}: series \\{__name__="a"\\}: dropped chunk \\[3, 4\\]: raw XOR chunk: header says 50 samples`));
        assert.match(got.warnings[1]!, new RegExp(`^store ${address}: series \\{__name__="b"\\}: dropped chunk \\[1, 2\\]: raw chunk has unknown encoding 7`));
        assert.match(got.warnings[2]!, /series \{__name__="c"\}: dropped chunk \[2, 2\]: raw histogram chunk: 2 bytes, shorter than the 3-byte header/);
        assert.deepEqual([...client.droppedChunks()].sort(), [["corrupt_chunk", 2], ["unknown_encoding", 1]]);
      });
    },
  );
});

test("client: a response that does not decode is an error naming the store and the message", async () => {
  await fakeStore([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])], async (address) => {
    await withClient(address, async (client) => {
      await assert.rejects(collect(client.series(ALL)), (err: StoreApiError) => {
        assert.match(err.message, new RegExp(`store ${address}: .*cannot decode thanos.SeriesResponse`));
        assert.equal(err.code, grpc.status.INTERNAL);
        return true;
      });
    });
  });
});

test("client: info falls back to the deprecated Store/Info; an Info without StoreAPI is an error", async () => {
  await fakeStore(
    [],
    async (address) => {
      await withClient(address, async (client) => {
        const info = await client.info();
        assert.deepEqual(info.labelSets, [L({ old: "yes" })]);
        assert.equal(info.minTime, 5);
      });
    },
    false,
  );
  await fakeStore([], async (address) => {
    await withClient(address, async (client) => {
      await assert.rejects(client.info(), new RegExp(`store ${address}: Info reports no StoreAPI \\(component "query"\\)`));
    });
  });
});

test("server: garbage requests, unknown matcher types and a shard outside the total are clear errors", async () => {
  await withServer(fixture(), async (server) => {
    const raw = new grpc.Client(server.address, grpc.credentials.createInsecure());
    try {
      const call = (path: string, body: Buffer): Promise<grpc.ServiceError> =>
        new Promise((resolve, reject) =>
          raw.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, (err) => (err ? resolve(err) : reject(new Error("expected an error")))),
        );
      const garbage = await call("/thanos.Store/LabelNames", Buffer.from([0x32, 0xff, 0xff, 0xff, 0x0f]));
      assert.equal(garbage.code, grpc.status.INVALID_ARGUMENT);
      assert.match(garbage.details, /cannot decode thanos.LabelNamesRequest from 5 bytes/);
      const garbageSeries = await new Promise<grpc.ServiceError>((resolve) =>
        raw.makeServerStreamRequest("/thanos.Store/Series", (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x1a, 0x09]), {}).on("error", resolve).on("data", () => {}),
      );
      assert.equal(garbageSeries.code, grpc.status.INVALID_ARGUMENT);
      assert.match(garbageSeries.details, /cannot decode thanos.SeriesRequest/);
      // LabelNamesRequest.matchers (6) holding one matcher of type 9.
      const badType = await call("/thanos.Store/LabelNames", Buffer.from([0x32, 0x05, 0x08, 0x09, 0x12, 0x01, 0x61]));
      assert.equal(badType.code, grpc.status.INVALID_ARGUMENT);
      assert.match(badType.details, /matcher 0 \(a\): unknown LabelMatcher.Type 9/);
      const sharded = raw.makeServerStreamRequest(
        STORE_METHODS.Series.path,
        STORE_METHODS.Series.requestSerialize,
        STORE_METHODS.Series.responseDeserialize,
        { minTime: 0, maxTime: 1, matchers: [], shardInfo: { shardIndex: 2, totalShards: 2, by: false, labels: [] } },
      );
      const err = await new Promise<grpc.ServiceError>((resolve) => sharded.on("error", resolve).on("data", () => {}));
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
      assert.match(err.details, /shard_info: shard_index 2 is not in \[0, 2\)/);
    } finally {
      raw.close();
    }
  });
});

// ── TLS ──

test("TLS and mTLS, configured from Thanos's flags", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-grpc-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeCerts(dir);
  const f = (name: string): string => join(dir, name);
  const clientFlags = { "grpc-client-tls-secure": "true", "grpc-client-tls-ca": f("ca.crt"), "grpc-client-server-name": "store.orrery.test" };

  const tlsServer = grpcServerOptionsFromFlags({ "grpc-address": "127.0.0.1:0", "grpc-server-tls-cert": f("server.crt"), "grpc-server-tls-key": f("server.key") });
  await withServer(fixture(), async (server) => {
    await withClient(server.address, async (client) => assert.equal((await client.labelValues({ ...ALL, label: "job" })).values.length, 3), grpcClientOptionsFromFlags(clientFlags));
    await withClient(server.address, async (client) => assert.rejects(client.info(), /store 127\.0\.0\.1:\d+: /), {});
  }, tlsServer);

  const mtlsServer = grpcServerOptionsFromFlags({ "grpc-address": "127.0.0.1:0", "grpc-server-tls-cert": f("server.crt"), "grpc-server-tls-key": f("server.key"), "grpc-server-tls-client-ca": f("ca.crt") });
  await withServer(fixture(), async (server) => {
    await withClient(server.address, async (client) => assert.rejects(client.info()), grpcClientOptionsFromFlags(clientFlags));
    const withCert = grpcClientOptionsFromFlags({ ...clientFlags, "grpc-client-tls-cert": f("client.crt"), "grpc-client-tls-key": f("client.key") });
    await withClient(server.address, async (client) => assert.deepEqual((await client.info()).labelSets, [L({ region: "eu" })]), withCert);
  }, mtlsServer);
});

test("Series streams (made on node:http2, not grpc-js) over TLS and mTLS: verified against the server name, refused without the CA or a client certificate", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-grpc-tls-series-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeCerts(dir);
  const f = (name: string): string => join(dir, name);
  const clientFlags = { "grpc-client-tls-secure": "true", "grpc-client-tls-ca": f("ca.crt"), "grpc-client-server-name": "store.orrery.test" };
  const store = fixture();
  const want = (await collect(store.series(ALL))).series.map((s) => formatLabels(s.labels));
  const names = async (client: GrpcStoreClient): Promise<string[]> => (await collect(client.series(ALL))).series.map((s) => formatLabels(s.labels));

  const tlsServer = grpcServerOptionsFromFlags({ "grpc-address": "127.0.0.1:0", "grpc-server-tls-cert": f("server.crt"), "grpc-server-tls-key": f("server.key") });
  await withServer(store, async (server) => {
    await withClient(server.address, async (client) => assert.deepEqual(await names(client), want), grpcClientOptionsFromFlags(clientFlags));
    await withClient(server.address, async (client) => assert.rejects(names(client), /store 127\.0\.0\.1:\d+: /), {});
    const wrongName = grpcClientOptionsFromFlags({ ...clientFlags, "grpc-client-server-name": "other.orrery.test" });
    await withClient(server.address, async (client) => assert.rejects(names(client), /store 127\.0\.0\.1:\d+: .*other\.orrery\.test/), wrongName);
  }, tlsServer);

  const mtlsServer = grpcServerOptionsFromFlags({ "grpc-address": "127.0.0.1:0", "grpc-server-tls-cert": f("server.crt"), "grpc-server-tls-key": f("server.key"), "grpc-server-tls-client-ca": f("ca.crt") });
  await withServer(store, async (server) => {
    await withClient(server.address, async (client) => assert.rejects(names(client)), grpcClientOptionsFromFlags(clientFlags));
    const withCert = grpcClientOptionsFromFlags({ ...clientFlags, "grpc-client-tls-cert": f("client.crt"), "grpc-client-tls-key": f("client.key") });
    await withClient(server.address, async (client) => assert.deepEqual(await names(client), want), withCert);
  }, mtlsServer);
});

test("flags: defaults, and combinations that cannot work are errors naming the flags", () => {
  assert.deepEqual(grpcServerOptionsFromFlags({}), { address: "127.0.0.1:10901" });
  assert.deepEqual(grpcServerOptionsFromFlags({ "grpc-server-max-connection-age": "60m" }), { address: "127.0.0.1:10901", maxConnectionAgeMs: 3_600_000 });
  assert.deepEqual(grpcServerOptionsFromFlags({ "grpc-server-max-connection-age": "0" }), { address: "127.0.0.1:10901" });
  assert.throws(() => grpcServerOptionsFromFlags({ "grpc-server-max-connection-age": "soon" }), /--grpc-server-max-connection-age=soon/);
  assert.deepEqual(grpcClientOptionsFromFlags({}), {});
  assert.throws(() => grpcServerOptionsFromFlags({ "grpc-server-tls-cert": "a.crt" }), /--grpc-server-tls-cert and --grpc-server-tls-key/);
  assert.throws(() => grpcServerOptionsFromFlags({ "grpc-server-tls-client-ca": "ca.crt" }), GrpcFlagError);
  assert.throws(() => grpcClientOptionsFromFlags({ "grpc-client-tls-ca": "ca.crt" }), /need --grpc-client-tls-secure/);
  assert.throws(() => grpcClientOptionsFromFlags({ "grpc-client-tls-secure": "yes" }), /must be true or false/);
  assert.throws(() => new GrpcStoreClient("127.0.0.1:1", { tls: { caFile: "/nonexistent/ca.crt" } }), /cannot read gRPC client TLS CA \/nonexistent\/ca.crt/);
});

test("client: a grpc-js call is made with no caller stack to capture, and the stack limit is restored, also on a throw", () => {
  const before = Error.stackTraceLimit;
  const inside = withoutCallerStack(() => new Error("x").stack ?? "");
  assert.equal(inside.split("\n").length, 1, "only the message line: no frames captured");
  assert.equal(Error.stackTraceLimit, before);
  assert.throws(() => withoutCallerStack(() => { throw new Error("boom"); }), /boom/);
  assert.equal(Error.stackTraceLimit, before);
  assert.ok((new Error("y").stack ?? "").split("\n").length > 1, "stacks outside are whole");
});

test("serveStoreApi with labelFields: each series' encoded label fields are kept across calls, by the store's label set objects; answers unchanged", async () => {
  const labels = [L({ __name__: "up", job: "a" }), L({ __name__: "up", job: "b" })];
  const chunk = new XorChunk();
  chunk.append(1_000, 1);
  const series: Series[] = labels.map((l) => ({ labels: l, chunks: [{ minTime: 1_000, maxTime: 1_000, raw: { encoding: ChunkEncoding.XOR, data: chunk.bytes().slice() } }] }));
  const store: Store = {
    info: async () => ({ labelSets: [], minTime: 0, maxTime: 2_000, resolutions: [0], supportsAggregationPushdown: false }),
    async *series() {
      yield { series, warnings: [] };
    },
    labelNames: async () => ({ values: [], warnings: [] }),
    labelValues: async () => ({ values: [], warnings: [] }),
  };
  const labelFields: LabelFieldsCache = new WeakMap();
  const request: SeriesRequest = { minTime: 0, maxTime: 2_000, matchers: [] };
  await withServer(
    store,
    (server) =>
      withClient(server.address, async (client) => {
        const first = await collect(client.series(request));
        assert.ok(labels.every((l) => labelFields.has(l)), "kept after the first call");
        const kept = labels.map((l) => labelFields.get(l));
        const second = await collect(client.series(request));
        assert.deepEqual(labels.map((l) => labelFields.get(l)), kept, "the second call used the same bytes");
        for (const got of [first, second]) assert.deepEqual(got.series.map((s) => formatLabels(s.labels)), ['{__name__="up", job="a"}', '{__name__="up", job="b"}']);
      }),
    { labelFields },
  );
});

test("client: asks for DEFAULT_RESPONSE_BATCH_SERIES series per SeriesResponse unless told otherwise", async () => {
  const asked: number[] = [];
  const server = new grpc.Server();
  server.addService({ Series: STORE_METHODS.Series } as unknown as grpc.ServiceDefinition, {
    Series: (call: grpc.ServerWritableStream<{ responseBatchSize: number | string }, object>) => {
      asked.push(Number(call.request.responseBatchSize));
      call.end();
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  try {
    await withClient(`127.0.0.1:${port}`, (client) => collect(client.series(ALL)).then(() => undefined));
    await withClient(`127.0.0.1:${port}`, (client) => collect(client.series(ALL)).then(() => undefined), { responseBatchSize: 16 });
  } finally {
    server.forceShutdown();
  }
  assert.deepEqual(asked, [DEFAULT_RESPONSE_BATCH_SERIES, 16]);
  assert.equal(DEFAULT_RESPONSE_BATCH_SERIES, 512);
});

test("server: each frame goes out before the store makes the next, so a client reads while a store that never waits is still producing", async () => {
  // Fewer than the call's 16 buffered writes, so no wait for the client's reading pauses the store either.
  const frames = 12;
  let made = 0;
  const eager: Store = {
    info: async () => ({ labelSets: [], minTime: 0, maxTime: 1e12, resolutions: [0], supportsAggregationPushdown: false }),
    // No await between frames: without the server's pause, nothing would be sent before the last.
    async *series() {
      for (let i = 0; i < frames; i++) {
        made++;
        yield { series: [{ labels: L({ __name__: "up", i: String(i).padStart(4, "0") }), chunks: [] }], warnings: [] };
      }
    },
    labelNames: async () => ({ values: [], warnings: [] }),
    labelValues: async () => ({ values: [], warnings: [] }),
  };
  await withServer(eager, async (server) => {
    const client = new GrpcStoreClient(server.address);
    try {
      let madeAtFirst = -1;
      let received = 0;
      for await (const f of client.series(ALL)) {
        if (madeAtFirst < 0) madeAtFirst = made;
        received += f.series.length;
      }
      assert.equal(received, frames);
      assert.ok(madeAtFirst < frames, `the client's first frame came after ${madeAtFirst} of ${frames} were made`);
    } finally {
      client.close();
    }
  });
});
