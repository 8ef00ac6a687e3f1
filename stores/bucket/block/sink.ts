// A buffered, append-only file writer: blocks are written front to back in large writes.
import { open, type FileHandle } from "node:fs/promises";
// The WAL's varint code is the one varint mechanism in stores/.
import { putUvarint, zigzag } from "../../head/wal/varint.js";

export class FileSink {
  private buf: Uint8Array;
  private len = 0;
  /** Bytes written through this sink so far (flushed or not): the next write's file offset. */
  offset = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    bufferBytes: number,
  ) {
    this.buf = new Uint8Array(bufferBytes);
  }

  static async create(path: string, bufferBytes = 1 << 20): Promise<FileSink> {
    return new FileSink(await open(path, "w"), path, bufferBytes);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.len + bytes.length > this.buf.length) await this.flush();
    if (bytes.length > this.buf.length) await this.fh.write(bytes, 0, bytes.length);
    else {
      this.buf.set(bytes, this.len);
      this.len += bytes.length;
    }
    this.offset += bytes.length;
  }

  /** Zero bytes up to the next multiple of `align`. */
  async pad(align: number): Promise<void> {
    const rem = this.offset % align;
    if (rem !== 0) await this.write(new Uint8Array(align - rem));
  }

  async flush(): Promise<void> {
    if (this.len === 0) return;
    await this.fh.write(this.buf, 0, this.len);
    this.len = 0;
  }

  /** Flushes, fsyncs and closes. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes without flushing (after a failure). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/** A growable byte buffer with the integer encodings the block format uses (big-endian fixed, varints). */
export class Encbuf {
  buf = new Uint8Array(256);
  len = 0;

  reset(): void {
    this.len = 0;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }

  be32(v: number): void {
    this.grow(4);
    const b = this.buf;
    b[this.len++] = v >>> 24;
    b[this.len++] = (v >>> 16) & 0xff;
    b[this.len++] = (v >>> 8) & 0xff;
    b[this.len++] = v & 0xff;
  }

  /** A non-negative safe integer as 8 big-endian bytes. */
  be64(v: number): void {
    this.be32(Math.floor(v / 0x1_0000_0000));
    this.be32(v >>> 0);
  }

  uvarint(v: number): void {
    this.grow(10);
    this.len = putUvarint(this.buf, this.len, v);
  }

  /** Go's signed varint (zigzag). */
  varint(v: number): void {
    this.uvarint(zigzag(v));
  }

  /** A uvarint length, then the UTF-8 bytes. */
  uvarintStr(s: string): void {
    const bytes = TEXT_ENCODER.encode(s);
    this.uvarint(bytes.length);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.grow(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Overwrites 4 big-endian bytes at `pos` (a length field filled in afterwards). */
  putBe32At(pos: number, v: number): void {
    const b = this.buf;
    b[pos] = v >>> 24;
    b[pos + 1] = (v >>> 16) & 0xff;
    b[pos + 2] = (v >>> 8) & 0xff;
    b[pos + 3] = v & 0xff;
  }
}

const TEXT_ENCODER = new TextEncoder();
