// npm run fuzz: generated and mutated requests through a real `orrery start`, with the figures
// the security issue asks for (inputs, crashes, hangs, peak RSS). Exits 1 on a crash or hang.
//   FUZZ_COUNT (1,000,000)  FUZZ_SECONDS (3600)  FUZZ_SEED (1)  FUZZ_CONCURRENCY (8)  FUZZ_TIMEOUT_MS (15000)
import { fuzz, processMemory } from "./run.js";
import { mb, seedQueries, summary } from "./report.js";
import { startFuzzTarget } from "./target.js";

async function main(): Promise<void> {
  const env = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
  const target = await startFuzzTarget();
  const shown = new Map<string, number>();
  try {
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
        if (seen <= 50) process.stdout.write(`\n${new Date().toISOString()} ${f.what}: ${f.detail}\n  ${f.input}\n`);
      },
      progress: (r) => process.stdout.write(`\r${r.inputs} inputs, ${r.crashes} crashes, ${r.hangs} hangs, RSS ${mb(processMemory(target.process.pid!).rss)}   `),
    });
    // Idle a while so the process can settle, then read its memory again.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    report.finalRssBytes = processMemory(target.process.pid!).rss;
    process.stdout.write("\n" + summary(report) + "\n");
    for (const f of report.failures) process.stdout.write(`${f.what}: ${f.detail}\n  ${f.input}\n`);
    process.exitCode = report.crashes + report.hangs > 0 ? 1 : 0;
  } finally {
    await target.stop();
  }
}

await main();
