// npm run fuzz: generated and mutated requests through a real `orrery start`, with the figures
// the security issue asks for (inputs, crashes, hangs, peak RSS). Exits 1 on a crash or hang.
//   FUZZ_COUNT (1,000,000)  FUZZ_SECONDS (3600)  FUZZ_SEED (1)  FUZZ_CONCURRENCY (8)  FUZZ_TIMEOUT_MS (15000)
// Each failure is logged as it happens, its inputs as `FUZZ-INPUT {json}` lines;
// FUZZ_REPLAY=<that log> sends those inputs again, one at a time, to a fresh process.
import { readFileSync } from "node:fs";
import { fuzz, inputFromJson, inputJson, processMemory, replay } from "./run.js";
import { mb, seedQueries, summary } from "./report.js";
import { startFuzzTarget } from "./target.js";

const INPUT_LINE = "FUZZ-INPUT ";

async function main(): Promise<void> {
  const env = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
  const target = await startFuzzTarget();
  const shown = new Map<string, number>();
  try {
    if (process.env.FUZZ_REPLAY !== undefined) {
      process.exitCode = await replayLog(process.env.FUZZ_REPLAY, target, env("FUZZ_TIMEOUT_MS", 15_000));
      return;
    }
    const report = await fuzz(target, {
      seed: env("FUZZ_SEED", 1),
      count: env("FUZZ_COUNT", 1_000_000),
      seconds: env("FUZZ_SECONDS", 3600),
      concurrency: env("FUZZ_CONCURRENCY", 8),
      timeoutMs: env("FUZZ_TIMEOUT_MS", 15_000),
      seeds: seedQueries(),
      nowMs: target.nowMs,
      // The first of each kind as they happen; the summary counts them all.
      onFailure: (f) => {
        const seen = (shown.get(f.what) ?? 0) + 1;
        shown.set(f.what, seen);
        if (seen > 50) return;
        process.stdout.write(`\n${new Date().toISOString()} ${f.what}: ${f.detail}\n  ${f.input}\n`);
        for (const input of f.inputs) process.stdout.write(`${INPUT_LINE}${inputJson(input)}\n`);
      },
      progress: (r) => process.stdout.write(`\r${r.inputs} inputs, ${r.crashes} crashes, ${r.hangs} hangs, RSS ${mb(processMemory(target.process.pid!).rss)}   `),
    });
    process.stdout.write("\n" + summary(report) + "\n");
    if (target.process.exitCode === null) {
      const fresh = await target.freshProcessMemory();
      process.stdout.write(`a fresh process on the same data (WAL replayed): RSS ${mb(fresh.rssBytes)}, live heap ${mb(fresh.heapBytes)} after a full GC, head series ${fresh.headSeries}\n`);
    }
    for (const f of report.failures) process.stdout.write(`${f.what}: ${f.detail}\n  ${f.input}\n`);
    process.exitCode = report.crashes + report.hangs > 0 ? 1 : 0;
  } finally {
    await target.stop();
  }
}

/** Replays the inputs a fuzz log recorded; 1 when one still hangs, fails with a 5xx or kills the process. */
async function replayLog(file: string, target: Awaited<ReturnType<typeof startFuzzTarget>>, timeoutMs: number): Promise<number> {
  const inputs = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith(INPUT_LINE))
    .map((line) => inputFromJson(line.slice(INPUT_LINE.length)));
  const results = await replay(target, inputs, timeoutMs);
  let failed = 0;
  for (const r of results) {
    const bad = r.outcome === "hang" || r.outcome.startsWith("5") || r.outcome === "grpc-13";
    if (bad) failed++;
    process.stdout.write(`${bad ? "FAIL" : "ok  "} ${r.outcome} in ${r.ms.toFixed(0)} ms: ${r.input}\n`);
  }
  const alive = target.process.exitCode === null;
  const slowest = Math.max(0, ...results.map((r) => r.ms));
  process.stdout.write(`${results.length} inputs replayed one at a time: ${failed} failed, slowest ${slowest.toFixed(0)} ms; the process ${alive ? "is alive" : "exited"}\n`);
  return failed > 0 || !alive ? 1 : 0;
}

await main();
