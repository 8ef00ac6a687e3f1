import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { InMemoryBackend } from "./backend.js";
import { type DownstreamResponse, QueryFrontend, type FrontendOptions } from "./frontend.js";
import { alignToStep } from "./split.js";
import { answerText, errorAnswer, matrixAnswer, scriptedDownstream } from "./testkit.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = 10 * DAY + 12 * HOUR;
const JSON_HEADERS = { "content-type": "application/json" };

function frontend(extra: Partial<FrontendOptions> = {}): { fe: QueryFrontend; registry: Registry; backend: InMemoryBackend } {
  const registry = new Registry();
  const backend = new InMemoryBackend({ maxSizeBytes: 64 << 20 });
  const fe = new QueryFrontend({ registry, backend, now: () => NOW, retryBackoffMs: 1, ...extra });
  return { fe, registry, backend };
}

function ask(fe: QueryFrontend, ds: ReturnType<typeof scriptedDownstream>, query: string, start: number, end: number, step: number, headers: { noStore?: boolean; tenant?: string } = {}): Promise<DownstreamResponse> {
  const params = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: String(step / 1000) });
  return answerText(fe.handle({ path: "/api/v1/query_range", params, tenant: headers.tenant ?? "", noStore: headers.noStore ?? false }, ds.downstream, new AbortController().signal));
}

/** The answer the downstream gives for the whole range in one request. */
function direct(query: string, start: number, end: number, step: number): string {
  return matrixAnswer({ query, start, end, step });
}

test("a 3-day range query is split at day boundaries with piece ends on the step grid, and joins to the unsplit answer", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  const start = DAY + 5 * HOUR;
  const end = 4 * DAY + 2 * HOUR;
  const step = 7 * 60_000;
  const res = await ask(fe, ds, "m", start, end, step);
  assert.equal(res.status, 200);
  const aligned = alignToStep(start, end, step);
  assert.equal(res.body, direct("m", aligned.start, aligned.end, step));
  assert.deepEqual(ds.calls.map((c) => Math.floor(c.start / DAY)), [1, 2, 3, 4]);
  for (let i = 0; i < ds.calls.length; i++) {
    const c = ds.calls[i]!;
    assert.equal(c.start % step, 0, "piece starts on the step grid");
    assert.equal(Math.floor(c.end / DAY), Math.floor(c.start / DAY), "a piece stays in its day");
    if (i > 0) assert.equal(c.start, ds.calls[i - 1]!.end + step, "the next piece starts one step later");
  }
});

test("step alignment moves start and end down to multiples of the step", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  await ask(fe, ds, "m", DAY + 1234, DAY + HOUR + 5678, 60_000);
  assert.deepEqual(ds.calls.map((c) => [c.start, c.end]), [[DAY, DAY + HOUR]]);
});

test("a warm repeat is answered from cache, also when spelled with other spacing and label order", async () => {
  const { fe, registry } = frontend();
  const ds = scriptedDownstream();
  const q = 'sum by (i) (rate(m{a="1",b="2"}[5m]))';
  const cold = await ask(fe, ds, q, DAY, 3 * DAY, 60_000);
  const fetched = ds.calls.length;
  const warm = await ask(fe, ds, q, DAY, 3 * DAY, 60_000);
  const respelled = await ask(fe, ds, 'sum  by(i)(rate(m{b="2", a="1"}[5m] ))', DAY, 3 * DAY, 60_000);
  assert.equal(ds.calls.length, fetched, "no downstream request when warm");
  assert.equal(warm.body, cold.body);
  assert.equal(respelled.body, cold.body);
  const hits = (await registry.getSingleMetricAsString("orrery_frontend_cache_lookups_total")).match(/result="hit"} (\d+)/);
  assert.ok(hits !== null && Number(hits[1]) >= 4);
});

