// Runs a parsed promqltest script against a QueryEngine over an in-memory store,
// judging each eval as Prometheus's promqltest runner does (see compare.ts).
import { QueryError, type Query, type QueryEngine, type QueryResult, type Sample } from "../../engine/index.js";
import { parse, type Expr } from "../../promql/index.js";
import { MemoryStore, STALE_NAN, type Labels, type NativeHistogram, type Store } from "../../storeapi/index.js";
import {
  checkAnnotations,
  checkExpectedFailure,
  compareResult,
  findUnsorted,
  formatExpected,
  formatValue,
} from "./compare.js";
import { atModifierVariants } from "./query.js";
import { isFailExpected, isOrdered, type Command, type EvalCommand, type LoadCommand, type Script } from "./script.js";
import { hasHistogram } from "./values.js";
import { classicToCustomBuckets, expandHistograms } from "./histograms.js";

export type EvalStatus = "passed" | "failed";

export interface EvalResult {
  /** The script's name (the file's base name for files). */
  file: string;
  /** 1-based line of the eval command. */
  line: number;
  query: string;
  kind: "instant" | "range";
  status: EvalStatus;
  /** Why it failed. */
  message?: string;
  /** Compact renderings for failure reports. */
  expected?: string;
  got?: string;
}

/** The store the runner loads into: any Store it can append floats and histograms (with start timestamps, 0: none) to and clear. */
export interface LoadableStore extends Store {
  appendSample(labels: Labels, t: number, v: number, st?: number): void;
  appendHistogram(labels: Labels, t: number, h: NativeHistogram, st?: number): void;
  clear(): void;
}

export interface RunOptions {
  /** A fresh store for a script; default a MemoryStore. */
  storeFactory?: () => LoadableStore;
  /** Only run the evals at these lines (loads and clears still run). */
  onlyLines?: ReadonlySet<number>;
  /** Also run instant queries with `@`-pinned selectors at other times, as the reference runner does. Default true. */
  atModifierVariants?: boolean;
  /** Also check instant queries as a range query around the evaluation time. Default true. */
  rangeModeCheck?: boolean;
  /** Per-query timeout handed to the engine, ms. Default 30000. */
  queryTimeoutMs?: number;
}

export type EngineFactory = () => QueryEngine;

interface RunContext {
  script: Script;
  engine: QueryEngine;
  store: LoadableStore;
  loadError?: string;
  opts: Required<Omit<RunOptions, "onlyLines" | "storeFactory">>;
}

/** Runs every command of a script; returns one result per eval, in script order. */
export async function runScript(script: Script, engineFactory: EngineFactory, options: RunOptions = {}): Promise<EvalResult[]> {
  const ctx: RunContext = {
    script,
    engine: engineFactory(),
    store: (options.storeFactory ?? (() => new MemoryStore()))(),
    opts: {
      atModifierVariants: options.atModifierVariants ?? true,
      rangeModeCheck: options.rangeModeCheck ?? true,
      queryTimeoutMs: options.queryTimeoutMs ?? 30_000,
    },
  };
  const results: EvalResult[] = [];
  for (const cmd of script.commands) {
    if (cmd.type === "eval" && options.onlyLines !== undefined && !options.onlyLines.has(cmd.line)) continue;
    const r = await runCommand(ctx, cmd);
    if (r !== undefined) results.push(r);
  }
  return results;
}

async function runCommand(ctx: RunContext, cmd: Command): Promise<EvalResult | undefined> {
  switch (cmd.type) {
    case "clear":
      ctx.store.clear();
      ctx.loadError = undefined;
      return undefined;
    case "load":
      load(ctx, cmd);
      return undefined;
    case "eval": {
      const base = { file: ctx.script.file, line: cmd.line, query: cmd.query, kind: cmd.kind };
      try {
        return { ...base, ...(await runEval(ctx, cmd)) };
      } catch (err) {
        // A runner bug must not take the other evals down with it.
        return { ...base, status: "failed", message: `runner error: ${errorText(err)}` };
      }
    }
  }
}

