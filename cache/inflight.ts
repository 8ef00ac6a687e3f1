// Identical requests in flight at the same moment (viewers of one dashboard
// refreshing together) share one computation: the later ones wait for the
// answer the first is getting, instead of asking downstream again.

/** Computations in flight by key; each one's signal aborts only once every request waiting on it has gone. */
export class InFlight<T> {
  private readonly running = new Map<string, { answer: Promise<T>; waiting: number; abort: AbortController }>();

  /** The answer of the computation running under key, or of run() started now. */
  join(key: string, signal: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let entry = this.running.get(key);
    if (entry === undefined) {
      const abort = new AbortController();
      const answer = run(abort.signal).finally(() => this.running.delete(key));
      entry = { answer, waiting: 0, abort };
      this.running.set(key, entry);
    }
    const shared = entry;
    shared.waiting++;
    const leave = (): void => {
      if (--shared.waiting === 0) shared.abort.abort(signal.reason);
    };
    if (signal.aborted) leave();
    else signal.addEventListener("abort", leave, { once: true });
    return shared.answer.finally(() => signal.removeEventListener("abort", leave));
  }

  /** Whether a computation runs under key now (a join would share it). */
  has(key: string): boolean {
    return this.running.has(key);
  }
}
