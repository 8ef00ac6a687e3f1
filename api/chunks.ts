// A byte writer that fills Buffers of about CHUNK_BYTES and hands each out whole, so a large
// response streams in chunks without building strings. Each chunk is a fresh Buffer: the socket
// may still hold the last one when the next is written.
import { writeAscii } from "./format.js";

/** A chunk is handed out once it holds this many bytes. */
export const CHUNK_BYTES = 64 * 1024;
/** Room past CHUNK_BYTES for one point, so the hot loops check for a full chunk once a point. */
export const POINT_ROOM = 256;

export class ChunkWriter {
  buf: Buffer;
  pos = 0;

  /** `expectedBytes`: about how much will be written, so a small answer gets a small first chunk. */
  constructor(expectedBytes = CHUNK_BYTES) {
    this.buf = Buffer.allocUnsafe(Math.min(expectedBytes, CHUNK_BYTES) + POINT_ROOM);
  }

  get full(): boolean {
    return this.pos >= CHUNK_BYTES;
  }

  /** Where the hot loops stop to take or grow: POINT_ROOM short of the buffer's end. */
  get limit(): number {
    return this.buf.length - POINT_ROOM;
  }

  /** The bytes written since the last take; writing goes on in a new Buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES + POINT_ROOM);
    this.pos = 0;
    return out;
  }

  /** The bytes written since the last take, when nothing more will be written. */
  last(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** At the limit of a first chunk smaller than CHUNK_BYTES: a buffer twice as big (at most CHUNK_BYTES), the bytes copied. */
  grow(): void {
    this.room(Math.min(this.buf.length, CHUNK_BYTES + POINT_ROOM - this.pos));
  }

  /** Room for n more bytes, in a bigger Buffer (the written bytes copied) when this one lacks it. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(this.pos + n + POINT_ROOM);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  ascii(s: string): void {
    this.room(s.length);
    this.pos = writeAscii(this.buf, this.pos, s);
  }

  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }
}
