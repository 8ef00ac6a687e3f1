// The short fuzz run: generated and mutated API calls, remote_write and remote_read bodies and
// StoreAPI messages through a real `orrery start`: no crash, no hang, no 5xx, memory bounded.
// `npm run fuzz` is the long run (10^6 inputs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz, inputFromJson, inputJson, replay } from "./run.js";
import { seedQueries, summary } from "./report.js";
import { startFuzzTarget } from "./target.js";
import { mutateBytes, nextInput } from "./inputs.js";
import { rng } from "../random.js";

test("byte mutations are reproducible from the seed and change the input", () => {
  const input = Uint8Array.from({ length: 64 }, (_, i) => i);
  const a = mutateBytes(rng(7), input);
  const b = mutateBytes(rng(7), input);
  assert.deepEqual(a, b);
  let changed = 0;
  const r = rng(8);
  for (let k = 0; k < 100; k++) if (Buffer.compare(Buffer.from(mutateBytes(r, input)), Buffer.from(input)) !== 0) changed++;
  assert.ok(changed > 90, `${changed} of 100 mutations changed the input`);
});

test("a logged input reads back as the same input (FUZZ_REPLAY)", () => {
  const r = rng(9);
  for (let i = 0; i < 200; i++) {
    const line = inputJson(nextInput(r, ["up", "rate(x[5m])"], 1_700_000_000_000, true));
    assert.equal(inputJson(inputFromJson(line)), line);
  }
  assert.throws(() => inputFromJson('{"kind":"http","path":"/"}'), /want kind "http" with a method/);
});

test("fuzz: 2,000 generated and mutated requests through orrery start: 0 crashes, 0 hangs, 0 internal errors", { timeout: 120_000 }, async (t) => {
  const target = await startFuzzTarget();
  try {
    const report = await fuzz(target, {
      seed: Number(process.env.FUZZ_SEED ?? 20261201),
      count: 2000,
      seconds: 40,
      concurrency: 4,
      timeoutMs: 15_000,
      seeds: seedQueries(),
      nowMs: target.nowMs,
      settleMs: 1000,
    });
    t.diagnostic(summary(report));
    assert.deepEqual(report.failures, [], summary(report));
    assert.equal(report.crashes, 0);
    assert.equal(report.hangs, 0);
    assert.ok(report.inputs >= 500, `only ${report.inputs} inputs in the time budget`);
    // Answers of every kind were seen: successes and refusals.
    assert.ok((report.statuses["200"] ?? 0) > 0 && (report.statuses["400"] ?? 0) > 0, JSON.stringify(report.statuses));
    assert.ok(report.peakRssBytes < 1024 * 2 ** 20, `peak RSS ${report.peakRssBytes}`);
    // A replay sends inputs one at a time and times each.
    const r = rng(10);
    const replayed = await replay(target, Array.from({ length: 20 }, () => nextInput(r, seedQueries(), target.nowMs, true)), 15_000);
    assert.equal(replayed.length, 20);
    assert.deepEqual(replayed.filter((x) => x.outcome === "hang"), []);
    // Memory back to its baseline: what a fresh process holding the same accepted data needs, give or take V8's slack.
    const fresh = await target.freshProcessMemory();
    t.diagnostic(`fresh process on the same data: RSS ${(fresh.rssBytes / 2 ** 20).toFixed(0)} MB, live heap ${(fresh.heapBytes / 2 ** 20).toFixed(0)} MB, head series ${fresh.headSeries}`);
    // At least: the replayed WAL may hold a series the live head no longer counts (issue 18 note).
    assert.ok(fresh.headSeries >= report.headSeriesAfter, `the WAL replays every accepted series: ${fresh.headSeries} < ${report.headSeriesAfter}`);
    assert.ok(report.finalRssBytes < fresh.rssBytes + 100 * 2 ** 20, `RSS after the fuzz ${report.finalRssBytes}, a fresh process on the same data ${fresh.rssBytes}`);
    // The live heap: what the data needs, plus code V8 compiled for the paths the fuzz took.
    assert.ok(fresh.heapBytes > 0 && report.finalHeapBytes > 0, "the target reports its heap after a full GC");
    assert.ok(report.finalHeapBytes < fresh.heapBytes + 30 * 2 ** 20, `live heap after the fuzz ${report.finalHeapBytes}, a fresh process on the same data ${fresh.heapBytes}`);
  } finally {
    await target.stop();
  }
});
