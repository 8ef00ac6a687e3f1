// `orrery conformance compare`: the compliance comparer's command line.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseDuration } from "../../promql/index.js";
import { sharedDir } from "../../testing/index.js";
import type { Auth, Endpoint, RangeParams } from "./client.js";
import { expandQueryFile, parseQueryFile, QueryFileError } from "./queries.js";
import { formatJsonReport, formatTextReport } from "./report.js";
import { countResults, runComparison } from "./run.js";

export const COMPARE_USAGE = `usage: orrery conformance compare --reference URL --target URL [flags]

Runs every case of a PromQL compliance-tester query file against two Prometheus API
endpoints, as a range query and as an instant query at the range's end, and compares
the answers: same result type, same series, values equal within a relative 1e-5
(NaN equals NaN), series order only where PromQL defines it (sort*, ungrouped
topk/bottomk at one step). should_fail cases must fail on both sides.

Differences that come only from Prometheus 2.42's left-closed range windows (a raw
sample on a window's left edge at that step, checked on the reference), from the
UTF-8 label names Prometheus 3 accepts and 2.42 rejects, or from rate/increase
extrapolation near a series' first sample (Prometheus 2.52 applies the zero-point
limit after the first-sample test, prometheus#13725; proved by asking the call alone
and the query without those series) are listed as known 2.42 differences with their
reason: neither passes nor failures (counted as skipped).

Prints failures with a compact diff, a table by feature group, the pass rate and last
"N passed, N failed, N skipped". Exit status 1 when any case failed.

flags:
  --reference URL                   reference Prometheus API (e.g. http://127.0.0.1:9091)
  --target URL                      API under test
  --queries FILE                    query file (default ../shared/compliance/promql-test-queries.yml)
  --start TIME --end TIME           range (RFC 3339 or Unix seconds; default: end = now-12m, start = end-10m)
  --step DURATION                   range step (default 10s)
  --json                            print the report as JSON
  --parallelism N                   cases in flight at once (default 4)
  --timeout DURATION                per-request timeout (default 60s)
  --no-2.42-check                   report every difference as a failure
  --reference.bearer-token T        (also --target.bearer-token)
  --reference.basic-auth USER:PASS  (also --target.basic-auth)`;

export interface CompareArgs {
  reference: Endpoint;
  target: Endpoint;
  queriesFile: string | undefined;
  range: RangeParams;
  json: boolean;
  parallelism: number;
  check242: boolean;
}

export interface CompareOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Parses a time flag: Unix seconds or RFC 3339. */
export function parseTimeFlag(s: string): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseDurationFlag(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  try {
    return parseDuration(s);
  } catch {
    return undefined;
  }
}

function parseAuth(kind: string, value: string): Auth | string {
  if (kind === "bearer-token") return { kind: "bearer", token: value };
  const i = value.indexOf(":");
  if (i < 0) return `basic-auth wants USER:PASS`;
  return { kind: "basic", user: value.slice(0, i), password: value.slice(i + 1) };
}

export function parseCompareArgs(argv: readonly string[], nowMs: number = Date.now()): CompareArgs | string {
  const v: Record<string, string> = {};
  let json = false;
  let check242 = true;
  const auth: Record<string, Auth> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") {
      json = true;
      continue;
    }
    if (a === "--no-2.42-check") {
      check242 = false;
      continue;
    }
    if (!a.startsWith("--")) return `unexpected argument "${a}"`;
    const eq = a.indexOf("=");
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined) return `flag --${name} needs a value`;
    const m = /^(reference|target)\.(bearer-token|basic-auth)$/.exec(name);
    if (m !== null) {
      if (auth[m[1]] !== undefined) return `give one of --${m[1]}.bearer-token and --${m[1]}.basic-auth`;
      const parsed = parseAuth(m[2], value);
      if (typeof parsed === "string") return `--${name}: ${parsed}`;
      auth[m[1]] = parsed;
      continue;
    }
    if (!["reference", "target", "queries", "start", "end", "step", "parallelism", "timeout"].includes(name)) return `unknown flag --${name}`;
    v[name] = value;
  }
  for (const side of ["reference", "target"]) {
    if (v[side] === undefined) return `--${side} URL is required`;
    if (!/^https?:\/\/[^/]/.test(v[side])) return `--${side} must be an http(s) URL, got "${v[side]}"`;
  }
  const stepMs = v.step === undefined ? 10_000 : parseDurationFlag(v.step);
  if (stepMs === undefined || stepMs <= 0) return `invalid --step "${v.step}": want a duration like 10s`;
  const timeoutMs = v.timeout === undefined ? 60_000 : parseDurationFlag(v.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) return `invalid --timeout "${v.timeout}": want a duration like 60s`;
  const endMs = v.end === undefined ? nowMs - 12 * 60_000 : parseTimeFlag(v.end);
  if (endMs === undefined) return `invalid --end "${v.end}": want RFC 3339 or Unix seconds`;
  const startMs = v.start === undefined ? endMs - 10 * 60_000 : parseTimeFlag(v.start);
  if (startMs === undefined) return `invalid --start "${v.start}": want RFC 3339 or Unix seconds`;
  if (startMs > endMs) return "--start is after --end";
  if ((endMs - startMs) / stepMs > 11_000) return "the range has more than 11,000 steps (Prometheus refuses that): raise --step";
  const parallelism = v.parallelism === undefined ? 4 : Number(v.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1) return `invalid --parallelism "${v.parallelism}": want a positive integer`;
  return {
    reference: { url: v.reference, auth: auth.reference, timeoutMs },
    target: { url: v.target, auth: auth.target, timeoutMs },
    queriesFile: v.queries,
    range: { startMs, endMs, stepMs },
    json,
    parallelism,
    check242,
  };
}

function defaultQueriesFile(): string | undefined {
  const shared = sharedDir();
  return shared === undefined ? undefined : join(shared, "compliance", "promql-test-queries.yml");
}

export async function runCompareCommand(argv: readonly string[], io: CompareOutput): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(COMPARE_USAGE);
    return 0;
  }
  const args = parseCompareArgs(argv);
  if (typeof args === "string") {
    io.err(`orrery conformance compare: ${args}\n\n${COMPARE_USAGE}`);
    return 2;
  }
  const file = args.queriesFile === undefined ? defaultQueriesFile() : resolve(args.queriesFile);
  if (file === undefined) {
    io.err("orrery conformance compare: no --queries FILE and ../shared/compliance is not beside this clone (set ORRERY_SHARED)");
    return 2;
  }
  let cases;
  try {
    cases = expandQueryFile(parseQueryFile(await readFile(file, "utf8")));
  } catch (err) {
    // A file that cannot be read reaches the command's top, which names its path and the problem in one line.
    if (!(err instanceof QueryFileError)) throw err;
    io.err(`orrery conformance compare: ${file}: ${err.message}`);
    return 2;
  }
  const results = await runComparison(cases, {
    reference: args.reference,
    target: args.target,
    range: args.range,
    parallelism: args.parallelism,
    detectClosedWindows: args.check242,
  });
  const ctx = { reference: args.reference, target: args.target, range: args.range };
  io.out(args.json ? formatJsonReport(results, ctx) : formatTextReport(results, ctx));
  return countResults(results).failed > 0 ? 1 : 0;
}