function load(ctx: RunContext, cmd: LoadCommand): void {
  try {
    for (const s of cmd.series) {
      const labels: Labels = s.labels;
      const histograms = hasHistogram(s.values) ? expandHistograms(s.values) : undefined;
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        const t = i * cmd.intervalMs;
        // As Prometheus's runner: an @st offset is relative to the sample's time, and 0 means "no start timestamp".
        const offset = s.startTimestamps?.[i];
        const st = offset?.kind === "offset" ? t + offset.ms : 0;
        if (v.kind === "float") ctx.store.appendSample(labels, t, v.value, st);
        else if (v.kind === "stale") ctx.store.appendSample(labels, t, STALE_NAN, st);
        else if (v.kind === "histogram") ctx.store.appendHistogram(labels, t, histograms![i]!, st);
      }
    }
    if (cmd.withNhcb) {
      for (const s of classicToCustomBuckets(cmd.series, cmd.intervalMs)) {
        for (const p of s.points) ctx.store.appendHistogram(s.labels, p.t, p.h);
      }
    }
  } catch (err) {
    ctx.loadError = `load at line ${cmd.line} failed: ${errorText(err)}`;
  }
}

type Outcome = Pick<EvalResult, "status" | "message" | "expected" | "got">;

async function runEval(ctx: RunContext, ev: EvalCommand): Promise<Outcome> {
  let expr: Expr;
  try {
    expr = parse(ev.query);
  } catch (err) {
    return { status: "failed", message: `the parser rejects the query: ${errorText(err)}` };
  }
  if (ctx.loadError !== undefined) return { status: "failed", message: ctx.loadError };
  const failure = ev.kind === "range" ? await runRangeEval(ctx, ev) : await runInstantEval(ctx, ev, expr);
  if (failure === undefined) return { status: "passed" };
  return { status: "failed", message: failure.message, expected: formatExpected(ev), got: failure.got };
}

interface Failure {
  message: string;
  got?: string;
}

type Execution = { ok: true; result: QueryResult } | { ok: false; error: unknown };

