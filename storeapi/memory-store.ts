// An in-memory Store for tests and the conformance runner: samples per series, XOR chunks cut every 120,
// native histograms in HISTOGRAM / FLOAT_HISTOGRAM chunks cut where Prometheus's head cuts them.
// Like a Thanos store, it attaches its external labels to every series it returns (an external
// label replaces a series label of the same name), and matchers see them.
import type {
  AggrChunk,
  Label,
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Matcher,
  SeriesFrame,
  SeriesRequest,
  Series,
  Store,
  StoreInfo,
  StringsResponse,
} from "./types.js";
import { histogramShapeError, isStaleNaN } from "./chunkenc/index.js";
import { chunksOfSamples } from "./series-chunks.js";
import type { NativeHistogram } from "./histogram.js";
import { compareLabels, compareUtf8, getLabel, labelsKey } from "./labels.js";
import { compileMatchers } from "./matchers.js";
import { extendLabels } from "./external-labels.js";
import { shardMatcher } from "./shard.js";

/**
 * One series' samples; values live in a Float64Array so stale-marker bits survive. hs[i] holds sample i's
 * histogram when it is one (hs stays empty until the series gets its first histogram); sts[i] its start
 * timestamp, 0 for none (sts stays empty until the series gets its first one).
 */
class MemorySeries {
  ts: number[] = [];
  vs = new Float64Array(16);
  hs: (NativeHistogram | undefined)[] = [];
  sts: number[] = [];
  private sorted = true;
  private chunkCache: AggrChunk[] | undefined;

  /** @param labels the series' labels with the store's external labels attached. */
  constructor(readonly labels: Labels) {}

  get length(): number {
    return this.ts.length;
  }

  append(t: number, v: number, st = 0): void {
    if (!Number.isSafeInteger(t)) throw new RangeError(`MemoryStore: timestamp ${t} is not a safe integer`);
    if (!Number.isSafeInteger(st)) throw new RangeError(`MemoryStore: start timestamp ${st} is not a safe integer`);
    const n = this.ts.length;
    if (n > 0 && t <= this.ts[n - 1]!) this.sorted = false;
    if (n === this.vs.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.vs);
      this.vs = grown;
    }
    this.ts.push(t);
    this.vs[n] = v;
    if (this.hs.length > 0) this.hs[n] = undefined;
    if (st !== 0 && this.sts.length < n) this.sts.length = n;
    if (st !== 0 || this.sts.length > 0) this.sts[n] = st;
    this.chunkCache = undefined;
  }

  appendHistogram(t: number, h: NativeHistogram, st = 0): void {
    const n = this.ts.length;
    this.append(t, 0, st);
    if (this.hs.length < n) this.hs.length = n;
    this.hs[n] = h;
  }

  /** Sorts by time; at equal timestamps the sample appended last wins, float or histogram. */
  private ensureSorted(): void {
    if (this.sorted) return;
    const n = this.ts.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.ts[a]! - this.ts[b]! || a - b);
    const ts: number[] = [];
    const vs = new Float64Array(Math.max(16, n));
    const hs: (NativeHistogram | undefined)[] = [];
    const sts: number[] = [];
    const withHistograms = this.hs.length > 0;
    const withStartTimestamps = this.sts.length > 0;
    for (const i of order) {
      const t = this.ts[i]!;
      const last = ts.length - 1;
      const at = last >= 0 && ts[last] === t ? last : ts.length;
      vs[at] = this.vs[i]!;
      if (withHistograms) hs[at] = this.hs[i];
      if (withStartTimestamps) sts[at] = this.sts[i] ?? 0;
      if (at === ts.length) ts.push(t);
    }
    this.ts = ts;
    this.vs = vs;
    this.hs = hs;
    this.sts = sts;
    this.sorted = true;
  }

  minTime(): number {
    this.ensureSorted();
    return this.ts[0]!;
  }

  maxTime(): number {
    this.ensureSorted();
    return this.ts[this.ts.length - 1]!;
  }

  /** Whether any sample lies in [mint, maxt]. */
  hasSamplesIn(mint: number, maxt: number): boolean {
    this.ensureSorted();
    const ts = this.ts;
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < mint) lo = mid + 1;
      else hi = mid;
    }
    return lo < ts.length && ts[lo]! <= maxt;
  }

  chunks(): AggrChunk[] {
    if (this.chunkCache !== undefined) return this.chunkCache;
    this.ensureSorted();
    this.chunkCache = chunksOfSamples(this.ts, this.vs, this.ts.length, this.hs, this.sts.length > 0 ? this.sts : undefined);
    return this.chunkCache;
  }
}

export interface MemoryStoreOptions {
  /** External labels the store is known by: reported by info() and attached to every series returned. */
  readonly externalLabels?: Labels;
  /** Series per frame of the series() stream. */
  readonly frameSize?: number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error("aborted");
}

