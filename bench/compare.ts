// npm run bench:compare [-- --hours 6 --series 10000 --runs 5 --only range|instant --queries REGEX --baseline OTHER_DIST --no-compliance --no-victoria-metrics --keep]
//
// orrery beside Prometheus 2.42 and VictoriaMetrics on this machine, on the same synthetic
// data: generate the dataset, build Prometheus blocks with promtool, import it into orrery
// and into VictoriaMetrics (when /usr/bin/victoria-metrics is there), start them on 127.0.0.1,
// run `orrery conformance compare` (reference Prometheus, target orrery) over the compliance
// query set, then time a list of queries against each (rotating who goes first, several runs)
// and print median latencies, ratios and peak RSS. With --baseline, another build's orrery
// (e.g. main's dist) serves a copy of the same data as one more column, so a change is measured
// against it in the same run, its answers compared byte for byte. Every server is stopped on the way out,
// also on error or Ctrl-C.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createBlocks, freePort, PROMETHEUS_BIN, PROMTOOL_BIN, startPrometheus, startServer, type RunningServer } from "../conformance/index.js";
import { sharedDir } from "../testing/index.js";
import { benchLayout, writeDatasetFile } from "./dataset/index.js";
import { BENCH_QUERIES, benchmark, formatRows, peakRssMb, startOrrery, type BenchQuery, type Contender } from "./compare-kit.js";
import { importOpenMetrics, startVictoriaMetrics, VICTORIA_METRICS_BIN } from "./victoria.js";

/** Long windows, where evaluating each step's window from scratch costs most (issue 19). */
const LONG_WINDOW_QUERIES: BenchQuery[] = [
  { name: "sum by code (rate 1h)", query: "sum by (code) (rate(bench_http_requests_total[1h]))" },
  { name: "sum (increase 1h)", query: "sum(increase(bench_http_requests_total[1h]))" },
  { name: "max_over_time 1h", query: "max_over_time(bench_memory_usage_bytes[1h])" },
  { name: "sum_over_time 1h", query: "sum_over_time(bench_memory_usage_bytes[1h])" },
];

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, "..");
const ORRERY_MAIN = join(DIST, "cli", "main.js");

interface Args {
  hours: number;
  series: number;
  runs: number;
  stepS: number;
  compliance: boolean;
  victoriaMetrics: boolean;
  keep: boolean;
  modes: ("range" | "instant")[];
  /** Another build's dist directory, timed as the "baseline" column. */
  baseline: string | undefined;
  /** Only the queries whose names match. */
  queries: RegExp | undefined;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      hours: { type: "string", default: "6" },
      series: { type: "string", default: "10000" },
      runs: { type: "string", default: "5" },
      step: { type: "string", default: "30" },
      "no-compliance": { type: "boolean", default: false },
      "no-victoria-metrics": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      only: { type: "string" },
      baseline: { type: "string" },
      queries: { type: "string" },
    },
  });
  const args = {
    hours: Number(values.hours),
    series: Number(values.series),
    runs: Number(values.runs),
    stepS: Number(values.step),
    compliance: !values["no-compliance"],
    victoriaMetrics: !values["no-victoria-metrics"],
    keep: values.keep,
    baseline: values.baseline,
    queries: values.queries === undefined ? undefined : new RegExp(values.queries),
    modes: values.only === undefined ? (["range", "instant"] as ("range" | "instant")[]) : [values.only as "range" | "instant"],
  };
  if (values.only !== undefined && values.only !== "range" && values.only !== "instant") throw new Error("bad flags: --only range|instant");
  if (!(args.hours > 0) || !Number.isInteger(args.series) || args.series < 0 || !Number.isInteger(args.runs) || args.runs < 1 || !(args.stepS > 0)) {
    throw new Error("bad flags: --hours > 0, --series ≥ 0, --runs ≥ 1, --step > 0 (seconds)");
  }
  return args;
}

/** What this machine lacks to run the comparison (nothing is installed for you). */
function missingPrerequisites(args: Args): string[] {
  const missing: string[] = [];
  if (!existsSync(PROMETHEUS_BIN)) missing.push(`${PROMETHEUS_BIN} (apt-get install prometheus)`);
  if (!existsSync(PROMTOOL_BIN)) missing.push(`${PROMTOOL_BIN} (apt-get install prometheus)`);
  if (!existsSync(ORRERY_MAIN)) missing.push(`${ORRERY_MAIN} (run: npx tsc -p .)`);
  if (args.baseline !== undefined && !existsSync(join(args.baseline, "cli", "main.js"))) missing.push(`${join(args.baseline, "cli", "main.js")} (--baseline names a built dist directory)`);
  return missing;
}

function log(msg: string): void {
  process.stderr.write(`[bench:compare ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Runs a child to completion with inherited output; rejects on a non-zero exit. */
function runChild(cmd: string, args: string[], opts: { allowExit?: number[] } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code) => {
      if (code === 0 || (code !== null && opts.allowExit?.includes(code))) resolve(code ?? 0);
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(" ")} … exited ${code}`));
    });
  });
}

