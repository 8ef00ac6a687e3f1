// The XOR chunks of a fetch's series kept by place — the buffer each lies in, its offset and length,
// in typed arrays — rather than as a Uint8Array view per chunk: a query holds its series' chunks
// until it ends, and those views were most of what its scavenges copied and promoted (a view is
// ~110 heap bytes; 4,000 series × 12 chunks: 5 MB a query). A chunk's view is made only while it
// is decoded, and dies young.
import { decodeXorChunk, endsWithStaleMarker, gapOfWord, xorChunkNumSamplesAt, xorChunkReadableInPlace, type XorChunkIterator } from "../../storeapi/index.js";

const FIRST_CHUNKS = 64;
const MAX_INT32 = 0x7fffffff;
/** Column sets a pool keeps, and the most chunks a kept set holds (~5 MB of columns). */
const POOLED_SETS = 4;
const POOLED_MOST_CHUNKS = 1 << 18;

/** A table's columns, of one capacity. */
interface ChunkColumns {
  source: Int32Array;
  offset: Float64Array;
  length: Float64Array;
  /** Each chunk's first and last sample times, and its longest gap between samples (Chunk.maxGap; NaN when the store did not tell). */
  minTime: Float64Array;
  maxTime: Float64Array;
  maxGap: Float64Array;
}

function newColumns(n: number): ChunkColumns {
  return {
    source: new Int32Array(n),
    offset: new Float64Array(n),
    length: new Float64Array(n),
    minTime: new Float64Array(n),
    maxTime: new Float64Array(n),
    maxGap: new Float64Array(n),
  };
}

/**
 * Chunk tables' columns kept from one query for the next (an engine's). A heavy query's table
 * grows to tens of thousands of chunks; made afresh each time, its columns and every doubling
 * before them were new memory the kernel zeroed page by page (~180 page faults, a quarter of the
 * time a head read of 3,000 series took to fetch and index its 39,000 chunks).
 */
export class ChunkColumnsPool {
  private readonly spare: ChunkColumns[] = [];

  /** Columns for at least n chunks: the smallest kept set that holds them (its old contents left in place), else new ones. */
  take(n: number): ChunkColumns {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const cap = this.spare[i]!.source.length;
      if (cap >= n && (best < 0 || cap < this.spare[best]!.source.length)) best = i;
    }
    if (best >= 0) return this.spare.splice(best, 1)[0]!;
    return newColumns(n);
  }

  /** Keeps a set no table uses any more (the largest POOLED_SETS, none over POOLED_MOST_CHUNKS). */
  give(c: ChunkColumns): void {
    if (c.source.length > POOLED_MOST_CHUNKS) return;
    this.spare.push(c);
    if (this.spare.length <= POOLED_SETS) return;
    let smallest = 0;
    for (let i = 1; i < this.spare.length; i++) if (this.spare[i]!.source.length < this.spare[smallest]!.source.length) smallest = i;
    this.spare.splice(smallest, 1);
  }

  /** Column sets kept. */
  get size(): number {
    return this.spare.length;
  }
}

/** Chunks by place: chunk c is length[c] bytes from offset[c] of the buffer blocks[source[c]] views whole. */
export class ChunkTable {
  /** Every buffer a chunk lies in, each once, viewed whole. */
  readonly blocks: Uint8Array[] = [];
  /** Each block as a DataView, for decoding its chunks in place (making one per chunk was ~3 % of a grouped read). */
  private readonly views: DataView[] = [];
  private readonly blockIndex = new Map<ArrayBufferLike, number>();
  /** The buffer the last chunk was added from and its block: a series' chunks mostly share one. */
  private lastBuffer: ArrayBufferLike | undefined = undefined;
  private lastSource = -1;
  source: Int32Array;
  offset: Float64Array;
  length: Float64Array;
  minTime: Float64Array;
  maxTime: Float64Array;
  maxGap: Float64Array;
  size = 0;

  /** With a pool, the table's columns come from it and go back to it on release(). */
  constructor(
    private pool?: ChunkColumnsPool,
    c: ChunkColumns = pool?.take(FIRST_CHUNKS) ?? newColumns(FIRST_CHUNKS),
  ) {
    this.source = c.source;
    this.offset = c.offset;
    this.length = c.length;
    this.minTime = c.minTime;
    this.maxTime = c.maxTime;
    this.maxGap = c.maxGap;
  }

