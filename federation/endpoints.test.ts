import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, labelsFromRecord } from "../storeapi/index.js";
import type { Store, StoreInfo } from "../storeapi/index.js";
import { EndpointSet, ProxyStore, parseSdTargets } from "./index.js";

/** A fake factory: stores whose info() succeeds or fails as `up` says, counting calls. */
function fakeFleet() {
  const up = new Map<string, boolean>();
  const calls = new Map<string, number>();
  const closed: string[] = [];
  const factory = (address: string): Store & { close(): void } => {
    const store = new MemoryStore({ externalLabels: labelsFromRecord({ addr: address }) });
    store.appendSample(labelsFromRecord({ __name__: "up", addr: address }), 1000, 1);
    return Object.assign(Object.create(store) as MemoryStore, {
      info: async (): Promise<StoreInfo> => {
        calls.set(address, (calls.get(address) ?? 0) + 1);
        if (up.get(address) === false) throw new Error(`dial tcp ${address}: connection refused`);
        return store.info();
      },
      close: () => closed.push(address),
    });
  };
  return { up, calls, closed, factory };
}

test("endpoint health: unreachable endpoints are unhealthy with their error, retried with exponential backoff", async () => {
  const fleet = fakeFleet();
  let now = 0;
  fleet.up.set("b:1", false);
  const set = new EndpointSet({
    factory: fleet.factory,
    staticAddresses: ["a:1", "b:1"],
    infoIntervalMs: 5000,
    backoffInitialMs: 1000,
    backoffMaxMs: 8000,
    now: () => now,
  });
  const unchecked = set.storeRefs();
  assert.deepEqual(unchecked.map((r) => r.name), ["a:1", "b:1"], "an endpoint not yet checked is never left out");
  assert.ok(unchecked.every((r) => r.info.minTime === Number.MIN_SAFE_INTEGER && r.info.labelSets.length === 0), "with no info yet, it matches every query");
  const early = await new ProxyStore({ stores: unchecked }).labelValues({ minTime: 0, maxTime: 1e12, matchers: [], label: "addr" });
  assert.deepEqual(early.values, ["a:1"], "a query before the first check waits for it, then reads the healthy endpoint");
  assert.match(early.warnings.join("\n"), /b:1.*unhealthy: dial tcp b:1: connection refused/, "and names the one the check found down");
  assert.equal(fleet.calls.get("a:1"), 1, "the query's wait is the set's own first check, not another one");
  await set.update();
  assert.deepEqual(set.storeRefs().map((r) => r.name), ["a:1", "b:1"]);
  await assertUnavailable(set, "b:1", "unhealthy: dial tcp b:1: connection refused");
  const b = set.status().find((s) => s.name === "b:1")!;
  assert.equal(b.healthy, false);
  assert.equal(b.lastError, "dial tcp b:1: connection refused");
  assert.equal(b.lastCheckMs, 0);
  // Retries of b at 1s, then 2s later, 4s, 8s, 8s (capped): count checks over 30 s in 500 ms ticks.
  const checkTimes: number[] = [];
  for (now = 500; now <= 30_000; now += 500) {
    const before = fleet.calls.get("b:1")!;
    await set.update();
    if (fleet.calls.get("b:1")! > before) checkTimes.push(now);
  }
  assert.deepEqual(checkTimes, [1000, 3000, 7000, 15000, 23000]);
  assert.equal(fleet.calls.get("a:1"), 7, "a healthy endpoint is polled every infoIntervalMs");
  fleet.up.set("b:1", true);
  now = 30_900;
  await set.update();
  assert.equal(fleet.calls.get("b:1"), 6, "not before its backoff expires (23 s + 8 s)");
  now = 31_000;
  await set.update();
  const healed = set.status().find((s) => s.name === "b:1")!;
  assert.equal(healed.healthy, true);
  assert.equal(healed.lastError, undefined);
  assert.deepEqual(healed.labelSets, [labelsFromRecord({ addr: "b:1" })]);
  assert.equal(healed.minTime, 1000);
  fleet.up.set("a:1", false);
  now = 40_000;
  await set.update();
  await assertUnavailable(set, "a:1", "unhealthy: dial tcp a:1: connection refused");
  const a = set.storeRefs().find((r) => r.name === "a:1")!;
  assert.deepEqual(a.info.labelSets, [labelsFromRecord({ addr: "a:1" })], "a failing endpoint keeps its last known info");
});

/** The endpoint stands in the query set as a store failing at once with its error, never calling it. */
async function assertUnavailable(set: EndpointSet, name: string, error: string): Promise<void> {
  const ref = set.storeRefs().find((r) => r.name === name);
  assert.ok(ref !== undefined, `${name} is in the query set`);
  const request = { minTime: 0, maxTime: 1e12, matchers: [] };
  await assert.rejects(async () => {
    for await (const _ of ref.store.series(request)) assert.fail("no frame");
  }, { message: error });
  await assert.rejects(ref.store.labelNames(request), { message: error });
  await assert.rejects(ref.store.labelValues({ ...request, label: "up" }), { message: error });
}