test("after a partial overlap only the missing sub-range is fetched, and the answer equals the direct one", async () => {
  const { fe } = frontend({ splitIntervalMs: 0 });
  const ds = scriptedDownstream();
  await ask(fe, ds, "m", DAY, 2 * DAY, 60_000);
  ds.calls.length = 0;
  const res = await ask(fe, ds, "m", DAY + 6 * HOUR, 2 * DAY + 6 * HOUR, 60_000);
  assert.deepEqual(ds.calls.map((c) => [c.start, c.end]), [[2 * DAY + 60_000, 2 * DAY + 6 * HOUR]]);
  assert.equal(res.body, direct("m", DAY + 6 * HOUR, 2 * DAY + 6 * HOUR, 60_000));
  ds.calls.length = 0;
  // A range inside both extents, and one around them: the hole and the ends only.
  await ask(fe, ds, "m", DAY + HOUR, 2 * DAY + 5 * HOUR, 60_000);
  assert.equal(ds.calls.length, 0);
  const around = await ask(fe, ds, "m", DAY - HOUR, 2 * DAY + 7 * HOUR, 60_000);
  assert.deepEqual(ds.calls.map((c) => [c.start, c.end]), [[DAY - HOUR, DAY - 60_000], [2 * DAY + 6 * HOUR + 60_000, 2 * DAY + 7 * HOUR]]);
  assert.equal(around.body, direct("m", DAY - HOUR, 2 * DAY + 7 * HOUR, 60_000));
});

test("nothing newer than now minus the max freshness is stored", async () => {
  const { fe } = frontend({ maxFreshnessMs: 10 * 60_000 });
  const ds = scriptedDownstream();
  await ask(fe, ds, "m", NOW - HOUR, NOW, 60_000);
  ds.calls.length = 0;
  await ask(fe, ds, "m", NOW - HOUR, NOW, 60_000);
  assert.deepEqual(ds.calls.map((c) => [c.start, c.end]), [[NOW - 9 * 60_000, NOW]]);
});

test("a negative offset keeps the steps it can still change out of the cache; a future @ caches nothing", async () => {
  const { fe } = frontend({ maxFreshnessMs: 60_000 });
  const ds = scriptedDownstream();
  await ask(fe, ds, "m offset -30m", NOW - HOUR, NOW, 60_000);
  ds.calls.length = 0;
  await ask(fe, ds, "m offset -30m", NOW - HOUR, NOW, 60_000);
  assert.deepEqual(ds.calls.map((c) => [c.start, c.end]), [[NOW - 30 * 60_000, NOW]]);
  ds.calls.length = 0;
  const future = `m @ ${(NOW + HOUR) / 1000}`;
  await ask(fe, ds, future, NOW - 2 * DAY, NOW - DAY, 60_000);
  await ask(fe, ds, future, NOW - 2 * DAY, NOW - DAY, 60_000);
  assert.equal(ds.calls.length, 4, "asked twice, two pieces each");
});

test("@ start() and @ end() are made absolute from the whole range before splitting", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  await ask(fe, ds, "m @ end() + m @ start()", DAY, 3 * DAY, HOUR);
  assert.equal(ds.calls.length, 3);
  for (const c of ds.calls) assert.equal(c.query, `m @ ${(3 * DAY) / 1000}.000 + m @ ${DAY / 1000}.000`);
  // The same text over another range is another query: no answer shared.
  await ask(fe, ds, "m @ end() + m @ start()", DAY, 2 * DAY, HOUR);
  assert.equal(ds.calls.length, 5);
});

