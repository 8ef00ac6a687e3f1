// The head's series by label-set hash (seriesHashKey, a small integer): open addressing with linear
// probing over a typed array of hashes and an array of the series, at most half full. A Map of
// hash → series (or → array of series sharing it) cost ~90 heap bytes a series that every new
// series' scavenges copied and promoted, and its lookups ~60–190 ns each, misses included (every
// new series misses once).
import { labelsEqual, type Labels } from "../../storeapi/index.js";
import type { MemSeries } from "./series.js";

const FIRST_SLOTS = 1024;

export class SeriesByHash {
  private keys = new Int32Array(FIRST_SLOTS);
  private slots: (MemSeries | undefined)[] = new Array<MemSeries | undefined>(FIRST_SLOTS).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The series whose label set is exactly `labels` (its hash `hash`), else undefined. */
  find(hash: number, labels: Labels): MemSeries | undefined {
    const { keys, slots } = this;
    const mask = keys.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined) return undefined;
      if (keys[i] === hash && labelsEqual(s.labels, labels)) return s;
    }
  }

  /** Adds a series (by its hash), which must not be in the table already. */
  add(series: MemSeries): void {
    if (2 * (this.count + 1) > this.keys.length) this.resize(2 * this.keys.length);
    this.place(series);
    this.count++;
  }

  /** Removes the series (the object itself); whether it was there. */
  delete(series: MemSeries): boolean {
    const { keys, slots } = this;
    const mask = keys.length - 1;
    let hole = series.hash & mask;
    while (slots[hole] !== series) {
      if (slots[hole] === undefined) return false;
      hole = (hole + 1) & mask;
    }
    // Backward shift: entries after the hole that may sit there move up, so no probe run is broken.
    for (let j = (hole + 1) & mask; slots[j] !== undefined; j = (j + 1) & mask) {
      const home = keys[j]! & mask;
      // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
      const between = hole < j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      slots[hole] = slots[j];
      keys[hole] = keys[j]!;
      hole = j;
    }
    slots[hole] = undefined;
    this.count--;
    // Churn must not keep a mostly empty table.
    if (keys.length > FIRST_SLOTS && 8 * this.count < keys.length) this.resize(keys.length / 2);
    return true;
  }

  private place(series: MemSeries): void {
    const mask = this.keys.length - 1;
    let i = series.hash & mask;
    while (this.slots[i] !== undefined) i = (i + 1) & mask;
    this.slots[i] = series;
    this.keys[i] = series.hash;
  }

  private resize(size: number): void {
    const old = this.slots;
    this.keys = new Int32Array(size);
    this.slots = new Array<MemSeries | undefined>(size).fill(undefined);
    for (const s of old) if (s !== undefined) this.place(s);
  }
}
