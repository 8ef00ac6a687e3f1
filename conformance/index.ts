// Conformance: runs Prometheus's promqltest scripts (../shared/promqltest)
// against orrery's engine and reports, per eval, passed / failed.
//
// Judged as Prometheus's own runner judges (promql/promqltest/test.go):
// - series matched by label set; values equal within a relative 1e-6, any NaN equals NaN;
//   order checked only with `expect ordered` / `eval_ordered`; matrices must be label-sorted;
// - annotations rendered as the API does (`PromQL warning: <msg> (<line>:<col>)`) and checked
//   only as the expect lines say (warn/info: each line matches one and every one is matched;
//   no_warn/no_info: none); nothing is checked about annotations without expect lines;
// - an instant eval is also run with every selector pinned `@ <t>` at other times, and as a
//   range query over [t-1m, t+1m] whose middle step must give the same result;
// - an expected error is matched by message or regex; only a QueryError of kind bad_data,
//   execution or too_many_samples can satisfy it (a crash or timeout never does);
// - a query our parser rejects fails (Prometheus's parser accepts every eval query).
// Every eval is run, native histograms (literals, load_with_nhcb) and start timestamps (@st) included.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { FileResult } from "./report.js";
import { runScript, type EngineFactory, type EvalResult, type RunOptions } from "./promqltest/runner.js";
import { parseScript, ScriptError } from "./promqltest/script.js";

export { parseScript, ScriptError } from "./promqltest/script.js";
export type { Script, Command, EvalCommand, LoadCommand, ClearCommand, ExpectedSeries, MessageMatcher } from "./promqltest/script.js";
export { runScript } from "./promqltest/runner.js";
export type { EvalResult, EvalStatus, EngineFactory, RunOptions, LoadableStore } from "./promqltest/runner.js";
export { parseSeriesDescription, parseSequence, parseScriptDuration, parseBareNumber } from "./promqltest/values.js";
export type { SequenceValue, HistogramLiteral, ScriptLabel, SeriesDescription } from "./promqltest/values.js";
export { almostEqual, compareResult, checkAnnotations, checkExpectedFailure, renderAnnotation, DEFAULT_EPSILON } from "./promqltest/compare.js";
export {
  formatTextReport,
  formatJsonReport,
  formatKnownFailures,
  parseKnownFailures,
  checkRatchet,
  summaryLine,
  totals,
  countStatuses,
  evalId,
} from "./report.js";
export type { FileResult, Totals, RatchetVerdict } from "./report.js";

/** A script file to run, optionally only the evals at some lines. */
export type PromqlTestFile = string | { path: string; onlyLines?: readonly number[] };

export interface PromqlTestOptions extends RunOptions {
  engineFactory: EngineFactory;
}

/**
 * Reads, parses and runs each file. A script that does not parse yields one
 * failed result at the offending line, so problems are never silent.
 */
export async function runPromqlTestFiles(files: readonly PromqlTestFile[], opts: PromqlTestOptions): Promise<FileResult[]> {
  const out: FileResult[] = [];
  for (const f of files) {
    const path = typeof f === "string" ? f : f.path;
    const onlyLines = typeof f === "string" || f.onlyLines === undefined ? opts.onlyLines : new Set(f.onlyLines);
    const file = basename(path);
    out.push({ file, path, results: await runFile(path, file, { ...opts, onlyLines }) });
  }
  return out;
}

async function runFile(path: string, file: string, opts: PromqlTestOptions): Promise<EvalResult[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return [{ file, line: 0, query: "", kind: "instant", status: "failed", message: `cannot read ${path}: ${(err as Error).message}` }];
  }
  try {
    return await runScript(parseScript(text, file), opts.engineFactory, opts);
  } catch (err) {
    if (!(err instanceof ScriptError)) throw err;
    return [{ file, line: err.line, query: "", kind: "instant", status: "failed", message: `script error: ${err.detail}` }];
  }
}
export * from "./compare/index.js";
