// The head's inverted index: label name → label value → sorted series ids, plus
// the set operations matcher evaluation needs, all on Uint32Arrays.
import { compareUtf8 } from "../../storeapi/index.js";
import type { Label, Labels } from "../../storeapi/index.js";
import { LABEL_PAIR_OBJECT_BYTES, TYPED_ARRAY_OBJECT_BYTES } from "./heap-sizes.js";

const EMPTY = new Uint32Array(0);

/** A growable, sorted, duplicate-free list of series ids for one label pair. */
export class PostingsList {
  /** The interned label every series in this list shares (reused in their label sets). */
  readonly label: Label;
  private ids: Uint32Array = EMPTY;
  private len = 0;

  constructor(label: Label) {
    this.label = label;
  }

  get length(): number {
    return this.len;
  }

  /** Bytes of its ids' buffer, with the buffer's objects (for the memory estimate). */
  allocatedBytes(): number {
    return this.ids === EMPTY ? 0 : this.ids.byteLength + TYPED_ARRAY_OBJECT_BYTES;
  }

  /** A view of the ids; valid until the next add/remove. */
  view(): Uint32Array {
    return this.ids.subarray(0, this.len);
  }

  add(id: number): void {
    if (this.len === this.ids.length) {
      const grown = new Uint32Array(Math.max(4, this.len * 2));
      grown.set(this.ids);
      this.ids = grown;
    }
    // Ids are handed out in increasing order, so appending is the common case.
    if (this.len === 0 || this.ids[this.len - 1]! < id) {
      this.ids[this.len++] = id;
      return;
    }
    const at = lowerBound(this.ids, this.len, id);
    if (at < this.len && this.ids[at] === id) return;
    this.ids.copyWithin(at + 1, at, this.len);
    this.ids[at] = id;
    this.len++;
  }

  /** Removes every id in `gone`; shrinks the buffer when it is mostly empty. */
  removeAll(gone: ReadonlySet<number>): void {
    let w = 0;
    for (let r = 0; r < this.len; r++) {
      const id = this.ids[r]!;
      if (!gone.has(id)) this.ids[w++] = id;
    }
    this.len = w;
    if (this.ids.length > 16 && w < this.ids.length / 4) this.ids = this.ids.slice(0, w * 2);
  }
}

/** Whether a label is a plain {name, value} object: only those are interned as given, so every interned label has one shape. */
function isPlainLabel(label: Label): boolean {
  if (Object.getPrototypeOf(label) !== Object.prototype) return false;
  const keys = Object.keys(label);
  return keys.length === 2 && keys[0] === "name" && keys[1] === "value";
}

