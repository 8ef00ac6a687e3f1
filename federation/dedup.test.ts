import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore, STALE_NAN, isStaleNaN, labelsFromRecord, formatLabels, mergeSeriesChunks, XOR_CHUNK_TARGET_SAMPLES } from "../storeapi/index.js";
import type { Labels, SeriesRequest } from "../storeapi/index.js";
import { Engine } from "../engine/index.js";
import type { MatrixValue } from "../engine/index.js";
import { ProxyStore, dedupSamples, encodeXorChunks, type ReplicaSamples } from "./index.js";
import { drain, memoryRef } from "./testkit.js";

const MIN = 60_000;
const END = 180 * MIN;
const INTERVAL = 15_000;

/** A monotonic counter with a varying rate (2 ± 0.83 per second). */
const truth = (t: number): number => 1000 + 2 * (t / 1000) + 500 * Math.sin(t / 600_000);

/** Deterministic jitter in [-amp, amp] ms. */
function jitter(seed: number, amp: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round(((s / 2 ** 32) * 2 - 1) * amp);
  };
}

interface ReplicaSpec {
  phase: number;
  jitterMs: number;
  seed: number;
  holes: [number, number][];
  value: (t: number) => number;
  end?: number;
}

function scrape(spec: ReplicaSpec): ReplicaSamples {
  const ts: number[] = [];
  const vs: number[] = [];
  const j = jitter(spec.seed, spec.jitterMs);
  for (let base = spec.phase; base <= (spec.end ?? END); base += INTERVAL) {
    const t = Math.max(0, base + j());
    if (spec.holes.some(([a, b]) => t >= a && t < b)) continue;
    ts.push(t);
    vs.push(spec.value(t));
  }
  return { ts: Float64Array.from(ts), vs: Float64Array.from(vs), length: ts.length };
}

const A: ReplicaSpec = { phase: 0, jitterMs: 300, seed: 1, holes: [[60 * MIN, 80 * MIN]], value: truth };
const B: ReplicaSpec = { phase: 7_300, jitterMs: 1000, seed: 2, holes: [[100 * MIN, 115 * MIN]], value: truth };

function maxGap(r: ReplicaSamples): number {
  let gap = 0;
  for (let i = 1; i < r.length; i++) gap = Math.max(gap, r.ts[i]! - r.ts[i - 1]!);
  return gap;
}

function resets(r: ReplicaSamples): number {
  let n = 0;
  for (let i = 1; i < r.length; i++) if (r.vs[i]! < r.vs[i - 1]!) n++;
  return n;
}

test("replicas with different holes and jitter: no gap, samples follow one replica between holes", () => {
  const a = scrape(A);
  const b = scrape(B);
  assert.ok(maxGap(a) >= 20 * MIN && maxGap(b) >= 15 * MIN, "each replica alone has a hole");
  const out = dedupSamples([a, b], { counter: false });
  assert.ok(maxGap(out) <= 2 * INTERVAL + 2_000, `largest gap ${maxGap(out)}ms`);
  // A until its hole, B until its hole, then A again: exactly two switches, no jitter.
  assert.equal(out.switches, 2);
  for (let i = 1; i < out.length; i++) assert.ok(out.ts[i]! > out.ts[i - 1]!, "strictly increasing time");
  for (let i = 0; i < out.length; i++) assert.equal(out.vs[i], truth(out.ts[i]!), "gauge values pass unchanged");
  assert.ok(out.ts[0] === a.ts[0] && out.ts[out.length - 1] === Math.max(a.ts[a.length - 1]!, b.ts[b.length - 1]!));
});

test("Thanos-style failure case: the chosen replica's hole is filled even when the other replica is offset by one sample", () => {
  // A: 0..100s then nothing until 400s; B has every sample 10s later. The output must use B inside the hole.
  const a = { ts: Float64Array.from([0, 15_000, 30_000, 400_000]), vs: Float64Array.from([1, 2, 3, 4]), length: 4 };
  const bT = [10_000, 25_000, 40_000, 55_000, 70_000, 85_000, 100_000, 115_000, 130_000];
  const b = { ts: Float64Array.from(bT), vs: Float64Array.from(bT.map((_, i) => 10 + i)), length: bT.length };
  const out = dedupSamples([a, b], { counter: false });
  assert.deepEqual([...out.ts], [0, 15_000, 30_000, 40_000, 55_000, 70_000, 85_000, 100_000, 115_000, 130_000, 400_000]);
});

test("counter mode: a replica with a lower counter creates no fake reset and keeps the increase", () => {
  const a = scrape(A);
  const b = scrape({ ...B, value: (t) => truth(t) - 5000 });
  const plain = dedupSamples([a, b], { counter: false });
  assert.ok(resets(plain) > 0, "without counter mode the switch looks like a reset");
  const out = dedupSamples([a, b], { counter: true });
  assert.equal(resets(out), 0);
  const increase = out.vs[out.length - 1]! - out.vs[0]!;
  const want = truth(out.ts[out.length - 1]!) - truth(out.ts[0]!);
  assert.ok(Math.abs(increase - want) / want < 0.005, `increase ${increase} vs ${want}`);
});

