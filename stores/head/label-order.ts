// The head's series in the order a read returns them (by the labels it returns them under, the
// external ones included), kept as a rank on each series: a read sorts its selection by integers
// instead of comparing label sets, which cost ~1.5 ms of a 3,000-series query. Series created since
// the last ranking have none; they are sorted by labels and merged in, and once enough have come,
// they are ranked too: the ranked ones in rank order merged with the new ones sorted by labels (no
// full sort, and no list of series kept, which would keep dropped series alive).
import { compareLabels, extendLabels, type Labels } from "../../storeapi/index.js";
import type { MemSeries } from "./series.js";
import { sortByLabels } from "./sort.js";

export interface LabelledSeries {
  readonly labels: Labels;
  readonly series: MemSeries;
}

/** The head's series table as LabelOrder reads it (HeadState). */
export interface SeriesTable {
  readonly byId: { readonly size: number; values(): Iterable<MemSeries> };
  /** Series ever created. */
  readonly created: number;
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
  /** Series ranked at the last ranking. */
  private rankedCount = 0;
  /** The head's count of series created, at the last ranking. */
  private createdAtRanking = 0;

  constructor(
    private readonly table: SeriesTable,
    /** The head's external labels (sorted), which a read adds to every series. */
    private readonly external: Labels,
    private readonly rerankAfter: (ranked: number) => number = defaultRerankAfter,
  ) {}

  /** Each series with the labels a read returns it under (its own plus the external ones). */
  labelled(series: readonly MemSeries[]): LabelledSeries[] {
    return series.map((s) => ({ labels: extendLabels(s.labels, this.external), series: s }));
  }

  /**
   * Sorts items (from labelled()) as compareLabels orders their labels; first ranks the head's
   * series when enough have been created since the last ranking.
   */
  sort(items: LabelledSeries[]): void {
    if (items.length < RANK_FROM || items.length >= INDEX_SPAN) return sortByLabels(items);
    const created = this.table.created;
    if (created - this.createdAtRanking >= this.rerankAfter(this.rankedCount)) this.rank(created);
    const { ranked, unranked } = splitByRank(items);
    if (unranked.length === 0) {
      for (let j = 0; j < ranked.length; j++) items[j] = ranked[j]!;
      return;
    }
    sortByLabels(unranked);
    mergeInto(items, ranked, unranked);
  }

  /** Ranks every series: those ranked before, in their order, merged with the new ones sorted by labels. */
  private rank(created: number): void {
    this.createdAtRanking = created;
    // Too many for the sort keys: the ranks stay as they are, and new series are merged in by labels.
    if (this.table.byId.size >= INDEX_SPAN) return;
    const labelled = this.labelled([...this.table.byId.values()]);
    const { ranked, unranked } = splitByRank(labelled);
    sortByLabels(unranked);
    const merged = new Array<LabelledSeries>(labelled.length);
    mergeInto(merged, ranked, unranked);
    for (let i = 0; i < merged.length; i++) merged[i]!.series.labelRank = i;
    this.rankedCount = merged.length;
  }
}

/** The ranked items in rank order (by a numeric sort of rank × INDEX_SPAN + index), and the unranked ones as they come. */
function splitByRank(items: readonly LabelledSeries[]): { ranked: LabelledSeries[]; unranked: LabelledSeries[] } {
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
  return { ranked, unranked };
}

/** Merges two lists sorted by labels into out (their total length). */
function mergeInto(out: LabelledSeries[], a: readonly LabelledSeries[], b: readonly LabelledSeries[]): void {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) out[n++] = compareLabels(a[i]!.labels, b[j]!.labels) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
}
