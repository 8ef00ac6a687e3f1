// Block creation benchmark (run by hand, or `npm run bench -- create-blocks`):
//   node dist/bench/create-blocks.bench.js [series=1000] [hours=6] [runs=2]
// Times `orrery tsdb create-blocks-from openmetrics` against `promtool tsdb create-blocks-from
// openmetrics` (Prometheus 2.42) on the same generated file, each as its own process, best of
// `runs`, and prints the ratio of CPU time (robust on a shared machine) and of wall time. Skips promtool when it is not installed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROMTOOL_BIN } from "../conformance/index.js";
import { writeDatasetFile } from "./dataset/index.js";

const SERIES = Number(process.argv[2] ?? 1000);
const HOURS = Number(process.argv[3] ?? 6);
const RUNS = Number(process.argv[4] ?? 2);
const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");

interface Timing {
  /** Best wall time, ms. */
  readonly wallMs: number;
  /** Best user+system CPU time, ms: what the ratio uses, since the machine is shared. */
  readonly cpuMs: number;
  readonly blocks: number;
}

/** Best of `RUNS` runs of a command writing blocks into a fresh dir; CPU time from bash's `times` (children's user and system). */
function best(what: string, cmd: string, args: (out: string) => string[], work: string): Timing {
  let wallMs = Infinity;
  let cpuMs = Infinity;
  let blocks = 0;
  for (let r = 0; r < RUNS; r++) {
    const out = join(work, `${what}-${r}`);
    const started = process.hrtime.bigint();
    const p = spawnSync("bash", ["-c", '"$@" >/dev/null || exit $?; times', "_", cmd, ...args(out)], { stdio: ["ignore", "pipe", "pipe"] });
    const took = Number(process.hrtime.bigint() - started) / 1e6;
    if (p.status !== 0) throw new Error(`${what} exited ${p.status}: ${p.stderr.toString().slice(-2000)}`);
    wallMs = Math.min(wallMs, took);
    cpuMs = Math.min(cpuMs, childCpuMs(p.stdout.toString()));
    blocks = readdirSync(out).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length;
    rmSync(out, { recursive: true, force: true });
  }
  return { wallMs, cpuMs, blocks };
}

/** The children's line of bash's `times`: "0m4.796s 0m0.366s". */
function childCpuMs(times: string): number {
  const line = times.trim().split("\n")[1] ?? "";
  let ms = 0;
  for (const m of line.matchAll(/(\d+)m([\d.]+)s/g)) ms += (Number(m[1]) * 60 + Number(m[2])) * 1000;
  return ms;
}

function report(name: string, t: Timing, bytes: number): void {
  console.log(
    `${name.padEnd(34)} ${t.wallMs.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU, ${t.blocks} blocks, ` +
      `${(bytes / 1e6 / (t.cpuMs / 1000)).toFixed(1)} MB/s of CPU`,
  );
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), "orrery-bench-blocks-"));
  try {
    const file = join(work, "data.om");
    const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const bytes = writeDatasetFile(file, { endMs, hours: HOURS, benchSeries: SERIES, demo: false });
    console.log(`dataset: ${SERIES} bench series × ${HOURS}h, ${(bytes / 1e6).toFixed(1)} MB of OpenMetrics; best of ${RUNS}`);
    const orrery = best("orrery", process.execPath, (out) => [MAIN, "tsdb", "create-blocks-from", "openmetrics", file, out], work);
    report("orrery tsdb create-blocks-from:", orrery, bytes);
    if (!existsSync(PROMTOOL_BIN)) {
      console.log(`promtool: skipped (${PROMTOOL_BIN} is not installed)`);
      return;
    }
    const prom = best("promtool", PROMTOOL_BIN, (out) => ["tsdb", "create-blocks-from", "openmetrics", file, out], work);
    report("promtool tsdb create-blocks-from:", prom, bytes);
    console.log(`ratio orrery/promtool: ${(orrery.cpuMs / prom.cpuMs).toFixed(2)}× the CPU time, ${(orrery.wallMs / prom.wallMs).toFixed(2)}× the wall time`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