async function main(): Promise<number> {
  const args = parseCli();
  const missing = missingPrerequisites(args);
  if (missing.length > 0) {
    console.error(`bench:compare: missing prerequisites:\n  ${missing.join("\n  ")}`);
    return 2;
  }
  const work = await mkdtemp(join(tmpdir(), "orrery-bench-compare-"));
  const servers: RunningServer[] = [];
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map((s) => s.stop()));
    if (!args.keep) await rm(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  };
  const onSignal = (): void => {
    log("interrupted: stopping servers");
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const startMs = endMs - Math.round(args.hours * 3_600_000);
    const file = join(work, "data.om");
    let t0 = Date.now();
    const bytes = writeDatasetFile(file, { endMs, hours: args.hours, benchSeries: args.series });
    const layout = benchLayout(args.series);
    log(`dataset: ${args.hours} h, demo families + ${args.series} benchmark series (${layout.counters} counters, ${layout.gauges} gauges, ${layout.histograms} histograms), ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    t0 = Date.now();
    await createBlocks(file, join(work, "prometheus"));
    const promtoolS = (Date.now() - t0) / 1000;
    log(`promtool create-blocks-from openmetrics: ${promtoolS.toFixed(1)} s`);
    t0 = Date.now();
    await runChild(process.execPath, [ORRERY_MAIN, "tsdb", "import", "openmetrics", file, "--storage.tsdb.path", join(work, "orrery")]);
    const importS = (Date.now() - t0) / 1000;
    log(`orrery tsdb import openmetrics: ${importS.toFixed(1)} s`);
    // The baseline build serves a copy: a data directory serves one process.
    if (args.baseline !== undefined) await cp(join(work, "orrery"), join(work, "baseline"), { recursive: true });
    let victoria: RunningServer | undefined;
    let victoriaS = 0;
    if (args.victoriaMetrics && !existsSync(VICTORIA_METRICS_BIN)) log(`no VictoriaMetrics column: ${VICTORIA_METRICS_BIN} is not installed (apt-get install victoria-metrics)`);
    else if (args.victoriaMetrics) {
      t0 = Date.now();
      victoria = await startVictoriaMetrics(join(work, "victoria-metrics"));
      servers.push(victoria);
      const sent = await importOpenMetrics(victoria, file);
      victoriaS = (Date.now() - t0) / 1000;
      log(`victoria-metrics import of ${sent} samples: ${victoriaS.toFixed(1)} s`);
    }
    await rm(file);

    t0 = Date.now();
    const prom = await startPrometheus({ dataDir: join(work, "prometheus"), readyTimeoutMs: 600_000 });
    servers.push(prom);
    log(`prometheus ready at ${prom.url} (pid ${prom.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    t0 = Date.now();
    const orrery = await startOrrery(join(work, "orrery"), args.hours);
    servers.push(orrery);
    log(`orrery ready at ${orrery.url} (pid ${orrery.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    let baseline: RunningServer | undefined;
    if (args.baseline !== undefined) {
      baseline = await startOrrery(join(work, "baseline"), args.hours, join(args.baseline, "cli", "main.js"));
      servers.push(baseline);
      log(`baseline orrery (${args.baseline}) ready at ${baseline.url} (pid ${baseline.pid})`);
    }

    let complianceExit: number | undefined;
    if (args.compliance && sharedDir() === undefined) log("skipping conformance compare: ../shared/compliance/promql-test-queries.yml is not beside this clone (set ORRERY_SHARED)");
    else if (args.compliance) {
      // As the compliance tester does: a 10-minute range at 10 s steps, ending a little before the data does.
      const cEnd = endMs - 2 * 60_000;
      log("conformance compare (reference Prometheus 2.42, target orrery):");
      complianceExit = await runChild(
        process.execPath,
        [ORRERY_MAIN, "conformance", "compare", "--reference", prom.url, "--target", orrery.url, "--start", String((cEnd - 10 * 60_000) / 1000), "--end", String(cEnd / 1000), "--step", "10s"],
        { allowExit: [1] },
      );
    }

    const queries = [...BENCH_QUERIES, ...LONG_WINDOW_QUERIES].filter((q) => args.queries === undefined || args.queries.test(q.name));
    log(`benchmark: ${queries.length} queries × (${args.modes.map((m) => (m === "range" ? `range over ${args.hours} h at ${args.stepS} s steps` : "instant at the end")).join(", ")}), ${args.runs} runs each, alternating`);
    const contenders: Contender[] = [{ name: "prometheus", server: prom }, { name: "orrery", server: orrery }];
    if (baseline !== undefined) contenders.push({ name: "baseline", server: baseline });
    if (victoria !== undefined) contenders.push({ name: "victoriametrics", server: victoria });
    const rows = await benchmark(contenders, startMs, endMs, args, log, queries, args.modes);
    console.log("");
    console.log(`bench:compare — ${args.hours} h, ${args.series} benchmark series + demo families; medians of ${args.runs} runs (15 for queries every server answers in 50 ms), each query warmed for 1 s or 200 runs on every server first; orrery's query frontend off, VictoriaMetrics' cache off`);
    console.log(`prep: promtool ${promtoolS.toFixed(1)} s, orrery import ${importS.toFixed(1)} s${victoria !== undefined ? `, victoria-metrics import ${victoriaS.toFixed(1)} s` : ""}`);
    console.log(formatRows(rows, contenders.map((c) => c.name), 1));
    const rss = contenders.map((c) => `${c.name} ${peakRssMb(c.server.pid)?.toFixed(0) ?? "?"} MB`);
    console.log(`peak RSS (VmHWM): ${rss.join(", ")}`);
    if (complianceExit !== undefined) console.log(`conformance compare exit status: ${complianceExit}${complianceExit === 0 ? " (no failures)" : " (failures, see above)"}`);
    return 0;
  } finally {
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench:compare: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
