// V8 heap (and malloc) settings by what a process mostly does, set before its modules load. Each
// holds unless node was given the same kind of flag (node flags or NODE_OPTIONS, or for malloc its
// environment variables), which wins.
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

/** The one buffer keepFreedMallocMemory allocates and drops: just under glibc's 32 MiB cap. */
const MALLOC_THRESHOLD_PROBE_BYTES = 31 << 20;

/**
 * For a process that ingests: makes glibc malloc keep the memory the process frees
 * instead of handing it back to the kernel. By default it gives back whatever lies free at the top
 * of an arena past 128 KiB and maps each block above 128 KiB on its own, so TurboFan's compile
 * memory (freed after each job) and a request's large buffers (a WAL record) are touched afresh
 * each time, and every first touch of a 4 KiB page is a page fault: ~11 µs here (a VM), where a
 * 10,000-series receiver's first round took 4,300 of them. glibc raises both limits to the size of a
 * freed mapped block (to 31 MiB and twice that: mallopt(3), M_MMAP_THRESHOLD), so one 31 MiB
 * buffer made and dropped at start (never touched: no RSS) suffices, and freed memory is kept for
 * reuse as Go's runtime (Prometheus's) keeps it. Without glibc, or with MALLOC_TRIM_THRESHOLD_ /
 * MALLOC_MMAP_THRESHOLD_ (or their GLIBC_TUNABLES) set, which fix the limits, it changes nothing.
 */
export function keepFreedMallocMemory(probeBytes = MALLOC_THRESHOLD_PROBE_BYTES): void {
  try {
    // Freed (and the thresholds raised) by the next collection's sweep of array buffers.
    void new ArrayBuffer(probeBytes);
  } catch {
    // No room for it (an address-space limit, ulimit -v): the process runs with malloc's defaults.
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
