// Varints for safe integers (up to 2^53) without BigInt: the low bits use bitwise ops, larger values division.

/** Writes the unsigned varint of a non-negative safe integer at pos; returns the position after it. */
export function putUvarint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0x80000000) {
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    return pos;
  }
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Zigzag-maps a signed safe integer to a non-negative one (0,-1,1,-2 → 0,1,2,3). */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** A cursor over a byte range; methods throw RangeError on truncated or oversized input. */
export class ByteReader {
  buf: Uint8Array;
  pos: number;
  end: number;

  constructor(buf: Uint8Array, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  uvarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    // Up to 28 bits with bitwise ops, then multiply for the rest (at most 8 bytes for 2^53).
    for (; shift < 28; shift += 7) {
      if (pos >= this.end) throw new RangeError("truncated varint");
      const b = buf[pos++];
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    let mul = 1 << 28;
    result >>>= 0;
    for (let i = 0; i < 4; i++) {
      if (pos >= this.end) throw new RangeError("truncated varint");
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new RangeError("varint exceeds 2^53");
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    throw new RangeError("varint too long");
  }

  svarint(): number {
    return unzigzag(this.uvarint());
  }

  bytes(n: number): number {
    const start = this.pos;
    if (n < 0 || start + n > this.end) throw new RangeError("truncated bytes");
    this.pos = start + n;
    return start;
  }
}
