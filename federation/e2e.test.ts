// End to end: replica dedup through `orrery query` over two real Prometheus 2.42 replicas, judged by the
// compliance query set against a third Prometheus that holds the answer dedup must give.
//
// The data: bench/dataset's demo families (what the compliance queries select), 2h at 5s scrapes.
//   replica A: every scrape except those in HOLE_A (20 min);
//   replica B: every scrape except those in HOLE_B (20 min, after HOLE_A), each sample 7 ms later than
//              A's (values unchanged), except at the last scrape before each hole (see e2e-kit.ts);
//   reference: A's samples before HOLE_A, B's from HOLE_A until HOLE_B, A's from HOLE_B on.
// Why the reference is the answer (federation/dedup.ts): the walk starts on the replica with the earliest
// sample (A, 7 ms ahead of B) and follows it while its next sample comes within 2 scrape intervals. At
// HOLE_A, A's next sample is 20 min away: a hole, so the walk switches to the replica with the earliest
// sample more than interval/5 after the last emitted one — B's sample of the first scrape in HOLE_A —
// and stays on B, B's samples (with B's timestamps) being regular, until B's hole; there A's sample of
// the first scrape in HOLE_B is the earliest after the last emitted: A to the end. Counter mode adds
// no offset (B repeats A's timestamp at the two switch scrapes), and a gap both replicas share (the
// intermittent metric's odd minutes) switches nothing. The test also checks this derivation sample by
// sample with dedupSamples, and, independently of it, that the reference has no gap over 2 intervals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBlocks, PROMETHEUS_BIN, PROMTOOL_BIN, runCompareCommand, startPrometheus, type RunningServer } from "../conformance/index.js";
import { sharedDir, NO_SHARED } from "../testing/index.js";
import { dedupSamples } from "./index.js";
import {
  apiCall,
  END_MS,
  HOLE_A,
  HOLE_B,
  prometheusConfig,
  SCRAPE_INTERVAL_MS,
  START_MS,
  startOrreryQuery,
  waitForAnswer,
  writeReplicaDatasets,
  type SeriesSamples,
} from "./e2e-kit.js";

