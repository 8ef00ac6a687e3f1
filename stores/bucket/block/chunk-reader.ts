// Reads chunks by reference from a block's segment files (chunks/000001, …), checking the
// segment headers at open and each chunk's CRC32C on read.
import { crc32c, type Chunk, type ChunkEncoding } from "../../../storeapi/index.js";
import { BlockError, CHUNKS_DIR, CHUNKS_FORMAT_V1, CHUNKS_HEADER_BYTES, CHUNKS_MAGIC, chunkRefOffset, chunkRefSegment, segmentFileName } from "./format.js";
import { Decbuf, be32At } from "./decbuf.js";
import { mapLimited, partitionReads, READ_CONCURRENCY, WindowedReader, type ByteRangeSource } from "./source.js";

/** What one chunk is assumed to take when reads are planned (a longer one is re-read alone). */
const CHUNK_ESTIMATE = 2048;
/** Chunks this close are read together: reading the gap costs less than another request. */
const CHUNKS_MAX_GAP = 64 * 1024;

/**
 * Where a ChunkReader keeps chunks it read and CRC-checked (the gateway's chunk LRU); keys are the
 * block's chunk refs. A kept chunk owns its bytes, so it pins no read buffer. Absent: every read goes to the source.
 */
export interface ChunkCache {
  get(ref: number): Chunk | undefined;
  set(ref: number, chunk: Chunk): void;
}

export class ChunkReader {
  private readonly readers: WindowedReader[];

  private constructor(
    private readonly segments: readonly ByteRangeSource[],
    readonly block: string,
    private readonly cache: ChunkCache | undefined,
  ) {
    this.readers = segments.map((s) => new WindowedReader(s));
  }

  /** `segments` in file order (000001 first). */
  static async open(segments: readonly ByteRangeSource[], block: string, cache?: ChunkCache): Promise<ChunkReader> {
    for (let i = 0; i < segments.length; i++) {
      const file = `${CHUNKS_DIR}/${segmentFileName(i)}`;
      const h = await segments[i]!.read(0, CHUNKS_HEADER_BYTES);
      if (h.length < CHUNKS_HEADER_BYTES) throw new BlockError(block, file, `truncated: ${h.length} bytes is shorter than the segment header`);
      const magic = be32At(h, 0);
      if (magic !== CHUNKS_MAGIC) throw new BlockError(block, file, `bad magic 0x${magic.toString(16)} (want 0x${CHUNKS_MAGIC.toString(16)})`);
      if (h[4] !== CHUNKS_FORMAT_V1) throw new BlockError(block, file, `unsupported chunks format version ${h[4]}`);
    }
    return new ChunkReader(segments, block, cache);
  }

  /**
   * The chunks at `refs` (any order), in that order: sorted by place, nearby ones read in one
   * range, several ranges in flight. Corruption throws as chunk() does.
   */
  async chunksBatch(refs: readonly number[]): Promise<Chunk[]> {
    const out: Chunk[] = new Array(refs.length);
    const order = this.uncached(refs, out);
    if (order.length === 0) return out;
    order.sort((a, b) => refs[a]! - refs[b]!);
    const reads: { seg: number; sorted: number[]; start: number; end: number }[] = [];
    for (let i = 0; i < order.length; ) {
      const seg = chunkRefSegment(refs[order[i]!]!);
      let j = i;
      while (j < order.length && chunkRefSegment(refs[order[j]!]!) === seg) j++;
      const sorted = order.slice(i, j);
      const offsets = sorted.map((k) => chunkRefOffset(refs[k]!));
      for (const r of partitionReads(offsets, CHUNK_ESTIMATE, CHUNKS_MAX_GAP)) reads.push({ seg, sorted: sorted.slice(r.first, r.last + 1), start: r.start, end: r.end });
      i = j;
    }
    await mapLimited(reads, READ_CONCURRENCY, async ({ seg, sorted, start, end }) => {
      const source = this.segments[seg];
      const bytes = source === undefined ? new Uint8Array(0) : await source.read(start, Math.max(0, Math.min(end, source.size) - start));
      for (const k of sorted) {
        // A chunk running past the bytes read (longer than estimated, truncated, or bad) goes the checked single path.
        const offset = chunkRefOffset(refs[k]!);
        const inRange = offset >= CHUNKS_HEADER_BYTES ? chunkIn(bytes, offset - start) : undefined;
        out[k] = inRange === undefined ? await this.chunk(refs[k]!) : this.keep(refs[k]!, inRange);
      }
    });
    return out;
  }

  /** Fills `out` from the cache; the indexes of refs still to read. */
  private uncached(refs: readonly number[], out: Chunk[]): number[] {
    const cache = this.cache;
    const missing: number[] = [];
    for (let i = 0; i < refs.length; i++) {
      const hit = cache?.get(refs[i]!);
      if (hit === undefined) missing.push(i);
      else out[i] = hit;
    }
    return missing;
  }

  /** A chunk just read from a wider range: cached as a copy of its own bytes (the range's buffer is not kept alive). */
  private keep(ref: number, c: Chunk): Chunk {
    if (this.cache === undefined) return c;
    // new Uint8Array(view) copies; a Buffer's slice() would be another view.
    const own: Chunk = { encoding: c.encoding, data: new Uint8Array(c.data) };
    this.cache.set(ref, own);
    return own;
  }

  /** The chunk at `ref` (a copy of its bytes). Throws BlockError naming the segment file on any corruption. */
  async chunk(ref: number): Promise<Chunk> {
    const seg = chunkRefSegment(ref);
    const offset = chunkRefOffset(ref);
    const file = `${CHUNKS_DIR}/${segmentFileName(seg)}`;
    const fail = (detail: string): never => {
      throw new BlockError(this.block, file, `chunk at offset ${offset}: ${detail}`);
    };
    const reader = this.readers[seg];
    if (reader === undefined) return fail(`segment ${seg} does not exist (the block has ${this.segments.length})`);
    const size = this.segments[seg]!.size;
    if (offset < CHUNKS_HEADER_BYTES || offset >= size) return fail(`offset outside the file (${size} bytes)`);
    const head = new Decbuf(await reader.read(offset, 11));
    let len: number;
    try {
      len = head.uvarint();
    } catch (err) {
      return fail(`bad length: ${(err as Error).message}`);
    }
    const dataStart = head.pos + 1;
    const bytes = await reader.read(offset, dataStart + len + 4);
    if (bytes.length < dataStart + len + 4) return fail(`truncated: needs ${dataStart + len + 4} bytes, the file ends after ${bytes.length}`);
    const want = be32At(bytes, dataStart + len);
    const got = crc32c(bytes, dataStart - 1, dataStart + len);
    if (want !== got) return fail(`CRC32 mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    const c: Chunk = { encoding: bytes[dataStart - 1]! as ChunkEncoding, data: bytes.slice(dataStart, dataStart + len) };
    return this.keep(ref, c);
  }
}

/** The chunk at `pos` in `bytes` when it lies wholly inside and its CRC32C checks, else undefined. */
function chunkIn(bytes: Uint8Array, pos: number): Chunk | undefined {
  const d = new Decbuf(bytes, pos);
  let len: number;
  try {
    len = d.uvarint();
  } catch {
    return undefined;
  }
  const dataStart = d.pos + 1;
  if (dataStart + len + 4 > bytes.length) return undefined;
  if (be32At(bytes, dataStart + len) !== crc32c(bytes, dataStart - 1, dataStart + len)) return undefined;
  return { encoding: bytes[dataStart - 1]! as ChunkEncoding, data: bytes.slice(dataStart, dataStart + len) };
}
