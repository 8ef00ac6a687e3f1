// The gateway's index cache (Thanos's in-memory index cache): postings lists and series entries
// of every block in one LRU bounded by bytes, shared by all blocks.
import { LRUCache } from "lru-cache";
import type { IndexCache, IndexSeries } from "../block/index.js";

/** Counts of the cache's work, for /metrics. */
export interface IndexCacheStats {
  hits: number;
  misses: number;
}

type Entry = Uint32Array | IndexSeries;

/** Series refs are below 2^32 (an index of at most 64 GiB, 16-byte aligned), so block number × 2^32 + ref is a unique safe integer. */
const REFS_PER_BLOCK = 0x1_0000_0000;

/** An IndexCache of at most `maxBytes` (estimated: postings by their bytes, series by label text and chunk metas). */
export class LruIndexCache implements IndexCache {
  private readonly lru: LRUCache<string | number, Entry>;
  /** A small number per block seen, so a series key is a number: no string built and hashed per series read. */
  private readonly blockNumbers = new Map<string, number>();
  readonly stats: IndexCacheStats = { hits: 0, misses: 0 };

  constructor(readonly maxBytes: number) {
    this.lru = new LRUCache<string | number, Entry>({ maxSize: Math.max(1, maxBytes), sizeCalculation: entrySize });
  }

  /** Bytes held now. */
  get size(): number {
    return this.lru.calculatedSize;
  }

  getPostings(block: string, name: string, value: string): Uint32Array | undefined {
    return this.get(`P${block}\u0000${name}\u0000${value}`) as Uint32Array | undefined;
  }

  setPostings(block: string, name: string, value: string, postings: Uint32Array): void {
    this.set(`P${block}\u0000${name}\u0000${value}`, postings);
  }

  getSeries(block: string, ref: number): IndexSeries | undefined {
    return this.get(this.seriesKey(block, ref)) as IndexSeries | undefined;
  }

  setSeries(block: string, ref: number, series: IndexSeries): void {
    this.set(this.seriesKey(block, ref), series);
  }

  private seriesKey(block: string, ref: number): number {
    let n = this.blockNumbers.get(block);
    if (n === undefined) this.blockNumbers.set(block, (n = this.blockNumbers.size));
    return n * REFS_PER_BLOCK + ref;
  }

  private get(key: string | number): Entry | undefined {
    const v = this.lru.get(key);
    if (v === undefined) this.stats.misses++;
    else this.stats.hits++;
    return v;
  }

  private set(key: string | number, value: Entry): void {
    if (entrySize(value) <= this.maxBytes) this.lru.set(key, value);
  }
}

function entrySize(e: Entry): number {
  if (e instanceof Uint32Array) return 64 + e.byteLength;
  let n = 64 + e.chunks.length * 48;
  for (const l of e.labels) n += 32 + 2 * (l.name.length + l.value.length);
  return n;
}
