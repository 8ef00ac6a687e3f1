// `npm run bench [-- NAME…]`: runs the benchmarks one after another, each in its own
// process so one's heap does not skew the next. With no names, runs them all.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface Bench {
  file: string;
  nodeFlags: string[];
  summary: string;
}

const benches: Record<string, Bench> = {
  parser: { file: "parser.bench.js", nodeFlags: [], summary: "parse throughput vs @prometheus-io/lezer-promql" },
  chunk: { file: "chunk.bench.js", nodeFlags: [], summary: "XOR chunk encode/decode and matcher speed" },
  head: { file: "head.bench.js", nodeFlags: ["--expose-gc"], summary: "head append rate and bytes/sample at 100k series" },
  engine: { file: "engine.bench.js", nodeFlags: ["--expose-gc"], summary: "range queries over 10k series × 6h" },
  federation: { file: "federation.bench.js", nodeFlags: [], summary: "proxy store k-way merge and replica dedup" },
  "federation-split": {
    file: "federation-split.bench.js",
    nodeFlags: [],
    summary: "compliance queries over the same data split over 1, 4 and 16 gRPC stores (starts a store process)",
  },
  "api-encode": { file: "api-encode.bench.js", nodeFlags: [], summary: "JSON response encoder vs JSON.stringify" },
  "remote-write-decode": { file: "remote-write-decode.bench.js", nodeFlags: [], summary: "remote_write decode: hand-written vs protobufjs (prompb)" },
  "create-blocks": {
    file: "create-blocks.bench.js",
    nodeFlags: [],
    summary: "tsdb create-blocks-from openmetrics vs promtool 2.42 (runs promtool)",
  },
  frontend: { file: "frontend.bench.js", nodeFlags: [], summary: "query frontend: 20-panel 24h dashboard refreshed every 10s, LRU and Redis vs Prometheus 2.42 (starts both)" },
  ruler: { file: "ruler.bench.js", nodeFlags: [], summary: "ruler: 1,000 groups × 10 rules at 15s over 10k series (BENCH_GROUPS, BENCH_SECONDS)" },
  store: {
    file: "store.bench.js",
    nodeFlags: [],
    summary: "orrery store (gateway) vs Prometheus 2.42 on the same blocks, and its RSS over ~1 GB of index (starts Prometheus)",
  },
  "ui-render": { file: "ui-render.bench.js", nodeFlags: [], summary: "web UI: 1,000 series × 1,441 points graphed in headless Chromium, downsampled vs every point (needs chromium)" },
  downsample: {
    file: "downsample.bench.js",
    nodeFlags: [],
    summary: "30 days × ~1,000 series through orrery compact: auto resolution vs raw (answers, latency ratio) and bytes per tier (BENCH_DAYS, BENCH_SCALE)",
  },
  histograms: {
    file: "histograms.bench.js",
    nodeFlags: [],
    summary: "native histograms, 6h × 200 series: p99 by route vs Prometheus 2.42 (feature flag on), answers checked; bytes/histogram sample, head vs its blocks",
  },
  ingest: { file: "ingest.js", nodeFlags: [], summary: "remote_write ingest vs Prometheus 2.42 (starts Prometheus)" },
};

function main(names: string[]): number {
  if (names.includes("--help") || names.includes("-h")) {
    console.log("usage: npm run bench [-- NAME…]\n");
    for (const [name, b] of Object.entries(benches)) console.log(`  ${name.padEnd(17)} ${b.summary}`);
    console.log("\nThe side-by-side comparison with Prometheus is `npm run bench:compare`.");
    return 0;
  }
  const unknown = names.filter((n) => benches[n] === undefined);
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${Object.keys(benches).join(", ")}`);
    return 2;
  }
  const dir = dirname(fileURLToPath(import.meta.url));
  let failed = 0;
  for (const name of names.length > 0 ? names : Object.keys(benches)) {
    const b = benches[name]!;
    console.log(`\n=== ${name}: ${b.summary}`);
    const r = spawnSync(process.execPath, [...b.nodeFlags, join(dir, b.file)], { stdio: "inherit" });
    if (r.status !== 0) {
      console.error(`=== ${name} failed (exit ${r.status ?? r.signal})`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