  /**
   * A table over columns built elsewhere (a worker's packed series): chunk c of `size` is
   * length[c] bytes from offset[c] of blocks[source[c]]. The columns are the table's from then on;
   * the chunks' times and gaps are not told.
   */
  static over(blocks: readonly Uint8Array[], source: Int32Array, offset: Float64Array, length: Float64Array): ChunkTable {
    const n = source.length;
    const untold = new Float64Array(n).fill(NaN);
    const table = new ChunkTable(undefined, { source, offset, length, minTime: untold, maxTime: untold, maxGap: untold });
    for (const b of blocks) table.addBlock(b.buffer);
    table.size = n;
    return table;
  }

  /** Adds the chunk whose bytes a view shows (the view itself is not kept), with its times and gap word when told; returns its number. */
  addView(bytes: Uint8Array, minTime = NaN, maxTime = NaN, maxGap = NaN): number {
    return this.add(bytes.buffer, bytes.byteOffset, bytes.length, minTime, maxTime, maxGap);
  }

  /** Adds the chunk of `length` bytes from `offset` of `buffer`, its samples over [minTime, maxTime] at most maxGap apart (NaN: untold); returns its number. */
  add(buffer: ArrayBufferLike, offset: number, length: number, minTime = NaN, maxTime = NaN, maxGap = NaN): number {
    let source = buffer === this.lastBuffer ? this.lastSource : this.blockIndex.get(buffer);
    source ??= this.addBlock(buffer);
    this.lastBuffer = buffer;
    this.lastSource = source;
    if (this.size === this.source.length) this.grow();
    const c = this.size++;
    this.source[c] = source;
    this.offset[c] = offset;
    this.length[c] = length;
    this.minTime[c] = minTime;
    this.maxTime[c] = maxTime;
    this.maxGap[c] = maxGap;
    return c;
  }

  private addBlock(buffer: ArrayBufferLike): number {
    const source = this.blocks.push(new Uint8Array(buffer)) - 1;
    this.views.push(new DataView(buffer));
    this.blockIndex.set(buffer, source);
    return source;
  }

  /** A view of chunk c's bytes (made now: keep it no longer than its decoding). */
  bytes(c: number): Uint8Array {
    return new Uint8Array(this.blocks[this.source[c]!]!.buffer, this.offset[c]!, this.length[c]!);
  }

  /** decodeXorChunk of chunk c, read in place when its block has room after it. */
  decode(c: number, mint: number, maxt: number, outT: Float64Array, outV: Float64Array, outOffset: number, iterator: XorChunkIterator): number {
    const source = this.source[c]!;
    const block = this.blocks[source]!;
    const offset = this.offset[c]!;
    const length = this.length[c]!;
    const bytes = new Uint8Array(block.buffer, offset, length);
    // The offset as an int32: a double base would make every read of the decoder's loop a double's.
    const view = xorChunkReadableInPlace(offset, length, block.length) && offset <= MAX_INT32 ? this.views[source] : undefined;
    return decodeXorChunk(bytes, mint, maxt, outT, outV, outOffset, iterator, view, offset | 0);
  }

  /** Chunk c's sample count, from its header. */
  numSamples(c: number): number {
    return xorChunkNumSamplesAt(this.blocks[this.source[c]!]!, this.offset[c]!, this.length[c]!);
  }

  /** The run of the chunks added since chunk number `first` (a series' chunks, added in a row). */
  runFrom(first: number): ChunkRun {
    return new ChunkRun(this, first, this.size - first);
  }

  /**
   * Gives the columns back to the pool: the query that read the table has ended. The table keeps
   * columns of its own (empty), so a late use (a fetch still loading when its query failed) can
   * never write into columns another query has taken since.
   */
  release(): void {
    const pool = this.pool;
    if (pool === undefined) return;
    this.pool = undefined;
    pool.give({ source: this.source, offset: this.offset, length: this.length, minTime: this.minTime, maxTime: this.maxTime, maxGap: this.maxGap });
    this.setColumns(newColumns(0));
    this.size = 0;
  }

  private grow(): void {
    const n = Math.max(FIRST_CHUNKS, 2 * this.source.length);
    const c = this.pool?.take(n) ?? newColumns(n);
    c.source.set(this.source.subarray(0, this.size));
    c.offset.set(this.offset.subarray(0, this.size));
    c.length.set(this.length.subarray(0, this.size));
    c.minTime.set(this.minTime.subarray(0, this.size));
    c.maxTime.set(this.maxTime.subarray(0, this.size));
    c.maxGap.set(this.maxGap.subarray(0, this.size));
    // The outgrown columns are not given back: the next query's table would start on them and grow again.
    this.setColumns(c);
  }

