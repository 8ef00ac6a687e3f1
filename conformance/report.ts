// Summaries of promqltest runs: the per-file table, failure details, JSON, and
// the known-failures ratchet file.
import type { EvalResult } from "./promqltest/runner.js";

export interface FileResult {
  /** Base name of the script, e.g. "functions.test"; the key in known-failures.txt. */
  file: string;
  path: string;
  results: EvalResult[];
}

export interface Totals {
  passed: number;
  failed: number;
}

export function countStatuses(results: readonly EvalResult[]): Totals {
  const t: Totals = { passed: 0, failed: 0 };
  for (const r of results) {
    if (r.status === "passed") t.passed++;
    else t.failed++;
  }
  return t;
}

export function totals(files: readonly FileResult[]): Totals {
  return countStatuses(files.flatMap((f) => f.results));
}

/** The last line of every report. */
export function summaryLine(t: Totals): string {
  return `${t.passed} passed, ${t.failed} failed`;
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

/** Human-readable report: a table per file, then failures (and, verbose, passed evals), then the summary line. */
export function formatTextReport(files: readonly FileResult[], opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const width = Math.max(4, ...files.map((f) => f.file.length));
  out.push(`${"file".padEnd(width)}  ${"passed".padStart(6)}  ${"failed".padStart(6)}`);
  for (const f of files) {
    const t = countStatuses(f.results);
    out.push(`${f.file.padEnd(width)}  ${String(t.passed).padStart(6)}  ${String(t.failed).padStart(6)}`);
  }
  const all = files.flatMap((f) => f.results);
  const failed = all.filter((r) => r.status === "failed");
  if (failed.length > 0) {
    out.push("", "Failures:");
    for (const r of failed) {
      out.push(`${r.file}:${r.line}: ${r.query}`, indent(r.message ?? "failed", "    "));
      if (r.expected !== undefined) out.push("    expected:", indent(r.expected, "      "));
      if (r.got !== undefined) out.push("    got:", indent(r.got, "      "));
    }
  }
  if (opts.verbose) {
    const passed = all.filter((r) => r.status === "passed");
    if (passed.length > 0) {
      out.push("", "Passed:");
      for (const r of passed) out.push(`${r.file}:${r.line}: ${r.query}`);
    }
  }
  out.push("", summaryLine(totals(files)));
  return out.join("\n");
}

export function formatJsonReport(files: readonly FileResult[]): string {
  return JSON.stringify(
    {
      files: files.map((f) => ({ file: f.file, path: f.path, ...countStatuses(f.results), evals: f.results })),
      totals: totals(files),
    },
    null,
    2,
  );
}

export const KNOWN_FAILURES_HEADER = [
  "# Known failures of orrery's engine on Prometheus's promqltest scripts (../shared/promqltest).",
  "#",
  "# Why this file exists: the engine is still being built, so some evals fail today.",
  "# conformance/promqltest.test.ts runs every script and fails when an eval fails that is",
  "# not listed here, and also when a listed eval no longer fails: the list can only shrink",
  "# and always tells the truth. Regenerate it with",
  "#   node dist/cli/main.js conformance promqltest --write-known-failures",
  "# One `file:line` (the eval command's line) per entry; text after `#` is a comment.",
  "# Every eval is run and judged: there is no skipped or unsupported status.",
].join("\n");

export function evalId(r: Pick<EvalResult, "file" | "line">): string {
  return `${r.file}:${r.line}`;
}

/** Reads known-failures.txt: one `file:line` per line; `#` starts a comment. */
export function parseKnownFailures(text: string): Set<string> {
  const ids = new Set<string>();
  for (const raw of text.split("\n")) {
    const l = raw.replace(/#.*/, "").trim();
    if (l !== "") ids.add(l);
  }
  return ids;
}

export function formatKnownFailures(files: readonly FileResult[]): string {
  const lines = [KNOWN_FAILURES_HEADER, ""];
  for (const r of files.flatMap((f) => f.results)) {
    if (r.status !== "failed") continue;
    const query = r.query.length > 100 ? `${r.query.slice(0, 97)}...` : r.query;
    lines.push(`${evalId(r)}  # ${query.replace(/\n/g, " ")}`);
  }
  return lines.join("\n") + "\n";
}

export interface RatchetVerdict {
  /** Failing evals that are not listed. */
  newFailures: EvalResult[];
  /** Listed evals that do not fail any more (passed, or gone). */
  stale: string[];
}

/** Compares a run with the known-failures list. */
export function checkRatchet(files: readonly FileResult[], known: ReadonlySet<string>): RatchetVerdict {
  const failing = new Set<string>();
  const newFailures: EvalResult[] = [];
  for (const r of files.flatMap((f) => f.results)) {
    if (r.status !== "failed") continue;
    failing.add(evalId(r));
    if (!known.has(evalId(r))) newFailures.push(r);
  }
  return { newFailures, stale: [...known].filter((id) => !failing.has(id)) };
}
