// `orrery receive` and `orrery start --grpc-address / --endpoint` as a user runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { formatLabels, GrpcStoreClient, labelsFromRecord, mergeSeriesChunks, type Series } from "../storeapi/index.js";
import { parseFlags, receiveConfig } from "./receive.js";
import { headWriting } from "./roles.js";
import { logged, MAIN, orrery, remoteWrite } from "./testkit.js";

test("receive flags: Thanos Receive's names and defaults; bad flags exit 2 naming the flag", () => {
  const cfg = receiveConfig(parseFlags([]));
  assert.deepEqual([cfg.host, cfg.port, cfg.grpc.address, cfg.dataDir, cfg.retentionMs], ["127.0.0.1", 19291, "127.0.0.1:10901", "./data", 7_200_000]);
  assert.deepEqual(cfg.externalLabels, []);
  const set = receiveConfig(parseFlags(["--label", 'replica="r1"', "--label=tenant=\"t\"", "--tsdb.retention=6h", "--grpc-address=0.0.0.0:0"]));
  assert.deepEqual(set.externalLabels, labelsFromRecord({ replica: "r1", tenant: "t" }));
  assert.deepEqual([set.retentionMs, set.grpc.address], [21_600_000, "0.0.0.0:0"]);
  assert.throws(() => receiveConfig(parseFlags(["--grpc-server-tls-cert=c"])), /--grpc-server-tls-cert and --grpc-server-tls-key/);

  const help = spawnSync(process.execPath, [MAIN, "receive", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const flag of ["--remote-write.address", "--grpc-address", "--grpc-server-tls-cert", "--tsdb.path", "--tsdb.retention", "--label", "--log.level"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  for (const [args, message] of [
    [["--label=replica"], /invalid --label=replica: want name="value"/],
    [["--remote-write.address=nowhere"], /invalid --remote-write.address=nowhere/],
    [["--tsdb.retention=0s"], /invalid --tsdb.retention=0s/],
    [["--endpoint=a:1"], /unknown flag --endpoint/],
  ] as const) {
    const bad = spawnSync(process.execPath, [MAIN, "receive", ...args], { encoding: "utf8" });
    assert.equal(bad.status, 2, args.join(" "));
    assert.match(bad.stderr, message);
  }
});

test("--remote-write.snappy-thread: off by default in receive and start (bodies decoded on the event loop); on, on a thread", async () => {
  const { startConfig, parseFlags: startFlags } = await import("./start.js");
  assert.equal(receiveConfig(parseFlags([])).snappyThread, false);
  assert.equal(receiveConfig(parseFlags(["--remote-write.snappy-thread"])).snappyThread, true);
  assert.equal(startConfig(startFlags([])).snappyThread, false);
  assert.equal(startConfig(startFlags(["--remote-write.snappy-thread=true"])).snappyThread, true);
  const { Head } = await import("../stores/index.js");
  const { Registry } = await import("prom-client");
  const { SnappyWorker } = await import("../storeapi/index.js");
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const on = headWriting(new Head(), new Registry(), log, undefined, undefined, undefined, true);
  const off = headWriting(new Head(), new Registry(), log, undefined, undefined, undefined, false);
  assert.ok(on.received.snappy instanceof SnappyWorker);
  assert.equal(off.received.snappy, undefined);
  await on.close();
  await off.close();
});

test("receive's remote_write tells the young-generation policy the head's series after each write", async () => {
  const { Head, encodeRemoteWriteBody } = await import("../stores/index.js");
  const { Registry } = await import("prom-client");
  const { IngestYoungGeneration } = await import("./heap-policy.js");
  const told: number[] = [];
  const young = new (class extends IngestYoungGeneration {
    override headSeries(n: number): void {
      told.push(n);
    }
  })();
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const writing = headWriting(new Head(), new Registry(), log, undefined, undefined, undefined, false, young);
  const body = (names: string[]) => Buffer.from(encodeRemoteWriteBody({ timeseries: names.map((n) => ({ labels: [{ name: "__name__", value: n }], samples: [{ value: 1, timestamp: 1000 }] })) }));
  const headers = { "content-type": "application/x-protobuf", "content-encoding": "snappy" };
  assert.equal((await writing.remoteWrite(body(["a", "b"]), headers)).status, 204);
  assert.equal((await writing.remoteWrite(body(["c"]), headers)).status, 204);
  assert.deepEqual(told, [2, 3]);
  await writing.close();
});

test("start's new flags: endpoints, --label, --grpc-address off by default", async () => {
  const { startConfig, parseFlags: startFlags } = await import("./start.js");
  const dflt = startConfig(startFlags([]));
  assert.equal(dflt.grpcServer, undefined);
  assert.deepEqual(dflt.federation.endpoints, []);
  const set = startConfig(startFlags(["--grpc-address=127.0.0.1:0", "--endpoint=r:10901", "--label=replica=\"x\"", "--query.replica-label=replica"]));
  assert.equal(set.grpcServer?.address, "127.0.0.1:0");
  assert.deepEqual(set.federation.endpoints, ["r:10901"]);
  assert.deepEqual(set.externalLabels, labelsFromRecord({ replica: "x" }));
  const bad = spawnSync(process.execPath, [MAIN, "start", "--grpc-address=nowhere"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid --grpc-address=nowhere/);
});

async function readAll(client: GrpcStoreClient, name: string): Promise<Series[]> {
  const out: Series[] = [];
  for await (const f of client.series({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: [{ name: "__name__", op: "=", value: name }] })) out.push(...f.series);
  return out;
}

test("receive serves remote_write over the StoreAPI; start --grpc-address serves its head and --endpoint queries the receiver beside it", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-receive-"));
  const children: ChildProcess[] = [];
  const clients: GrpcStoreClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await Promise.all(children.map((c) => stopProcess(c)));
    rmSync(dir, { recursive: true, force: true });
  });
  const now = Date.now();
  const receive = orrery(["receive", `--tsdb.path=${join(dir, "r")}`, "--remote-write.address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", '--label=replica="r"']);
  children.push(receive);
  const receiveGrpc = logged(receive, /StoreAPI on (\S+?)"/, "receive");
  const receiveUrl = await logged(receive, /listening on (http:\/\/[^\s"]+)/, "receive");
  assert.equal((await fetch(`${receiveUrl}/-/ready`)).status, 200);
  assert.equal((await fetch(`${receiveUrl}/api/v1/query?query=up`)).status, 404, "the remote-write address serves no query API");
  await remoteWrite(receiveUrl, [{ labels: labelsFromRecord({ __name__: "from_receive", job: "j" }), samples: [{ timestamp: now - 1000, value: 7 }] }]);
  assert.match(await (await fetch(`${receiveUrl}/metrics`)).text(), /orrery_/);

  const fromReceive = new GrpcStoreClient(await receiveGrpc);
  clients.push(fromReceive);
  const got = await readAll(fromReceive, "from_receive");
  assert.deepEqual(got.map((s) => formatLabels(s.labels)), ['{__name__="from_receive", job="j", replica="r"}']);
  assert.equal(mergeSeriesChunks(got[0]!, 0, Number.MAX_SAFE_INTEGER).vs[0], 7);

  const start = orrery([
    "start",
    `--storage.tsdb.path=${join(dir, "s")}`,
    "--web.listen-address=127.0.0.1:0",
    "--grpc-address=127.0.0.1:0",
    `--endpoint=${await receiveGrpc}`,
    '--label=site="s"',
    "--no-self-scrape",
  ]);
  children.push(start);
  const startGrpc = logged(start, /StoreAPI on (\S+?)"/, "start");
  const startUrl = await logged(start, /listening on (http:\/\/[^\s"]+)/, "start");
  await remoteWrite(startUrl, [{ labels: labelsFromRecord({ __name__: "from_start" }), samples: [{ timestamp: now - 1000, value: 3 }] }]);

  const fromStart = new GrpcStoreClient(await startGrpc);
  clients.push(fromStart);
  const head = await readAll(fromStart, "from_start");
  assert.deepEqual(head.map((s) => formatLabels(s.labels)), ['{__name__="from_start", site="s"}']);
  assert.deepEqual((await fromStart.info()).labelSets, [labelsFromRecord({ site: "s" })]);

  for (let i = 0; i < 100; i++) {
    const stores = (await (await fetch(`${startUrl}/api/v1/stores`)).json()) as { data: { store?: { name: string; maxTime: number }[] } };
    if (stores.data.store?.[0]?.maxTime !== undefined && stores.data.store[0].maxTime > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const res = (await (await fetch(`${startUrl}/api/v1/query?query=${encodeURIComponent('{__name__=~"from_.*"}')}&time=${now / 1000}`)).json()) as {
    data: { result: { metric: Record<string, string> }[] };
  };
  assert.deepEqual(
    res.data.result.map((r) => r.metric).sort((a, b) => a.__name__!.localeCompare(b.__name__!)),
    [
      { __name__: "from_receive", job: "j", replica: "r" },
      { __name__: "from_start", site: "s" },
    ],
  );

  receive.kill("SIGTERM");
  const code = await new Promise((r) => receive.once("exit", r));
  assert.equal(code, 0, "receive shuts down cleanly on SIGTERM");
});