test("an unhealthy endpoint is named: a warning under partial response, an error when it is disabled", async () => {
  const fleet = fakeFleet();
  fleet.up.set("b:1", false);
  const set = new EndpointSet({ factory: fleet.factory, staticAddresses: ["a:1", "b:1"] });
  await set.update();
  const proxy = new ProxyStore({ stores: () => set.storeRefs() });
  const request = { minTime: 0, maxTime: 1e12, matchers: [{ name: "__name__", op: "=" as const, value: "up" }] };
  const series: string[] = [];
  const warnings: string[] = [];
  for await (const f of proxy.series(request)) {
    series.push(...f.series.map((s) => s.labels.map((l) => l.value).join(",")));
    warnings.push(...f.warnings);
  }
  assert.deepEqual(series, ["up,a:1"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^store b:1: .*unhealthy: dial tcp b:1: connection refused/);
  await assert.rejects(async () => {
    for await (const _ of proxy.series({ ...request, partialResponseDisabled: true })) continue;
  }, /b:1.*unhealthy: dial tcp b:1: connection refused/);
});

test("queries never wait on a hanging info(): the proxy uses the healthy endpoints' cached info", async () => {
  const hang: Store = { ...new MemoryStore(), info: () => new Promise(() => undefined) } as unknown as Store;
  const fleet = fakeFleet();
  const set = new EndpointSet({
    factory: (a) => (a === "hang:1" ? hang : fleet.factory(a)),
    staticAddresses: ["a:1", "hang:1"],
    infoTimeoutMs: 50,
  });
  await set.update();
  assert.match(set.status().find((s) => s.name === "hang:1")!.lastError!, /did not answer within 50ms/);
  const proxy = new ProxyStore({ stores: () => set.storeRefs() });
  const names = await proxy.labelNames({ minTime: 0, maxTime: 1e12, matchers: [] });
  assert.deepEqual(names.values, ["__name__", "addr"]);
});

test("file SD: targets from YAML and JSON files, reloaded on change; removed endpoints are closed", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-sd-"));
  try {
    const yml = join(dir, "targets.yml");
    const json = join(dir, "more.json");
    await writeFile(yml, "- targets:\n    - 'a:1'\n    - b:2\n  labels:\n    dc: x\n");
    await writeFile(json, JSON.stringify([{ targets: ["c:3"] }]));
    const fleet = fakeFleet();
    const set = new EndpointSet({ factory: fleet.factory, sdFiles: [yml, json], staticAddresses: ["s:9"] });
    await set.update();
    assert.deepEqual(set.status().map((s) => s.name), ["a:1", "b:2", "c:3", "s:9"]);
    await writeFile(yml, "- targets: ['b:2', 'd:4']\n");
    await set.update();
    assert.deepEqual(set.status().map((s) => s.name), ["b:2", "c:3", "d:4", "s:9"]);
    assert.deepEqual(fleet.closed, ["a:1"]);
    await writeFile(json, "[{\"targets\": [42]}]");
    await set.update();
    assert.deepEqual(set.status().map((s) => s.name), ["b:2", "c:3", "d:4", "s:9"], "a bad file keeps its last good targets");
    assert.match(set.sdFileErrors()[0]!.error, /more\.json: group 0: target 0 must be a non-empty host:port string/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("file SD parsing errors name the file and the entry", () => {
  assert.deepEqual(parseSdTargets("[]", "x.json"), []);
  assert.deepEqual(parseSdTargets("- targets: ['h:1']\n- targets:\n  - h:2\n", "x.yaml"), ["h:1", "h:2"]);
  assert.throws(() => parseSdTargets("targets: ['h:1']\n", "x.yaml"), /x\.yaml: expected a list of target groups/);
  assert.throws(() => parseSdTargets('[{"targets": "h:1"}]', "x.json"), /x\.json: group 0: "targets" must be a list/);
});

test("start() polls in the background until stop()", async () => {
  const fleet = fakeFleet();
  const set = new EndpointSet({ factory: fleet.factory, staticAddresses: ["a:1"], tickMs: 10, infoIntervalMs: 10 });
  set.start();
  try {
    const deadline = Date.now() + 2000;
    while ((fleet.calls.get("a:1") ?? 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok((fleet.calls.get("a:1") ?? 0) >= 3);
    assert.deepEqual(set.storeRefs().map((r) => r.name), ["a:1"]);
  } finally {
    set.stop();
  }
  const calls = fleet.calls.get("a:1");
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fleet.calls.get("a:1"), calls, "no polling after stop()");
  assert.deepEqual(fleet.closed, ["a:1"]);
});