async function execute(start: () => Query): Promise<Execution> {
  try {
    return { ok: true, result: await start().exec() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Only a QueryError of a query-level kind can be the error an eval expects; a crash or timeout never is. */
function expectableError(err: unknown): QueryError | undefined {
  if (!(err instanceof QueryError)) return undefined;
  return err.kind === "bad_data" || err.kind === "execution" || err.kind === "too_many_samples" ? err : undefined;
}

/** Judges a finished query against an eval that expects (or not) an error; undefined means "go on comparing". */
function judgeError(ev: EvalCommand, exec: Execution, what: string): Failure | "expected-error-ok" | undefined {
  if (!exec.ok) {
    const qerr = expectableError(exec.error);
    if (qerr === undefined) return { message: `${what}: engine error: ${errorText(exec.error)}` };
    if (!isFailExpected(ev)) return { message: `${what}: unexpected error: ${qerr.message}` };
    const wrong = checkExpectedFailure(ev, qerr.message);
    return wrong === undefined ? "expected-error-ok" : { message: `${what}: ${wrong}` };
  }
  if (isFailExpected(ev)) return { message: `${what}: expected an error but the query succeeded`, got: formatValue(exec.result.value) };
  return undefined;
}

async function runRangeEval(ctx: RunContext, ev: EvalCommand): Promise<Failure | undefined> {
  const exec = await execute(() =>
    ctx.engine.rangeQuery(ctx.store, ev.query, ev.startMs, ev.endMs, ev.stepMs, { timeoutMs: ctx.opts.queryTimeoutMs }),
  );
  const judged = judgeError(ev, exec, "range query");
  if (judged === "expected-error-ok") return undefined;
  if (judged !== undefined) return judged;
  const result = (exec as { ok: true; result: QueryResult }).result;
  const annotations = checkAnnotations(ev, ev.query, result);
  if (annotations !== undefined) return { message: annotations, got: formatValue(result.value) };
  const mismatch = compareResult(ev, result.value);
  return mismatch === undefined ? undefined : { message: mismatch, got: formatValue(result.value) };
}

async function runInstantEval(ctx: RunContext, ev: EvalCommand, expr: Expr): Promise<Failure | undefined> {
  const variants = [{ query: ev.query, timeMs: ev.timeMs }];
  if (ctx.opts.atModifierVariants) variants.push(...atModifierVariants(ev.query, expr, ev.timeMs));
  for (let i = 0; i < variants.length; i++) {
    const failure = await runInstantQuery(ctx, ev, variants[i]);
    if (failure !== undefined) {
      if (i === 0) return failure;
      return { ...failure, message: `${failure.message} [in the @-pinned variant "${variants[i].query}" at t=${variants[i].timeMs / 1000}s]` };
    }
  }
  return undefined;
}

const QUERY_CONTEXT_FUNCTIONS = /(start|end|range|step)\(\)/;

async function runInstantQuery(ctx: RunContext, ev: EvalCommand, iq: { query: string; timeMs: number }): Promise<Failure | undefined> {
  const exec = await execute(() => ctx.engine.instantQuery(ctx.store, iq.query, iq.timeMs, { timeoutMs: ctx.opts.queryTimeoutMs }));
  const judged = judgeError(ev, exec, "instant query");
  if (judged === "expected-error-ok") return undefined;
  if (judged !== undefined) return judged;
  const result = (exec as { ok: true; result: QueryResult }).result;
  const annotations = checkAnnotations(ev, iq.query, result);
  if (annotations !== undefined) return { message: annotations, got: formatValue(result.value) };
  const mismatch = compareResult(ev, result.value);
  if (mismatch !== undefined) return { message: mismatch, got: formatValue(result.value) };
  if (ev.excludeFromRangeQuery || !ctx.opts.rangeModeCheck || QUERY_CONTEXT_FUNCTIONS.test(iq.query)) return undefined;
  return checkInRangeMode(ctx, ev, iq, result);
}

/** The same query as a range query over [t-1m, t+1m] must give the instant result at its middle step. */
async function checkInRangeMode(ctx: RunContext, ev: EvalCommand, iq: { query: string; timeMs: number }, instant: QueryResult): Promise<Failure | undefined> {
  const exec = await execute(() =>
    ctx.engine.rangeQuery(ctx.store, iq.query, iq.timeMs - 60_000, iq.timeMs + 60_000, 60_000, { timeoutMs: ctx.opts.queryTimeoutMs }),
  );
  if (!exec.ok) return { message: `in range mode: unexpected error: ${errorText(exec.error)}` };
  if (isOrdered(ev)) return undefined;
  const value = exec.result.value;
  if (value.type !== "matrix") return { message: `in range mode: the range query returned a ${value.type}, not a matrix` };
  const unsorted = findUnsorted(value.series);
  if (unsorted !== undefined) return { message: `in range mode: ${unsorted}` };
  const samples: Sample[] = [];
  for (const s of value.series) {
    const i = s.t.indexOf(iq.timeMs);
    if (i >= 0) samples.push({ labels: s.labels, t: iq.timeMs, v: s.v[i] });
    const j = s.histograms?.t.indexOf(iq.timeMs) ?? -1;
    if (j >= 0) samples.push({ labels: s.labels, t: iq.timeMs, v: 0, h: s.histograms!.h[j] });
  }
  const middle =
    instant.value.type === "scalar"
      ? samples.length === 0
        ? undefined
        : ({ type: "scalar", t: iq.timeMs, v: samples[0].v } as const)
      : ({ type: "vector", samples } as const);
  if (middle === undefined) return { message: "in range mode: the range query has no point at the evaluation time", got: formatValue(value) };
  const mismatch = compareResult(ev, middle);
  return mismatch === undefined ? undefined : { message: `in range mode: ${mismatch}`, got: formatValue(middle) };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