test("an answer with warnings is never stored, also when it fills the gap after a partial hit", async () => {
  const { fe, registry } = frontend({ splitIntervalMs: 0 });
  const ds = scriptedDownstream();
  const partial = (c: Parameters<typeof matrixAnswer>[0]): DownstreamResponse => ({ status: 200, body: matrixAnswer(c, ["store s1 failed: connection refused"]), headers: JSON_HEADERS });
  ds.script.push(partial);
  const first = await ask(fe, ds, "m", DAY, 2 * DAY, 60_000);
  assert.match(first.body, /"warnings":\["store s1 failed/);
  await ask(fe, ds, "m", DAY, 2 * DAY, 60_000);
  assert.equal(ds.calls.length, 2, "the partial answer was not cached");
  // Now a partial hit: [DAY, 2·DAY] cached, the extension fails partially.
  ds.script.push(partial);
  const extended = await ask(fe, ds, "m", DAY, 3 * DAY, 60_000);
  assert.match(extended.body, /"warnings":\["store s1 failed/);
  ds.calls.length = 0;
  const again = await ask(fe, ds, "m", DAY, 3 * DAY, 60_000);
  assert.deepEqual(ds.calls.map((c) => [c.start, c.end]), [[2 * DAY + 60_000, 3 * DAY]], "the gap is fetched again, never served from cache");
  assert.equal(again.body, direct("m", DAY, 3 * DAY, 60_000));
  assert.match(await registry.getSingleMetricAsString("orrery_frontend_not_stored_total"), /reason="warnings"} 2/);
});

test("Cache-Control: no-store from downstream keeps an answer out; from the client it bypasses the cache", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  ds.script.push((c) => ({ status: 200, body: matrixAnswer(c), headers: { ...JSON_HEADERS, "cache-control": "no-store" } }));
  const first = await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000);
  assert.equal(first.headers["cache-control"], "no-store");
  await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000);
  assert.equal(ds.calls.length, 2);
  await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000, { noStore: true });
  assert.equal(ds.calls.length, 3, "the client's no-store skips the cached answer");
});

test("tenants and answer-changing parameters do not share entries", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000, { tenant: "a" });
  await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000, { tenant: "b" });
  assert.equal(ds.calls.length, 2);
  const params = new URLSearchParams({ query: "m", start: String(DAY / 1000), end: String((DAY + HOUR) / 1000), step: "60", dedup: "false" });
  await fe.handle({ path: "/api/v1/query_range", params, tenant: "a", noStore: false }, ds.downstream, new AbortController().signal);
  assert.equal(ds.calls.length, 3);
});

test("5xx answers are retried with back-off; 4xx errors are passed on as they are", async () => {
  const { fe, registry } = frontend({ maxRetries: 3 });
  const ds = scriptedDownstream();
  ds.script.push(() => errorAnswer(503, "unavailable", "busy"), () => errorAnswer(500, "internal", "oops"));
  const ok = await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000);
  assert.equal(ok.status, 200);
  assert.equal(ds.calls.length, 3);
  assert.match(await registry.getSingleMetricAsString("orrery_frontend_retries_total"), / 2$/m);
  ds.script.push(() => errorAnswer(422, "execution", "vector cannot contain metrics with the same labelset"));
  const bad = await ask(fe, ds, "m", 2 * DAY, 2 * DAY + HOUR, 60_000);
  assert.equal(bad.status, 422);
  assert.match(bad.body, /same labelset/);
  const always5xx = frontend({ maxRetries: 2 });
  const ds2 = scriptedDownstream();
  ds2.script.push(...[0, 1, 2].map(() => () => errorAnswer(503, "unavailable", "down")));
  const gaveUp = await ask(always5xx.fe, ds2, "m", DAY, DAY + HOUR, 60_000);
  assert.equal(gaveUp.status, 503);
  assert.equal(ds2.calls.length, 3);
});

test("a query that does not parse, a stats or grid-layout request and other routes go downstream untouched", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  ds.script.push(() => errorAnswer(400, "bad_data", "parse error"));
  const bad = await ask(fe, ds, "sum(", DAY, 3 * DAY, 60_000);
  assert.equal(bad.status, 400);
  assert.equal(ds.calls.length, 1);
  const params = new URLSearchParams({ query: "m", start: String(DAY / 1000), end: String(3 * DAY / 1000), step: "60", stats: "all" });
  await fe.handle({ path: "/api/v1/query_range", params, tenant: "", noStore: false }, ds.downstream, new AbortController().signal);
  assert.equal(ds.calls.length, 2, "stats asked for: not split");
  params.delete("stats");
  params.set("layout", "grid");
  await fe.handle({ path: "/api/v1/query_range", params, tenant: "", noStore: false }, ds.downstream, new AbortController().signal);
  assert.equal(ds.calls.length, 3, "grid layout asked for: not split");
});

