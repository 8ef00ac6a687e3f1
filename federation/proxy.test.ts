import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore, labelsFromRecord, formatLabels, mergeSeriesChunks } from "../storeapi/index.js";
import type { Series, SeriesRequest } from "../storeapi/index.js";
import { Engine } from "../engine/index.js";
import type { MatrixValue } from "../engine/index.js";
import { ProxyStore, NO_STORES_MATCHED } from "./index.js";
import { drain, memoryRef, ref, ScriptedStore, WIDE_INFO } from "./testkit.js";

const ALL: SeriesRequest = { minTime: 0, maxTime: 1e12, matchers: [{ name: "__name__", op: "=~", value: ".+" }] };
const L = (r: Record<string, string>) => labelsFromRecord(r);

function fill(store: MemoryStore, labels: Record<string, string>, from: number, to: number, step = 15_000, f = (t: number) => t / 1000): void {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = from; t <= to; t += step) {
    ts.push(t);
    vs.push(f(t));
  }
  store.add(L(labels), ts, vs);
}

test("k-way merge: series from several stores come out in label order, one series merged", async () => {
  const a = new MemoryStore({ frameSize: 1 });
  const b = new MemoryStore({ frameSize: 1 });
  fill(a, { __name__: "m", i: "1" }, 0, 60_000);
  fill(a, { __name__: "m", i: "3" }, 0, 60_000);
  fill(b, { __name__: "m", i: "2" }, 0, 60_000);
  fill(b, { __name__: "m", i: "3" }, 120_000, 180_000);
  fill(b, { __name__: "m", i: "4" }, 0, 60_000);
  const proxy = new ProxyStore({ stores: [await memoryRef("a", a), await memoryRef("b", b)] });
  const { series, warnings } = await drain(proxy.series(ALL));
  assert.deepEqual(warnings, []);
  assert.deepEqual(series.map((s) => formatLabels(s.labels)), ["1", "2", "3", "4"].map((i) => `{__name__="m", i="${i}"}`));
  const three = series[2]!;
  assert.equal(three.chunks.length, 2);
  assert.ok(three.chunks[0]!.minTime < three.chunks[1]!.minTime, "chunks sorted by minTime");
  assert.equal(mergeSeriesChunks(three, 0, 1e12).length, 10);
});

test("byte-identical chunks from two stores are kept once", async () => {
  const a = new MemoryStore();
  const b = new MemoryStore();
  fill(a, { __name__: "m" }, 0, 3_600_000);
  fill(b, { __name__: "m" }, 0, 3_600_000);
  const proxy = new ProxyStore({ stores: [await memoryRef("a", a), await memoryRef("b", b)] });
  const { series } = await drain(proxy.series(ALL));
  assert.equal(series.length, 1);
  const single = (await drain(a.series(ALL))).series[0]!;
  assert.equal(series[0]!.chunks.length, single.chunks.length);
});

test("stores are chosen by time range and external labels; none matched gives Thanos's warning", async () => {
  const us = new MemoryStore({ externalLabels: L({ region: "us" }) });
  const eu = new MemoryStore({ externalLabels: L({ region: "eu" }) });
  fill(us, { __name__: "m", region: "us" }, 0, 60_000);
  fill(eu, { __name__: "m", region: "eu" }, 0, 60_000);
  const proxy = new ProxyStore({ stores: [await memoryRef("us", us), await memoryRef("eu", eu)] });
  const onlyEu = await drain(proxy.series({ ...ALL, matchers: [...ALL.matchers, { name: "region", op: "=", value: "eu" }] }));
  assert.deepEqual(onlyEu.series.map((s) => formatLabels(s.labels)), ['{__name__="m", region="eu"}']);
  const none = await drain(proxy.series({ ...ALL, matchers: [{ name: "region", op: "=", value: "asia" }] }));
  assert.deepEqual(none, { series: [], warnings: [NO_STORES_MATCHED] });
  const later = await drain(proxy.series({ ...ALL, minTime: 10_000_000, maxTime: 20_000_000 }));
  assert.deepEqual(later, { series: [], warnings: [NO_STORES_MATCHED] });
});

