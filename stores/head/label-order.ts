// The head's series in the order a read returns them (by the labels it returns them under, the
// external ones included), kept as a rank on each series: a read sorts its selection by integers
// instead of comparing label sets, which cost ~1.5 ms of a 3,000-series query. Series created since
// the last ranking have none; they are sorted by labels and merged in, and once enough have come,
// they are ranked too (merged into the ranked ones, so a ranking costs no full sort).
import { compareLabels, extendLabels, type Labels } from "../../storeapi/index.js";
import type { MemSeries } from "./series.js";
import { sortByLabels } from "./sort.js";

export interface LabelledSeries {
  readonly labels: Labels;
  readonly series: MemSeries;
}

/** Below this many series a selection is sorted by labels directly. */
const RANK_FROM = 64;
/** A sort key is rank × INDEX_SPAN + the item's index: exact in a double for ranks below 2^31. */
const INDEX_SPAN = 2 ** 22;

/** Series created since the last ranking that start the next one: an eighth of those ranked, at least 1,024. */
function defaultRerankAfter(ranked: number): number {
  return Math.max(1024, ranked >> 3);
}

export class LabelOrder {
  /** The series ranked at the last ranking, in order (a series' rank is its index). */
  private ranked: MemSeries[] = [];
  /** The head's count of series created, at the last ranking. */
  private createdAtRanking = 0;

  constructor(
    /** The head's external labels (sorted), which a read adds to every series. */
    private readonly external: Labels,
    private readonly rerankAfter: (ranked: number) => number = defaultRerankAfter,
  ) {}

  /**
   * Sorts items (each series under its labels with the external ones) as compareLabels orders
   * their labels. `all` gives every series of the head and `created` counts those ever created,
   * for a ranking when enough have come since the last.
   */
  sort(items: LabelledSeries[], all: () => Iterable<MemSeries>, created: number): void {
    if (items.length < RANK_FROM || items.length >= INDEX_SPAN) return sortByLabels(items);
    if (created - this.createdAtRanking >= this.rerankAfter(this.ranked.length)) this.rank(all(), created);
    const keys = new Float64Array(items.length);
    const unranked: LabelledSeries[] = [];
    let k = 0;
    for (let i = 0; i < items.length; i++) {
      const rank = items[i]!.series.labelRank;
      if (rank < 0) unranked.push(items[i]!);
      else keys[k++] = rank * INDEX_SPAN + i;
    }
    const byRank = keys.subarray(0, k).sort();
    const ranked = new Array<LabelledSeries>(k);
    for (let j = 0; j < k; j++) ranked[j] = items[byRank[j]! % INDEX_SPAN]!;
    if (unranked.length === 0) {
      for (let j = 0; j < k; j++) items[j] = ranked[j]!;
      return;
    }
    sortByLabels(unranked);
    mergeInto(items, ranked, unranked, (x) => x.labels);
  }

  /** Ranks every series: those ranked before (still in the head) merged with the new ones, sorted. */
  private rank(all: Iterable<MemSeries>, created: number): void {
    const kept = this.ranked.filter((s) => s.owner !== undefined).map((series) => ({ labels: extendLabels(series.labels, this.external), series }));
    const fresh: LabelledSeries[] = [];
    for (const series of all) if (series.labelRank < 0) fresh.push({ labels: extendLabels(series.labels, this.external), series });
    sortByLabels(fresh);
    const merged = new Array<LabelledSeries>(kept.length + fresh.length);
    mergeInto(merged, kept, fresh, (x) => x.labels);
    this.ranked = merged.map((x, i) => {
      x.series.labelRank = i;
      return x.series;
    });
    this.createdAtRanking = created;
  }
}

/** Merges two lists sorted by labels into out (their total length). */
function mergeInto<T>(out: T[], a: readonly T[], b: readonly T[], labelsOf: (x: T) => Labels): void {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) out[n++] = compareLabels(labelsOf(a[i]!), labelsOf(b[j]!)) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
}
