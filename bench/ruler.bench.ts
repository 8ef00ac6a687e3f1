// The ruler at scale: 1,000 rule groups of 10 rules each at a 15s interval over 10,000 series,
// scheduled as in production (hash offsets, real timers) for BENCH_SECONDS (default 60).
// Reports missed iterations, the CPU share of the process and the p50/p99 group evaluation time.
// Then BENCH_ROUNDS (default 3) rounds of every group evaluated one after another, without timers:
// CPU ms per group evaluation, a figure a loaded machine disturbs less than missed iterations.
// Rules read and write an in-memory head, as in `orrery start` and `orrery rule` (indexed selects).
import { Engine } from "../engine/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { Head } from "../stores/index.js";
import { RuleGroup, engineQuerier, parseRuleFile, type GroupDeps } from "../ruler/index.js";

const GROUPS = Number(process.env.BENCH_GROUPS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const JOBS = 100;
const INSTANCES = 100;
const INTERVAL = 15_000;

async function dataset(now: number): Promise<Head> {
  const store = new Head({ windowMs: 3_600_000 });
  const start = now - 10 * 60_000;
  // A loaded machine stretches the scheduled phase: data enough for three times its length.
  const end = now + (3 * SECONDS + 60) * 1000 + ROUNDS * INTERVAL;
  const n = Math.floor((end - start) / INTERVAL);
  for (let j = 0; j < JOBS; j++) {
    for (let i = 0; i < INSTANCES; i++) {
      const t = new Float64Array(n);
      const v = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        t[k] = start + k * INTERVAL;
        v[k] = k * (1 + ((i * 7 + j) % 13));
      }
      await store.appendBatch([{ labels: labelsFromRecord({ __name__: "bench_requests_total", job: `j${j}`, instance: `i${i}` }), t, v }]);
    }
  }
  return store;
}

function rulesYaml(): string {
  const lines = ["groups:"];
  for (let g = 0; g < GROUPS; g++) {
    const sel = `bench_requests_total{job="j${g % JOBS}"}`;
    lines.push(`- name: group-${g}`, `  interval: 15s`, `  rules:`);
    lines.push(`  - record: job:bench_requests:rate5m_${g}`, `    expr: sum by (job) (rate(${sel}[5m]))`);
    lines.push(`  - record: instance:bench_requests:rate1m_${g}`, `    expr: rate(${sel}[1m])`);
    lines.push(`  - record: job:bench_requests:max_${g}`, `    expr: max by (job) (${sel})`);
    lines.push(`  - record: job:bench_requests:avg_${g}`, `    expr: avg by (job) (${sel})`);
    lines.push(`  - record: job:bench_requests:count_${g}`, `    expr: count by (job) (${sel})`);
    lines.push(`  - record: job:bench_requests:ratio_${g}`, `    expr: job:bench_requests:max_${g} / job:bench_requests:avg_${g}`);
    lines.push(`  - record: job:bench_requests:q99_${g}`, `    expr: quantile by (job) (0.99, rate(${sel}[5m]))`);
    lines.push(`  - alert: BenchHighRate${g}`, `    expr: sum by (job) (rate(${sel}[5m])) > 1e9`, `    for: 5m`);
    lines.push(`  - alert: BenchInstanceHot${g}`, `    expr: rate(${sel}[1m]) > 0.5`, `    for: 1m`, `    labels:`, `      severity: ticket`, `    annotations:`, `      summary: '{{ $labels.instance }} at {{ $value | humanize }}'`);
    lines.push(`  - alert: BenchAbsent${g}`, `    expr: absent(${sel})`);
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const now = Date.now();
  const store = await dataset(now);
  const { groups, errors } = parseRuleFile(rulesYaml(), "bench.yml");
  if (errors.length > 0) throw new Error(errors.join("\n"));
  let written = 0;
  let notified = 0;
  const deps: GroupDeps = {
    querier: engineQuerier(new Engine(), () => store),
    append: async (samples) => {
      written += samples.length;
      const res = await store.appendBatch(samples.map((s) => ({ labels: s.labels, t: [s.t], v: Float64Array.of(s.v) })));
      if (res.rejected.length > 0) throw new Error(`head rejected rule samples: ${JSON.stringify(res.rejected)}`);
    },
    notify: (alerts) => (notified += alerts.length),
    externalLabels: [],
    externalURL: "http://bench",
    defaultIntervalMs: INTERVAL,
    defaultQueryOffsetMs: 0,
    resendDelayMs: 60_000,
    outageToleranceMs: 3_600_000,
    forGracePeriodMs: 600_000,
    now: Date.now,
  };
  const running = groups.map((g) => new RuleGroup(g, deps, false));
  console.log(`ruler: ${GROUPS} groups × 10 rules, 15s interval, ${JOBS * INSTANCES} series`);
  if (SECONDS > 0) await scheduled(running);
  // After the scheduled phase's last writes, so the head takes every sample.
  if (ROUNDS > 0) await sequential(running, Date.now() + INTERVAL);
  console.log(`  samples written: ${written}, alerts notified: ${notified}`);
}

/** The groups on their schedule (hash offsets, real timers) for SECONDS. */
async function scheduled(running: RuleGroup[]): Promise<void> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const g of running) g.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  for (const g of running) await g.stop();
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const durations = running.flatMap((g) => g.durations).sort((a, b) => a - b);
  const missed = running.reduce((n, g) => n + g.iterationsMissed, 0);
  const iterations = running.reduce((n, g) => n + g.iterations, 0);
  const failing = running.reduce((n, g) => n + g.rules.filter((r) => r.health === "err").length, 0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`scheduled, ${SECONDS}s:`);
  console.log(`  group evaluations: ${iterations} (expected ≈ ${Math.floor((GROUPS * SECONDS * 1000) / INTERVAL)}), missed iterations: ${missed}, rules failing: ${failing}`);
  console.log(`  group evaluation time: p50 ${quantile(durations, 0.5).toFixed(1)} ms, p99 ${quantile(durations, 0.99).toFixed(1)} ms, max ${quantile(durations, 1).toFixed(1)} ms`);
  console.log(`  CPU: ${((cpuMs / wall) * 100).toFixed(1)}% of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s over ${(wall / 1000).toFixed(1)} s), ${(cpuMs / Math.max(1, iterations)).toFixed(2)} ms CPU per group evaluation`);
}

/** ROUNDS rounds of every group, one evaluation at a time, at consecutive slots from `from`. */
async function sequential(running: RuleGroup[], from: number): Promise<void> {
  const durations: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) {
    for (const g of running) {
      const began = performance.now();
      await g.evaluate(from + r * INTERVAL);
      durations.push(performance.now() - began);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  durations.sort((a, b) => a - b);
  const failing = running.reduce((n, g) => n + g.rules.filter((r) => r.health === "err").length, 0);
  console.log(`sequential, ${ROUNDS} rounds of ${GROUPS} groups:`);
  console.log(`  ${((cpu.user + cpu.system) / 1000 / durations.length).toFixed(2)} ms CPU per group evaluation; wall p50 ${quantile(durations, 0.5).toFixed(1)} ms, p99 ${quantile(durations, 0.99).toFixed(1)} ms; rules failing: ${failing}`);
  console.log(`  keeping up needs ${((((cpu.user + cpu.system) / 1000 / durations.length) * GROUPS) / INTERVAL * 100).toFixed(0)}% of one core`);
}

function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

await main();
