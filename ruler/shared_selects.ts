// The selects of one group evaluation, shared between its rules: mixins select the same series in
// rule after rule (`rate(x[5m])`, `max(x)`, `x > 0`), and one store read then serves them all.
// Prometheus's semantics stay: rules run in order and a recorded series is visible to the next
// rule, so every series the group writes drops the shared reads it could belong to. A read is
// shared only when the request is the same but for hints the stores do not read (step, range,
// grouping); whether the enclosing function takes counters is kept, since dedup depends on it.
import { isCounterFunction } from "../federation/index.js";
import { compileMatcher, type Labels, type LabelNamesRequest, type LabelValuesRequest, type SeriesFrame, type SeriesRequest, type Store, type StoreInfo, type StringsResponse } from "../storeapi/index.js";

interface SharedRead {
  /** The matchers a written series is tested against; names of external labels are left out (any written series may carry them). */
  readonly tests: readonly { readonly name: string; readonly test: (v: string) => boolean }[];
  readonly frames: Promise<SeriesFrame[]>;
}

export class SharedSelects implements Store {
  private readonly reads = new Map<string, SharedRead>();

  constructor(
    private readonly inner: Store,
    /** Names of the labels the store adds to what the ruler writes. */
    private readonly externalNames: ReadonlySet<string>,
  ) {}

  info(): Promise<StoreInfo> {
    return this.inner.info();
  }

  labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.inner.labelNames(request, signal);
  }

  labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    return this.inner.labelValues(request, signal);
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    const key = requestKey(request);
    let read = this.reads.get(key);
    if (read === undefined) {
      read = { tests: request.matchers.filter((m) => !this.externalNames.has(m.name)).map((m) => ({ name: m.name, test: compileMatcher(m) })), frames: collect(this.inner.series(request, signal)) };
      this.reads.set(key, read);
      // A failed read is not shared: the next rule asks the store again.
      read.frames.catch(() => this.reads.delete(key));
    }
    yield* await read.frames;
  }

  /** Forgets the shared reads that a series with these labels (as written, before external labels) could be part of. */
  written(labels: Labels): void {
    for (const [key, read] of this.reads) if (read.tests.every((m) => m.test(valueOf(labels, m.name)))) this.reads.delete(key);
  }
}

async function collect(frames: AsyncIterable<SeriesFrame>): Promise<SeriesFrame[]> {
  const out: SeriesFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

function valueOf(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

/** Everything in the request a store's answer depends on. */
function requestKey(r: SeriesRequest): string {
  const matchers = r.matchers.map((m) => `${m.name}\u0000${m.op}\u0000${m.value}`).join("\u0001");
  const shard = r.shardInfo === undefined ? "" : `${r.shardInfo.shardIndex}/${r.shardInfo.totalShards}/${r.shardInfo.by}/${r.shardInfo.labels.join(",")}`;
  return [matchers, r.minTime, r.maxTime, r.maxResolutionWindow ?? 0, (r.aggregates ?? []).join(","), r.partialResponseDisabled === true, r.skipChunks === true, r.limit ?? 0, shard, isCounterFunction(r.queryHints?.func)].join("\u0002");
}
