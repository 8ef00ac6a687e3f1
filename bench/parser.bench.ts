// Parser throughput over the spec corpus: orrery's parse (lexer + Chevrotain parser +
// typed AST + type check) against @prometheus-io/lezer-promql building its syntax tree,
// same queries, same run. Run by hand: `node dist/bench/parser.bench.js`.
import Benchmark from "benchmark";
import { parser as lezer } from "@prometheus-io/lezer-promql";
import { parse } from "../promql/index.js";
import { specCorpus } from "../promql/testutil/corpus.js";
import { sharedDir } from "../testing/index.js";

function corpus(): string[] {
  const shared = sharedDir();
  if (shared === undefined) {
    console.error("parser.bench: ../shared is missing; nothing to measure");
    process.exit(1);
  }
  // Only queries both sides accept, so the work is comparable.
  return specCorpus(shared)
    .map((q) => q.query)
    .filter((q) => {
      try {
        parse(q);
        return true;
      } catch {
        return false;
      }
    });
}

function main(): void {
  const queries = corpus();
  const bytes = queries.reduce((n, q) => n + new TextEncoder().encode(q).length, 0);
  console.log(`corpus: ${queries.length} queries, ${(bytes / 1024).toFixed(1)} KiB`);
  let sink = 0;
  const results = new Map<string, number>();
  new Benchmark.Suite("parser")
    .add("orrery parse (typed AST)", () => {
      for (const q of queries) sink += parse(q).pos.end;
    })
    .add("lezer-promql parser.parse (syntax tree)", () => {
      for (const q of queries) sink += lezer.parse(q).length;
    })
    .on("cycle", (event: Benchmark.Event) => {
      const b = event.target as unknown as Benchmark;
      const hz = b.hz ?? 0;
      results.set(String(b.name), hz);
      const exprs = hz * queries.length;
      const mbs = (hz * bytes) / 1e6;
      const rme = (b.stats?.rme ?? 0).toFixed(1);
      console.log(`${String(b.name).padEnd(42)} ${Math.round(exprs).toLocaleString("en").padStart(10)} expr/s  ${mbs.toFixed(2).padStart(6)} MB/s  ±${rme}%`);
    })
    .on("complete", () => {
      const ours = results.get("orrery parse (typed AST)") ?? 0;
      const theirs = results.get("lezer-promql parser.parse (syntax tree)") ?? 1;
      console.log(`ratio orrery/lezer: ${(ours / theirs).toFixed(2)}x ${ours >= theirs ? "(target met)" : "(below target)"}`);
      if (sink === 0) console.log("");
    })
    .run({ async: false });
}

main();
