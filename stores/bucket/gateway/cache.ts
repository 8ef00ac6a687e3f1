// The gateway's caches, each one LRU bounded by bytes and shared by all blocks: the index cache
// (Thanos's in-memory index cache: postings lists and series entries) and the chunk cache (chunks
// read and CRC-checked, as Thanos's caching bucket keeps chunk ranges).
import { LRUCache } from "lru-cache";
import type { Chunk } from "../../../storeapi/index.js";
import type { ChunkCache, IndexCache, IndexSeries } from "../block/index.js";

/** Counts of the cache's work, for /metrics. */
export interface IndexCacheStats {
  hits: number;
  misses: number;
}

type Entry = Uint32Array | IndexSeries;

/** Series refs are below 2^32 (an index of at most 64 GiB, 16-byte aligned), so block number × 2^32 + ref is a unique safe integer. */
const REFS_PER_BLOCK = 0x1_0000_0000;

/**
 * An IndexCache of at most `maxBytes` (estimated: postings by their bytes, series by label text,
 * chunk metas, and what is kept while the entry is: the labels with external labels and encoded for the wire).
 */
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
  let n = 128 + e.chunks.length * 48;
  // UTF-16 text, and about as many bytes again plus field keys for the encoded label fields.
  for (const l of e.labels) n += 48 + 3 * (l.name.length + l.value.length);
  return n;
}

/** Chunk offsets within a segment file are below 2^32 (Prometheus's segments are at most 512 MiB). */
const OFFSETS_PER_SEGMENT = 0x1_0000_0000;
/** Segment numbers stay below 2^21, so segment number × 2^32 + offset is a safe integer. */
const MAX_SEGMENT_NUMBERS = 1 << 21;

/**
 * A ChunkCache for every block, of at most `maxBytes` (a chunk's bytes plus a fixed overhead).
 * Each block's segments get their own small numbers, so a key is one number, not a string built
 * per chunk; a block no longer served is dropped with dropBlock().
 */
export class LruChunkCache {
  private readonly lru: LRUCache<number, Chunk>;
  /** First segment number of each block, and how many segments it has. */
  private readonly blocks = new Map<string, { first: number; segments: number }>();
  private nextSegment = 0;
  /** Bumped when segment numbers start afresh: a block's view then asks for its numbers again. */
  generation = 0;
  readonly stats: IndexCacheStats = { hits: 0, misses: 0 };

  constructor(readonly maxBytes: number) {
    this.lru = new LRUCache<number, Chunk>({ maxSize: Math.max(1, maxBytes), sizeCalculation: chunkEntrySize });
  }

  /** Bytes held now. */
  get size(): number {
    return this.lru.calculatedSize;
  }

  /** The cache as one block's ChunkReader sees it: keys are that block's chunk refs. */
  forBlock(ulid: string, segments: number): ChunkCache {
    return new BlockChunkCache(this, ulid, segments);
  }

  /** Forgets a block's chunks (it is no longer served). */
  dropBlock(ulid: string): void {
    const b = this.blocks.get(ulid);
    if (b === undefined) return;
    this.blocks.delete(ulid);
    const from = b.first * OFFSETS_PER_SEGMENT;
    const to = (b.first + b.segments) * OFFSETS_PER_SEGMENT;
    for (const k of [...this.lru.keys()]) if (k >= from && k < to) this.lru.delete(k);
  }

  /** The first of `segments` consecutive segment numbers of a block (its own until it is dropped). */
  segmentNumbers(ulid: string, segments: number): number {
    const known = this.blocks.get(ulid);
    if (known !== undefined && known.segments === segments) return known.first;
    if (this.nextSegment + segments > MAX_SEGMENT_NUMBERS) {
      // Numbers run out only after about two million segments were loaded: start afresh.
      this.lru.clear();
      this.blocks.clear();
      this.nextSegment = 0;
      this.generation++;
    }
    const first = this.nextSegment;
    this.nextSegment += segments;
    this.blocks.set(ulid, { first, segments });
    return first;
  }

  get(key: number): Chunk | undefined {
    const c = this.lru.get(key);
    if (c === undefined) this.stats.misses++;
    else this.stats.hits++;
    return c;
  }

  set(key: number, chunk: Chunk): void {
    if (chunkEntrySize(chunk) <= this.maxBytes) this.lru.set(key, chunk);
  }
}

/** One block's view of the LruChunkCache. */
class BlockChunkCache implements ChunkCache {
  private first: number;
  private generation: number;

  constructor(
    private readonly cache: LruChunkCache,
    private readonly ulid: string,
    private readonly segments: number,
  ) {
    this.generation = cache.generation;
    this.first = cache.segmentNumbers(ulid, segments);
  }

  get(ref: number): Chunk | undefined {
    const key = this.key(ref);
    return key === undefined ? undefined : this.cache.get(key);
  }

  set(ref: number, chunk: Chunk): void {
    const key = this.key(ref);
    if (key !== undefined) this.cache.set(key, chunk);
  }

  /** Undefined for a ref outside the block's segments (a corrupt entry must not reach another block's keys). */
  private key(ref: number): number | undefined {
    const segment = Math.floor(ref / OFFSETS_PER_SEGMENT);
    if (segment < 0 || segment >= this.segments) return undefined;
    if (this.generation !== this.cache.generation) {
      this.generation = this.cache.generation;
      this.first = this.cache.segmentNumbers(this.ulid, this.segments);
    }
    return (this.first + segment) * OFFSETS_PER_SEGMENT + (ref % OFFSETS_PER_SEGMENT);
  }
}

function chunkEntrySize(c: Chunk): number {
  return 64 + c.data.byteLength;
}
