// Interop with Debian's Prometheus 2.42: blocks made by promtool read here, blocks written here
// read by promtool and served by Prometheus. Skipped by name when the binaries are missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NO_PROMETHEUS, PROMTOOL_BIN, createBlocks, hasPrometheus, startPrometheus } from "../../../conformance/index.js";
import { formatLabels, labelsFromRecord } from "../../../storeapi/index.js";
import { BlocksStore, createBlocksFromExposition } from "./index.js";
import { dumpStore, withTempDir } from "./test-helpers.js";

const skip = hasPrometheus() ? false : NO_PROMETHEUS;
/** 2023-11-14T22:13:20Z, inside a 2h window, so the data spans three blocks. */
const START_S = 1_700_000_000;

interface Generated {
  readonly text: string;
  /** formatLabels(labels) → "t v" lines in time order. */
  readonly samples: Map<string, string[]>;
}

/** An OpenMetrics file over 5h: gauges and a counter, odd label values, special floats, fractional-second timestamps. */
function generate(): Generated {
  const lines: string[] = [];
  const samples = new Map<string, string[]>();
  const add = (name: string, labels: Record<string, string>, t: number, v: number, vText: string): void => {
    const l = labelsFromRecord({ __name__: name, ...labels });
    const key = formatLabels(l);
    if (!samples.has(key)) samples.set(key, []);
    samples.get(key)!.push(`${Math.round(t * 1000)} ${v}`);
    const lt = Object.entries(labels).map(([k, x]) => `${k}="${x.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
    lines.push(`${name}${lt.length > 0 ? `{${lt.join(",")}}` : ""} ${vText} ${t}`);
  };
  lines.push("# HELP temperature A gauge.", "# TYPE temperature gauge");
  for (const [i, room] of ["kitchen", 'la "salle"', "über\\raum", ""].entries()) {
    for (let k = 0; k < 5 * 240; k++) {
      const v = Math.round(Math.sin(k / 50 + i) * 1e6) / 1e3;
      add("temperature", room === "" ? { site: "x" } : { room, site: "x" }, START_S + k * 15, v, String(v));
    }
  }
  lines.push("# TYPE special gauge");
  const specials: [number, string][] = [[NaN, "NaN"], [Infinity, "+Inf"], [-Infinity, "-Inf"], [0, "0"], [1e-300, "1e-300"], [1.7e308, "1.7e+308"]];
  for (let k = 0; k < 400; k++) {
    const [v, text] = specials[k % specials.length]!;
    add("special", {}, START_S + k * 37.5, v, text);
  }
  lines.push("# TYPE requests counter");
  for (let k = 0; k < 600; k++) add("requests_total", { code: "200" }, START_S + 100 + k * 30, k * 3, String(k * 3));
  lines.push("# EOF");
  return { text: lines.join("\n") + "\n", samples };
}

function sameSamples(got: Map<string, string[]>, want: Map<string, string[]>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.deepEqual(got.get(k), v, k);
}

function promtool(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(PROMTOOL_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

test("promtool create-blocks-from openmetrics → the blocks store returns exactly the file's series and samples", { skip }, async () => {
  await withTempDir("orrery-interop-", async (dir) => {
    const gen = generate();
    const file = join(dir, "in.om");
    await writeFile(file, gen.text);
    await createBlocks(file, join(dir, "data"));
    const store = await BlocksStore.open(join(dir, "data"));
    try {
      assert.equal(store.blocks.length, 3);
      const got = await dumpStore(store);
      assert.deepEqual(got.warnings, []);
      sameSamples(got.series, gen.samples);
      const names = await store.labelNames({ minTime: 0, maxTime: 2e12, matchers: [] });
      assert.deepEqual(names.values, ["__name__", "code", "room", "site"]);
    } finally {
      await store.close();
    }
  });
});

test("blocks from orrery's writer pass promtool tsdb analyze, and promtool tsdb dump prints exactly the samples written", { skip }, async () => {
  await withTempDir("orrery-interop-", async (dir) => {
    const gen = generate();
    const file = join(dir, "in.om");
    await writeFile(file, gen.text);
    const data = join(dir, "data");
    const report = await createBlocksFromExposition(file, data, { segmentBytes: 4096 });
    assert.equal(report.blocks.length, 3);
    await mkdir(join(data, "wal"));
    for (const b of report.blocks) {
      const r = await promtool(["tsdb", "analyze", data, b.ulid]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Block ID: ${b.ulid}`));
      assert.match(r.stdout, new RegExp(`Series: ${b.stats.numSeries}\\n`));
    }
    const dump = await promtool(["tsdb", "dump", data]);
    assert.equal(dump.code, 0, dump.stderr);
    // Lines are `{labels} value timestamp`, the value as Go's %g.
    const dumped = new Map<string, string[]>();
    for (const line of dump.stdout.split("\n")) {
      if (line === "") continue;
      const m = /^(\{.*\}) (\S+) (-?\d+)$/.exec(line);
      assert.ok(m !== null, `unexpected dump line ${line}`);
      if (!dumped.has(m[1]!)) dumped.set(m[1]!, []);
      dumped.get(m[1]!)!.push(`${m[3]} ${Number(m[2]!.replace(/^\+?Inf$/, "Infinity").replace(/^-Inf$/, "-Infinity"))}`);
    }
    sameSamples(dumped, gen.samples);
  });
});

test("Prometheus 2.42 with orrery's blocks in its data dir answers queries with the samples written", { skip }, async () => {
  await withTempDir("orrery-interop-", async (dir) => {
    const gen = generate();
    const file = join(dir, "in.om");
    await writeFile(file, gen.text);
    const data = join(dir, "data");
    await createBlocksFromExposition(file, data);
    const prom = await startPrometheus({ dataDir: data });
    try {
      // Ranges are left-open: (at-6h, at] holds every sample from START_S to START_S+5h+70s.
      const at = START_S + 5.5 * 3600;
      const query = async (q: string): Promise<{ metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[]> => {
        const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${at}`);
        const body = (await res.json()) as { status: string; data: { result: never[] } };
        assert.equal(body.status, "success", JSON.stringify(body));
        return body.data.result;
      };
      const raw = await query("temperature[6h]");
      assert.equal(raw.length, 4);
      for (const s of raw) {
        const key = formatLabels(labelsFromRecord(s.metric));
        assert.deepEqual(s.values!.map(([t, v]) => `${Math.round(t * 1000)} ${Number(v)}`), gen.samples.get(key), key);
      }
      const special = await query("special[6h]");
      assert.deepEqual(
        special[0]!.values!.map(([t, v]) => `${Math.round(t * 1000)} ${Number(v.replace(/Inf$/, "Infinity"))}`),
        gen.samples.get('{__name__="special"}'),
      );
      const total = await query('sum(count_over_time({__name__=~".+"}[6h]))');
      assert.equal(Number(total[0]!.value![1]), [...gen.samples.values()].reduce((n, s) => n + s.length, 0));
      const increase = await query('max_over_time(requests_total{code="200"}[6h])');
      assert.equal(increase[0]!.value![1], String(599 * 3));
      assert.ok((await readdir(data)).length >= 3);
    } finally {
      await prom.stop();
    }
  });
});