test("a range over 11,000 steps goes downstream whole, to be refused there as Prometheus refuses it, not split into days", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  ds.script.push(() => errorAnswer(400, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"));
  const answer = await ask(fe, ds, "step()", 0, 10 * DAY, 60_000);
  assert.equal(answer.status, 400);
  assert.equal(ds.calls.length, 1, "one request, not one per day");
});

test("a query using range() is not split, since each piece would see its own range", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  await ask(fe, ds, "rate(m[range()])", DAY, 3 * DAY, HOUR);
  assert.equal(ds.calls.length, 1);
});

test("a cache failing or hanging is counted and the request is answered uncached", async () => {
  const registry = new Registry();
  const broken = { name: "redis", get: () => new Promise<Buffer | undefined>(() => undefined), set: async () => { throw new Error("down"); }, keptForm: () => undefined, keepForm: () => undefined, currentForm: () => new Promise<unknown>(() => undefined), close: async () => undefined };
  const fe = new QueryFrontend({ registry, backend: broken, now: () => NOW, cacheTimeoutMs: 20 });
  const ds = scriptedDownstream();
  const res = await ask(fe, ds, "m", DAY, DAY + HOUR, 60_000);
  assert.equal(res.body, direct("m", DAY, DAY + HOUR, 60_000));
  const errors = await registry.getSingleMetricAsString("orrery_frontend_cache_errors_total");
  assert.match(errors, /backend="redis",op="get"} 1/);
  assert.match(errors, /backend="redis",op="set"} 1/);
});

test("identical requests in flight together share one computation; no-store requests and other tenants do not", async () => {
  const { fe, registry } = frontend();
  const ds = scriptedDownstream();
  const [a, b] = await Promise.all([ask(fe, ds, "m", DAY, DAY + HOUR, 60_000), ask(fe, ds, "m", DAY, DAY + HOUR, 60_000)]);
  assert.equal(ds.calls.length, 1, "one downstream request for both viewers");
  assert.equal(a.body, direct("m", DAY, DAY + HOUR, 60_000));
  assert.equal(b.body, a.body);
  assert.match(await registry.getSingleMetricAsString("orrery_frontend_requests_total"), /route="\/api\/v1\/query_range",path="shared"} 1/);

  ds.calls.length = 0;
  await Promise.all([ask(fe, ds, "m", 2 * DAY, 2 * DAY + HOUR, 60_000, { noStore: true }), ask(fe, ds, "m", 2 * DAY, 2 * DAY + HOUR, 60_000, { noStore: true })]);
  assert.equal(ds.calls.length, 2, "no-store: each asks downstream itself");

  ds.calls.length = 0;
  await Promise.all([ask(fe, ds, "m", 3 * DAY, 3 * DAY + HOUR, 60_000, { tenant: "a" }), ask(fe, ds, "m", 3 * DAY, 3 * DAY + HOUR, 60_000, { tenant: "b" })]);
  assert.equal(ds.calls.length, 2, "tenants never share");
});

test("a viewer going away does not cut short the answer another viewer shares", async () => {
  const { fe } = frontend();
  const ds = scriptedDownstream();
  let release: () => void = () => undefined;
  const held: typeof ds.downstream = async (path, params, signal) => {
    await new Promise<void>((resolve) => (release = resolve));
    if (signal.aborted) throw new Error("aborted");
    return ds.downstream(path, params, signal);
  };
  const params = () => new URLSearchParams({ query: "m", start: String(DAY / 1000), end: String((DAY + HOUR) / 1000), step: "60" });
  const gone = new AbortController();
  const first = answerText(fe.handle({ path: "/api/v1/query_range", params: params(), tenant: "", noStore: false }, held, gone.signal));
  const second = answerText(fe.handle({ path: "/api/v1/query_range", params: params(), tenant: "", noStore: false }, held, new AbortController().signal));
  await new Promise((resolve) => setImmediate(resolve));
  gone.abort(new Error("client went away"));
  release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(b.status, 200);
  assert.equal(b.body, direct("m", DAY, DAY + HOUR, 60_000));
  assert.equal(a.body, b.body);
});
