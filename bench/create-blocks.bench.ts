// Block creation benchmark (run by hand, or `npm run bench -- create-blocks`):
//   node dist/bench/create-blocks.bench.js [series=1000] [hours=6] [runs=2]
// Times `orrery tsdb create-blocks-from openmetrics` against `promtool tsdb create-blocks-from
// openmetrics` (Prometheus 2.42) on the same generated file, each as its own process, best of
// `runs`, and prints the ratio. Skips promtool when it is not installed.
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

/** Best wall time of `RUNS` runs of a command writing blocks into a fresh dir; and the blocks it wrote. */
function best(what: string, cmd: string, args: (out: string) => string[], work: string): { ms: number; blocks: number } {
  let ms = Infinity;
  let blocks = 0;
  for (let r = 0; r < RUNS; r++) {
    const out = join(work, `${what}-${r}`);
    const started = process.hrtime.bigint();
    const p = spawnSync(cmd, args(out), { stdio: ["ignore", "ignore", "pipe"] });
    const took = Number(process.hrtime.bigint() - started) / 1e6;
    if (p.status !== 0) throw new Error(`${what} exited ${p.status}: ${p.stderr.toString().slice(-2000)}`);
    ms = Math.min(ms, took);
    blocks = readdirSync(out).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length;
    rmSync(out, { recursive: true, force: true });
  }
  return { ms, blocks };
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), "orrery-bench-blocks-"));
  try {
    const file = join(work, "data.om");
    const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const bytes = writeDatasetFile(file, { endMs, hours: HOURS, benchSeries: SERIES, demo: false });
    console.log(`dataset: ${SERIES} bench series × ${HOURS}h, ${(bytes / 1e6).toFixed(1)} MB of OpenMetrics; best of ${RUNS}`);
    const orrery = best("orrery", process.execPath, (out) => [MAIN, "tsdb", "create-blocks-from", "openmetrics", file, out], work);
    console.log(`orrery tsdb create-blocks-from:  ${orrery.ms.toFixed(0)} ms, ${orrery.blocks} blocks, ${((bytes / 1e6) / (orrery.ms / 1000)).toFixed(1)} MB/s`);
    if (!existsSync(PROMTOOL_BIN)) {
      console.log(`promtool: skipped (${PROMTOOL_BIN} is not installed)`);
      return;
    }
    const prom = best("promtool", PROMTOOL_BIN, (out) => ["tsdb", "create-blocks-from", "openmetrics", file, out], work);
    console.log(`promtool tsdb create-blocks-from: ${prom.ms.toFixed(0)} ms, ${prom.blocks} blocks, ${((bytes / 1e6) / (prom.ms / 1000)).toFixed(1)} MB/s`);
    console.log(`ratio orrery/promtool: ${(orrery.ms / prom.ms).toFixed(2)}× the time`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