const one = (name: string): Series[] => [{ labels: L({ __name__: name }), chunks: [] }];

test("partial response: a failing store is a warning naming it; the others' data is returned", async () => {
  const good = new ScriptedStore(() => [one("a"), one("c")]);
  const bad = new ScriptedStore(() => [one("b")], { failWith: "connection refused" });
  const proxy = new ProxyStore({ stores: [ref("10.0.0.1:10901", good), ref("10.0.0.2:10901", bad)] });
  const { series, warnings } = await drain(proxy.series(ALL));
  assert.deepEqual(series.map((s) => formatLabels(s.labels)), ["a", "b", "c"].map((n) => `{__name__="${n}"}`));
  assert.deepEqual(warnings, ["store 10.0.0.2:10901: connection refused"]);
});

test("abort strategy: a failing store makes the stream throw an error naming it", async () => {
  const good = new ScriptedStore(() => [one("a")]);
  const bad = new ScriptedStore(() => [], { failWith: "connection refused" });
  const proxy = new ProxyStore({ stores: [ref("good", good), ref("10.0.0.2:10901", bad)] });
  await assert.rejects(drain(proxy.series({ ...ALL, partialResponseDisabled: true })), /store 10\.0\.0\.2:10901: connection refused/);
});

test("a store that never answers is cut off by the response timeout (warning, or error under abort)", async () => {
  const good = new ScriptedStore(() => [one("a")]);
  const hung = new ScriptedStore(() => [], { hang: true });
  const proxy = new ProxyStore({ stores: [ref("good", good), ref("127.0.0.1:10901", hung)], storeResponseTimeoutMs: 100 });
  const began = Date.now();
  const { series, warnings } = await drain(proxy.series(ALL));
  assert.ok(Date.now() - began < 2000);
  assert.equal(series.length, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^store 127\.0\.0\.1:10901: no response within 100ms/);
  assert.ok(hung.sawAbort, "the hung store's request was cancelled");
  await assert.rejects(drain(proxy.series({ ...ALL, partialResponseDisabled: true })), /store 127\.0\.0\.1:10901: no response/);
});

test("cancelling the signal cancels every store's stream and ends the query", async () => {
  const hungA = new ScriptedStore(() => [], { hang: true });
  const hungB = new ScriptedStore(() => [], { hang: true });
  const proxy = new ProxyStore({ stores: [ref("a", hungA), ref("b", hungB)] });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("user cancelled")), 50);
  await assert.rejects(drain(proxy.series(ALL, controller.signal)), /user cancelled/);
  assert.ok(hungA.sawAbort && hungB.sawAbort);
});

test("a store breaking sort order is a warning naming it (error under abort), never silently merged", async () => {
  const unsorted = new ScriptedStore(() => [[...one("b"), ...one("a")]]);
  const proxy = new ProxyStore({ stores: [ref("sloppy:1", unsorted)] });
  const { warnings } = await drain(proxy.series(ALL));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^store sloppy:1: series out of order: \{__name__="a"\} after \{__name__="b"\}/);
  await assert.rejects(drain(proxy.series({ ...ALL, partialResponseDisabled: true })), /store sloppy:1: series out of order/);
});

test("memory is bounded by the frontier: frames are pulled as the consumer pulls", async () => {
  const many = (prefix: string) =>
    new ScriptedStore(function* () {
      for (let i = 0; i < 1000; i++) yield one(`${prefix}${String(i).padStart(4, "0")}`);
    });
  const a = many("a");
  const b = many("b");
  let pulled = 0;
  const proxy = new ProxyStore({ stores: [ref("a", a), ref("b", b)], frameSize: 10, onStoreFrame: () => pulled++ });
  const it = proxy.series(ALL)[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.value?.series.length, 10);
  assert.ok(a.framesPulled <= 12 && b.framesPulled <= 2, `pulled a=${a.framesPulled} b=${b.framesPulled}`);
  assert.ok(pulled <= 14);
  await it.return?.();
  const { series } = await drain(proxy.series(ALL));
  assert.equal(series.length, 2000);
});

