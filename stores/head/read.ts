// Reads: the Store interface over the head's data. Series stream sorted by
// labels in frames, with copies of open chunks; external labels are added to
// every series and matched by the head itself, as Thanos stores do.
import { compareUtf8, matchExternalLabels, shardMatcher } from "../../storeapi/index.js";
import type {
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Matcher,
  Series,
  SeriesEstimate,
  SeriesFrame,
  SeriesRequest,
  StoreInfo,
  StringsResponse,
} from "../../storeapi/index.js";
import { LabelOrder } from "./label-order.js";
import { selectIds } from "./select.js";
import { ByteSlab, type MemSeries } from "./series.js";
import type { HeadState } from "./state.js";

/** Series per frame of a series() stream. */
const FRAME_SERIES = 256;

const NO_STRINGS: StringsResponse = { values: [], warnings: [] };

export class HeadReader {
  private readonly order: LabelOrder;

  constructor(
    private readonly state: HeadState,
    /** Sorted; empty when the head has none. */
    private readonly externalLabels: Labels,
  ) {
    this.order = new LabelOrder(state, externalLabels);
  }

  info(): StoreInfo {
    const state = this.state;
    const empty = state.byId.size === 0 || state.minTime > state.maxTime;
    return {
      labelSets: this.externalLabels.length > 0 ? [this.externalLabels] : [],
      // An empty head covers no time: min above max, so no range selects it.
      minTime: empty ? Number.MAX_SAFE_INTEGER : state.minTime,
      maxTime: empty ? Number.MIN_SAFE_INTEGER : state.maxTime,
      resolutions: [0],
      supportsAggregationPushdown: false,
    };
  }

  async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    throwIfAborted(signal);
    const { minTime, maxTime } = request;
    const ext = matchExternalLabels(request.matchers, this.externalLabels);
    if (!ext.matches) return;
    let selected = this.order.labelled(this.selectSeries(ext.rest, minTime, maxTime));
    const shard = shardMatcher(request.shardInfo);
    if (shard !== undefined) selected = selected.filter((s) => shard.matches(s.labels));
    this.order.sort(selected);
    if (request.limit !== undefined && request.limit > 0 && selected.length > request.limit) {
      selected = selected.slice(0, request.limit);
    }
    // The open chunks' copies (and decoded tails) share slab blocks (see chunksIn).
    const copies = new ByteSlab();
    const arena = this.state.arena;
    for (let from = 0; from < selected.length; from += FRAME_SERIES) {
      throwIfAborted(signal);
      const frame: Series[] = [];
      for (let i = from; i < Math.min(selected.length, from + FRAME_SERIES); i++) {
        const { labels, series } = selected[i]!;
        if (request.skipChunks) {
          frame.push({ labels, chunks: [] });
          continue;
        }
        // Chunks are gathered per frame: truncation between frames may have emptied a series.
        const chunks = series.chunksIn(minTime, maxTime, arena, copies, true, request.latestOnly === true);
        if (chunks.length > 0) frame.push({ labels, chunks });
      }
      yield { series: frame, warnings: [] };
    }
  }

  /** What series(request) would return, counted exactly from postings and chunk headers; no chunk is copied. */
  async estimate(request: SeriesRequest, signal?: AbortSignal): Promise<SeriesEstimate> {
    throwIfAborted(signal);
    const { minTime, maxTime } = request;
    const ext = matchExternalLabels(request.matchers, this.externalLabels);
    if (!ext.matches) return { series: 0, samples: 0, basis: "exact" };
    let selected = this.selectSeries(ext.rest, minTime, maxTime);
    const shard = shardMatcher(request.shardInfo);
    if (shard !== undefined) selected = this.order.labelled(selected).filter((s) => shard.matches(s.labels)).map((s) => s.series);
    // A limit keeps the first series in label order: which ones only a sort can tell, so count all.
    const limited = request.limit !== undefined && request.limit > 0 && selected.length > request.limit;
    let samples = 0;
    for (const s of selected) samples += s.samplesIn(minTime, maxTime);
    if (!limited) return { series: selected.length, samples, basis: "exact" };
    return { series: request.limit!, samples: Math.round((samples * request.limit!) / selected.length), basis: "statistics" };
  }

  async labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    throwIfAborted(signal);
    if (!this.overlaps(request.minTime, request.maxTime)) return NO_STRINGS;
    const ext = matchExternalLabels(request.matchers, this.externalLabels);
    if (!ext.matches) return NO_STRINGS;
    let values: readonly string[];
    if (ext.rest.length === 0) {
      values = this.withExternalNames(this.state.postings.labelNames());
    } else {
      const names = new Set<string>();
      for (const s of this.selectSeries(ext.rest, request.minTime, request.maxTime)) {
        for (const l of s.labels) names.add(l.name);
      }
      values = names.size > 0 ? this.withExternalNames([...names].sort(compareUtf8)) : [];
    }
    return { values: limitList(values, request.limit), warnings: [] };
  }

  async labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse> {
    throwIfAborted(signal);
    if (!this.overlaps(request.minTime, request.maxTime)) return NO_STRINGS;
    const ext = matchExternalLabels(request.matchers, this.externalLabels);
    if (!ext.matches) return NO_STRINGS;
    const external = this.externalLabels.find((l) => l.name === request.label);
    if (external !== undefined) {
      // Every series carries the external value (it overrides their own).
      const any = ext.rest.length === 0 || this.selectSeries(ext.rest, request.minTime, request.maxTime).length > 0;
      return { values: any ? [external.value] : [], warnings: [] };
    }
    let values: readonly string[];
    if (ext.rest.length === 0) {
      values = this.state.postings.labelValues(request.label);
    } else {
      const found = new Set<string>();
      for (const s of this.selectSeries(ext.rest, request.minTime, request.maxTime)) {
        for (const l of s.labels) if (l.name === request.label) found.add(l.value);
      }
      values = [...found].sort(compareUtf8);
    }
    return { values: limitList(values, request.limit), warnings: [] };
  }

  /** Series matching the matchers with a chunk overlapping [mint, maxt], in id order. */
  private selectSeries(matchers: readonly Matcher[], mint: number, maxt: number): MemSeries[] {
    const byId = this.state.byId;
    const ids = selectIds(this.state.postings, matchers, (id) => byId.get(id)?.labels);
    const out: MemSeries[] = [];
    for (let i = 0; i < ids.length; i++) {
      const s = byId.get(ids[i]!);
      if (s !== undefined && s.hasDataIn(mint, maxt)) out.push(s);
    }
    return out;
  }

  /** Sorted names plus the external label names (sorted, no repeats). */
  private withExternalNames(names: readonly string[]): readonly string[] {
    if (this.externalLabels.length === 0) return names;
    const all = new Set(names);
    for (const l of this.externalLabels) all.add(l.name);
    return [...all].sort(compareUtf8);
  }

  private overlaps(mint: number, maxt: number): boolean {
    return this.state.minTime <= maxt && this.state.maxTime >= mint;
  }
}

function limitList(values: readonly string[], limit: number | undefined): string[] {
  return limit !== undefined && limit > 0 && values.length > limit ? values.slice(0, limit) : values.slice();
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException("aborted", "AbortError");
}
