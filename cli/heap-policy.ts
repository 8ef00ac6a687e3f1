// V8 heap settings by what a process mostly does, set before its modules load. Each holds unless
// node was given the same kind of flag (node flags or NODE_OPTIONS), which wins.
import { setFlagsFromString } from "node:v8";
import type { Worker } from "node:worker_threads";

/** Whether node was started with a flag whose name contains one of these words. */
function chosen(words: readonly string[]): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ""];
  return given.some((a) => words.some((w) => a.includes(w)));
}

/** Series in the head past which a receiver's young generation may grow (IngestYoungGeneration). */
export const YOUNG_GENERATION_GROWTH_SERIES = 20_000;

/**
 * For a process that mostly ingests (`orrery receive`): keeps the young generation at its initial
 * 1 MB semi-spaces while the head is small. Every series and chunk a receiver keeps passes through
 * it, and V8 doubles its semi-spaces whenever as many bytes have survived as they hold, so loading
 * the modules and then ingest grow them to 16 MB each: ~30 MB of RSS that a small receiver's
 * short-lived objects (one request's worth; its batch is reused) never need. V8 never shrinks
 * semi-spaces that have grown, and reads the growth factor each time it would grow them. Once the
 * head holds YOUNG_GENERATION_GROWTH_SERIES series (told by headSeries), V8 may double them again:
 * there a burst of new series is mostly scavenges of 1 MB (100,000 new series: ~160 of them, a
 * third of the time), and the head's own bytes dwarf what the growth costs.
 */
export class IngestYoungGeneration {
  private grown = false;

  /** The heap policy (for keepHeapPolicy): the semi-space growth factor for the head's size so far. */
  readonly policy = (): void => {
    if (chosen(["semi-space"])) return;
    setFlagsFromString(`--semi-space-growth-factor=${this.grown ? 2 : 1}`);
  };

  /** The head now holds n series: past the threshold, the young generation may grow from then on. */
  headSeries(n: number): void {
    if (this.grown || n < YOUNG_GENERATION_GROWTH_SERIES) return;
    this.grown = true;
    this.policy();
  }
}

/** The V8 flags tuneHeapForQueries sets (those node was not given already). */
function queryHeapFlags(): string[] {
  const flags: string[] = [];
  if (!chosen(["pretenuring"])) flags.push("--no-allocation-site-pretenuring");
  if (!chosen(["heap-growing"])) flags.push("--heap-growing-percent=100");
  return flags;
}

/**
 * For a process that mostly answers queries (`start`, `query`, `store`, `frontend`). A query keeps
 * a few objects a series alive until it answers, so V8 soon allocates them in the old generation
 * from the start (allocation-site pretenuring), where they die and each query ends in a full
 * mark-compact: without it they die young, in scavenges. And when the server is idle between
 * queries V8 grows the old generation limit by as little as 10 % over what is live, so a query's
 * few MB start a full collection: a fixed doubling lets queries pass between them.
 */
export function tuneHeapForQueries(): void {
  for (const f of queryHeapFlags()) setFlagsFromString(f);
}

/**
 * Applies a heap policy now and again each time a worker thread of the process comes online: V8
 * sets --semi-space-growth-factor back to at least 2 whenever it sets up a heap, a worker's too
 * (Heap::ConfigureHeap), so the receiver's snappy thread would quietly undo its small young
 * generation (~30 MB of RSS, measured on Node 20). Setting the other flags again changes nothing.
 */
export function keepHeapPolicy(policy: () => void): void {
  policy();
  process.on("worker", (worker: Worker) => worker.once("online", policy));
}
