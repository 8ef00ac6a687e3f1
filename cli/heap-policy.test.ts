// V8 sets --semi-space-growth-factor back to at least 2 whenever it sets up a heap, a worker
// thread's too: keepHeapPolicy applies the process's heap policy again once each worker is online,
// so a receiver's snappy thread does not undo its small young generation — until the head is big
// enough that the receiver lets it grow (IngestYoungGeneration.headSeries).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { YOUNG_GENERATION_GROWTH_SERIES, keepFreedMallocMemory } from "./heap-policy.js";

const POLICY = new URL("./heap-policy.js", import.meta.url).href;

/** The young generation's size (MB) after `setup`, a worker's start and 300,000 small objects surviving, in a fresh process. */
function newSpaceAfterWorker(setup: string): number {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { Worker } from "node:worker_threads";
    import { IngestYoungGeneration, keepHeapPolicy } from ${JSON.stringify(POLICY)};
    const young = new IngestYoungGeneration();
    ${setup};
    const w = new Worker("setTimeout(() => {}, 2000)", { eval: true });
    await new Promise((r) => w.once("online", r));
    await new Promise((r) => setTimeout(r, 100));
    const keep = [];
    for (let i = 0; i < 300000; i++) keep.push({ a: i, b: [i, i + 1] });
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1e6);
    await w.terminate();`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test("a receiver's young generation stays small after a worker thread starts", () => {
  const kept = newSpaceAfterWorker("keepHeapPolicy(young.policy)");
  assert.ok(kept <= 4, `young generation ${kept} MB with the policy kept`);
  // Applied once only, the worker's start undoes it (why keepHeapPolicy exists).
  const once = newSpaceAfterWorker("young.policy()");
  assert.ok(once > 2 * kept, `young generation ${once} MB with the policy applied once, against ${kept} MB`);
});

test("a receiver's young generation grows once the head holds enough series, and not before", () => {
  const below = newSpaceAfterWorker(`keepHeapPolicy(young.policy); young.headSeries(${YOUNG_GENERATION_GROWTH_SERIES - 1})`);
  assert.ok(below <= 4, `young generation ${below} MB below the threshold`);
  const past = newSpaceAfterWorker(`keepHeapPolicy(young.policy); young.headSeries(${YOUNG_GENERATION_GROWTH_SERIES})`);
  assert.ok(past > 2 * below, `young generation ${past} MB past the threshold, against ${below} MB below it`);
});

/**
 * Page faults of the second of two 4 MiB buffers (made, filled, dropped and freed in turn) in a
 * fresh process, after `setup` (and its buffers) are freed.
 */
function secondBufferFaults(setup: string): number {
  const script = `
    import { readFileSync } from "node:fs";
    import { keepFreedMallocMemory } from ${JSON.stringify(POLICY)};
    const faults = () => Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[7]);
    // V8 frees array buffers' memory on a background thread after a collection (node counts it
    // just before the free): wait until it has, and a little more.
    const pause = () => new Promise((r) => setTimeout(r, 5));
    const collect = async () => {
      globalThis.gc();
      for (let i = 0; i < 1000 && process.memoryUsage().arrayBuffers > (1 << 20); i++) await pause();
      await pause();
    };
    ${setup};
    await collect();
    const counts = [];
    for (let k = 0; k < 2; k++) {
      const before = faults();
      let b = new Uint8Array(4 << 20);
      b.fill(1);
      counts.push(faults() - before);
      b = null;
      await collect();
    }
    console.log(counts[1]);`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

const glibc = process.platform === "linux" && typeof (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })?.header?.glibcVersionRuntime === "string";

test("an ingesting process keeps the memory it frees for reuse (glibc malloc)", { skip: glibc ? false : "not run: needs Linux with glibc (the policy sets glibc malloc's thresholds)" }, () => {
  const pages = (4 << 20) / 4096;
  // glibc's default: the first 4 MiB block is mapped on its own and unmapped when freed, the second comes from the heap, fresh.
  const plain = secondBufferFaults("");
  assert.ok(plain > pages / 2, `without the policy the second buffer faulted ${plain} pages (expected ~${pages})`);
  const kept = secondBufferFaults("keepFreedMallocMemory()");
  assert.ok(kept < pages / 8, `with the policy the second buffer faulted ${kept} pages: it should reuse the first's`);
});

test("a process that cannot allocate the malloc probe starts with malloc's defaults instead of failing", () => {
  // What an address-space limit (ulimit -v) does to the 31 MiB probe, at any limit.
  assert.throws(() => new ArrayBuffer(2 ** 52));
  assert.doesNotThrow(() => keepFreedMallocMemory(2 ** 52));
});