test("label names and values: sorted union with external labels, partial response rules", async () => {
  const us = new MemoryStore({ externalLabels: L({ region: "us" }) });
  const eu = new MemoryStore({ externalLabels: L({ region: "eu" }) });
  fill(us, { __name__: "up", job: "api" }, 0, 60_000);
  fill(eu, { __name__: "up", job: "db", zone: "z" }, 0, 60_000);
  const bad = new ScriptedStore(() => [], { failWith: "down" });
  const stores = [await memoryRef("us", us), await memoryRef("eu", eu), ref("bad:1", bad)];
  const proxy = new ProxyStore({ stores });
  const req = { minTime: 0, maxTime: 1e12, matchers: [] };
  assert.deepEqual(await proxy.labelNames(req), { values: ["__name__", "job", "region", "zone"], warnings: ["store bad:1: down"] });
  assert.deepEqual((await proxy.labelValues({ ...req, label: "region" })).values, ["eu", "us"]);
  assert.deepEqual((await proxy.labelValues({ ...req, label: "job" })).values, ["api", "db"]);
  await assert.rejects(proxy.labelNames({ ...req, partialResponseDisabled: true }), /store bad:1: down/);
  const hung = new ProxyStore({ stores: [ref("hung:1", new ScriptedStore(() => [], { hang: true }))], storeResponseTimeoutMs: 50 });
  assert.match((await hung.labelNames(req)).warnings[0]!, /^store hung:1: no response within 50ms/);
});

test("info: union of label sets, min/max over stores", async () => {
  const proxy = new ProxyStore({
    stores: [
      { name: "a", store: new MemoryStore(), info: { ...WIDE_INFO, labelSets: [L({ r: "a" })], minTime: 10, maxTime: 100 } },
      { name: "b", store: new MemoryStore(), info: { ...WIDE_INFO, labelSets: [L({ r: "b" }), L({ r: "a" })], minTime: 5, maxTime: 50 } },
    ],
  });
  const info = await proxy.info();
  assert.deepEqual(info.labelSets, [L({ r: "a" }), L({ r: "b" })]);
  assert.equal(info.minTime, 5);
  assert.equal(info.maxTime, 100);
});

test("engine over the proxy of two stores equals the engine over one store holding all data", async () => {
  const all = new MemoryStore();
  const a = new MemoryStore();
  const b = new MemoryStore();
  const hour = 3_600_000;
  for (let i = 0; i < 6; i++) {
    const labels = { __name__: "http_requests_total", instance: `i${i}`, job: i % 2 === 0 ? "api" : "db" };
    const f = (t: number) => (t / 1000) * (i + 1) + ((t / 15_000) % 7);
    fill(all, labels, 0, 2 * hour, 15_000, f);
    // Series 0-1 only in a, 2-3 only in b, 4-5 split in time across both (overlapping at the seam).
    if (i < 2) fill(a, labels, 0, 2 * hour, 15_000, f);
    else if (i < 4) fill(b, labels, 0, 2 * hour, 15_000, f);
    else {
      fill(a, labels, 0, hour, 15_000, f);
      fill(b, labels, hour, 2 * hour, 15_000, f);
    }
  }
  const proxy = new ProxyStore({ stores: [await memoryRef("a", a), await memoryRef("b", b)] });
  const engine = new Engine();
  for (const q of ["sum by (job) (rate(http_requests_total[5m]))", "http_requests_total", "max_over_time(http_requests_total[10m])"]) {
    const want = (await engine.rangeQuery(all, q, 600_000, 2 * hour, 60_000).exec()).value as MatrixValue;
    const got = (await engine.rangeQuery(proxy, q, 600_000, 2 * hour, 60_000).exec()).value as MatrixValue;
    assert.equal(got.series.length, want.series.length, q);
    got.series.forEach((s, k) => {
      assert.deepEqual(s.labels, want.series[k]!.labels, q);
      assert.deepEqual([...s.t], [...want.series[k]!.t], q);
      assert.deepEqual([...s.v], [...want.series[k]!.v], q);
    });
  }
});

