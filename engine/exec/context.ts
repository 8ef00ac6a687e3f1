// Per-query state shared by the operators: the store, limits, annotations, pools and the fetch cache.
import type { Store } from "../../storeapi/index.js";
import type { Annotation, PosRange } from "../types.js";
import type { AnnotationText } from "../annotations.js";
import { canceled, timeout, tooManySamples } from "../errors.js";
import type { EngineMetrics } from "../metrics.js";
import { VectorPool } from "../model.js";

import type { LoadedSeries } from "../scan/fetch.js";
import type { QueryChunkTables } from "../scan/chunk_table.js";
import type { WorkerLeases } from "../parallel/offload.js";
export type { LoadedSeries };

export class Annotations {
  readonly warnings: Annotation[] = [];
  readonly infos: Annotation[] = [];
  private readonly seen = new Set<string>();
  /** Annotations that count their occurrences, by key: the one recorded and how often it was raised. */
  private readonly counted = new Map<string, { annotation: Annotation; base: string; count: number }>();

  warn(message: string, pos?: PosRange): void {
    this.add(this.warnings, "warning", message, pos);
  }
  info(message: string, pos?: PosRange): void {
    this.add(this.infos, "info", message, pos);
  }
  /** Records an annotation made by one of engine/annotations.ts's constructors. */
  /** A warning a store sent, kept in its own words. */
  storeWarning(message: string): void {
    const key = "store" + message;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.warnings.push({ kind: "warning", message, fromStore: true });
  }
  report(a: AnnotationText, pos?: PosRange): void {
    const list = a.kind === "warning" ? this.warnings : this.infos;
    if (a.countsOccurrences === true) this.count(list, a, pos);
    else this.add(list, a.kind, a.message, pos);
  }
  private count(list: Annotation[], a: AnnotationText, pos?: PosRange): void {
    const key = a.kind + a.message + (pos ? `@${pos.start}:${pos.end}` : "");
    const prev = this.counted.get(key);
    if (prev !== undefined) {
      prev.count++;
      prev.annotation.message = `${prev.base} (${prev.count} occurrences)`;
      return;
    }
    const annotation: Annotation = pos ? { kind: a.kind, message: a.message, pos } : { kind: a.kind, message: a.message };
    this.counted.set(key, { annotation, base: a.message, count: 1 });
    list.push(annotation);
  }
  private add(list: Annotation[], kind: "warning" | "info", message: string, pos?: PosRange): void {
    const key = kind + message + (pos ? `@${pos.start}:${pos.end}` : "");
    if (this.seen.has(key)) return;
    this.seen.add(key);
    list.push(pos ? { kind, message, pos } : { kind, message });
  }
}

/**
 * Decoded points a query holds, against maxSamples (--query.max-samples), counted as Prometheus
 * counts its currentSamples: the result held (hold), and, checked one at a time (check), each set
 * of points Prometheus holds at once while it builds that result (a step vector, a subquery's
 * points, a range function's window with the outputs before it). Compressed chunks count nothing.
 */
export class SampleTracker {
  current = 0;
  peak = 0;
  total = 0;
  constructor(private readonly max: number) {}

  hold(n: number): void {
    this.current += n;
    this.check(this.current);
  }
  release(n: number): void {
    this.current -= n;
  }
  /** Fails the query if n points held at once are over the limit; each check stands alone, so it never adds to another. */
  check(n: number): void {
    if (n > this.max) throw tooManySamples();
    if (n > this.peak) this.peak = n;
  }
  read(n: number): void {
    this.total += n;
  }
}

export interface QueryContext {
  readonly store: Store;
  readonly metrics: EngineMetrics;
  readonly signal: AbortSignal;
  readonly lookbackMs: number;
  /** Coarsest downsampling resolution the selectors may read, ms (0: raw only). */
  readonly maxResolutionMs: number;
  readonly pool: VectorPool;
  readonly stepsBatch: number;
  readonly isRangeQuery: boolean;
  readonly annotations: Annotations;
  readonly samples: SampleTracker;
  readonly fetches: Map<string, Promise<LoadedSeries[]>>;
  /** Wrap every operator built in an AnalyzedOperator (`explain analyze`). */
  readonly analyze?: boolean;
  /** Window workers heavy range function calls may use; absent: everything runs on this thread. */
  readonly workers?: WorkerLeases;
  /** Where the fetches' chunk tables get their columns (given back when the query ends); absent: their own. */
  readonly chunkTables?: QueryChunkTables;
}

/** Throws the query's abort reason (timeout or cancel) if it was aborted. */
export function checkAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const r: unknown = signal.reason;
  if (r instanceof Error && (r as { kind?: string }).kind !== undefined) throw r;
  if (r === "timeout") throw timeout();
  throw canceled();
}

/** Lets I/O run between batches so one big query never holds the event loop. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Milliseconds a query's evaluation holds the event loop before it lets I/O (and its own timeout) run. */
export const LOOP_TURN_MS = 4;

/**
 * When an evaluation loop is due to yield: once LOOP_TURN_MS have passed since it started or last
 * yielded, so a query of a millisecond takes no extra loop turns and a long one still yields often.
 */
export class LoopTurns {
  private last: number;
  constructor(
    private readonly turnMs = LOOP_TURN_MS,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.last = now();
  }

  /** Whether the loop should yield now; the turn starts again when it says so. */
  due(): boolean {
    const t = this.now();
    if (t - this.last < this.turnMs) return false;
    this.last = t;
    return true;
  }
}
