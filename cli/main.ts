#!/usr/bin/env node
// The `orrery` command: one file per subcommand, loaded on demand.
import { describeFailure } from "./failure.js";
import { IngestYoungGeneration, keepFreedMallocMemory, keepHeapPolicy, tuneHeapForQueries } from "./heap-policy.js";

/** A subcommand: its file, its line in the usage, and what it mostly does (which sets its V8 heap policy). */
interface Subcommand {
  file: string;
  summary: string;
  work?: "ingest" | "queries";
}

const subcommands: Record<string, Subcommand> = {
  start: { file: "./start.js", work: "queries", summary: "run the all-in-one server (head store, engine, HTTP API)" },
  query: { file: "./query.js", work: "queries", summary: "run the querier: the HTTP API over StoreAPI endpoints and Prometheus servers (Thanos Query)" },
  frontend: { file: "./frontend.js", work: "queries", summary: "run the query frontend: split, align and cache range queries in front of any Prometheus API (Thanos Query Frontend)" },
  receive: { file: "./receive.js", work: "ingest", summary: "run the receiver: remote_write into a head served over the gRPC StoreAPI (Thanos Receive)" },
  store: { file: "./store.js", work: "queries", summary: "run the store gateway: the TSDB blocks of a bucket served over the gRPC StoreAPI (Thanos Store)" },
  compact: { file: "./compact.js", summary: "run the compactor: merge, downsample, apply retention to and delete a bucket's blocks (Thanos Compactor)" },
  promql: { file: "./promql.js", summary: "check or format PromQL expressions" },
  conformance: { file: "./conformance.js", summary: "run the promqltest scripts, or compare two PromQL endpoints" },
  tsdb: { file: "./tsdb.js", summary: "import OpenMetrics text into the head store, or write TSDB blocks from it" },
  rule: { file: "./rule.js", summary: "run the ruler: recording and alerting rules over a querier, alerts to Alertmanager (Thanos Ruler); `rule check` validates rule files" },
};

function usage(): string {
  const lines = ["usage: orrery <command> [flags]", "", "commands:"];
  for (const [name, { summary }] of Object.entries(subcommands)) lines.push(`  ${name.padEnd(12)} ${summary}`);
  lines.push("", "Run `orrery <command> --help` for a command's flags.");
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return 0;
  }
  const entry = subcommands[name];
  if (entry === undefined) {
    console.error(`orrery: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const young = entry.work === "ingest" ? new IngestYoungGeneration() : undefined;
  if (young !== undefined) {
    keepHeapPolicy(young.policy);
    keepFreedMallocMemory();
  }
  if (entry.work === "queries") keepHeapPolicy(tuneHeapForQueries);
  const mod = (await import(entry.file)) as { run(argv: string[], young?: IngestYoungGeneration): Promise<number> };
  return mod.run(rest, young);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`orrery: ${describeFailure(err)}`);
    process.exitCode = 1;
  },
);
