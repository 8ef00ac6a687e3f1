// The results cache in a real redis-server, which is killed and restarted mid-test.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { freePort } from "../conformance/index.js";
import { QueryFrontend } from "./frontend.js";
import { hostPort, RedisBackend } from "./redis.js";
import { hasRedis, type RunningRedis, startRedisServer } from "./redis_server.js";
import { answerText, matrixAnswer, scriptedDownstream } from "./testkit.js";

const DAY = 86_400_000;
const running: RunningRedis[] = [];
after(async () => {
  for (const r of running) await r.stop();
});

async function ask(fe: QueryFrontend, ds: ReturnType<typeof scriptedDownstream>) {
  const params = new URLSearchParams({ query: "m", start: String(DAY / 1000), end: String((2 * DAY) / 1000), step: "60" });
  return answerText(fe.handle({ path: "/api/v1/query_range", params, tenant: "t1", noStore: false }, ds.downstream, new AbortController().signal));
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${ms}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("Redis: entries are shared in binary form; with Redis killed the frontend answers uncached and counts failures; after a restart it reconnects and caches again", { skip: !hasRedis() && "redis-server is not installed" }, async () => {
  const port = await freePort();
  running.push(await startRedisServer(port));
  const registry = new Registry();
  const backend = new RedisBackend({ address: `127.0.0.1:${port}`, keyPrefix: "orrery-test:", ttlMs: 60_000, timeoutMs: 200 });
  const fe = new QueryFrontend({ registry, backend, now: () => 10 * DAY, cacheTimeoutMs: 300 });
  const peek = new Redis({ host: "127.0.0.1", port, lazyConnect: true, enableOfflineQueue: true });
  peek.on("error", () => undefined);
  try {
    await until(() => backend.connected, 5000);
    const ds = scriptedDownstream();
    const want = matrixAnswer({ query: "m", start: DAY, end: 2 * DAY, step: 60_000 });
    assert.equal((await ask(fe, ds)).body, want);
    assert.equal(ds.calls.length, 2);
    const keys = (await peek.keys("orrery-test:qr:*")).filter((k) => !k.endsWith(":digest")).sort();
    assert.equal(keys.length, 2);
    assert.deepEqual((await peek.keys("orrery-test:qr:*:digest")).sort(), keys.map((k) => k + ":digest"), "each entry has its digest beside it");
    const value = await peek.getBuffer(keys[0]!);
    assert.notEqual(value![0], "{".charCodeAt(0), "not JSON text");
    assert.ok(!value!.includes('"],['), "no points' JSON text in the entry");
    assert.ok(backend.keptBytes > value!.length, "the rendered form is kept in process, counted in bytes");
    assert.ok((await peek.pttl(keys[0]!)) > 0, "entries expire");
    // A second frontend on the same Redis is warm at once.
    const other = new QueryFrontend({ registry: new Registry(), backend, now: () => 10 * DAY });
    assert.equal((await ask(other, ds)).body, want);
    assert.equal(ds.calls.length, 2);

    await running[0]!.kill();
    const started = performance.now();
    assert.equal((await ask(fe, ds)).body, want, "answered uncached while Redis is down");
    assert.ok(performance.now() - started < 2000, "within the cache timeout, not hanging");
    assert.equal(ds.calls.length, 4);
    assert.match(await registry.getSingleMetricAsString("orrery_frontend_cache_errors_total"), /backend="redis",op="get"} [1-9]/);

    running.push(await startRedisServer(port));
    await until(() => backend.connected, 10_000);
    await ask(fe, ds); // the restarted Redis is empty: a fill
    assert.equal(ds.calls.length, 6);
    assert.equal((await ask(fe, ds)).body, want);
    assert.equal(ds.calls.length, 6, "warm again after the reconnect");
  } finally {
    peek.disconnect();
    await backend.close();
  }
});

test("Redis: a hit reads each entry's length and digest, not the entry; an entry rewritten elsewhere, or gone, is read again", { skip: !hasRedis() && "redis-server is not installed" }, async () => {
  const port = await freePort();
  running.push(await startRedisServer(port));
  const backend = new RedisBackend({ address: `127.0.0.1:${port}`, keyPrefix: "t:", timeoutMs: 1000 });
  const fe = new QueryFrontend({ registry: new Registry(), backend, now: () => 10 * DAY });
  const peek = new Redis({ host: "127.0.0.1", port });
  const sentBytes = async () => Number(/total_net_output_bytes:(\d+)/.exec(await peek.info("stats"))![1]);
  try {
    await until(() => backend.connected, 5000);
    const ds = scriptedDownstream();
    const want = matrixAnswer({ query: "m", start: DAY, end: 2 * DAY, step: 60_000 });
    await ask(fe, ds);
    const entries = (await peek.keys("t:qr:*")).filter((k) => !k.endsWith(":digest"));
    let entryBytes = 0;
    for (const k of entries) entryBytes += (await peek.getBuffer(k))!.length;
    const before = await sentBytes();
    assert.equal((await ask(fe, ds)).body, want);
    // The INFO reply itself is ~1-2 KiB; the entries are tens of KiB.
    assert.ok((await sentBytes()) - before < Math.min(8192, entryBytes / 2), `a hit reads digests, not the ${entryBytes} bytes of entries`);
    // Another writer puts other bytes under a key and leaves the digest (as an older orrery would): read again, never the kept form.
    const key = entries[0]!.slice("t:".length);
    const stored = await peek.getBuffer(entries[0]!);
    await peek.set(entries[0]!, Buffer.concat([stored!, Buffer.from("x")]));
    assert.equal(await backend.currentForm(key), undefined, "the length changed");
    assert.equal(backend.keptForm(key, (await backend.get(key))!), undefined, "other bytes: the kept form is not theirs");
    await peek.set(entries[0]!, stored!);
    assert.notEqual(await backend.currentForm(key), undefined, "the same bytes again");
    await peek.del(entries[0]!);
    assert.equal(await backend.currentForm(key), undefined, "the entry is gone");
    const callsBefore = ds.calls.length;
    assert.equal((await ask(fe, ds)).body, want);
    assert.ok(ds.calls.length > callsBefore, "the gone entry's range was asked downstream again");
  } finally {
    peek.disconnect();
    await backend.close();
  }
});

test("Redis addresses: host:port, [v6]:port, default port, and a clear error", () => {
  assert.deepEqual(hostPort("cache.local:6380"), { host: "cache.local", port: 6380 });
  assert.deepEqual(hostPort("[::1]:7000"), { host: "::1", port: 7000 });
  assert.deepEqual(hostPort("redis"), { host: "redis", port: 6379 });
  assert.throws(() => hostPort("a:b:c"), /invalid Redis address "a:b:c"/);
});