test("a fan-out to more than ten stores prints no MaxListenersExceededWarning", async () => {
  const stores = Array.from({ length: 16 }, () => new MemoryStore());
  stores.forEach((s, i) => fill(s, { __name__: "m", i: String(i) }, 0, 60_000));
  const proxy = new ProxyStore({ stores: await Promise.all(stores.map((s, i) => memoryRef(`s${i}`, s))) });
  const seen: string[] = [];
  const onWarning = (w: Error): void => void seen.push(`${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  try {
    const caller = new AbortController();
    assert.equal((await drain(proxy.series(ALL, caller.signal))).series.length, 16);
    assert.ok((await proxy.labelNames({ minTime: 0, maxTime: 1e12, matchers: [] }, caller.signal)).values.includes("i"));
    assert.equal((await proxy.labelValues({ label: "i", minTime: 0, maxTime: 1e12, matchers: [] }, caller.signal)).values.length, 16);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(seen, []);
});

test("a store stream that ended is not aborted when the proxy closes it (only unfinished ones are)", async () => {
  const signals: AbortSignal[] = [];
  const watched = (store: MemoryStore): MemoryStore => {
    const series = store.series.bind(store);
    store.series = (request, signal) => {
      signals.push(signal!);
      return series(request, signal);
    };
    return store;
  };
  const a = watched(new MemoryStore());
  const b = watched(new MemoryStore());
  fill(a, { __name__: "m", i: "1" }, 0, 60_000);
  fill(a, { __name__: "m", i: "4" }, 0, 60_000);
  fill(b, { __name__: "m", i: "2" }, 0, 60_000);
  fill(b, { __name__: "m", i: "3" }, 0, 60_000);
  const proxy = new ProxyStore({ stores: [await memoryRef("a", a), await memoryRef("b", b)], frameSize: 1 });
  assert.equal((await drain(proxy.series(ALL))).series.length, 4);
  assert.deepEqual(signals.map((s) => s.aborted), [false, false]);
  signals.length = 0;
  // A consumer that leaves after the first frame leaves both streams unfinished: they must be cancelled.
  for await (const _ of proxy.series(ALL)) break;
  assert.deepEqual(signals.map((s) => s.aborted), [true, true]);
});

test("a newest-only read reaches every store asked unless the proxy deduplicates", async () => {
  const asked: boolean[] = [];
  const spying = (): MemoryStore => {
    const s = new MemoryStore();
    fill(s, { __name__: "x", replica: "a" }, 0, 60_000);
    const series = s.series.bind(s);
    s.series = (request, signal) => (asked.push(request.latestOnly === true), series(request, signal));
    return s;
  };
  const newest: SeriesRequest = { ...ALL, latestOnly: true };
  await drain(new ProxyStore({ stores: [ref("one", spying())] }).series(newest));
  assert.deepEqual(asked.splice(0), [true], "one store: passed on");
  await drain(new ProxyStore({ stores: [ref("one", spying()), ref("two", spying())] }).series(newest));
  assert.deepEqual(asked.splice(0), [true, true], "two stores: passed on to each");
  await drain(new ProxyStore({ stores: [ref("one", spying())] }).deduplicated(["replica"]).series(newest));
  assert.deepEqual(asked.splice(0), [false], "deduplicated: the full read");
});
