// Reads chunks by reference from a block's segment files (chunks/000001, …), checking the
// segment headers at open and each chunk's CRC32C on read.
import { crc32c, type Chunk, type ChunkEncoding } from "../../../storeapi/index.js";
import { BlockError, CHUNKS_DIR, CHUNKS_FORMAT_V1, CHUNKS_HEADER_BYTES, CHUNKS_MAGIC, chunkRefOffset, chunkRefSegment, segmentFileName } from "./format.js";
import { Decbuf, be32At } from "./decbuf.js";
import { WindowedReader, type ByteRangeSource } from "./source.js";

export class ChunkReader {
  private readonly readers: WindowedReader[];

  private constructor(
    private readonly segments: readonly ByteRangeSource[],
    readonly block: string,
  ) {
    this.readers = segments.map((s) => new WindowedReader(s));
  }

  /** `segments` in file order (000001 first). */
  static async open(segments: readonly ByteRangeSource[], block: string): Promise<ChunkReader> {
    for (let i = 0; i < segments.length; i++) {
      const file = `${CHUNKS_DIR}/${segmentFileName(i)}`;
      const h = await segments[i]!.read(0, CHUNKS_HEADER_BYTES);
      if (h.length < CHUNKS_HEADER_BYTES) throw new BlockError(block, file, `truncated: ${h.length} bytes is shorter than the segment header`);
      const magic = be32At(h, 0);
      if (magic !== CHUNKS_MAGIC) throw new BlockError(block, file, `bad magic 0x${magic.toString(16)} (want 0x${CHUNKS_MAGIC.toString(16)})`);
      if (h[4] !== CHUNKS_FORMAT_V1) throw new BlockError(block, file, `unsupported chunks format version ${h[4]}`);
    }
    return new ChunkReader(segments, block);
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
    return { encoding: bytes[dataStart - 1]! as ChunkEncoding, data: bytes.slice(dataStart, dataStart + len) };
  }
}
