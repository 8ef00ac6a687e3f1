// `orrery tsdb import openmetrics FILE [--storage.tsdb.path DIR]`: backfill the head
// store's WAL from a text exposition file, so `orrery start` on DIR serves it.
import { openHead, importExpositionFile, formatExpositionError, type ImportProgress } from "../stores/index.js";
import type { ExpositionFormat } from "../stores/index.js";
import { stat } from "node:fs/promises";

const USAGE = `usage: orrery tsdb import openmetrics FILE [flags]
       orrery tsdb create-blocks-from openmetrics FILE [DIR] [flags]   (see its --help)

Imports samples with timestamps from an OpenMetrics or Prometheus text file into the
head store's write-ahead log in DIR/wal; \`orrery start --storage.tsdb.path DIR\` then
serves them. Samples of any age are accepted here, but the head that serves them
keeps only its window (2h by default) behind its newest sample.

The whole file is checked first and nothing is imported when a line does not parse,
when an OpenMetrics file does not end with "# EOF" (as promtool refuses it), or when a
timestamp lies outside 1973-03-03..2286-11-20 (seconds read as milliseconds, or the
reverse). DIR must not be in use by a running orrery (its DIR/lock).

flags:
  --storage.tsdb.path DIR   storage directory (default "data/")
  --format FORMAT           openmetrics (default: float-second timestamps, "# EOF" last)
                            or prometheus (Prometheus text, millisecond timestamps)
  -h, --help                this text`;

interface ImportArgs {
  file: string;
  dir: string;
  format: ExpositionFormat | undefined;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, kind, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(USAGE);
    return 0;
  }
  if (sub === "create-blocks-from") return (await import("./tsdb-create-blocks.js")).run(argv.slice(1));
  if (sub !== "import" || kind !== "openmetrics") {
    console.error(`orrery tsdb: unknown command "${[sub, kind].filter(Boolean).join(" ")}"\n\n${USAGE}`);
    return 2;
  }
  const args = parseArgs(rest);
  if (typeof args === "string") {
    if (args === "help") {
      console.log(USAGE);
      return 0;
    }
    console.error(`orrery tsdb import: ${args}\n\n${USAGE}`);
    return 2;
  }
  return importFile(args);
}

function parseArgs(argv: string[]): ImportArgs | string {
  let file: string | undefined;
  let dir = "data/";
  let format: ExpositionFormat | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return "help";
    if (!arg.startsWith("--")) {
      if (file !== undefined) return `unexpected argument "${arg}" (one FILE only)`;
      file = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (value === undefined) return `flag --${name} needs a value`;
    if (eq < 0) i++;
    if (name === "storage.tsdb.path") dir = value;
    else if (name === "format") {
      value = value.toLowerCase();
      if (value !== "openmetrics" && value !== "prometheus") return `--format must be openmetrics or prometheus, got "${value}"`;
      format = value;
    } else return `unknown flag --${name}`;
  }
  if (file === undefined) return "missing FILE";
  return { file, dir, format };
}

async function importFile(args: ImportArgs): Promise<number> {
  // Before the head is opened, so a wrong path creates no storage directory; a missing file is one line (cli/failure.ts).
  if (!(await stat(args.file)).isFile()) {
    console.error(`orrery tsdb import: ${args.file}: not a regular file`);
    return 1;
  }
  const started = Date.now();
  const progress = process.stderr.isTTY ? new ProgressBar() : undefined;
  // Import takes samples of any age; fsync once at close rather than per batch.
  const { head, warnings } = await openHead(args.dir, { minValidTime: -Infinity, fsync: "never" });
  try {
    for (const w of warnings) console.error(`orrery tsdb import: ${w}`);
    const report = await importExpositionFile(head, args.file, {
      format: args.format,
      onProgress: progress && ((p) => progress.update(p)),
    });
    progress?.done();
    if (report.errors.length > 0) {
      for (const e of report.errors) console.error(formatExpositionError(e, args.file));
      console.error(`orrery tsdb import: ${args.file} refused; nothing imported (--format is ${report.format})`);
      return 1;
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const range =
      report.samples > 0 ? ` from ${new Date(report.minTime).toISOString()} to ${new Date(report.maxTime).toISOString()}` : "";
    console.log(
      `imported ${report.accepted} of ${report.samples} samples in ${report.series} series${range} ` +
        `(${report.format}) into ${args.dir} in ${secs}s`,
    );
    for (const r of report.rejected) {
      console.error(`rejected ${r.count} samples: ${r.reason}${r.firstError ? ` (first: ${r.firstError})` : ""}`);
    }
    return report.rejected.length > 0 ? 1 : 0;
  } finally {
    progress?.done();
    await head.close();
  }
}

/** One line on the terminal, redrawn at most ten times a second. */
class ProgressBar {
  private last = 0;
  private drawn = false;

  private lastDrawn = "";

  update(p: ImportProgress): void {
    const now = Date.now();
    if (now - this.last < 100 && p.bytes < p.totalBytes) return;
    const key = `${p.phase} ${p.bytes} ${p.samples}`;
    if (key === this.lastDrawn) return;
    this.lastDrawn = key;
    this.last = now;
    const frac = p.totalBytes > 0 ? p.bytes / p.totalBytes : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = "#".repeat(filled) + " ".repeat(width - filled);
    const label = p.phase === "check" ? "checking " : "importing";
    process.stderr.write(`\r${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${p.samples} samples`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) process.stderr.write("\n");
    this.drawn = false;
  }
}
