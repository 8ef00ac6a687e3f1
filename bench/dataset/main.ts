// node dist/bench/dataset/main.js --hours 6 --series 10000 --out FILE [--end TIME] [--seed N]
//   [--no-demo] [--interval 15s] [--demo-interval 5s]
// Writes the synthetic dataset as OpenMetrics text (promtool tsdb create-blocks-from
// openmetrics FILE DIR; orrery tsdb import openmetrics FILE).
import { parseArgs } from "node:util";
import { benchLayout, writeDatasetFile } from "./index.js";

const USAGE = `usage: node dist/bench/dataset/main.js --out FILE [flags]

  --hours H           hours of data (default 6)
  --series N          benchmark series (default 10000; 100000 and 1000000 work, slowly)
  --end TIME          end of the data: Unix seconds or RFC 3339 (default: now, rounded down to the minute)
  --seed N            PRNG seed (default 1); same flags, same bytes
  --interval D        scrape interval of the benchmark set in seconds (default 15)
  --demo-interval D   scrape interval of the demo families in seconds (default 5)
  --no-demo           leave out the demo-service families`;

function fail(msg: string): never {
  console.error(`dataset: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

function main(): void {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        out: { type: "string" },
        hours: { type: "string", default: "6" },
        series: { type: "string", default: "10000" },
        end: { type: "string" },
        seed: { type: "string", default: "1" },
        interval: { type: "string", default: "15" },
        "demo-interval": { type: "string", default: "5" },
        "no-demo": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const a = parsed.values;
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (a.out === undefined) fail("--out FILE is required");
  const hours = Number(a.hours);
  const series = Number(a.series);
  const seed = Number(a.seed);
  const interval = Number(a.interval);
  const demoInterval = Number(a["demo-interval"]);
  if (!(hours > 0)) fail(`--hours must be positive, got "${a.hours}"`);
  if (!Number.isInteger(series) || series < 0) fail(`--series must be a whole number, got "${a.series}"`);
  if (!Number.isInteger(seed)) fail(`--seed must be an integer, got "${a.seed}"`);
  if (!(interval > 0) || !(demoInterval > 0)) fail("intervals must be positive numbers of seconds");
  let endMs = Math.floor(Date.now() / 60_000) * 60_000;
  if (a.end !== undefined) {
    endMs = /^\d+(\.\d+)?$/.test(a.end) ? Math.round(Number(a.end) * 1000) : Date.parse(a.end);
    if (Number.isNaN(endMs)) fail(`--end must be Unix seconds or RFC 3339, got "${a.end}"`);
  }
  const started = Date.now();
  const bytes = writeDatasetFile(a.out, {
    endMs,
    hours,
    benchSeries: series,
    demo: !a["no-demo"],
    seed,
    benchIntervalMs: Math.round(interval * 1000),
    demoIntervalMs: Math.round(demoInterval * 1000),
  });
  const layout = benchLayout(series);
  console.error(
    `dataset: wrote ${(bytes / 1e6).toFixed(1)} MB to ${a.out} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${new Date(endMs - hours * 3_600_000).toISOString()} .. ${new Date(endMs).toISOString()}, ` +
      `${series} benchmark series (${layout.counters} counters, ${layout.gauges} gauges, ${layout.histograms} histograms) on ${layout.instances} instances`,
  );
  console.log(JSON.stringify({ file: a.out, bytes, startMs: endMs - Math.round(hours * 3_600_000), endMs }));
}

main();
