// `orrery conformance <subcommand>`: run the promqltest scripts, or (later) compare two PromQL endpoints.
import { existsSync, readdirSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  formatJsonReport,
  formatKnownFailures,
  formatTextReport,
  runPromqlTestFiles,
  runCompareCommand,
  totals,
  summaryLine,
  type FileResult,
  type PromqlTestFile,
} from "../conformance/index.js";
import { DEFAULT_PARALLEL_MIN_SAMPLES, Engine, WindowWorkerPool } from "../engine/index.js";
import { repoRoot, sharedDir } from "../testing/index.js";

const USAGE = `usage: orrery conformance <command> [flags]

commands:
  promqltest [FILES…]   run Prometheus's promqltest scripts against orrery's engine
  compare               compare two PromQL endpoints (reference vs target) over the compliance query set

Run \`orrery conformance <command> --help\` for a command's flags.`;

/** Where a subcommand writes; tests pass their own. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const CONSOLE: Output = { out: (t) => console.log(t), err: (t) => console.error(t) };

export async function run(argv: string[], io: Output = CONSOLE): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "promqltest":
      return runPromqltest(rest, io);
    // `compare`: comparing two endpoints is added here by its own helper (its own file, dispatched from this switch).
    case "compare":
      return runCompareCommand(rest, io);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return 0;
    default:
      io.err(`orrery conformance: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

const PROMQLTEST_USAGE = `usage: orrery conformance promqltest [FILES…] [flags]

Runs every eval of the given promqltest scripts (default: every .test file in
../shared/promqltest) against orrery's engine and prints, per file, how many
passed and failed, then each failure, and last "N passed, N failed". Exit
status 1 when any eval failed.

FILES are .test files or folders of them; a bare name (functions.test) is looked
up in ../shared/promqltest; NAME:LINE[,LINE…] runs only the evals at those lines.

flags:
  --json                    print the report as JSON
  --verbose                 also list passed evals
  --write-known-failures    rewrite conformance/known-failures.txt from this run (exit 0)
  --no-at-variants          skip the @-pinned re-runs of instant queries
  --no-range-check          skip the range-mode re-check of instant queries
  --timeout <ms>            per-query timeout (default 30000)
  --query.parallelism <n>   window worker threads for range functions and selectors (default 0: one thread)
  --query.parallel-min-samples <n>
                            least work for a range function call to use them (default
                            ${DEFAULT_PARALLEL_MIN_SAMPLES}; 0 sends every call of two or more series)`;

interface PromqltestArgs {
  files: PromqlTestFile[];
  json: boolean;
  verbose: boolean;
  writeKnownFailures: boolean;
  atModifierVariants: boolean;
  rangeModeCheck: boolean;
  timeoutMs: number;
  parallelism: number;
  parallelMinSamples: number;
}

function parseArgs(argv: string[]): PromqltestArgs | string {
  const args: PromqltestArgs = {
    files: [],
    json: false,
    verbose: false,
    writeKnownFailures: false,
    atModifierVariants: true,
    rangeModeCheck: true,
    timeoutMs: 30_000,
    parallelism: 0,
    parallelMinSamples: DEFAULT_PARALLEL_MIN_SAMPLES,
  };
  const specs: string[] = [];
  let allDefaults = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") args.json = true;
    else if (a === "--verbose" || a === "-v") args.verbose = true;
    else if (a === "--write-known-failures") args.writeKnownFailures = true;
    else if (a === "--no-at-variants") {
      args.atModifierVariants = false;
      allDefaults = false;
    } else if (a === "--no-range-check") {
      args.rangeModeCheck = false;
      allDefaults = false;
    } else if (a === "--timeout") {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) return `--timeout needs a positive number of milliseconds, got "${argv[i] ?? ""}"`;
      args.timeoutMs = v;
    } else if (a === "--query.parallelism" || a === "--query.parallel-min-samples") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) return `${a} needs an integer ≥ 0, got "${argv[i] ?? ""}"`;
      if (a === "--query.parallelism") args.parallelism = v;
      else args.parallelMinSamples = v;
    } else if (a.startsWith("-")) return `unknown flag "${a}"`;
    else specs.push(a);
  }
  // The list is judged against a full default run (what the test does), so only such a run may write it.
  if (args.writeKnownFailures && (specs.length > 0 || !allDefaults)) {
    return "--write-known-failures runs every script with the default checks: give no FILES and no --no-* flags";
  }
  const resolved = resolveFiles(specs);
  if (typeof resolved === "string") return resolved;
  args.files = resolved;
  return args;
}

function testFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".test"))
    .sort()
    .map((f) => join(dir, f));
}

function resolveFiles(specs: readonly string[]): PromqlTestFile[] | string {
  const shared = sharedDir();
  const defaultDir = shared === undefined ? undefined : join(shared, "promqltest");
  if (specs.length === 0) {
    if (defaultDir === undefined) return "no FILES given and ../shared/promqltest is not beside this clone (set ORRERY_SHARED)";
    return testFilesIn(defaultDir);
  }
  const out: PromqlTestFile[] = [];
  for (const spec of specs) {
    const m = /^(.*?):(\d+(?:,\d+)*)$/.exec(spec);
    const name = m === null ? spec : m[1];
    const lines = m === null ? undefined : m[2].split(",").map(Number);
    let path = resolve(name);
    if (!existsSync(path) && defaultDir !== undefined && existsSync(join(defaultDir, name))) path = join(defaultDir, name);
    if (!existsSync(path)) return `no such file or folder: ${name}`;
    if (statSync(path).isDirectory()) {
      if (lines !== undefined) return `${spec}: line numbers need a file, not a folder`;
      out.push(...testFilesIn(path));
    } else {
      out.push(lines === undefined ? path : { path, onlyLines: lines });
    }
  }
  return out;
}

async function runPromqltest(argv: string[], io: Output): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(PROMQLTEST_USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === "string") {
    io.err(`orrery conformance promqltest: ${args}\n\n${PROMQLTEST_USAGE}`);
    return 2;
  }
  const windowWorkers = args.parallelism > 0 ? new WindowWorkerPool({ size: args.parallelism, minSamples: args.parallelMinSamples }) : undefined;
  await windowWorkers?.ready();
  const files = await runPromqlTestFiles(args.files, {
    engineFactory: () => new Engine({ windowWorkers }),
    atModifierVariants: args.atModifierVariants,
    rangeModeCheck: args.rangeModeCheck,
    queryTimeoutMs: args.timeoutMs,
  }).finally(() => windowWorkers?.close());
  const missing = missingEvalLines(args.files, files);
  if (missing.length > 0) {
    io.err(`orrery conformance promqltest: no eval command at ${missing.join(", ")}`);
    return 2;
  }
  if (args.writeKnownFailures) {
    const path = join(repoRoot(), "conformance", "known-failures.txt");
    await writeFile(path, formatKnownFailures(files));
    io.out(`wrote ${path}`);
    io.out(summaryLine(totals(files)));
    return 0;
  }
  io.out(args.json ? formatJsonReport(files) : formatTextReport(files, { verbose: args.verbose }));
  return totals(files).failed > 0 ? 1 : 0;
}

/** `NAME:LINE` specs whose line is not an eval command (so nothing would run for them). */
function missingEvalLines(specs: readonly PromqlTestFile[], files: readonly FileResult[]): string[] {
  const missing: string[] = [];
  specs.forEach((spec, i) => {
    if (typeof spec === "string" || spec.onlyLines === undefined) return;
    const ran = new Set(files[i]?.results.map((r) => r.line));
    for (const line of spec.onlyLines) if (!ran.has(line)) missing.push(`${files[i]?.file ?? spec.path}:${line}`);
  });
  return missing;
}