const INTERMITTENT = "demo_intermittent_metric{";
const COUNTER_FAMILY = /^\w+_(total|bucket|count|sum)\{/;

function samples(s: SeriesSamples): { ts: Float64Array; vs: Float64Array; length: number } {
  return { ts: Float64Array.from(s.ts), vs: Float64Array.from(s.vs), length: s.ts.length };
}

test("dedup e2e: orrery query over two Prometheus replicas with holes and jitter answers the compliance set as the reference", { timeout: 240_000 }, async (t) => {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) return t.skip(`did not run: ${PROMETHEUS_BIN} or ${PROMTOOL_BIN} is not installed`);
  if (sharedDir() === undefined) return t.skip(NO_SHARED);
  const dir = await mkdtemp(join(tmpdir(), "orrery-dedup-e2e-"));
  const servers: RunningServer[] = [];
  try {
    let t0 = performance.now();
    const data = writeReplicaDatasets(dir);
    const count = (m: Map<string, SeriesSamples>): number => [...m.values()].reduce((n, s) => n + s.ts.length, 0);
    t.diagnostic(`dataset: ${data.ref.size} series; samples A ${count(data.a)}, B ${count(data.b)}, reference ${count(data.ref)} (${Math.round(performance.now() - t0)} ms)`);

    await t.test("the reference is what the documented dedup rule gives, sample by sample", () => {
      let switches = 0;
      for (const [key, ref] of data.ref) {
        const a = data.a.get(key);
        const b = data.b.get(key);
        const replicas = [a, b].filter((r) => r !== undefined).map((r) => samples(r));
        // Counter mode only where the compliance set uses it: counters (on a gauge any fall is a reset).
        for (const counter of COUNTER_FAMILY.test(key) ? [false, true] : [false]) {
          const out = dedupSamples(replicas, { counter });
          assert.deepEqual([...out.ts], ref.ts, `${key} (counter=${counter}): timestamps`);
          for (let i = 0; i < out.length; i++) {
            const want = ref.vs[i]!;
            assert.ok(Math.abs(out.vs[i]! - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${key} (counter=${counter}) at ${ref.ts[i]}: ${out.vs[i]} ≠ ${want}`);
          }
          if (!counter) switches += out.switches;
        }
      }
      t.diagnostic(`dedupSamples: ${switches} replica switches over ${data.ref.size} series`);
    });

    await t.test("the reference has no gap longer than 2 scrape intervals (the intermittent metric: only its odd minutes)", () => {
      for (const [key, ref] of data.ref) {
        for (let i = 1; i < ref.ts.length; i++) {
          const gap = ref.ts[i]! - ref.ts[i - 1]!;
          if (gap <= 2 * SCRAPE_INTERVAL_MS) continue;
          // Present in even minutes only: a gap may span one odd minute, from the last scrape of an even one.
          const spansOddMinute = key.startsWith(INTERMITTENT) && gap < 60_000 + 2 * SCRAPE_INTERVAL_MS && Math.floor(ref.ts[i]! / 60_000) % 2 === 0;
          assert.ok(spansOddMinute, `${key}: ${gap} ms without a sample before ${new Date(ref.ts[i]!).toISOString()}`);
        }
      }
    });

    t0 = performance.now();
    await Promise.all(
      (["a", "b", "ref"] as const).map(async (name) => {
        await mkdir(join(dir, name));
        await createBlocks(data.files[name], join(dir, name, "data"));
      }),
    );
    t.diagnostic(`promtool create-blocks-from openmetrics ×3: ${Math.round(performance.now() - t0)} ms`);
    t0 = performance.now();
    const [promA, promB, promRef] = await Promise.all([
      startPrometheus({ dataDir: join(dir, "a", "data"), config: prometheusConfig({ replica: "a" }) }),
      startPrometheus({ dataDir: join(dir, "b", "data"), config: prometheusConfig({ replica: "b" }) }),
      startPrometheus({ dataDir: join(dir, "ref", "data") }),
    ]);
    servers.push(promA!, promB!, promRef!);
    const replicas = [`--prometheus.url=${promA!.url}`, `--prometheus.url=${promB!.url}`];
    const deduped = await startOrreryQuery([...replicas, "--query.replica-label=replica"]);
    servers.push(deduped);
    // Both replicas found (info polled in the background): 6 `up` series without dedup near the end.
    await waitForAnswer(deduped.url, { query: "count(up)", time: String(END_MS / 1000 - 60), dedup: "false" }, (a) => a.data?.result[0]?.value?.[1] === "6");
    t.diagnostic(`3 Prometheus + orrery query ready in ${Math.round(performance.now() - t0)} ms`);

    await t.test("compliance query set: orrery query (dedup) equals the reference over both holes", async () => {
      const started = performance.now();
      const out: string[] = [];
      const range = ["--start", String((START_MS + 20 * 60_000) / 1000), "--end", String((START_MS + 100 * 60_000) / 1000), "--step", "30s"];
      const code = await runCompareCommand(["--reference", promRef!.url, "--target", deduped.url, ...range, "--parallelism", "2"], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
      });
      const text = out.join("\n");
      const summary = text.split("\n").at(-1) ?? "";
      t.diagnostic(`conformance compare: ${summary} (${Math.round(performance.now() - started)} ms)`);
      assert.match(summary, /^\d+ passed, 0 failed, \d+ skipped$/, text.slice(-6000));
      assert.equal(code, 0);
    });

    await t.test("dedup off (dedup=false): both replicas' series, with replica=a and replica=b", async () => {
      const time = String((START_MS + 60 * 60_000) / 1000);
      const on = await apiCall(deduped.url, "/api/v1/query", { query: "count(up)", time });
      const off = await apiCall(deduped.url, "/api/v1/query", { query: "count(up)", time, dedup: "false" });
      assert.equal(on.data?.result[0]?.value?.[1], "3", JSON.stringify(on));
      assert.equal(off.data?.result[0]?.value?.[1], "6", JSON.stringify(off));
      const both = await apiCall(deduped.url, "/api/v1/query", { query: "up", time, dedup: "false" });
      assert.deepEqual(both.data?.result.map((s) => s.metric.replica).sort(), ["a", "a", "a", "b", "b", "b"]);
      // 10 min into A's hole its last sample is older than the 5 min lookback: B's series only.
      const inHoleA = await apiCall(deduped.url, "/api/v1/query", { query: "up", time: String((HOLE_A[0] + 10 * 60_000) / 1000), dedup: "false" });
      assert.deepEqual(inHoleA.data?.result.map((s) => s.metric.replica), ["b", "b", "b"]);
      assert.ok(on.data?.result.every((s) => !("replica" in s.metric)));
    });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }
});