test("counter mode: both replicas resetting stays one reset", () => {
  const resetAt = 90 * MIN;
  const restarted = (offset: number) => (t: number) => (t < resetAt ? truth(t) - offset : truth(t) - truth(resetAt));
  const out = dedupSamples([scrape({ ...A, value: restarted(0) }), scrape({ ...B, value: restarted(5000) })], { counter: true });
  assert.equal(resets(out), 1);
  assert.ok(maxGap(out) <= 2 * INTERVAL + 2_000);
});

test("counter mode: one replica restarting alone is bridged by the other", () => {
  const restartAt = 40 * MIN;
  const a = scrape({ ...A, value: (t) => (t < restartAt ? truth(t) : truth(t) - truth(restartAt)) });
  const out = dedupSamples([a, scrape(B)], { counter: true });
  assert.equal(resets(out), 0);
});

test("a gap every replica shares: no near-duplicate from the other replica, one copy of each sample", () => {
  // An intermittent series: both replicas scrape every 5s but have no sample in odd minutes; B scrapes 7ms after A.
  const ts: number[] = [];
  for (let t = 0; t < 4 * MIN; t += 5_000) if (Math.floor(t / MIN) % 2 === 0) ts.push(t + 11);
  const a = { ts: Float64Array.from(ts), vs: new Float64Array(ts.length).fill(1), length: ts.length };
  const b = { ts: Float64Array.from(ts, (t) => t + 7), vs: new Float64Array(ts.length).fill(1), length: ts.length };
  for (const counter of [false, true]) {
    const out = dedupSamples([a, b], { counter });
    assert.deepEqual([...out.ts], ts, `counter=${counter}: A's samples only, no B sample 7ms after A's last before the gap`);
    assert.equal(out.switches, 0);
  }
});

test("a stale marker is dropped when another replica has data right after it, kept when none has", () => {
  const mk = (ts: number[], vs: number[]) => ({ ts: Float64Array.from(ts), vs: Float64Array.from(vs), length: ts.length });
  const a = mk([0, 15_000, 30_000, 45_000], [1, 1, 1, STALE_NAN]);
  const b = mk([5_000, 20_000, 35_000, 50_000, 65_000, 80_000], [2, 2, 2, 2, 2, 2]);
  const out = dedupSamples([a, b], { counter: false });
  assert.ok(![...out.vs].some((v) => isStaleNaN(v)), "no stale marker while B has data");
  assert.equal(out.ts[out.length - 1], 80_000);
  const bEnds = mk([5_000, 20_000, 35_000, 50_000], [2, 2, 2, STALE_NAN]);
  const ended = dedupSamples([a, bEnds], { counter: false });
  assert.ok(isStaleNaN(ended.vs[ended.length - 1]!), "both ended: the stale marker stays");
});

test("re-encoded chunks hold at most 120 samples and keep stale-marker bits", () => {
  const n = 300;
  const ts = Float64Array.from({ length: n }, (_, i) => i * 1000);
  const vs = Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? STALE_NAN : i));
  const chunks = encodeXorChunks({ ts, vs, length: n });
  assert.equal(chunks.length, 3);
  const back = mergeSeriesChunks({ labels: [], chunks }, 0, 1e12);
  assert.equal(back.length, n);
  assert.ok(isStaleNaN(back.vs[n - 1]!));
  assert.ok(chunks.every((c) => c.maxTime - c.minTime <= (XOR_CHUNK_TARGET_SAMPLES - 1) * 1000));
});

// ── through the proxy and the engine ──

function storeOf(replica: string, r: ReplicaSamples, name = "c"): MemoryStore {
  const s = new MemoryStore({ externalLabels: labelsFromRecord({ replica }) });
  s.add(labelsFromRecord({ __name__: name, replica }), r.ts, r.vs);
  return s;
}

async function proxyOf(a: ReplicaSamples, b: ReplicaSamples): Promise<ProxyStore> {
  return new ProxyStore({ stores: [await memoryRef("a:1", storeOf("a", a)), await memoryRef("b:1", storeOf("b", b))] });
}

function reference(): MemoryStore {
  const s = new MemoryStore();
  const ts: number[] = [];
  for (let t = 0; t <= END; t += INTERVAL) ts.push(t);
  s.add(labelsFromRecord({ __name__: "c" }), ts, ts.map(truth));
  return s;
}

async function matrix(store: ProxyStore | MemoryStore | ReturnType<ProxyStore["deduplicated"]>, q: string): Promise<MatrixValue> {
  return (await new Engine().rangeQuery(store, q, 10 * MIN, END, MIN).exec()).value as MatrixValue;
}

