// A concurrency gate for queries: at most `maxConcurrent` run at once, up to
// `maxQueued` wait in line, and beyond that a request is turned away at once.
import { ApiError } from "./params.js";

interface Waiter {
  grant: (release: () => void) => void;
  fail: (err: Error) => void;
}

export class QueryGate {
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(maxConcurrent: number, maxQueued: number) {
    this.maxConcurrent = Math.max(1, maxConcurrent);
    this.maxQueued = Math.max(0, maxQueued);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with an
   * `unavailable` ApiError when the queue is full, or with the signal's
   * reason when it aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(
        new ApiError(
          "unavailable",
          `too many concurrent queries: ${this.active} running and ${this.waiting.length} queued (--query.max-concurrency=${this.maxConcurrent}); try again later`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
        fail: reject,
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `active` stays the same.
      if (next !== undefined) next.grant(this.releaser());
      else this.active--;
    };
  }
}
