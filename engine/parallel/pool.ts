// The window workers of one process: created once (by `orrery start`/`query`) and passed to the
// Engine, which leases idle ones to a query's heavy range function calls. A busy pool is no
// error: the call is then evaluated on the query's own thread. Threads start on the first heavy
// call (or ready()), so a process that never runs one never pays for them; until they have loaded
// the engine's code, calls stay on the query's thread.
import { Worker } from "node:worker_threads";
import { SharedRowsPool, type FromWorker } from "./protocol.js";

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
  /** The rows of reads shared by group, kept from one query for the next. */
  readonly rows = new SharedRowsPool();
  private readonly script: URL;
  private readonly idle: Worker[] = [];
  /** Started, not yet ready. */
  private readonly starting = new Set<Worker>();
  private started = false;
  private closed = false;
  private readonly waiters: (() => void)[] = [];

  constructor(opts: WindowWorkerPoolOptions) {
    this.size = Math.max(0, Math.floor(opts.size));
    this.minSamples = opts.minSamples ?? DEFAULT_PARALLEL_MIN_SAMPLES;
    this.script = opts.script ?? new URL("./window_worker.js", import.meta.url);
  }

  /** Starts the threads (once) and resolves when none is still loading. */
  ready(): Promise<void> {
    this.start();
    if (this.starting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  private spawn(): void {
    const w = new Worker(this.script);
    // An idle worker must not keep the process alive; a lease refs it while a query waits on it.
    w.unref();
    this.starting.add(w);
    // The worker says "ready" once its modules are loaded.
    w.once("message", (m: FromWorker) => {
      if (m.type !== "ready" || !this.starting.delete(w)) return;
      if (this.closed) void w.terminate();
      else this.idle.push(w);
      this.settle();
    });
    // A worker that dies while not leased (it failed to start) leaves the pool; a leased one is its lease's to handle.
    w.on("error", () => this.drop(w));
    w.on("exit", () => this.drop(w));
  }

  private drop(w: Worker): void {
    this.starting.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    this.settle();
  }

  private settle(): void {
    if (this.starting.size > 0) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Up to n idle workers, each the caller's until given back or discarded; none until they are ready. */
  lease(n: number): Worker[] {
    this.start();
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

  /** Stops the idle and starting workers; leased ones stop when given back. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = [...this.idle.splice(0), ...this.starting];
    this.starting.clear();
    this.settle();
    await Promise.all(stopping.map((w) => w.terminate()));
  }
}
