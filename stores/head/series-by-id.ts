// The head's series by id. Ids are handed out in increasing order and never reused (they are the
// WAL's refs), so series are kept in pages of 1,024 slots indexed by id: no hashing, and a run of
// new series touches one page, where a Map hashed every id to a random bucket (at 100,000 new series
// its sets were ~6 % of the round). Dead ids never come back, so a page whose live series fall below
// 1/16 of its slots moves them to a Map and is let go: churn cannot keep mostly empty pages, and
// slots cost at most 128 B a live series.
import { ARRAY_OBJECT_BYTES, MAP_ENTRY_BYTES } from "./heap-sizes.js";
import type { MemSeries } from "./series.js";

const PAGE_BITS = 10;
const PAGE_SLOTS = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SLOTS - 1;
/** A page with fewer live series than this (the newest page aside) moves them to the sparse map. */
const MIN_LIVE = PAGE_SLOTS >> 4;
/** Larger ids (4 billion series later, or a foreign WAL) are kept in the sparse map. */
const MAX_PAGED_ID = 2 ** 31 - 1;

export class SeriesById {
  private readonly pages: ((MemSeries | undefined)[] | undefined)[] = [];
  /** Live series in each page. */
  private readonly live: number[] = [];
  /** Series whose page was let go. */
  private readonly sparse = new Map<number, MemSeries>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes of its pages and sparse entries (for the memory estimate). */
  allocatedBytes(): number {
    let pages = 0;
    for (const page of this.pages) if (page !== undefined) pages++;
    return pages * (ARRAY_OBJECT_BYTES + 8 * PAGE_SLOTS) + this.sparse.size * MAP_ENTRY_BYTES;
  }

  get(id: number): MemSeries | undefined {
    const s = id <= MAX_PAGED_ID ? this.pages[id >>> PAGE_BITS]?.[id & SLOT_MASK] : undefined;
    if (s !== undefined || this.sparse.size === 0) return s;
    return this.sparse.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds (or replaces) the series with this id. */
  set(id: number, series: MemSeries): void {
    const inSparse = this.sparse.size > 0 && this.sparse.has(id);
    if (id > MAX_PAGED_ID || inSparse) {
      if (!inSparse) this.count++;
      this.sparse.set(id, series);
      return;
    }
    const p = id >>> PAGE_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      page = new Array<MemSeries | undefined>(PAGE_SLOTS).fill(undefined);
      this.pages[p] = page;
      this.live[p] = 0;
    }
    if (page[id & SLOT_MASK] === undefined) {
      this.live[p]!++;
      this.count++;
    }
    page[id & SLOT_MASK] = series;
  }

  /** Removes the series with this id; whether there was one. */
  delete(id: number): boolean {
    if (this.sparse.delete(id)) {
      this.count--;
      return true;
    }
    if (id > MAX_PAGED_ID) return false;
    const p = id >>> PAGE_BITS;
    const page = this.pages[p];
    if (page === undefined || page[id & SLOT_MASK] === undefined) return false;
    page[id & SLOT_MASK] = undefined;
    this.count--;
    if (--this.live[p]! < MIN_LIVE && p < this.pages.length - 1) this.letGo(p, page);
    return true;
  }

  /** Every series: the paged ones in id order, then the sparse ones. */
  values(): IterableIterator<MemSeries> {
    return new SeriesByIdIterator(this.pages, this.sparse);
  }

  /** Slots held in pages. */
  pagedSlots(): number {
    let n = 0;
    for (const page of this.pages) if (page !== undefined) n += PAGE_SLOTS;
    return n;
  }

  private letGo(p: number, page: (MemSeries | undefined)[]): void {
    for (let i = 0; i < PAGE_SLOTS; i++) {
      const s = page[i];
      if (s !== undefined) this.sparse.set((p << PAGE_BITS) | i, s);
    }
    this.pages[p] = undefined;
    this.live[p] = 0;
  }
}

/** SeriesById.values(): a class, not a generator, which iterated ~15× slower than a Map's values. */
class SeriesByIdIterator implements IterableIterator<MemSeries> {
  private page = 0;
  private slot = 0;
  private rest: Iterator<MemSeries> | undefined = undefined;

  constructor(
    private readonly pages: readonly ((MemSeries | undefined)[] | undefined)[],
    private readonly sparse: ReadonlyMap<number, MemSeries>,
  ) {}

  [Symbol.iterator](): IterableIterator<MemSeries> {
    return this;
  }

  next(): IteratorResult<MemSeries> {
    const pages = this.pages;
    for (; this.page < pages.length; this.page++, this.slot = 0) {
      const p = pages[this.page];
      if (p === undefined) continue;
      while (this.slot < PAGE_SLOTS) {
        const s = p[this.slot++];
        if (s !== undefined) return { value: s, done: false };
      }
    }
    this.rest ??= this.sparse.values();
    return this.rest.next();
  }
}