test("engine: rate() over deduplicated replicas (holes, jitter, lower counter) equals the reference", async () => {
  const proxy = await proxyOf(scrape(A), scrape({ ...B, value: (t) => truth(t) - 5000 }));
  const dedup = proxy.deduplicated(["replica"]);
  const got = await matrix(dedup, "rate(c[5m])");
  const want = await matrix(reference(), "rate(c[5m])");
  assert.equal(got.series.length, 1);
  assert.equal(formatLabels(got.series[0]!.labels), "{}");
  assert.deepEqual([...got.series[0]!.t], [...want.series[0]!.t], "a value at every step: no gap");
  got.series[0]!.v.forEach((v, i) => {
    const w = want.series[0]!.v[i]!;
    assert.ok(Math.abs(v - w) / w < 0.02, `step ${i}: rate ${v} vs reference ${w}`);
  });
  const r = await matrix(dedup, "resets(c[30m])");
  assert.ok(r.series[0]!.v.every((v) => v === 0), "no fake reset");
  const inc = await matrix(dedup, "increase(c[1h])");
  const incWant = await matrix(reference(), "increase(c[1h])");
  inc.series[0]!.v.forEach((v, i) => assert.ok(Math.abs(v - incWant.series[0]!.v[i]!) / incWant.series[0]!.v[i]! < 0.02));
});

test("engine: both replicas reset → resets() counts one", async () => {
  const resetAt = 90 * MIN;
  const restarted = (offset: number) => (t: number) => (t < resetAt ? truth(t) - offset : truth(t) - truth(resetAt));
  const proxy = await proxyOf(scrape({ ...A, value: restarted(0) }), scrape({ ...B, value: restarted(5000) }));
  const r = await matrix(proxy.deduplicated(["replica"]), "resets(c[3h])");
  assert.equal(r.series[0]!.v[r.series[0]!.v.length - 1], 1);
});

test("dedup off: both replicas' series with their replica labels", async () => {
  const proxy = await proxyOf(scrape(A), scrape(B));
  const req: SeriesRequest = { minTime: 0, maxTime: END, matchers: [{ name: "__name__", op: "=", value: "c" }] };
  const plain = await drain(proxy.series(req));
  assert.deepEqual(plain.series.map((s) => formatLabels(s.labels)), ['{__name__="c", replica="a"}', '{__name__="c", replica="b"}']);
  const deduped = await drain(proxy.series({ ...req, replicaLabels: ["replica"] }));
  assert.deepEqual(deduped.series.map((s) => formatLabels(s.labels)), ['{__name__="c"}']);
});

test("dedup: a series held by one replica passes its chunks through unchanged", async () => {
  const onlyA = storeOf("a", scrape(A), "only_a");
  const proxy = new ProxyStore({ stores: [await memoryRef("a:1", onlyA), await memoryRef("b:1", storeOf("b", scrape(B)))] });
  const req: SeriesRequest = { minTime: 0, maxTime: END, matchers: [{ name: "__name__", op: "=~", value: ".+" }] };
  const { series } = await drain(proxy.series({ ...req, replicaLabels: ["replica"] }));
  const raw = (await drain(onlyA.series(req))).series[0]!;
  const passed = series.find((s) => formatLabels(s.labels) === '{__name__="only_a"}')!;
  assert.strictEqual(passed.chunks, raw.chunks.length > 0 ? passed.chunks : raw.chunks);
  assert.deepEqual(passed.chunks.map((c) => c.raw!.data), raw.chunks.map((c) => c.raw!.data));
});

test("dedup where replica labels live in series labels (no external labels): re-sorted, still one series", async () => {
  const s = new MemoryStore();
  const L = (r: Record<string, string>): Labels => labelsFromRecord(r);
  const a = scrape(A);
  const b = scrape(B);
  // Sorted with the replica label inside, these interleave with z=...: stripping breaks the store's order.
  s.add(L({ __name__: "c", replica: "a", z: "2" }), a.ts, a.vs);
  s.add(L({ __name__: "c", replica: "b", z: "1" }), b.ts, b.vs);
  s.add(L({ __name__: "c", replica: "b", z: "2" }), b.ts, b.vs);
  const proxy = new ProxyStore({ stores: [await memoryRef("mixed:1", s)] });
  const req: SeriesRequest = { minTime: 0, maxTime: END, matchers: [{ name: "__name__", op: "=", value: "c" }] };
  const { series, warnings } = await drain(proxy.series({ ...req, replicaLabels: ["replica"] }));
  assert.deepEqual(warnings, []);
  assert.deepEqual(series.map((x) => formatLabels(x.labels)), ['{__name__="c", z="1"}', '{__name__="c", z="2"}']);
  const z2 = mergeSeriesChunks(series[1]!, 0, END);
  assert.ok(maxGap(z2) <= 2 * INTERVAL + 2_000);
});

test("the dedup view hides replica labels from label names too", async () => {
  const proxy = await proxyOf(scrape(A), scrape(B));
  const req = { minTime: 0, maxTime: END, matchers: [] };
  assert.deepEqual((await proxy.labelNames(req)).values, ["__name__", "replica"]);
  assert.deepEqual((await proxy.deduplicated(["replica"]).labelNames(req)).values, ["__name__"]);
});
