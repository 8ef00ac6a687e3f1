// One store's series stream as the merge sees it: one frame held at a time, pulled on demand, each
// pull bounded by the store response timeout, sort order checked, replica labels optionally stripped.
import { compareLabels, formatLabels } from "../storeapi/index.js";
import type { Label, Labels, Series, SeriesFrame, SeriesRequest, Store } from "../storeapi/index.js";

/** A store failure, carrying the store's name; its message is `store <name>: <detail>`. */
export class StoreFailure extends Error {
  override name = "StoreFailure";
  constructor(
    readonly store: string,
    readonly detail: string,
  ) {
    super(`store ${store}: ${detail}`);
  }
}

export interface CursorOptions {
  /** Longest wait for one frame, ms (0: none). */
  readonly responseTimeoutMs: number;
  /** Labels removed from every series (replica labels under dedup); their values become `headReplica`. */
  readonly stripLabels?: ReadonlySet<string>;
  /** Also check the order after stripping (the cursor feeds the merge directly, not a re-sort). */
  readonly checkStrippedOrder?: boolean;
  /** Counts frames pulled from stores (for tests and metrics). */
  readonly onFrame?: () => void;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Pulls one store's frames lazily; `head` is the current series, `advance()` moves on. */
export class StoreCursor {
  head: Series | undefined;
  /** The stripped labels' values of `head` ("" without stripping): which replica it came from. */
  headReplica = "";
  /** Warnings from the store's frames, collected for the merge to pass on. */
  readonly warnings: string[] = [];
  private frame: readonly Series[] = [];
  private index = 0;
  private previous: Labels | undefined;
  private iterator: AsyncIterator<SeriesFrame> | undefined;
  private done = false;
  private readonly controller = new AbortController();
  /** Rejects the pull waiting now, if any (see pull). */
  private rejectPull: ((reason: unknown) => void) | undefined;
  /** Whether the abort listener that calls rejectPull is in place (added once, on the first pull). */
  private listening = false;

  constructor(
    readonly name: string,
    private readonly store: Store,
    private readonly request: SeriesRequest,
    parent: AbortSignal,
    private readonly options: CursorOptions,
  ) {
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener("abort", () => this.controller.abort(parent.reason), { once: true });
  }

  /** Moves to the next series, pulling a frame when the current one is used up; throws StoreFailure. */
  async advance(): Promise<void> {
    this.index++;
    while (this.index >= this.frame.length) {
      if (this.done) {
        this.head = undefined;
        return;
      }
      const frame = await this.pull();
      if (frame === undefined) {
        this.done = true;
        this.iterator = undefined; // finished: close() has nothing to cancel
        continue;
      }
      for (const w of frame.warnings) this.warnings.push(w);
      this.frame = frame.series;
      this.index = 0;
    }
    this.setHead(this.frame[this.index]!);
  }

  /**
   * Moves to the next series when the frame in hand holds it, without awaiting (the merge's common
   * case); false, not moved, when the next series needs a pull (then await advance()). Throws StoreFailure.
   */
  advanceBuffered(): boolean {
    if (this.index + 1 >= this.frame.length) return false;
    this.index++;
    this.setHead(this.frame[this.index]!);
    return true;
  }

  private setHead(original: Series): void {
    if (this.previous !== undefined && compareLabels(this.previous, original.labels) > 0) {
      throw this.fail(`series out of order: ${formatLabels(original.labels)} after ${formatLabels(this.previous)}`);
    }
    this.previous = original.labels;
    const next = this.stripped(original);
    if (this.options.checkStrippedOrder && this.head !== undefined && compareLabels(this.head.labels, next.labels) > 0) {
      throw this.fail(
        `series out of order without replica labels: ${formatLabels(next.labels)} after ${formatLabels(this.head.labels)}`,
      );
    }
    this.head = next;
  }

  /** Stops the store's stream (cancels its request); the cursor is then at its end. */
  close(): void {
    // A stream that ended has nothing to cancel: no abort, no Error (and its stack) per store per query.
    const ended = this.done && this.iterator === undefined;
    this.head = undefined;
    this.done = true;
    this.frame = [];
    if (!ended) this.controller.abort(new Error("stream closed"));
    const it = this.iterator;
    this.iterator = undefined;
    // A stuck generator's return() only settles after its pending next(); never wait for it.
    it?.return?.().catch(() => undefined);
  }

  private stripped(series: Series): Series {
    const strip = this.options.stripLabels;
    if (strip === undefined || strip.size === 0) return series;
    const kept: Label[] = [];
    let replica = "";
    for (const l of series.labels) {
      if (strip.has(l.name)) replica += `${l.name.length}:${l.name}${l.value.length}:${l.value}`;
      else kept.push(l);
    }
    this.headReplica = replica;
    return kept.length === series.labels.length ? series : { labels: kept, chunks: series.chunks };
  }

  private fail(detail: string): StoreFailure {
    this.close();
    return new StoreFailure(this.name, detail);
  }

  private async pull(): Promise<SeriesFrame | undefined> {
    this.options.onFrame?.();
    let next: Promise<IteratorResult<SeriesFrame>>;
    try {
      this.iterator ??= this.store.series(this.request, this.controller.signal)[Symbol.asyncIterator]();
      next = this.iterator.next();
    } catch (e) {
      throw this.fail(errorText(e));
    }
    const timeoutMs = this.options.responseTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const signal = this.controller.signal;
    // A store that ignores the signal must not hold the query after a cancel. One listener per
    // cursor, not one added and removed per pull (an AbortSignal's listeners cost microseconds).
    if (!this.listening) {
      this.listening = true;
      signal.addEventListener("abort", () => this.rejectPull?.(signal.reason), { once: true });
    }
    const cutOff = new Promise<"timeout">((resolve, reject) => {
      if (timeoutMs > 0) timer = setTimeout(() => resolve("timeout"), timeoutMs);
      this.rejectPull = reject;
    });
    cutOff.catch(() => undefined);
    next.catch(() => undefined);
    try {
      if (signal.aborted) throw signal.reason;
      const result = await Promise.race([next, cutOff]);
      if (result === "timeout") throw this.fail(`no response within ${timeoutMs}ms (store response timeout)`);
      return result.done ? undefined : result.value;
    } catch (e) {
      if (e instanceof StoreFailure) throw e;
      throw this.fail(errorText(e));
    } finally {
      clearTimeout(timer);
      this.rejectPull = undefined;
    }
  }
}
