// The window workers of one process: created once (by `orrery start`/`query`) and passed to the
// Engine, which leases idle ones to a query's heavy range function calls. A busy pool is no
// error: the call is then evaluated on the query's own thread.
import { Worker } from "node:worker_threads";

/** Default least work (samples decoded + windows evaluated) for a call to use workers; see the README's speed section. */
export const DEFAULT_PARALLEL_MIN_SAMPLES = 1_000_000;

export interface WindowWorkerPoolOptions {
  /** Worker threads. */
  size: number;
  /** Least work (samples decoded + windows evaluated by the offloadable series) for a call to use workers. */
  minSamples?: number;
  /** The worker's module; tests stand in a failing one. */
  script?: URL;
}

export class WindowWorkerPool {
  readonly size: number;
  readonly minSamples: number;
  /** Workers leased to queries, and parts of range function calls started on them. */
  leased = 0;
  parts = 0;
  /** Workers stopped mid-job (a canceled query, a failure) and replaced. */
  discarded = 0;
  private readonly script: URL;
  private readonly idle: Worker[] = [];
  private closed = false;

  constructor(opts: WindowWorkerPoolOptions) {
    this.size = Math.max(0, Math.floor(opts.size));
    this.minSamples = opts.minSamples ?? DEFAULT_PARALLEL_MIN_SAMPLES;
    this.script = opts.script ?? new URL("./window_worker.js", import.meta.url);
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  private spawn(): void {
    const w = new Worker(this.script);
    // An idle worker must not keep the process alive; a lease refs it while a query waits on it.
    w.unref();
    // A worker that dies while idle (it failed to start) leaves the pool; a leased one is the lease's to handle.
    w.on("error", () => this.drop(w));
    w.on("exit", () => this.drop(w));
    this.idle.push(w);
  }

  private drop(w: Worker): void {
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Up to n idle workers, each the caller's until given back or discarded. */
  lease(n: number): Worker[] {
    if (this.closed || n <= 0) return [];
    const out = this.idle.splice(Math.max(0, this.idle.length - n));
    for (const w of out) w.ref();
    this.leased += out.length;
    return out;
  }

  /** Counts a part of a call started on a leased worker. */
  partStarted(): void {
    this.parts++;
  }

  /** A leased worker that finished its job cleanly. */
  giveBack(w: Worker): void {
    w.unref();
    if (this.closed) void w.terminate();
    else this.idle.push(w);
  }

  /** A leased worker stopped mid-job or failed: terminated, and a fresh one started in its place. */
  discard(w: Worker): void {
    this.discarded++;
    void w.terminate();
    if (!this.closed) this.spawn();
  }

  /** Stops the idle workers; leased ones stop when given back. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((w) => w.terminate()));
  }
}