  private setColumns(c: ChunkColumns): void {
    this.source = c.source;
    this.offset = c.offset;
    this.length = c.length;
    this.minTime = c.minTime;
    this.maxTime = c.maxTime;
    this.maxGap = c.maxGap;
  }
}

/** One series' chunks: numbers [first, first + count) of a table, in the order the store sent them. */
export class ChunkRun {
  constructor(
    readonly table: ChunkTable,
    readonly first: number,
    readonly count: number,
  ) {}

  /** A view of the run's chunk k (made now: keep it no longer than its decoding). */
  bytes(k: number): Uint8Array {
    return this.table.bytes(this.first + k);
  }

  /** decodeXorChunk of the run's chunk k (ChunkTable.decode). */
  decode(k: number, mint: number, maxt: number, outT: Float64Array, outV: Float64Array, outOffset: number, iterator: XorChunkIterator): number {
    return this.table.decode(this.first + k, mint, maxt, outT, outV, outOffset, iterator);
  }

  numSamples(k: number): number {
    return this.table.numSamples(this.first + k);
  }

  /**
   * Whether the run's chunks tell, with no decoding, when they give a sample within a lookback of
   * lookbackMs that is not a stale marker: each chunk's times and longest gap are known, no gap is
   * longer than the lookback (so a chunk gives one from its first sample's time until a lookback
   * after its last, or until its last when that is a stale marker) and no stale marker comes before
   * a chunk's last sample (Chunk.maxGap); chunks in time order.
   */
  presenceKnown(lookbackMs: number): boolean {
    const { minTime, maxTime, maxGap } = this.table;
    let previous = -Infinity;
    for (let c = this.first; c < this.first + this.count; c++) {
      // NaN (untold) and Infinity (a stale marker before the last sample) fail this too.
      if (!(gapOfWord(maxGap[c]!) <= lookbackMs) || !(minTime[c]! >= previous) || !(maxTime[c]! >= minTime[c]!)) return false;
      previous = maxTime[c]!;
    }
    return true;
  }

  /**
   * Adds 1 at count[row + k] for every step k whose reference time refs[k] (never decreasing) has a
   * sample of the run within (ref − lookback, ref] that is not a stale marker, from the chunks'
   * times alone: for a run whose presenceKnown(lookbackMs) holds.
   */
  countPresentSteps(refs: Float64Array, lookbackMs: number, count: Float64Array, row: number): void {
    const { minTime, maxTime, maxGap } = this.table;
    const steps = refs.length;
    let k = 0;
    const end = this.first + this.count;
    for (let c = this.first; c < end && k < steps; c++) {
      const from = minTime[c]!;
      // A chunk ending in a stale marker gives nothing from that marker on; none past the next chunk's
      // first sample, which gives from there on itself (or nothing, when it is a stale marker).
      let to = endsWithStaleMarker(maxGap[c]!) ? maxTime[c]! : maxTime[c]! + lookbackMs;
      if (c + 1 < end && to > minTime[c + 1]!) to = minTime[c + 1]!;
      while (k < steps && refs[k]! < from) k++;
      for (; k < steps && refs[k]! < to; k++) count[row + k]++;
    }
  }
}

/** A run over a table of its own holding these chunks (a series read alone, or built in a test). */
export function chunkRunOf(chunks: readonly Uint8Array[], table = new ChunkTable()): ChunkRun {
  const first = table.size;
  for (const c of chunks) table.addView(c);
  return table.runFrom(first);
}

/** No chunks: the input of samples decoded up front or of an aggregate read (its table is never added to). */
export const NO_CHUNKS = new ChunkRun(new ChunkTable(), 0, 0);

/** The chunk tables of one query: columns taken from the engine's pool, all given back when the query ends. */
export class QueryChunkTables {
  private readonly made: ChunkTable[] = [];

  constructor(private readonly pool: ChunkColumnsPool) {}

  table(): ChunkTable {
    const t = new ChunkTable(this.pool);
    this.made.push(t);
    return t;
  }

  releaseAll(): void {
    for (const t of this.made) t.release();
    this.made.length = 0;
  }
}
