// The head's series by label-set hash: an open-addressing table of (hash, id) in two typed arrays,
// resolved through the series-by-id pages. A Map of hash → series kept one entry object per series
// (and an array per collision) for the young-generation collector to copy when series are created;
// typed arrays hold no references, so creating a series writes two numbers here and nothing else.
import type { Labels } from "../../storeapi/index.js";
import type { MemSeries } from "./series.js";

const MIN_SLOTS = 1024;
/** An empty slot's key (keys are hash + 1, and hashes are never negative). */
const EMPTY = 0;

export class SeriesByHash {
  /** Per slot: the series' hash + 1, or EMPTY. */
  private keys = new Int32Array(MIN_SLOTS);
  /** Per slot: the series' id. */
  private ids = new Float64Array(MIN_SLOTS);
  private count = 0;

  /** `byId` resolves an id to its series (the head's SeriesById). */
  constructor(private readonly byId: { get(id: number): MemSeries | undefined }) {}

  get size(): number {
    return this.count;
  }

  /** Bytes of the table's arrays (for the memory estimate). */
  allocatedBytes(): number {
    return this.keys.byteLength + this.ids.byteLength;
  }

  /** The series with this hash (a non-negative 31-bit integer) and these labels. */
  find(labels: Labels, hash: number, equal: (a: Labels, b: Labels) => boolean): MemSeries | undefined {
    const keys = this.keys;
    const mask = keys.length - 1;
    const key = hash + 1;
    for (let slot = hash & mask; keys[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (keys[slot] !== key) continue;
      const s = this.byId.get(this.ids[slot]!);
      if (s !== undefined && equal(s.labels, labels)) return s;
    }
    return undefined;
  }

  /** Adds a series (not in the table yet) under its hash. */
  add(series: MemSeries): void {
    if ((this.count + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    this.place(series.hash, series.id);
    this.count++;
  }

  /** Removes a series; whether it was there. */
  delete(series: MemSeries): boolean {
    const keys = this.keys;
    const mask = keys.length - 1;
    const key = series.hash + 1;
    let slot = series.hash & mask;
    while (keys[slot] !== key || this.ids[slot] !== series.id) {
      if (keys[slot] === EMPTY) return false;
      slot = (slot + 1) & mask;
    }
    this.removeAt(slot);
    this.count--;
    if (keys.length > MIN_SLOTS && this.count * 8 < keys.length) this.resize(keys.length / 2);
    return true;
  }

  private place(hash: number, id: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let slot = hash & mask;
    while (keys[slot] !== EMPTY) slot = (slot + 1) & mask;
    keys[slot] = hash + 1;
    this.ids[slot] = id;
  }

  /** Empties a slot, moving later entries of its probe run back so every entry stays reachable. */
  private removeAt(hole: number): void {
    const keys = this.keys;
    const ids = this.ids;
    const mask = keys.length - 1;
    for (let slot = (hole + 1) & mask; keys[slot] !== EMPTY; slot = (slot + 1) & mask) {
      const home = (keys[slot]! - 1) & mask;
      // The entry may fill the hole unless its home lies cyclically in (hole, slot].
      const reachable = hole <= slot ? home <= hole || home > slot : home <= hole && home > slot;
      if (!reachable) continue;
      keys[hole] = keys[slot]!;
      ids[hole] = ids[slot]!;
      hole = slot;
    }
    keys[hole] = EMPTY;
  }

  private resize(slots: number): void {
    const keys = this.keys;
    const ids = this.ids;
    this.keys = new Int32Array(slots);
    this.ids = new Float64Array(slots);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.place(keys[i]! - 1, ids[i]!);
  }
}
