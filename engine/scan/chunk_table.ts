// The XOR chunks of a fetch's series kept by place — the buffer each lies in, its offset and length,
// in typed arrays — rather than as a Uint8Array view per chunk: a query holds its series' chunks
// until it ends, and those views were most of what its scavenges copied and promoted (a view is
// ~110 heap bytes; 4,000 series × 12 chunks: 5 MB a query). A chunk's view is made only while it
// is decoded, and dies young.
import { xorChunkNumSamplesAt } from "../../storeapi/index.js";

const FIRST_CHUNKS = 64;

/** Chunks by place: chunk c is length[c] bytes from offset[c] of the buffer blocks[source[c]] views whole. */
export class ChunkTable {
  /** Every buffer a chunk lies in, each once, viewed whole. */
  readonly blocks: Uint8Array[] = [];
  private readonly blockIndex = new Map<ArrayBufferLike, number>();
  /** The buffer the last chunk was added from and its block: a series' chunks mostly share one. */
  private lastBuffer: ArrayBufferLike | undefined = undefined;
  private lastSource = -1;
  source = new Int32Array(FIRST_CHUNKS);
  offset = new Float64Array(FIRST_CHUNKS);
  length = new Float64Array(FIRST_CHUNKS);
  size = 0;

  /** Adds the chunk whose bytes a view shows (the view itself is not kept); returns its number. */
  addView(bytes: Uint8Array): number {
    return this.add(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Adds the chunk of `length` bytes from `offset` of `buffer`; returns its number. */
  add(buffer: ArrayBufferLike, offset: number, length: number): number {
    let source = buffer === this.lastBuffer ? this.lastSource : this.blockIndex.get(buffer);
    if (source === undefined) {
      source = this.blocks.push(new Uint8Array(buffer)) - 1;
      this.blockIndex.set(buffer, source);
    }
    this.lastBuffer = buffer;
    this.lastSource = source;
    if (this.size === this.source.length) this.grow();
    const c = this.size++;
    this.source[c] = source;
    this.offset[c] = offset;
    this.length[c] = length;
    return c;
  }

  /** A view of chunk c's bytes (made now: keep it no longer than its decoding). */
  bytes(c: number): Uint8Array {
    return new Uint8Array(this.blocks[this.source[c]!]!.buffer, this.offset[c]!, this.length[c]!);
  }

  /** Chunk c's sample count, from its header. */
  numSamples(c: number): number {
    return xorChunkNumSamplesAt(this.blocks[this.source[c]!]!, this.offset[c]!, this.length[c]!);
  }

  /** The run of the chunks added since chunk number `first` (a series' chunks, added in a row). */
  runFrom(first: number): ChunkRun {
    return new ChunkRun(this, first, this.size - first);
  }

  private grow(): void {
    const n = 2 * this.source.length;
    const source = new Int32Array(n);
    const offset = new Float64Array(n);
    const length = new Float64Array(n);
    source.set(this.source);
    offset.set(this.offset);
    length.set(this.length);
    this.source = source;
    this.offset = offset;
    this.length = length;
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

  numSamples(k: number): number {
    return this.table.numSamples(this.first + k);
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
