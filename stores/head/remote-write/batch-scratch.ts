// The arrays the receiver builds a head batch in, kept with the decoder's columns for the next request
// (once the head has read the batch): entries are filled in place rather than made per request
// (about 100 B a series of garbage each time).
import { EMPTY_LABELS, type Labels, scratchCapacity } from "../../../storeapi/index.js";
import { objectArray } from "../object-array.js";
import type { SeriesHandle, SeriesHistograms } from "../types.js";

/** A batch entry filled in place: SeriesSamples with writable fields, one shape for every entry. */
interface BatchEntry {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  from: number;
  n: number;
  st: Float64Array | undefined;
  series: SeriesHandle | undefined;
  histograms: SeriesHistograms | undefined;
}

export class BatchScratch {
  /** The batch: entries[0, size) after add(); seal() cuts the array to them. */
  private readonly entries: BatchEntry[] = objectArray();
  private size = 0;
  /** The head's series per entry (appendBatch's handles). */
  readonly handles: (SeriesHandle | undefined)[] = objectArray();
  /** Per request series: its label set, its problem (a string), or undefined when it was skipped. */
  readonly labelsOf: (Labels | string | undefined)[] = objectArray();
  /** Per request series: its label-bytes hash; per entry: its request series. */
  hashes = new Int32Array(0);
  entrySeries = new Int32Array(0);
  /** Per request series: 1 when an exemplar names it. */
  withExemplars = new Uint8Array(0);
  /** Per request series: 1 when its label set was decoded and is its bytes exactly (LabelsExactness). */
  exact = new Uint8Array(0);
  /** The request's series count (begin), for clear. */
  private seriesCount = 0;

  /** Starts a batch for a request of seriesCount series. */
  begin(seriesCount: number): void {
    this.seriesCount = seriesCount;
    if (this.hashes.length < seriesCount) {
      const cap = scratchCapacity(seriesCount);
      this.hashes = new Int32Array(cap);
      this.entrySeries = new Int32Array(cap);
      this.withExemplars = new Uint8Array(cap);
      this.exact = new Uint8Array(cap);
    } else {
      this.withExemplars.fill(0, 0, seriesCount);
      this.exact.fill(0, 0, seriesCount);
    }
    if (this.labelsOf.length < seriesCount) this.labelsOf.length = seriesCount;
    this.size = 0;
  }

  /** Appends an entry over the decoder's columns (shared, no views). */
  add(labels: Labels, t: Float64Array, v: Float64Array, from: number, n: number, st: Float64Array | undefined, series: SeriesHandle | undefined, histograms: SeriesHistograms | undefined): void {
    const e = this.entries[this.size];
    this.size++;
    if (e === undefined) {
      this.entries.push({ labels, t, v, from, n, st, series, histograms });
      return;
    }
    e.labels = labels;
    e.t = t;
    e.v = v;
    e.from = from;
    e.n = n;
    e.st = st;
    e.series = series;
    e.histograms = histograms;
  }

  /** The batch of the entries added, with handles of its length. */
  seal(): readonly BatchEntry[] {
    if (this.entries.length !== this.size) this.entries.length = this.size;
    if (this.handles.length !== this.size) this.handles.length = this.size;
    return this.entries;
  }

  /** Drops the request's label sets and series, so a kept scratch holds no removed series alive. */
  clear(): void {
    for (let k = 0; k < this.size; k++) {
      const e = this.entries[k]!;
      e.labels = EMPTY_LABELS;
      e.series = undefined;
      e.histograms = undefined;
    }
    this.handles.fill(undefined, 0, this.size);
    this.labelsOf.fill(undefined, 0, this.seriesCount);
    this.size = 0;
    this.seriesCount = 0;
  }
}
