// Reading the block format's integers from bytes; every overrun is a RangeError the readers
// turn into a BlockError naming the file.
import { ByteReader } from "../../head/wal/varint.js";

const TEXT_DECODER = new TextDecoder("utf-8", { fatal: true });

export class Decbuf extends ByteReader {
  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    super(buf, pos, end);
  }

  be32(): number {
    if (this.pos + 4 > this.end) throw new RangeError("truncated 4-byte integer");
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** An 8-byte big-endian integer; beyond 2^53 is an error. */
  be64(): number {
    const hi = this.be32();
    const lo = this.be32();
    if (hi > 0x1fffff) throw new RangeError("8-byte integer exceeds 2^53");
    return hi * 0x1_0000_0000 + lo;
  }

  byte(): number {
    if (this.pos >= this.end) throw new RangeError("truncated byte");
    return this.buf[this.pos++]!;
  }

  /** Go's signed varint (zigzag). */
  varint(): number {
    return this.svarint();
  }

  /** A uvarint length, then that many UTF-8 bytes. */
  uvarintStr(): string {
    const n = this.uvarint();
    const start = this.bytes(n);
    return TEXT_DECODER.decode(this.buf.subarray(start, start + n));
  }

  remaining(): number {
    return this.end - this.pos;
  }
}

/** Big-endian uint32 at `pos`. */
export function be32At(b: Uint8Array, pos: number): number {
  return ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
}