/** First index in ids[0..len) whose value is >= id. */
export function lowerBound(ids: Uint32Array, len: number, id: number, from = 0): number {
  let lo = from;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface NameEntry {
  readonly name: string;
  readonly values: Map<string, PostingsList>;
  /** Sum of the lengths of every list under this name: how many series carry the name. */
  total: number;
  /** Sorted values, built on demand and dropped when a value is added or removed. */
  sortedValues: string[] | undefined;
}

/** Label name → value → postings, with interning of label pairs. */
export class PostingsIndex {
  private readonly names = new Map<string, NameEntry>();
  private readonly allList = new PostingsList({ name: "", value: "" });
  private sortedNames: string[] | undefined;

  /** Number of series indexed. */
  get size(): number {
    return this.allList.length;
  }

  /** Every series id, sorted. A view valid until the next change. */
  all(): Uint32Array {
    return this.allList.view();
  }

  /**
   * Indexes a series and returns its label set made of interned labels, so a million series with
   * `job="api"` share one Label object and one string. A pair's first label becomes its interned
   * one, and a set made only of interned labels is returned as given (label sets are immutable):
   * a receiver that interns pairs itself (LabelInterner) adds series without allocating.
   */
  add(id: number, labels: Labels): Labels {
    let interned: Label[] | undefined;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      const { name, value } = label;
      let entry = this.names.get(name);
      if (entry === undefined) {
        entry = { name, values: new Map(), total: 0, sortedValues: undefined };
        this.names.set(name, entry);
        this.sortedNames = undefined;
      }
      let list = entry.values.get(value);
      if (list === undefined) {
        list = new PostingsList(isPlainLabel(label) ? label : { name: entry.name, value });
        entry.values.set(value, list);
        entry.sortedValues = undefined;
      }
      list.add(id);
      entry.total++;
      // A copy of the set's own length (pushed onto an empty array it would get room for 17 labels).
      if (list.label !== label) (interned ??= labels.slice())[i] = list.label;
    }
    this.allList.add(id);
    return interned ?? labels;
  }

  /** Removes the given series; `labelsOf` gives each one's label set. */
  remove(gone: ReadonlySet<number>, labelsOf: (id: number) => Labels | undefined): void {
    if (gone.size === 0) return;
    const touched = new Set<PostingsList>();
    for (const id of gone) {
      const labels = labelsOf(id);
      if (labels === undefined) continue;
      for (const l of labels) {
        const list = this.names.get(l.name)?.values.get(l.value);
        if (list !== undefined) touched.add(list);
      }
    }
    for (const list of touched) {
      const entry = this.names.get(list.label.name)!;
      const before = list.length;
      list.removeAll(gone);
      entry.total -= before - list.length;
      if (list.length > 0) continue;
      entry.values.delete(list.label.value);
      entry.sortedValues = undefined;
      if (entry.values.size > 0) continue;
      this.names.delete(entry.name);
      this.sortedNames = undefined;
    }
    this.allList.removeAll(gone);
  }

  /** Postings for name=value (empty when absent). A view valid until the next change. */
  get(name: string, value: string): Uint32Array {
    return this.names.get(name)?.values.get(value)?.view() ?? EMPTY;
  }

  /** Number of distinct values of a label name. */
  valueCount(name: string): number {
    return this.names.get(name)?.values.size ?? 0;
  }

  /** Number of series carrying a label name. */
  seriesWithName(name: string): number {
    return this.names.get(name)?.total ?? 0;
  }

  /** The value → postings map of a name, for scanning. */
  valueLists(name: string): ReadonlyMap<string, PostingsList> | undefined {
    return this.names.get(name)?.values;
  }

  /** Every label name, sorted. */
  labelNames(): readonly string[] {
    this.sortedNames ??= [...this.names.keys()].sort(compareUtf8);
    return this.sortedNames;
  }

  /** Every value of a label name, sorted. */
  labelValues(name: string): readonly string[] {
    const entry = this.names.get(name);
    if (entry === undefined) return [];
    entry.sortedValues ??= [...entry.values.keys()].sort(compareUtf8);
    return entry.sortedValues;
  }

  /** Bytes of every label pair's list, interned label and map entry (for the memory estimate). */
  allocatedBytes(): number {
    let n = this.allList.allocatedBytes();
    for (const e of this.names.values()) for (const list of e.values.values()) n += LABEL_PAIR_OBJECT_BYTES + list.allocatedBytes();
    return n;
  }
}

/** Ids in both a and b. Gallops through the longer list when the sizes differ a lot. */
export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) [a, b] = [b, a];
  if (a.length === 0) return EMPTY;
  const out = new Uint32Array(a.length);
  let n = 0;
  if (a.length * 16 < b.length) {
    let j = 0;
    for (let i = 0; i < a.length && j < b.length; i++) {
      const id = a[i]!;
      j = gallop(b, id, j);
      if (j < b.length && b[j] === id) out[n++] = id;
    }
    return out.subarray(0, n);
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

/** First index >= from in sorted ids whose value is >= id, by exponential then binary search. */
function gallop(ids: Uint32Array, id: number, from: number): number {
  let step = 1;
  let hi = from;
  while (hi < ids.length && ids[hi]! < id) {
    from = hi + 1;
    hi += step;
    step *= 2;
  }
  return lowerBound(ids, Math.min(hi + 1, ids.length), id, from);
}

/** Ids in a but not in b. */
export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  const gallops = b.length > a.length * 16;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (gallops) j = gallop(b, x, j);
    else while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

/**
 * Union of sorted lists. With `disjoint` (lists of different values of one label
 * name never share a series) it is a concatenation and one native sort.
 */
export function union(lists: readonly Uint32Array[], disjoint: boolean): Uint32Array {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Uint32Array(total);
  let at = 0;
  for (const l of lists) {
    out.set(l, at);
    at += l.length;
  }
  out.sort();
  if (disjoint) return out;
  let n = 0;
  for (let i = 0; i < out.length; i++) if (n === 0 || out[n - 1] !== out[i]) out[n++] = out[i]!;
  return out.subarray(0, n);
}
