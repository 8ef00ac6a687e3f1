// Closed chunks' bytes packed into shared slabs, so a closed chunk costs its bytes
// plus four numbers instead of a Uint8Array and an ArrayBuffer of its own (which
// together weigh more than a typical 120-sample chunk). Slab space is never
// reused: a slab is let go once every chunk in it is dropped, and a reader's view
// of a chunk stays valid (it keeps its slab alive) whatever happens after.

import type { Chunk, ChunkEncoding } from "../../storeapi/index.js";
import { ByteSlab } from "./series.js";

const SLAB_BYTES = 1 << 20;
/** A handle is slab * SLAB_SPAN + offset: exact in a double for 2^32 slabs. */
const SLAB_SPAN = 2 ** 21;

export class ChunkArena {
  private readonly slabs: (Uint8Array | undefined)[] = [];
  /** Bytes of live chunks in each slab. */
  private readonly live: number[] = [];
  private current = -1;
  private used = SLAB_BYTES;
  private liveBytes = 0;
  private slabCount = 0;
  /** Open chunks' first buffers; a block goes (by the GC) once no chunk started in it still uses it. */
  private readonly openBuffers = new ByteSlab();

  /**
   * Where n zeroed bytes for a new open chunk to write into start in openChunkBlock(), a shared
   * block: a Uint8Array of its own (or a view) would be more objects per series for every scavenge to copy.
   */
  reserveOpenChunkBytes(n: number): number {
    return this.openBuffers.reserve(n);
  }

  /** The block reserveOpenChunkBytes() cut from last. */
  openChunkBlock(): Uint8Array {
    return this.openBuffers.current;
  }

  /** Copies bytes in; returns the handle to read or free them by. */
  store(bytes: Uint8Array): number {
    if (bytes.length > SLAB_SPAN) throw new RangeError(`chunk of ${bytes.length} bytes is larger than a slab can address`);
    if (this.used + bytes.length > SLAB_BYTES) this.nextSlab(bytes.length);
    const slab = this.slabs[this.current]!;
    slab.set(bytes, this.used);
    const handle = this.current * SLAB_SPAN + this.used;
    this.used += bytes.length;
    this.live[this.current]! += bytes.length;
    this.liveBytes += bytes.length;
    return handle;
  }

  /** A view of stored bytes (no copy; the bytes never change). */
  view(handle: number, length: number): Uint8Array {
    const slab = Math.floor(handle / SLAB_SPAN);
    const offset = handle - slab * SLAB_SPAN;
    return this.slabs[slab]!.subarray(offset, offset + length);
  }

  /** Stored bytes as a chunk read by place: its view is made only if `data` is asked for. */
  chunk(handle: number, length: number, encoding: ChunkEncoding, maxGap: number): Chunk {
    const slab = Math.floor(handle / SLAB_SPAN);
    return new ArenaChunkRead(encoding, this.slabs[slab]!.buffer, handle - slab * SLAB_SPAN, length, maxGap);
  }

  /** Marks stored bytes dead; the slab goes once all of its bytes are dead. */
  free(handle: number, length: number): void {
    const slab = Math.floor(handle / SLAB_SPAN);
    this.live[slab]! -= length;
    this.liveBytes -= length;
    if (this.live[slab] === 0 && slab !== this.current) {
      this.slabs[slab] = undefined;
      this.slabCount--;
    }
  }

  /** Bytes of live chunks. */
  bytes(): number {
    return this.liveBytes;
  }

  /** Bytes the slabs hold, live or not. */
  allocatedBytes(): number {
    let n = 0;
    for (const s of this.slabs) if (s !== undefined) n += s.length;
    return n;
  }

  slabsHeld(): number {
    return this.slabCount;
  }

  private nextSlab(need: number): void {
    const prev = this.current;
    if (prev >= 0 && this.live[prev] === 0) {
      this.slabs[prev] = undefined;
      this.slabCount--;
    }
    this.current = this.slabs.length;
    // Shared memory: a query's window workers read the chunks in place instead of copies.
    this.slabs.push(new Uint8Array(new SharedArrayBuffer(Math.max(SLAB_BYTES, need))));
    this.live.push(0);
    this.used = 0;
    this.slabCount++;
  }
}

/**
 * A closed chunk as a read hands it out: its place in a slab, not a view. A query keeps its chunks
 * by place (the engine's ChunkTable), so the view (~110 heap bytes) and the scavenges that copied
 * it per chunk were wasted; whoever wants the bytes still gets them from `data`.
 */
class ArenaChunkRead implements Chunk {
  constructor(
    readonly encoding: ChunkEncoding,
    readonly placedIn: ArrayBufferLike,
    readonly placedAt: number,
    readonly placedLength: number,
    readonly maxGap: number,
  ) {}

  get data(): Uint8Array {
    return new Uint8Array(this.placedIn, this.placedAt, this.placedLength);
  }
}
