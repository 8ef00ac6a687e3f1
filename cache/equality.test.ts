// Every query of the compliance set through the frontend — cold, warm, after a
// partial overlap, and split into 4 vertical shards — answers byte for byte as
// the engine does directly.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { buildApi } from "../api/index.js";
import { generateDatasetText } from "../bench/dataset/index.js";
import { expandQueryFile, parseQueryFile } from "../conformance/index.js";
import { Engine } from "../engine/index.js";
import { importExpositionFile, openHead } from "../stores/index.js";
import { sharedDir } from "../testing/index.js";
import { InMemoryBackend } from "./backend.js";
import { QueryFrontend } from "./frontend.js";
import { queryShape } from "./query.js";
import { frontendStage } from "./stage.js";

const MIN = 60_000;
const shared = sharedDir();
const dir = mkdtempSync(join(tmpdir(), "orrery-frontend-eq-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("compliance queries through the frontend equal the direct answers: cold, warm, partial overlap, 4 vertical shards", { skip: shared === undefined && "no ../shared", timeout: 300_000 }, async () => {
  const endMs = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  const file = join(dir, "data.om");
  writeFileSync(file, generateDatasetText({ endMs, hours: 0.5, benchSeries: 0 }));
  const { head } = await openHead(join(dir, "head"), { windowMs: 2 * 3_600_000 });
  try {
    assert.deepEqual((await importExpositionFile(head, file)).errors, []);
    const engine = new Engine({});
    const direct = buildApi({ engine, store: head, registry: new Registry() });
    const registry = new Registry();
    // Pieces of 10 minutes, so a 20-minute query is three pieces joined.
    const frontend = new QueryFrontend({ registry, backend: new InMemoryBackend({ maxSizeBytes: 256 << 20 }), splitIntervalMs: 10 * MIN });
    const viaFrontend = buildApi({ engine, store: head, registry, queryStage: frontendStage(frontend) });
    const cases = expandQueryFile(parseQueryFile(readFileSync(join(shared!, "compliance", "promql-test-queries.yml"), "utf8")));
    const rangeUrl = (q: string, start: number, end: number) => `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${start / 1000}&end=${end / 1000}&step=60`;
    const get = async (app: typeof direct, url: string) => {
      const res = await app.inject({ method: "GET", url });
      return `${res.statusCode} ${res.body}`;
    };
    const start = endMs - 25 * MIN;
    const end = endMs - 5 * MIN;
    const shifted = [start + 7 * MIN, end + 7 * MIN] as const;
    let compared = 0;
    const differ: string[] = [];
    const wants = new Map<string, string>();
    for (const c of cases) {
      const want = await get(direct, rangeUrl(c.query, start, end));
      wants.set(c.query, want);
      const cold = await get(viaFrontend, rangeUrl(c.query, start, end));
      const warm = await get(viaFrontend, rangeUrl(c.query, start, end));
      const wantShifted = await get(direct, rangeUrl(c.query, ...shifted));
      const overlap = await get(viaFrontend, rangeUrl(c.query, ...shifted));
      if (cold !== want) differ.push(`cold: ${c.query}\n  want ${want.slice(0, 300)}\n  got  ${cold.slice(0, 300)}`);
      if (warm !== want) differ.push(`warm: ${c.query}`);
      if (overlap !== wantShifted) differ.push(`overlap: ${c.query}\n  want ${wantShifted.slice(0, 300)}\n  got  ${overlap.slice(0, 300)}`);
      compared++;
    }
    assert.deepEqual(differ.slice(0, 10), [], `${differ.length} of ${compared * 3} answers differ`);
    assert.ok(compared > 500, `${compared} cases`);
    const hits = /result="hit"} (\d+)/.exec(await registry.getSingleMetricAsString("orrery_frontend_cache_lookups_total"));
    assert.ok(hits !== null && Number(hits[1]) > 1000, "the warm passes were answered from cache");

    // 4 vertical shards (uncached, so every shardable query is run sharded): each shard's
    // store view keeps its series only (api's shard_info), and the joined answer is the direct one.
    const shardRegistry = new Registry();
    const sharded = new QueryFrontend({ registry: shardRegistry, splitIntervalMs: 0, verticalShards: 4 });
    const viaShards = buildApi({ engine, store: head, registry: shardRegistry, queryStage: frontendStage(sharded) });
    const shardDiffer: string[] = [];
    // The others pass through unsharded, as the cold pass above already checked.
    const shardable = cases.filter((c) => queryShape(c.query, start, end, MIN)?.shardBy !== undefined);
    for (const c of shardable) {
      const want = wants.get(c.query)!;
      const got = await get(viaShards, rangeUrl(c.query, start, end));
      if (got !== want) shardDiffer.push(`sharded: ${c.query}\n  want ${want.slice(0, 300)}\n  got  ${got.slice(0, 300)}`);
    }
    assert.deepEqual(shardDiffer.slice(0, 10), [], `${shardDiffer.length} of ${shardable.length} sharded answers differ`);
    const joined = /result="joined"} (\d+)/.exec(await shardRegistry.getSingleMetricAsString("orrery_frontend_vertical_sharded_total"));
    assert.ok(joined !== null && Number(joined[1]) === shardable.length, `shardable queries were sharded: ${joined?.[1]}`);
    assert.doesNotMatch(await shardRegistry.getSingleMetricAsString("orrery_frontend_vertical_sharded_total"), /result="overlap"/);
  } finally {
    await head.close();
  }
});
