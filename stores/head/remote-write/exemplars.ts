// Exemplars from remote_write, kept in a bounded circular buffer (oldest dropped first), served to
// /api/v1/query_exemplars.
import { compileMatchers, getLabel, labelsKey, type Labels, type Matcher } from "../../../storeapi/index.js";

export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  readonly timestamp: number;
}

/** One series and its exemplars, oldest first: the shape of a query_exemplars result item. */
export interface SeriesExemplars {
  readonly seriesLabels: Labels;
  readonly exemplars: Exemplar[];
}

export type ExemplarAddResult = "added" | "duplicate" | "out_of_order";

export const DEFAULT_MAX_EXEMPLARS = 100_000;

export class ExemplarStore {
  readonly capacity: number;
  // Storage grows by doubling up to capacity, so an unused store costs little.
  private series: (Labels | undefined)[] = [];
  private keys: string[] = [];
  private labels: (Labels | undefined)[] = [];
  private ts: Float64Array;
  private vs: Float64Array;
  private next = 0;
  private size = 0;
  /** Newest exemplar time per series still in the buffer, to reject out-of-order ones as Prometheus does. */
  private readonly newest = new Map<string, number>();

  constructor(capacity = DEFAULT_MAX_EXEMPLARS) {
    if (!(capacity >= 1)) throw new RangeError(`exemplar capacity ${capacity} must be at least 1`);
    this.capacity = capacity;
    const initial = Math.min(capacity, 256);
    this.ts = new Float64Array(initial);
    this.vs = new Float64Array(initial);
  }

  get length(): number {
    return this.size;
  }

  /** Adds an exemplar unless it is not newer than the newest one kept for its series. */
  add(seriesLabels: Labels, labels: Labels, value: number, timestamp: number): ExemplarAddResult {
    const key = labelsKey(seriesLabels);
    const newest = this.newest.get(key);
    if (newest !== undefined && timestamp <= newest) return timestamp === newest ? "duplicate" : "out_of_order";
    if (this.size === this.ts.length && this.size < this.capacity) this.grow();
    const slot = this.next;
    if (this.size === this.capacity) this.evict(slot);
    else this.size++;
    this.series[slot] = seriesLabels;
    this.keys[slot] = key;
    this.labels[slot] = labels;
    this.ts[slot] = timestamp;
    this.vs[slot] = value;
    this.newest.set(key, timestamp);
    this.next = (slot + 1) % this.capacity;
    return "added";
  }

  private grow(): void {
    // Only called while not yet wrapped around: slots 0..size-1 are in order.
    const cap = Math.min(this.capacity, this.ts.length * 2);
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    const vs = new Float64Array(cap);
    new Uint8Array(vs.buffer).set(new Uint8Array(this.vs.buffer));
    this.ts = ts;
    this.vs = vs;
  }

  private evict(slot: number): void {
    const key = this.keys[slot];
    if (this.newest.get(key) === this.ts[slot]) this.newest.delete(key);
  }

  /**
   * Exemplars with start <= timestamp <= end of series matching any of the matcher sets (a single
   * set may be passed as a plain list), grouped by series in first-seen order.
   */
  select(matchers: readonly Matcher[] | readonly (readonly Matcher[])[], start: number, end: number): SeriesExemplars[] {
    const sets = (matchers.length > 0 && Array.isArray(matchers[0]) ? matchers : [matchers]) as readonly (readonly Matcher[])[];
    // compileMatchers throws MatcherError for a bad regex: the API answers bad_data.
    const predicates = sets.map((set) => {
      const compiled = compileMatchers(set);
      return (labels: Labels) => compiled.every((m) => m.matches(getLabel(labels, m.name)));
    });
    const bySeries = new Map<string, SeriesExemplars>();
    const verdict = new Map<string, boolean>();
    const first = this.size === this.capacity ? this.next : 0;
    for (let n = 0; n < this.size; n++) {
      const slot = (first + n) % this.capacity;
      const t = this.ts[slot];
      if (t < start || t > end) continue;
      const key = this.keys[slot];
      const seriesLabels = this.series[slot]!;
      let ok = verdict.get(key);
      if (ok === undefined) {
        ok = predicates.some((p) => p(seriesLabels));
        verdict.set(key, ok);
      }
      if (!ok) continue;
      let group = bySeries.get(key);
      if (!group) {
        group = { seriesLabels, exemplars: [] };
        bySeries.set(key, group);
      }
      group.exemplars.push({ labels: this.labels[slot]!, value: this.vs[slot], timestamp: t });
    }
    return [...bySeries.values()];
  }
}