/** A Store holding samples in memory; add() or appendSample() to fill it. */
export class MemoryStore implements Store {
  private readonly byKey = new Map<string, MemorySeries>();
  private sortedCache: MemorySeries[] | undefined;
  /** label name → value → the series holding that pair, in label order; rebuilt with sortedCache. */
  private postingsCache: Map<string, Map<string, MemorySeries[]>> | undefined;
  private readonly externalLabels: Labels;
  private readonly frameSize: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.externalLabels = options.externalLabels ?? [];
    this.frameSize = Math.max(1, options.frameSize ?? 256);
  }

  /** Appends samples to a series (labels must be sorted, as Labels always are; without the external labels). */
  add(labels: Labels, ts: ArrayLike<number>, vs: ArrayLike<number>): void {
    if (ts.length !== vs.length) throw new Error(`MemoryStore.add: ${ts.length} timestamps but ${vs.length} values`);
    const s = this.seriesFor(labels);
    for (let i = 0; i < ts.length; i++) s.append(ts[i]!, vs[i]!);
  }

  /**
   * Appends one sample; out-of-order samples are sorted in, and a repeated timestamp replaces the value.
   * st: its start (created) timestamp, 0 for none.
   */
  appendSample(labels: Labels, t: number, v: number, st = 0): void {
    this.seriesFor(labels).append(t, v, st);
  }

  /**
   * Appends one native histogram sample (a stale marker: sum STALE_NAN). Out-of-order samples are sorted in and a
   * repeated timestamp replaces the sample, float or histogram. Throws RangeError naming the series on a malformed histogram.
   */
  appendHistogram(labels: Labels, t: number, h: NativeHistogram, st = 0): void {
    if (!isStaleNaN(h.sum)) {
      const err = histogramShapeError(h);
      if (err !== undefined) throw new RangeError(`MemoryStore.appendHistogram: ${labelsKey(labels)}: ${err}`);
    }
    this.seriesFor(labels).appendHistogram(t, h, st);
  }

  /** Removes all series. */
  clear(): void {
    this.byKey.clear();
    this.sortedCache = undefined;
    this.postingsCache = undefined;
  }

  /** Number of series held. */
  numSeries(): number {
    return this.byKey.size;
  }

  private seriesFor(labels: Labels): MemorySeries {
    const key = labelsKey(labels);
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = new MemorySeries(extendLabels(labels, this.externalLabels));
      this.byKey.set(key, s);
      this.sortedCache = undefined;
      this.postingsCache = undefined;
    }
    return s;
  }

  private sortedSeries(): MemorySeries[] {
    if (this.sortedCache === undefined) {
      this.sortedCache = [...this.byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    }
    return this.sortedCache;
  }

  private postings(): Map<string, Map<string, MemorySeries[]>> {
    if (this.postingsCache !== undefined) return this.postingsCache;
    const index = new Map<string, Map<string, MemorySeries[]>>();
    for (const s of this.sortedSeries()) {
      for (const l of s.labels) {
        let values = index.get(l.name);
        if (values === undefined) index.set(l.name, (values = new Map()));
        const list = values.get(l.value);
        if (list === undefined) values.set(l.value, [s]);
        else list.push(s);
      }
    }
    this.postingsCache = index;
    return index;
  }

  /**
   * The fewest series the matchers can match, in label order: the shortest postings list of an
   * equality matcher on a non-empty value, or every series when there is none.
   */
  private candidates(matchers: readonly Matcher[]): readonly MemorySeries[] {
    let best: readonly MemorySeries[] | undefined;
    for (const m of matchers) {
      if (m.op !== "=" || m.value === "") continue;
      const list = this.postings().get(m.name)?.get(m.value) ?? [];
      if (best === undefined || list.length < best.length) best = list;
    }
    return best ?? this.sortedSeries();
  }

  /** Series matching all matchers with samples in [mint, maxt], in label order. Throws MatcherError. */
  private select(matchers: readonly Matcher[], mint: number, maxt: number): MemorySeries[] {
    const compiled = compileMatchers(matchers);
    return this.candidates(matchers).filter(
      (s) => compiled.every((m) => m.matches(getLabel(s.labels, m.name))) && s.length > 0 && s.hasSamplesIn(mint, maxt),
    );
  }

  async info(): Promise<StoreInfo> {
    let minTime = Number.MAX_SAFE_INTEGER;
    let maxTime = Number.MIN_SAFE_INTEGER;
    for (const s of this.byKey.values()) {
      if (s.length === 0) continue;
      minTime = Math.min(minTime, s.minTime());
      maxTime = Math.max(maxTime, s.maxTime());
    }
    return {
      labelSets: this.externalLabels.length > 0 ? [this.externalLabels] : [],
      minTime,
      maxTime,
      resolutions: [0],
      supportsAggregationPushdown: false,
    };
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    throwIfAborted(signal);
    const { minTime, maxTime } = request;
    let selected = this.select(request.matchers, minTime, maxTime);
    const shard = shardMatcher(request.shardInfo);
    if (shard !== undefined) selected = selected.filter((s) => shard.matches(s.labels));
    if (request.limit !== undefined && request.limit > 0) selected = selected.slice(0, request.limit);
    for (let start = 0; start < selected.length; start += this.frameSize) {
      const batch: Series[] = [];
      for (const s of selected.slice(start, start + this.frameSize)) {
        const chunks = request.skipChunks ? [] : s.chunks().filter((c) => c.maxTime >= minTime && c.minTime <= maxTime);
        batch.push({ labels: s.labels, chunks });
      }
      throwIfAborted(signal);
      yield { series: batch, warnings: [] };
      throwIfAborted(signal);
    }
  }

  async labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    throwIfAborted(signal);
    const names = new Set<string>();
    for (const s of this.select(request.matchers, request.minTime, request.maxTime)) {
      for (const l of s.labels) names.add(l.name);
    }
    return { values: sortAndLimit(names, request.limit), warnings: [] };
  }

  async labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    throwIfAborted(signal);
    const values = new Set<string>();
    for (const s of this.select(request.matchers, request.minTime, request.maxTime)) {
      const v = getLabel(s.labels, request.label);
      if (v !== "") values.add(v);
    }
    return { values: sortAndLimit(values, request.limit), warnings: [] };
  }
}

function sortAndLimit(values: Set<string>, limit: number | undefined): string[] {
  const sorted = [...values].sort(compareUtf8);
  return limit !== undefined && limit > 0 ? sorted.slice(0, limit) : sorted;
}
